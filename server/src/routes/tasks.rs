//! `GET /v1/tasks` (protocol §6.1).
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::body::JsonBody;
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

/// `POST /v1/tasks?project_key=` body: fleet-python's `Task.model_dump()` (§6.3), whose
/// environment key is `env_id`; `environment_id` and `env_key` are accepted too. Also an entry
/// of a task file (the built-in shop's `tasks.json`).
#[derive(serde::Deserialize)]
pub struct ImportRequest {
    key: String,
    prompt: String,
    #[serde(default, alias = "environment_id", alias = "env_key")]
    env_id: Option<String>,
    #[serde(default)]
    env_variables: Option<Value>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    data_id: Option<String>,
    #[serde(default)]
    data_version: Option<String>,
    #[serde(default, alias = "verifier_code")]
    verifier_func: Option<String>,
    #[serde(default)]
    verifier_id: Option<String>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    output_json_schema: Option<Value>,
}

impl ImportRequest {
    /// The task as stored for `team_id`, its environment already checked. A `created_at` that is
    /// not a timestamp is replaced by `now()`.
    pub fn into_row(
        self,
        team_id: &str,
        env_id: String,
        project_key: Option<String>,
        now: impl FnOnce() -> String,
    ) -> TaskRow {
        // Python's `str(datetime)` (a hand-written pack may hold one) puts a space where
        // ISO-8601 has a `T`.
        let created_at = self
            .created_at
            .map(|c| c.trim().replacen(' ', "T", 1))
            .filter(|c| {
                // Years 0000-9999 only, and short: a valid prefix cannot carry megabytes.
                c.len() <= 40 && c.bytes().take(4).filter(u8::is_ascii_digit).count() == 4
            })
            .filter(|c| {
                chrono::NaiveDateTime::parse_from_str(c.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f").is_ok()
                    || chrono::DateTime::parse_from_rfc3339(c).is_ok()
            })
            .unwrap_or_else(now);
        TaskRow {
            team_id: team_id.to_string(),
            verifier_id: self.verifier_id.or_else(|| self.verifier_func.as_ref().map(|_| format!("ver_{}", self.key))),
            key: self.key,
            prompt: self.prompt,
            environment_id: env_id,
            version: self.version.filter(|v| v != "None"),
            data_id: self.data_id,
            data_version: self.data_version,
            project_key,
            env_variables: self.env_variables.filter(|v| !v.is_null()),
            metadata: self.metadata.filter(|v| !v.is_null()),
            output_json_schema: self.output_json_schema.filter(|v| !v.is_null()),
            verifier_code: self.verifier_func,
            verifier_version: 1,
            created_at,
        }
    }
}

/// The most bytes of a task's prompt and of its verifier code.
const MAX_TEXT_BYTES: usize = 256 * 1024;
/// The most bytes of each of a task's JSON fields (metadata, env variables, output schema).
const MAX_JSON_BYTES: usize = 64 * 1024;

/// How many tasks a team may hold: `$FLOTILLA_MAX_TASKS_PER_TEAM`, default 10,000.
fn max_tasks_per_team() -> i64 {
    static MAX: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("FLOTILLA_MAX_TASKS_PER_TEAM").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
    })
}

/// 413 naming the first field past its limit.
fn check_sizes(texts: &[(&str, Option<&str>)], values: &[(&str, Option<&Value>)]) -> ApiResult<()> {
    let too_large = |field: &str, limit: usize| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("{field} is larger than {} KiB", limit / 1024))
    };
    for (field, text) in texts {
        if text.is_some_and(|t| t.len() > MAX_TEXT_BYTES) {
            return Err(too_large(field, MAX_TEXT_BYTES));
        }
    }
    for (field, value) in values {
        if value.is_some_and(|v| v.to_string().len() > MAX_JSON_BYTES) {
            return Err(too_large(field, MAX_JSON_BYTES));
        }
    }
    Ok(())
}

fn check_key(key: &str) -> ApiResult<()> {
    if key.trim().is_empty() || key.len() > 200 || key.chars().any(|c| c.is_control() || c == '/') {
        return Err(ApiError::bad_request("Task key must be 1-200 bytes, without '/' or control characters"));
    }
    if key == "projects" || key == "." || key == ".." {
        return Err(ApiError::bad_request(format!(
            "Task key '{key}' is reserved: GET /v1/tasks/{key} means something else"
        )));
    }
    Ok(())
}

/// The most bytes of a task's short fields (`version`, `data_id`, `data_version`,
/// `verifier_id`) and of a project key.
const MAX_NAME_BYTES: usize = 200;

