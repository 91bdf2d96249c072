//! Tasks: `GET /v1/tasks` (protocol §6.1) and the client-side `Task` model.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, HttpResponse, Method};
use super::query;

/// Filters for `loadTasks`. `envKey`, `keys`, `projectKey`, `dataId` and `dataVersion` are sent
/// to the server; `version`, `dataId` and `dataVersion` are also applied locally, as fleet-python does.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadTasksOptions {
    #[serde(default)]
    pub keys: Option<Vec<String>>,
    #[serde(default)]
    pub project_key: Option<String>,
    #[serde(default)]
    pub task_project_key: Option<String>,
    #[serde(default)]
    pub env_key: Option<String>,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub data_id: Option<String>,
    #[serde(default)]
    pub data_version: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

/// The verifier stored with a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct VerifierRecord {
    pub verifier_id: String,
    pub key: String,
    pub version: i64,
    pub sha256: String,
    /// Python source: `def verify(env, final_answer=None): ...`.
    pub code: String,
    #[serde(default)]
    pub comment: Option<String>,
    pub created_at: String,
}

/// A task as the control plane describes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct TaskResponse {
    key: String,
    prompt: String,
    team_id: String,
    environment_id: String,
    created_at: String,
    #[serde(default)]
    verifier_id: Option<String>,
    #[serde(default)]
    verifier_func: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    data_id: Option<String>,
    #[serde(default)]
    data_version: Option<String>,
    #[serde(default)]
    env_variables: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    verifier: Option<VerifierRecord>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    output_json_schema: Option<Value>,
}

#[derive(Deserialize)]
struct TaskListResponse {
    tasks: Vec<TaskResponse>,
    #[allow(dead_code)]
    total: i64,
}

/// A task: a prompt, the environment it runs in, and the verifier that scores it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub key: String,
    pub prompt: String,
    pub team_id: String,
    /// The environment id, as the server names it (`environment_id`).
    pub env_id: String,
    /// What to pass to `make`: `envId`, or `envId:version` when a version is set.
    pub env_key: String,
    pub version: Option<String>,
    /// What to pass to `make` as data: `dataId:dataVersion`, `dataId`, or null.
    pub data_key: Option<String>,
    pub data_id: Option<String>,
    pub data_version: Option<String>,
    pub env_variables: BTreeMap<String, Value>,
    pub metadata: Option<Value>,
    pub verifier: Option<VerifierRecord>,
    pub verifier_id: Option<String>,
    /// The verifier's Python source (`verifier.code` when present).
    pub verifier_func: Option<String>,
    pub output_json_schema: Option<Value>,
    pub created_at: String,
}

impl From<TaskResponse> for Task {
    fn from(t: TaskResponse) -> Self {
        let version = t.version.filter(|v| !v.is_empty());
        let env_key = match &version {
            Some(v) if v != "None" && !t.environment_id.contains(':') => format!("{}:{}", t.environment_id, v),
            _ => t.environment_id.clone(),
        };
        let data_key = t.data_id.as_ref().map(|id| match &t.data_version {
            Some(dv) if !dv.is_empty() => format!("{id}:{dv}"),
            _ => id.clone(),
        });
        Task {
            verifier_id: t.verifier_id.or_else(|| t.verifier.as_ref().map(|v| v.verifier_id.clone())),
            verifier_func: t.verifier.as_ref().map(|v| v.code.clone()).or(t.verifier_func),
            key: t.key,
            prompt: t.prompt,
            team_id: t.team_id,
            env_id: t.environment_id,
            env_key,
            version,
            data_key,
            data_id: t.data_id,
            data_version: t.data_version,
            env_variables: t.env_variables.unwrap_or_default(),
            metadata: t.metadata,
            verifier: t.verifier,
            output_json_schema: t.output_json_schema,
            created_at: t.created_at,
        }
    }
}

/// Builds `GET /v1/tasks` with the query keys in protocol order.
pub fn load_request(
    config: &ClientConfig,
    options: &LoadTasksOptions,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    if let Some(keys) = &options.keys {
        if keys.iter().any(|k| k.trim().is_empty()) {
            return Err(FleetError::validation("`keys` must not contain empty task keys"));
        }
    }
    let mut pairs: Vec<(&str, Option<&str>)> = vec![("env_key", options.env_key.as_deref())];
    for key in options.keys.iter().flatten() {
        pairs.push(("task_keys", Some(key)));
    }
    pairs.extend([
        ("team_id", options.team_id.as_deref()),
        ("project_key", options.project_key.as_deref()),
        ("task_project_key", options.task_project_key.as_deref()),
        ("data_id", options.data_id.as_deref()),
        ("data_version", options.data_version.as_deref()),
    ]);
    let path = format!("/v1/tasks{}", query::encode(&pairs));
    Ok(config.request(Method::Get, &path, None, ctx))
}

/// Parses the task list and applies the client-side filters.
pub fn parse_load(
    response: &HttpResponse,
    options: &LoadTasksOptions,
    request_id: &str,
) -> Result<Vec<Task>, FleetError> {
    let list: TaskListResponse = response.parse(request_id)?;
    Ok(list
        .tasks
        .into_iter()
        .map(Task::from)
        .filter(|t| options.version.is_none() || t.version == options.version)
        .filter(|t| options.data_id.is_none() || t.data_id == options.data_id)
        .filter(|t| options.data_version.is_none() || t.data_version == options.data_version)
        .collect())
}

#[cfg(test)]
#[path = "tasks_tests.rs"]
mod tests;
