//! Reading the record back (protocol §9): `GET /v1/sessions/job/{job_id}` (sessions grouped by
//! task, with pass rates) and `GET /v1/sessions/{id}/transcript`.
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::keys::Caller;
use crate::state::AppState;
use crate::store::{ExecutionRow, SessionRow};

/// A session passes when its verifier ran and scored (at least) 1.
pub fn passed(execution: Option<&ExecutionRow>) -> bool {
    execution.is_some_and(|e| e.success && e.score.is_some_and(|s| s >= 1.0 - 1e-9))
}

fn execution_json(e: &ExecutionRow) -> Value {
    json!({
        "success": e.success, "score": e.score, "stdout": e.stdout,
        "execution_time_ms": e.execution_time_ms, "result": e.result, "execution_id": e.execution_id,
        "error": e.error,
    })
}

fn task_json(state: &AppState, team_id: &str, key: &str) -> ApiResult<Value> {
    Ok(match state.store.get_task(team_id, key)? {
        Some(t) => json!({
            "key": t.key, "prompt": t.prompt, "env_id": t.environment_id, "env_variables": t.env_variables,
            "created_at": t.created_at, "version": t.version, "verifier_func": t.verifier_code,
            "verifier_id": t.verifier_id, "metadata": t.metadata,
        }),
        None => Value::Null,
    })
}

fn instance_json(state: &AppState, team_id: &str, id: Option<&str>) -> ApiResult<Value> {
    let Some(id) = id else { return Ok(Value::Null) };
    Ok(match state.store.get_instance(team_id, id)? {
        Some(i) => json!({
            "instance_id": i.instance_id, "env_key": i.env_key, "version": i.version, "status": i.status,
            "subdomain": i.instance_id, "created_at": i.created_at, "updated_at": i.updated_at,
            "terminated_at": i.terminated_at, "team_id": i.team_id, "region": i.region,
            "env_variables": i.env_variables, "run_id": i.run_id,
        }),
        None => Value::Null,
    })
}

fn execution_of(state: &AppState, team_id: &str, s: &SessionRow) -> ApiResult<Option<ExecutionRow>> {
    match &s.verifier_execution_id {
        Some(id) => Ok(state.store.get_execution(team_id, id)?),
        None => Ok(None),
    }
}

/// `GET /v1/sessions/job/{job_id}`: `JobSessionsResponse`, tasks in key order.
pub async fn job_sessions(
    State(state): State<AppState>,
    caller: Caller,
    Path(job_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let team = caller.team_id.as_str();
    state.store.get_job(team, &job_id)?.ok_or_else(|| ApiError::not_found(format!("Job '{job_id}' not found")))?;
    let sessions = state.store.job_sessions(team, &job_id)?;
    let total = sessions.len();
    let mut groups: BTreeMap<String, Vec<(SessionRow, Option<ExecutionRow>)>> = BTreeMap::new();
    for s in sessions {
        let execution = execution_of(&state, team, &s)?;
        groups.entry(s.task_key.clone().unwrap_or_default()).or_default().push((s, execution));
    }
    let mut tasks = Vec::new();
    for (task_key, sessions) in groups {
        let passed_count = sessions.iter().filter(|(_, e)| passed(e.as_ref())).count();
        let scores: Vec<f64> = sessions.iter().filter_map(|(_, e)| e.as_ref().and_then(|e| e.score)).collect();
        let average = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
        let mut infos = Vec::new();
        for (s, e) in &sessions {
            let steps = state.store.step_count(&s.session_id)?;
            infos.push(json!({
                "session_id": s.session_id, "instance": instance_json(&state, team, s.instance_id.as_deref())?,
                "model": s.model.clone().unwrap_or_default(), "status": s.status, "created_at": s.created_at,
                "started_at": s.started_at, "ended_at": s.ended_at, "step_count": steps,
                "verifier_execution": e.as_ref().map(execution_json),
            }));
        }
        let task = if task_key.is_empty() { Value::Null } else { task_json(&state, team, &task_key)? };
        tasks.push(json!({
            "task_id": (!task_key.is_empty()).then_some(&task_key), "task": task,
            "total_sessions": sessions.len(), "passed_sessions": passed_count,
            "pass_rate": passed_count as f64 / sessions.len() as f64, "average_score": average,
            "sessions": infos,
        }));
    }
    Ok(Json(json!({ "job_id": job_id, "total_sessions": total, "tasks": tasks })))
}

/// `GET /v1/sessions/{id}/transcript`: every message in order, with the task, the instance and
/// the verifier's result.
pub async fn transcript(
    State(state): State<AppState>,
    caller: Caller,
    Path(session_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let team = caller.team_id.as_str();
    let session = state
        .store
        .get_session(team, &session_id)?
        .ok_or_else(|| ApiError::not_found(format!("Session '{session_id}' not found")))?;
    let messages: Vec<Value> = state
        .store
        .messages(&session_id)?
        .into_iter()
        .map(|m| json!({ "role": m.role, "content": m.content, "tool_calls": m.tool_calls, "tool_call_id": m.tool_call_id }))
        .collect();
    let task = match &session.task_key {
        Some(key) => task_json(&state, team, key)?,
        None => Value::Null,
    };
    Ok(Json(json!({
        "task": task,
        "instance": instance_json(&state, team, session.instance_id.as_deref())?,
        "verifier_execution": execution_of(&state, team, &session)?.as_ref().map(execution_json),
        "transcript": messages,
    })))
}
