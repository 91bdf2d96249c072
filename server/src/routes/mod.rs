//! The HTTP surface: control plane under `/v1`, instance runners and apps under `/i/{id}/`,
//! the playground at `/`, and `/health`.
mod access_log;
mod account;
mod body_deadline;
mod envs;
mod events;
pub mod headers;
pub mod instances;
mod projects;
mod sessions;
pub mod tasks;
mod traces;
mod verifiers;
mod web;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::error::ApiError;
use crate::state::AppState;

/// Request bodies above this are refused with 413 (verifier bundles are the largest bodies).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    // Pages of other origins may call the API only when the operator lists them
    // (`--cors-origin`): a page a user happens to open cannot use a key or token it got hold of
    // from its own origin. This server's own pages are same-origin and need no CORS.
    let listed: Vec<HeaderValue> = state.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(listed))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers(Any)
        .expose_headers([header::RETRY_AFTER]);
    let control = Router::new()
        .route("/v1/account", get(account::get_account))
        .route("/v1/tasks", get(tasks::list_tasks).post(tasks::import_task))
        .route("/v1/tasks/projects", get(projects::list_projects))
        .route("/v1/tasks/{task_key}", get(tasks::get_task).put(tasks::update_task))
        .route("/v1/env/", get(envs::list_envs))
        .route("/v1/env/runs", get(envs::list_runs))
        .route("/v1/env/instances", post(instances::create).get(instances::list))
        .route("/v1/env/instances/batch", delete(instances::close_batch))
        .route("/v1/env/instances/{id}", get(instances::get_one).delete(instances::close))
        .route("/v1/env/instances/{id}/heartbeat", post(instances::heartbeat))
        .route("/v1/env/{env_key}", get(envs::get_env))
        .route("/v1/regions", get(envs::list_regions))
        .route("/v1/runner-auth/token", get(envs::runner_token))
        .route("/v1/verifiers/check", get(verifiers::check))
        .route("/v1/verifiers/execute", post(verifiers::execute))
        .route("/v1/verifiers/{id}", get(verifiers::get_verifier))
        .route("/v1/session", post(web::sign_in).delete(web::sign_out))
        .route("/v1/traces/jobs", post(traces::create_trace_job))
        .route("/v1/traces/logs", post(traces::log))
        .route("/v1/sessions/ingest", post(traces::ingest_session))
        .route("/v1/sessions/job/{job_id}", get(sessions::job_sessions))
        .route("/v1/sessions/{session_id}/transcript", get(sessions::transcript))
        .route("/v1/jobs", get(traces::list_jobs).post(traces::create_job))
        .route("/v1/jobs/{job_id}", get(traces::get_job))
        .route("/v1/flotilla/events", get(events::stream));
    // A route that panics, for the test that proves a panic fails one request only. Mounted only
    // when the server is started with FLOTILLA_TEST_PANIC_ROUTE=1 (never by default).
    let hooks = if std::env::var_os("FLOTILLA_TEST_PANIC_ROUTE").is_some_and(|v| v == "1") {
        Router::new().route("/__test/panic", get(test_panic))
    } else {
        Router::new()
    };
    Router::new()
        .merge(hooks)
        .route("/health", get(health))
        .route("/", get(web::index))
        .route("/www/{*path}", get(web::www_file))
        .route("/sdk/{*path}", get(web::sdk_file))
        .route("/examples/{*path}", get(web::example_file))
        .merge(control)
        .merge(crate::manager::router())
        .merge(crate::demo::app::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(body_deadline::body_deadline))
        .layer(cors)
        .layer(axum::middleware::from_fn(headers::json_errors))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(axum::middleware::from_fn(access_log::access_log))
        // Last line of defence: a panic (a bug) fails its own request with a JSON 500, and the
        // server goes on serving everyone else.
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "service": "flotilla-server", "version": env!("CARGO_PKG_VERSION") }))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "Not found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed on this path")
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    tracing::error!("a request handler panicked; the request failed, the server goes on");
    axum::response::IntoResponse::into_response(ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server hit a bug handling this request; nothing else was affected",
    ))
}

async fn test_panic() -> ApiError {
    panic!("the test hook panicked on purpose")
}
