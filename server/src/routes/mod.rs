//! The HTTP surface: control plane under `/v1`, plus `/health`.
mod account;
mod tasks;

use axum::http::{header, Method, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Request bodies above this are refused with 413 (verifier bundles are the largest bodies).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    // Browsers on other origins (the wasm tests, a dashboard in development) may call the API
    // with a bearer key; no cookies are involved, so any origin is allowed.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers(Any)
        .expose_headers([header::RETRY_AFTER]);
    Router::new()
        .route("/health", get(health))
        .route("/v1/account", get(account::get_account))
        .route("/v1/tasks", get(tasks::list_tasks))
        .route("/v1/tasks/{task_key}", get(tasks::get_task))
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(cors)
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "service": "flotilla-server", "version": env!("CARGO_PKG_VERSION") }))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Not found")
}
