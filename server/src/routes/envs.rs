//! The catalog (`GET /v1/env/`, `GET /v1/env/{key}`), regions, and runs.
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use crate::catalog::EnvironmentSpec;
use crate::error::{ApiError, ApiResult};
use crate::instances::lifecycle::REGIONS;
use crate::keys::Caller;
use crate::state::AppState;

fn environment_json(env: &EnvironmentSpec) -> Value {
    let versions: serde_json::Map<String, Value> =
        env.versions.iter().map(|(k, v)| (k.clone(), Value::String(v.label()))).collect();
    json!({
        "env_key": env.env_key,
        "name": env.name,
        "description": env.description,
        "default_version": env.default_version,
        "versions": versions,
    })
}

pub async fn list_envs(State(state): State<AppState>, _caller: Caller) -> Json<Vec<Value>> {
    Json(state.catalog.environments.iter().map(environment_json).collect())
}

pub async fn get_env(
    State(state): State<AppState>,
    _caller: Caller,
    Path(env_key): Path<String>,
) -> ApiResult<Json<Value>> {
    let env =
        state.catalog.get(&env_key).ok_or_else(|| ApiError::not_found(format!("Environment '{env_key}' not found")))?;
    Ok(Json(environment_json(env)))
}

pub async fn list_regions(_caller: Caller) -> Json<&'static [&'static str]> {
    Json(REGIONS)
}

/// `GET /v1/env/runs?profile_id=&active=active|inactive|all` (protocol §5.3: the key is `active`).
pub async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Value>>> {
    let mut profile_id = None;
    let mut active = "active".to_string();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "profile_id" if !v.is_empty() => {
                profile_id = Some(if v == "self" { caller.profile_id.clone() } else { v.into_owned() })
            }
            "active" | "status" => active = v.into_owned(),
            _ => {}
        }
    }
    if !matches!(active.as_str(), "active" | "inactive" | "all") {
        return Err(ApiError::bad_request(format!("active must be active, inactive or all, got '{active}'")));
    }
    let runs = state.store.runs(&caller.team_id, profile_id.as_deref(), &active)?;
    Ok(Json(
        runs.into_iter()
            .map(|r| {
                json!({
                    "run_id": r.run_id, "running_count": r.running_count, "total_count": r.total_count,
                    "first_created_at": r.first_created_at, "last_created_at": r.last_created_at,
                    "profile_id": r.profile_id,
                })
            })
            .collect(),
    ))
}

/// `GET /v1/runner-auth/token`: the token instance runners accept as `X-Runner-Token`.
pub async fn runner_token(
    State(state): State<AppState>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let credential = crate::auth::bearer(&headers).unwrap_or_default();
    state.runner_tokens.prune(|c| crate::auth::resolve(&state, c).is_some());
    Ok(Json(json!({ "token": state.runner_tokens.mint(credential) })))
}
