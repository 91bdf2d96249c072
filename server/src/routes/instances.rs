//! `/v1/env/instances`: create, read, list, close, close in batch, heartbeat (protocol §5).
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::instances::lifecycle::{self, CreateRequest};
use crate::keys::Caller;
use crate::state::AppState;
use crate::store::{InstanceFilter, InstanceRow};
use crate::time::{iso_from_epoch, now_epoch, now_iso};

/// Where an instance's manager ("runner") API lives: `urls.manager.api`.
pub fn manager_url(base_url: &str, instance_id: &str) -> String {
    format!("{base_url}/i/{instance_id}/api/v1/env")
}

/// The `InstanceResponse` of §5.2, with every URL the client uses.
pub fn instance_json(row: &InstanceRow, base_url: &str) -> Value {
    let root = format!("{base_url}/i/{}/", row.instance_id);
    let manager = manager_url(base_url, &row.instance_id);
    json!({
        "instance_id": row.instance_id,
        "env_key": row.env_key,
        "version": row.version,
        "status": row.status,
        "subdomain": row.instance_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "terminated_at": row.terminated_at,
        "team_id": row.team_id,
        "region": row.region,
        "env_variables": row.env_variables,
        "data_key": row.data_key,
        "data_version": row.data_version,
        "urls": {
            "root": root,
            "app": [format!("{root}app/")],
            "api": format!("{root}app/api"),
            "health": format!("{manager}/health"),
            "api_docs": null,
            "manager": {
                "api": manager,
                "docs": format!("{manager}/docs"),
                "reset": format!("{manager}/reset"),
                "diff": format!("{manager}/diff/structured"),
                "snapshot": format!("{manager}/resources"),
                "execute_verifier_function": format!("{manager}/execute_verifier_function"),
                "execute_verifier_function_with_upload": format!("{manager}/execute_verifier_function_with_upload"),
            },
        },
        "health": row.status == "running",
        "run_id": row.run_id,
        "profile_id": row.profile_id,
        "heartbeat_interval": row.heartbeat_interval,
        "heartbeat_region": row.heartbeat_interval.map(|_| row.region.clone()),
        "ttl_seconds": row.ttl_seconds,
        "deadline_timestamp": row.deadline,
        "last_heartbeat": row.last_heartbeat.map(iso_from_epoch),
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Instance '{id}' not found"))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CreateRequest>,
) -> ApiResult<Json<Value>> {
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_string);
    let row = state.instances.create(&caller, req, request_id).await?;
    Ok(Json(instance_json(&row, &state.base_url)))
}

pub async fn get_one(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let row = state.store.get_instance(&caller.team_id, &id)?.ok_or_else(|| not_found(&id))?;
    Ok(Json(instance_json(&row, &state.base_url)))
}

fn filter_from_query(query: Option<String>, caller: &Caller) -> InstanceFilter {
    let mut f = InstanceFilter::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if v.is_empty() {
            continue;
        }
        let v = v.into_owned();
        match k.as_ref() {
            "status" => f.status = Some(v),
            "region" => f.region = Some(v),
            "run_id" => f.run_id = Some(v),
            "profile_id" => f.profile_id = Some(if v == "self" { caller.profile_id.clone() } else { v }),
            _ => {}
        }
    }
    f
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Value>>> {
    let filter = filter_from_query(query, &caller);
    let rows = state.store.list_instances(&caller.team_id, &filter)?;
    Ok(Json(rows.iter().map(|r| instance_json(r, &state.base_url)).collect()))
}

/// `DELETE /v1/env/instances/{id}`: stops the instance; closing a stopped one is a no-op.
pub async fn close(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let row = state.store.get_instance(&caller.team_id, &id)?.ok_or_else(|| not_found(&id))?;
    if matches!(row.status.as_str(), "pending" | "running") {
        state.instances.stop(&id, "stopped", "closed").await?;
    }
    let row = state.store.get_instance(&caller.team_id, &id)?.ok_or_else(|| not_found(&id))?;
    Ok(Json(instance_json(&row, &state.base_url)))
}

/// `DELETE /v1/env/instances/batch?run_id=&profile_id=`: stops the caller's live instances of a
/// run or a profile (`self` = the caller's).
pub async fn close_batch(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<Value>>> {
    let mut filter = filter_from_query(query, &caller);
    if filter.run_id.is_none() && filter.profile_id.is_none() {
        return Err(ApiError::bad_request("Give run_id or profile_id to close instances in batch"));
    }
    filter.status = None;
    let mut closed = Vec::new();
    for row in state.store.list_instances(&caller.team_id, &filter)? {
        if matches!(row.status.as_str(), "pending" | "running") {
            state.instances.stop(&row.instance_id, "stopped", "closed").await?;
            if let Some(row) = state.store.get_instance(&caller.team_id, &row.instance_id)? {
                closed.push(instance_json(&row, &state.base_url));
            }
        }
    }
    Ok(Json(closed))
}

/// `POST /v1/env/instances/{id}/heartbeat`: pushes the deadline three intervals ahead. A stopped
/// instance answers 410 Gone, which tells a heartbeat loop to stop.
pub async fn heartbeat(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(_body): JsonBody<serde_json::Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let row = state.store.get_instance(&caller.team_id, &id)?.ok_or_else(|| not_found(&id))?;
    let now = now_epoch();
    let deadline = match row.heartbeat_interval {
        Some(_) => lifecycle::deadline(row.created_epoch, row.ttl_seconds, row.heartbeat_interval, Some(now)),
        None => row.deadline,
    };
    if !state.store.record_heartbeat(&id, now, deadline, &now_iso())? {
        return Err(ApiError::new(
            StatusCode::GONE,
            format!("Instance '{id}' is {}: it no longer accepts heartbeats", row.status),
        ));
    }
    let enabled = row.heartbeat_interval.is_some();
    Ok(Json(json!({
        "success": true,
        "instance_id": id,
        "last_heartbeat": enabled.then(|| iso_from_epoch(now)),
        "deadline_timestamp": if enabled { deadline } else { None },
        "interval_seconds": row.heartbeat_interval,
    })))
}
