//! The playground: static files (`www/` at `/`, the SDK web build at `/sdk/`) and browser
//! sessions (`POST /v1/session` with a key -> a short-lived token; `DELETE` signs out).
use std::path::{Path as FsPath, PathBuf};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::sessions::SESSION_TTL;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct SignIn {
    api_key: String,
}

/// `POST /v1/session {"api_key"}` -> `{"token", "expires_in", "team_name"}`. The token works as a
/// bearer key for this team until it expires; the key itself never reaches the page again.
pub async fn sign_in(State(state): State<AppState>, JsonBody(body): JsonBody<SignIn>) -> ApiResult<Json<Value>> {
    let key = body.api_key.trim();
    let caller = state.keys.caller(key).ok_or_else(|| ApiError::unauthorized("Invalid API key"))?;
    let team_name = caller.team_name.clone();
    let token = state.sessions.issue(caller, key);
    Ok(Json(json!({ "token": token, "expires_in": SESSION_TTL.as_secs(), "team_name": team_name })))
}

pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> StatusCode {
    if let Some(token) = crate::auth::bearer(&headers) {
        state.sessions.revoke(token);
    }
    StatusCode::NO_CONTENT
}

fn content_type(path: &FsPath) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A file under `dir`, by a relative path of plain segments only (no `..`, no hidden files).
async fn serve(dir: PathBuf, rel: &str) -> Response {
    let safe = !rel.is_empty()
        && rel.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        });
    if !safe {
        return ApiError::not_found("Not found").into_response();
    }
    let path = dir.join(rel);
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, content_type(&path)), (header::CACHE_CONTROL, "no-cache")], bytes).into_response()
        }
        Err(_) => ApiError::not_found("Not found").into_response(),
    }
}

fn root_of(state: &AppState) -> Result<PathBuf, Response> {
    state
        .static_root
        .clone()
        .ok_or_else(|| ApiError::not_found("The playground is not served (start with --static-root)").into_response())
}

pub async fn index(State(state): State<AppState>) -> Response {
    match root_of(&state) {
        Ok(root) => serve(root.join("www"), "index.html").await,
        Err(r) => r,
    }
}

pub async fn www_file(State(state): State<AppState>, Path(rel): Path<String>) -> Response {
    match root_of(&state) {
        Ok(root) => serve(root.join("www"), &rel).await,
        Err(r) => r,
    }
}

/// `/examples/agents/*`: the example agents, which the playground runs in the browser.
pub async fn example_file(State(state): State<AppState>, Path(rel): Path<String>) -> Response {
    match (root_of(&state), rel.strip_prefix("agents/")) {
        (Ok(root), Some(rest)) => serve(root.join("examples").join("agents"), rest).await,
        (Err(r), _) => r,
        (_, None) => ApiError::not_found("Not found").into_response(),
    }
}

/// `/sdk/js/*` and `/sdk/dist/web/*`: the package's browser entry and its wasm build.
pub async fn sdk_file(State(state): State<AppState>, Path(rel): Path<String>) -> Response {
    let root = match root_of(&state) {
        Ok(root) => root,
        Err(r) => return r,
    };
    if let Some(rest) = rel.strip_prefix("js/") {
        serve(root.join("js"), rest).await
    } else if let Some(rest) = rel.strip_prefix("dist/web/") {
        serve(root.join("dist").join("web"), rest).await
    } else {
        ApiError::not_found("Not found").into_response()
    }
}
