//! Tasks (protocol §6): the models, load/get/import/update, and how a task makes its env.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, Method};
use super::instances::MakeOptions;
use super::io::null_as_default;
use super::options::{non_empty, require_id};
use super::query::{self, escape};
use super::session::iso_utc;

/// The verifier stored with a task (`VerifierRecord`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct VerifierRecord {
    pub verifier_id: String,
    pub key: String,
    pub version: i64,
    pub sha256: String,
    /// Python source, e.g. `def verify(env, final_answer=None): ...`.
    pub code: String,
    pub comment: Option<String>,
    pub created_at: String,
}

/// A task (`TaskInfo`), with `envKey` and `dataKey` built by the rules of §6.1.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Task {
    pub key: String,
    pub prompt: String,
    pub team_id: String,
    #[serde(rename(deserialize = "environment_id"))]
    pub env_id: String,
    pub created_at: String,
    pub verifier_id: Option<String>,
    pub verifier_func: Option<String>,
    pub version: Option<String>,
    pub data_id: Option<String>,
    pub data_version: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub env_variables: Map<String, Value>,
    pub verifier: Option<VerifierRecord>,
    pub metadata: Option<Value>,
    pub output_json_schema: Option<Value>,
    /// What `makeEnv` creates: `envId`, or `envId:version`.
    #[serde(skip_deserializing)]
    pub env_key: String,
    /// The seed data: `dataId:dataVersion`, `dataId`, or null.
    #[serde(skip_deserializing)]
    pub data_key: Option<String>,
}

impl Task {
    /// Fills the SDK-side fields after reading the wire shape.
    pub fn complete(mut self) -> Task {
        let version = self.version.as_deref().filter(|v| !v.is_empty() && *v != "None");
        self.env_key = match version {
            Some(v) if !self.env_id.contains(':') => format!("{}:{v}", self.env_id),
            _ => self.env_id.clone(),
        };
        self.data_key = self.data_id.as_ref().map(|id| match self.data_version.as_deref().filter(|d| !d.is_empty()) {
            Some(dv) => format!("{id}:{dv}"),
            None => id.clone(),
        });
        if let Some(verifier) = &self.verifier {
            self.verifier_func = Some(verifier.code.clone());
            self.verifier_id = self.verifier_id.take().or_else(|| Some(verifier.verifier_id.clone()));
        }
        self
    }

    /// The options of `task.makeEnv(options)`: the task's `envKey`, `dataKey` and (unless given)
    /// `envVariables`, plus the caller's options, which may not name the env or its data.
    pub fn make_options(&self, mut options: MakeOptions) -> Result<MakeOptions, FleetError> {
        if options.env_key.is_some() || options.data_key.is_some() {
            return Err(FleetError::validation("makeEnv takes envKey and dataKey from the task"));
        }
        options.env_key = Some(self.env_key.clone());
        options.data_key = self.data_key.clone();
        if options.env_variables.is_none() && !self.env_variables.is_empty() {
            options.env_variables = Some(self.env_variables.clone());
        }
        Ok(options)
    }
}

/// `GET /v1/tasks` answers `{ tasks, total }`.
#[derive(Debug, Deserialize)]
pub struct TaskList {
    pub tasks: Vec<Task>,
    pub total: Option<i64>,
}

/// Filters of `loadTasks` (`LoadTasksOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadTasksOptions {
    pub keys: Option<Vec<String>>,
    pub project_key: Option<String>,
    pub task_project_key: Option<String>,
    pub env_key: Option<String>,
    pub team_id: Option<String>,
    pub data_id: Option<String>,
    pub data_version: Option<String>,
    /// Applied locally: only tasks of this environment version.
    pub version: Option<String>,
}

impl LoadTasksOptions {
    pub fn validate(&self) -> Result<(), FleetError> {
        const WHAT: &str = "loadTasks filters";
        let strings = [
            ("projectKey", &self.project_key),
            ("taskProjectKey", &self.task_project_key),
            ("envKey", &self.env_key),
            ("teamId", &self.team_id),
            ("dataId", &self.data_id),
            ("dataVersion", &self.data_version),
            ("version", &self.version),
        ];
        for (key, value) in strings {
            non_empty(value, WHAT, key)?;
        }
        if self.keys.iter().flatten().any(|k| k.trim().is_empty()) {
            return Err(FleetError::validation(format!("{WHAT}: `keys` must be an array of non-empty strings")));
        }
        Ok(())
    }

    /// Whether a task passes the filters the server does not apply.
    pub fn keeps(&self, task: &Task) -> bool {
        let matches = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
        matches(&self.version, &task.version)
            && matches(&self.data_id, &task.data_id)
            && matches(&self.data_version, &task.data_version)
    }
}

/// `GET /v1/tasks` with the query keys in protocol order (`task_keys` repeated).
pub fn load_request(config: &ClientConfig, o: &LoadTasksOptions, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    o.validate()?;
    let mut pairs: Vec<(&str, Option<&str>)> = vec![("env_key", o.env_key.as_deref())];
    pairs.extend(o.keys.iter().flatten().map(|k| ("task_keys", Some(k.as_str()))));
    pairs.extend([
        ("team_id", o.team_id.as_deref()),
        ("project_key", o.project_key.as_deref()),
        ("task_project_key", o.task_project_key.as_deref()),
        ("data_id", o.data_id.as_deref()),
        ("data_version", o.data_version.as_deref()),
    ]);
    Ok(config.request(Method::Get, &format!("/v1/tasks{}", query::encode(&pairs)), None, ctx))
}

