//! The instance manager API (protocol §8), under `/i/{id}/api/v1/env`: resources, SQL, reset,
//! health and the structured diff. Every call needs an `X-Runner-Token` of the instance's team (`crate::runner_tokens`) or of
//! a verification running against it.
mod diff;
pub mod guard;
pub mod sqlite;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::InstanceRow;
use crate::time::now_iso;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/i/{id}/api/v1/env/resources", get(resources))
        .route("/i/{id}/api/v1/env/resources/sqlite/{name}/query", post(query))
        .route("/i/{id}/api/v1/env/resources/sqlite/{name}/describe", get(describe))
        .route("/i/{id}/api/v1/env/reset", post(reset))
        .route("/i/{id}/api/v1/env/health", get(health))
        .route("/i/{id}/api/v1/env/diff/structured", post(diff_structured))
}

/// The live instance behind a runner call, after checking the runner token.
pub fn authorize(state: &AppState, id: &str, headers: &HeaderMap) -> ApiResult<InstanceRow> {
    let row = state
        .store
        .get_instance_any_team(id)?
        .filter(|r| r.status == "running")
        .ok_or_else(|| ApiError::not_found(format!("Instance '{id}' not found or not running")))?;
    let given = headers.get("x-runner-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let team_token = || crate::auth::runner_team(state, given).is_some_and(|team| team == row.team_id);
    if !state.verifier.token_reaches(given, id) && !team_token() {
        // Same answer as an unknown id: a token of another team learns nothing.
        return Err(ApiError::not_found(format!("Instance '{id}' not found or not running")));
    }
    Ok(row)
}

async fn resources(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    authorize(&state, &id, &headers)?;
    Ok(Json(json!([
        { "name": "current", "type": "sqlite", "mode": "rw", "label": "The live database" },
        { "name": "seed", "type": "sqlite", "mode": "ro", "label": "The database as seeded" },
    ])))
}

async fn query(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<sqlite::QueryRequest>,
) -> ApiResult<Json<Value>> {
    authorize(&state, &id, &headers)?;
    let db = sqlite::Resource::parse(&name)?;
    let dir = state.instances.dir(&id);
    let result = tokio::task::spawn_blocking(move || sqlite::run_query(&dir, db, &req))
        .await
        .map_err(|e| ApiError::internal("query task failed", e))??;
    Ok(Json(result))
}

async fn describe(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    authorize(&state, &id, &headers)?;
    let db = sqlite::Resource::parse(&name)?;
    Ok(Json(sqlite::describe(&state.instances.dir(&id), db)?))
}

/// `POST /reset` body: `{"timestamp": int|null, "seed": int|null}` (fleet-python's
/// `env.reset(seed, timestamp)`), or none at all (`env.instance.reset()`).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(default)]
    seed: Option<i64>,
}

/// Puts `current.db` back to the seed. The apps this server runs are deterministic and read the
/// real clock, so a `seed` or `timestamp` is checked (integers) and named in the answer, and
/// changes nothing else.
async fn reset(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    authorize(&state, &id, &headers)?;
    // Read after the token is checked: a caller without one learns nothing from the body.
    let request: ResetRequest = crate::body::parse_json(&body)?;
    // Off the async threads: a reset may wait on the instance's running queries.
    let dir = state.instances.dir(&id);
    tokio::task::spawn_blocking(move || sqlite::reset(&dir))
        .await
        .map_err(|e| ApiError::internal("reset task failed", e))??;
    let mut message = "current database reset to the seed".to_string();
    if let Some(seed) = request.seed {
        message.push_str(&format!("; seed {seed} accepted (this app draws no random numbers)"));
    }
    if let Some(timestamp) = request.timestamp {
        message.push_str(&format!("; timestamp {timestamp} accepted (this app keeps the real clock)"));
    }
    Ok(Json(json!({ "success": true, "message": message })))
}

async fn health(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    authorize(&state, &id, &headers)?;
    Ok(Json(json!({ "status": "healthy", "timestamp": now_iso(), "service": "flotilla-runner" })))
}

async fn diff_structured(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<diff::DiffRequest>,
) -> ApiResult<Json<Value>> {
    authorize(&state, &id, &headers)?;
    let dir = state.instances.dir(&id);
    let result = tokio::task::spawn_blocking(move || diff::structured(&dir, &req))
        .await
        .map_err(|e| ApiError::internal("diff task failed", e))??;
    Ok(Json(result))
}
