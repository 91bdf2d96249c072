//! `GET /v1/tasks` (protocol §6.1).
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::keys::Caller;
use crate::state::AppState;
use crate::store::{TaskFilter, TaskRow};

#[derive(Serialize)]
pub struct VerifierData {
    verifier_id: String,
    key: String,
    version: i64,
    sha256: String,
    code: String,
    comment: Option<String>,
    created_at: String,
}

#[derive(Serialize)]
pub struct TaskResponse {
    key: String,
    prompt: String,
    team_id: String,
    environment_id: String,
    created_at: String,
    verifier_id: Option<String>,
    verifier_func: Option<String>,
    version: Option<String>,
    data_id: Option<String>,
    data_version: Option<String>,
    env_variables: Option<Value>,
    verifier: Option<VerifierData>,
    metadata: Option<Value>,
    output_json_schema: Option<Value>,
}

#[derive(Serialize)]
pub struct TaskListResponse {
    tasks: Vec<TaskResponse>,
    total: usize,
}

impl From<TaskRow> for TaskResponse {
    fn from(t: TaskRow) -> Self {
        let verifier = t.verifier_code.as_ref().map(|code| VerifierData {
            verifier_id: t.verifier_id.clone().unwrap_or_else(|| format!("ver_{}", t.key)),
            key: t.key.clone(),
            version: t.verifier_version,
            sha256: hex::encode(Sha256::digest(code.as_bytes())),
            code: code.clone(),
            comment: None,
            created_at: t.created_at.clone(),
        });
        TaskResponse {
            verifier_id: verifier.as_ref().map(|v| v.verifier_id.clone()),
            verifier_func: t.verifier_code,
            verifier,
            key: t.key,
            prompt: t.prompt,
            team_id: t.team_id,
            environment_id: t.environment_id,
            created_at: t.created_at,
            version: t.version,
            data_id: t.data_id,
            data_version: t.data_version,
            env_variables: t.env_variables,
            metadata: t.metadata,
            output_json_schema: t.output_json_schema,
        }
    }
}

/// Reads the filters, including `task_keys` repeated once per key.
fn filter_from_query(query: Option<&str>) -> TaskFilter {
    let mut filter = TaskFilter::default();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "task_keys" => filter.keys.push(v),
            "env_key" => filter.env_key = Some(v),
            "project_key" => filter.project_key = Some(v),
            "data_id" => filter.data_id = Some(v),
            "data_version" => filter.data_version = Some(v),
            _ => {}
        }
    }
    filter
}

pub async fn list_tasks(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<TaskListResponse>> {
    let filter = filter_from_query(query.as_deref());
    let rows = state.store.list_tasks(&caller.team_id, &filter)?;
    let tasks: Vec<TaskResponse> = rows.into_iter().map(TaskResponse::from).collect();
    Ok(Json(TaskListResponse { total: tasks.len(), tasks }))
}

/// `GET /v1/tasks/{key}`: one of the caller's tasks, 404 when the team has none by that key.
pub async fn get_task(
    State(state): State<AppState>,
    caller: Caller,
    Path(task_key): Path<String>,
) -> ApiResult<Json<TaskResponse>> {
    let row = state
        .store
        .get_task(&caller.team_id, &task_key)?
        .ok_or_else(|| ApiError::not_found(format!("Task '{task_key}' not found")))?;
    Ok(Json(row.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_task_keys() {
        let f = filter_from_query(Some("env_key=helpdesk&task_keys=a&task_keys=b%20c&project_key=demo"));
        assert_eq!(f.keys, vec!["a".to_string(), "b c".to_string()]);
        assert_eq!(f.env_key.as_deref(), Some("helpdesk"));
        assert_eq!(f.project_key.as_deref(), Some("demo"));
    }
}