/// The loaded tasks, completed and filtered locally.
pub fn finish_load(list: TaskList, o: &LoadTasksOptions) -> Vec<Task> {
    list.tasks.into_iter().map(Task::complete).filter(|t| o.keeps(t)).collect()
}

/// `GET /v1/tasks/{key}`.
pub fn get_request(config: &ClientConfig, key: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(key, "task key")?;
    Ok(config.request(Method::Get, &format!("/v1/tasks/{}", escape(key)), None, ctx))
}

/// What `updateTask` may change (`UpdateTaskInput`); also its body, in protocol order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), deny_unknown_fields)]
pub struct UpdateTaskInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verifier_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// `PUT /v1/tasks/{key}` with `{prompt?, verifier_code?, metadata?}` (exclude-none).
pub fn update_request(
    config: &ClientConfig,
    key: &str,
    changes: &UpdateTaskInput,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    require_id(key, "task key")?;
    non_empty(&changes.prompt, "updateTask changes", "prompt")?;
    non_empty(&changes.verifier_code, "updateTask changes", "verifierCode")?;
    if changes.prompt.is_none() && changes.verifier_code.is_none() && changes.metadata.is_none() {
        return Err(FleetError::validation("updateTask: give at least one of prompt, verifierCode, metadata"));
    }
    Ok(config.request_json(Method::Put, &format!("/v1/tasks/{}", escape(key)), changes, ctx))
}

/// A task to import (`ImportTaskInput`); also the body, in `Task.model_dump()` order and, as
/// there, absent fields sent as null (§6.3), and an entry of a task file (`exportTasks`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), deny_unknown_fields)]
pub struct ImportTaskInput {
    pub key: String,
    pub prompt: String,
    pub env_id: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub env_variables: Map<String, Value>,
    pub created_at: Option<String>,
    pub version: Option<String>,
    pub data_id: Option<String>,
    pub data_version: Option<String>,
    pub verifier_func: Option<String>,
    pub verifier_id: Option<String>,
    pub verifier_sha: Option<String>,
    pub metadata: Option<Value>,
    pub output_json_schema: Option<Value>,
}

/// The options of `importTask` (`ImportTaskOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportTaskOptions {
    pub project_key: Option<String>,
}

/// Refuses an import before anything is sent: `key`, `prompt`, `envId` and `verifierFunc` are
/// required (fleet-python refuses a task without verifier code too), `projectKey` non-empty.
pub fn check_import(task: &ImportTaskInput, o: &ImportTaskOptions) -> Result<(), FleetError> {
    const WHAT: &str = "importTask task";
    let code = task.verifier_func.as_deref().unwrap_or_default();
    for (key, value) in [("key", &*task.key), ("prompt", &task.prompt), ("envId", &task.env_id), ("verifierFunc", code)]
    {
        require_id(value, &format!("{WHAT}: `{key}`"))?;
    }
    check_import_options(o)
}

/// `projectKey`, when given, is a name: 1-200 bytes without control characters.
pub fn check_import_options(o: &ImportTaskOptions) -> Result<(), FleetError> {
    non_empty(&o.project_key, "importTask options", "projectKey")?;
    if o.project_key.as_deref().is_some_and(|p| p.len() > 200 || p.chars().any(char::is_control)) {
        return Err(FleetError::validation(
            "importTask options: `projectKey` must be at most 200 bytes, without control characters",
        ));
    }
    Ok(())
}

/// `POST /v1/tasks?project_key=`. A task without `createdAt` gets the current time, naive ISO
/// with microseconds as fleet-python sends it (`2026-11-22T13:35:25.106000`), but in UTC where
/// fleet-python sends the local time: one instant whatever the client's time zone. Without
/// `metadata` it sends `{}`, as fleet-python's `Task.model_dump()` does.
pub fn import_request(
    config: &ClientConfig,
    task: &ImportTaskInput,
    o: &ImportTaskOptions,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    check_import(task, o)?;
    let q = query::encode(&[("project_key", o.project_key.as_deref())]);
    let path = format!("/v1/tasks{q}");
    if task.created_at.is_some() && task.metadata.is_some() {
        return Ok(config.request_json(Method::Post, &path, task, ctx));
    }
    let created_at = task.created_at.clone().unwrap_or_else(|| {
        let now = iso_utc(ctx.timestamp_ms as f64);
        format!("{}000", now.trim_end_matches('Z'))
    });
    let metadata = task.metadata.clone().unwrap_or_else(|| Value::Object(Map::new()));
    let filled = ImportTaskInput { created_at: Some(created_at), metadata: Some(metadata), ..task.clone() };
    Ok(config.request_json(Method::Post, &path, &filled, ctx))
}

/// What verification needs of a task given back from JavaScript (a `Task` or its `toJSON()`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRef {
    pub key: String,
    pub verifier_func: Option<String>,
    pub verifier: Option<VerifierRef>,
}

/// The part of a `VerifierRecord` verification reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VerifierRef {
    pub key: Option<String>,
    pub code: Option<String>,
}

impl From<&Task> for TaskRef {
    fn from(task: &Task) -> TaskRef {
        let verifier =
            task.verifier.as_ref().map(|v| VerifierRef { key: Some(v.key.clone()), code: Some(v.code.clone()) });
        TaskRef { key: task.key.clone(), verifier_func: task.verifier_func.clone(), verifier }
    }
}

#[cfg(test)]
#[path = "tasks_tests.rs"]
mod tests;
