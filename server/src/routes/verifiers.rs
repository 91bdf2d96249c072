//! `/v1/verifiers`: check a bundle, execute a verifier against an instance, read a task's verifier.
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::events::EventData;
use crate::keys::Caller;
use crate::state::AppState;
use crate::store::ExecutionRow;
use crate::time::now_iso;
use crate::verify::{is_sha256, Job};

/// `GET /v1/verifiers/check?sha256=`: 200 `{"success": false}` for unknown bundles, never a 404
/// (fleet-python would retry a 404 for seconds).
pub async fn check(State(state): State<AppState>, caller: Caller, RawQuery(query): RawQuery) -> ApiResult<Json<Value>> {
    let sha = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "sha256")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !is_sha256(&sha) {
        return Err(ApiError::bad_request("sha256 must be 64 hexadecimal characters"));
    }
    Ok(Json(json!({ "success": state.verifier.has_bundle(&caller.team_id, &sha) })))
}

#[derive(Deserialize)]
pub struct ExecuteRequest {
    key: String,
    sha256: String,
    args: String,
    #[serde(default)]
    args_array: Vec<Value>,
    function_name: String,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    bundle: Option<String>,
}

/// The longest a verifier may run, whatever the request asks.
const MAX_TIMEOUT_SECONDS: u64 = 600;

/// `POST /v1/verifiers/execute` (§7.4).
pub async fn execute(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<ExecuteRequest>,
) -> ApiResult<Json<Value>> {
    if !is_sha256(&req.sha256) {
        return Err(ApiError::bad_request("sha256 must be 64 hexadecimal characters"));
    }
    if !req.function_name.chars().all(|c| c.is_alphanumeric() || c == '_') || req.function_name.is_empty() {
        return Err(ApiError::bad_request("function_name must be a Python identifier"));
    }
    let instance_id = req
        .args_array
        .last()
        .and_then(|m| m.get("env"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("args_array must end with the {\"env\": instance_id} marker"))?;
    let instance = state
        .store
        .get_instance(&caller.team_id, instance_id)?
        .ok_or_else(|| ApiError::not_found(format!("Instance '{instance_id}' not found")))?;
    if instance.status != "running" {
        return Err(ApiError::bad_request(format!("Instance '{instance_id}' is {}, not running", instance.status)));
    }
    // The bundle is kept only for a call that can run: nothing is stored for a bogus instance.
    match &req.bundle {
        Some(bundle) if bundle.len() > crate::verify::MAX_BUNDLE_BYTES / 3 * 4 + 8 => {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                format!("bundle is larger than {} MiB", crate::verify::MAX_BUNDLE_BYTES >> 20),
            ))
        }
        Some(bundle) => {
            state.verifier.store_bundle(&caller.team_id, &req.sha256, bundle).map_err(ApiError::bad_request)?
        }
        None if !state.verifier.has_bundle(&caller.team_id, &req.sha256) => {
            return Err(ApiError::bad_request("Bundle not found"))
        }
        None => {}
    }
    let timeout = req.timeout.unwrap_or(30).clamp(1, MAX_TIMEOUT_SECONDS);
    let job = Job {
        team_id: &caller.team_id,
        sha256: &req.sha256,
        function_name: &req.function_name,
        args: &req.args,
        timeout: Duration::from_secs(timeout),
        instance_id,
    };
    let mut answer = state
        .verifier
        .execute(job)
        .await
        .map_err(|_| ApiError::busy("every verifier worker is busy and the queue is full; retry later", 2))?;
    answer["key"] = json!(req.key);
    answer["bundle_cache_hit"] = json!(req.bundle.is_none());
    answer["created_at"] = json!(now_iso());
    answer["comment"] = Value::Null;
    answer["display_src"] = Value::Null;
    if let Some(task) = state.store.get_task(&caller.team_id, &req.key)? {
        answer["version"] = json!(task.verifier_version);
        answer["verifier_id"] = json!(task.verifier_id.unwrap_or_else(|| format!("ver_{}", task.key)));
        answer["display_src"] = json!(task.verifier_code);
    }
    record(&state, &caller, &req.key, instance_id, &answer)?;
    tracing::info!(instance = %instance_id, key = %req.key, success = %answer["success"], "verifier ran");
    Ok(Json(answer))
}

/// The score of a verifier's result as fleet-python computes it: a number, a boolean, a numeric
/// string, the `score` of an object; nothing for anything else.
fn score_of(result: &Value) -> Option<f64> {
    match result {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(m) => m.get("score").and_then(score_of),
        _ => None,
    }
}

/// Keeps the execution, so a session can be completed with its `execution_id` (§9).
fn record(state: &AppState, caller: &Caller, key: &str, instance_id: &str, answer: &Value) -> ApiResult<()> {
    let Some(execution_id) = answer["execution_id"].as_str() else { return Ok(()) };
    let success = answer["success"].as_bool() == Some(true);
    let row = ExecutionRow {
        execution_id: execution_id.to_string(),
        team_id: caller.team_id.clone(),
        task_key: Some(key.to_string()),
        instance_id: Some(instance_id.to_string()),
        success,
        score: if success { score_of(&answer["result"]) } else { None },
        stdout: answer["stdout"].as_str().map(str::to_string),
        execution_time_ms: answer["execution_time_ms"].as_i64().unwrap_or(0),
        result: Some(answer["result"].clone()).filter(|r| !r.is_null()),
        created_at: now_iso(),
        error: Some(answer["error"].clone()).filter(|e| !success && !e.is_null()),
    };
    state.store.record_execution(&row)?;
    let mut event = EventData::new("verifier.executed");
    event.execution_id = Some(row.execution_id);
    event.task_key = row.task_key;
    event.instance_id = row.instance_id;
    event.success = Some(row.success);
    event.score = row.score;
    state.events.publish(&caller.team_id, &event);
    Ok(())
}

/// `GET /v1/verifiers/{id}`: the verifier of one of the caller's tasks.
pub async fn get_verifier(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let task = state
        .store
        .list_tasks(&caller.team_id, &Default::default())?
        .into_iter()
        .find(|t| t.verifier_id.as_deref() == Some(id.as_str()) || t.key == id)
        .filter(|t| t.verifier_code.is_some())
        .ok_or_else(|| ApiError::not_found(format!("Verifier '{id}' not found")))?;
    let code = task.verifier_code.unwrap_or_default();
    Ok(Json(json!({
        "verifier_id": task.verifier_id, "key": task.key, "version": task.verifier_version,
        "code": code, "sha256": null, "created_at": task.created_at,
    })))
}