/// Short fields are short, and a project key is a name: 1-200 bytes, no control characters.
fn check_names(fields: &[(&str, Option<&str>)], project_key: Option<&str>) -> ApiResult<()> {
    for (field, value) in fields {
        if value.is_some_and(|v| v.len() > MAX_NAME_BYTES) {
            return Err(ApiError::bad_request(format!("{field} is longer than {MAX_NAME_BYTES} bytes")));
        }
    }
    if project_key.is_some_and(|p| p.trim().is_empty() || p.len() > MAX_NAME_BYTES || p.chars().any(char::is_control)) {
        return Err(ApiError::bad_request("project_key must be 1-200 bytes, without control characters"));
    }
    Ok(())
}

/// `metadata` and `output_json_schema` are objects (or null): fleet-python's task models read
/// nothing else, and one task of another shape would break `load_tasks` for the whole team.
fn check_objects(fields: &[(&str, Option<&Value>)]) -> ApiResult<()> {
    for (field, value) in fields {
        if value.is_some_and(|v| !v.is_object() && !v.is_null()) {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{field} must be a JSON object")));
        }
    }
    Ok(())
}

pub async fn import_task(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
    JsonBody(req): JsonBody<ImportRequest>,
) -> ApiResult<Json<TaskResponse>> {
    check_key(&req.key)?;
    if req.prompt.trim().is_empty() {
        return Err(ApiError::bad_request("prompt must not be empty"));
    }
    check_sizes(
        &[("prompt", Some(&req.prompt)), ("verifier_func", req.verifier_func.as_deref())],
        &[
            ("metadata", req.metadata.as_ref()),
            ("env_variables", req.env_variables.as_ref()),
            ("output_json_schema", req.output_json_schema.as_ref()),
        ],
    )?;
    check_objects(&[("metadata", req.metadata.as_ref()), ("output_json_schema", req.output_json_schema.as_ref())])?;
    let limit = max_tasks_per_team();
    if state.store.get_task(&caller.team_id, &req.key)?.is_none() && state.store.count_tasks(&caller.team_id)? >= limit
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("A team may hold at most {limit} tasks, and this one has {limit} tasks already"),
        ));
    }
    let env_id =
        req.env_id.clone().filter(|e| !e.is_empty()).ok_or_else(|| ApiError::bad_request("env_id is required"))?;
    if state.catalog.get(&env_id).is_none() {
        return Err(ApiError::bad_request(format!("Environment '{env_id}' not found")));
    }
    let project_key = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "project_key")
        .map(|(_, v)| v.into_owned());
    let names = [
        ("version", req.version.as_deref()),
        ("data_id", req.data_id.as_deref()),
        ("data_version", req.data_version.as_deref()),
        ("verifier_id", req.verifier_id.as_deref()),
    ];
    check_names(&names, project_key.as_deref())?;
    let key = req.key.clone();
    let row = req.into_row(&caller.team_id, env_id, project_key, crate::time::now_iso);
    state.store.upsert_task(&row)?;
    let stored = state.store.get_task(&caller.team_id, &key)?.unwrap_or(row);
    Ok(Json(stored.into()))
}

#[derive(serde::Deserialize)]
pub struct UpdateRequest {
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    verifier_code: Option<String>,
    #[serde(default)]
    metadata: Option<Value>,
}

/// `PUT /v1/tasks/{key}` with `{prompt?, verifier_code?, metadata?}` (§6.2).
pub async fn update_task(
    State(state): State<AppState>,
    caller: Caller,
    Path(task_key): Path<String>,
    JsonBody(req): JsonBody<UpdateRequest>,
) -> ApiResult<Json<TaskResponse>> {
    if req.prompt.as_deref().is_some_and(|p| p.trim().is_empty()) {
        return Err(ApiError::bad_request("prompt must not be empty"));
    }
    check_sizes(
        &[("prompt", req.prompt.as_deref()), ("verifier_code", req.verifier_code.as_deref())],
        &[("metadata", req.metadata.as_ref())],
    )?;
    check_objects(&[("metadata", req.metadata.as_ref())])?;
    let found = state.store.update_task(
        &caller.team_id,
        &task_key,
        req.prompt.as_deref(),
        req.verifier_code.as_deref(),
        req.metadata.as_ref(),
    )?;
    if !found {
        return Err(ApiError::not_found(format!("Task '{task_key}' not found")));
    }
    let row = state.store.get_task(&caller.team_id, &task_key)?.ok_or_else(|| ApiError::not_found("Task not found"))?;
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
