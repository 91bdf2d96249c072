//! Tasks (protocol §6): load, get, import, update, and the client-side `Task` shape.
use crate::core::json::Value;

use super::body::Body;

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, HttpResponse, Method};
use super::model::{convert, opt, req, Field, Kind};
use super::options::{require_id, Options};
use super::query::{self, escape};

static VERIFIER: [Field; 7] = [
    req("verifier_id", "verifierId", Kind::Str),
    req("key", "key", Kind::Str),
    req("version", "version", Kind::Int),
    req("sha256", "sha256", Kind::Str),
    req("code", "code", Kind::Str),
    opt("comment", "comment", Kind::Str),
    req("created_at", "createdAt", Kind::Str),
];

static TASK: [Field; 14] = [
    req("key", "key", Kind::Str),
    req("prompt", "prompt", Kind::Str),
    req("team_id", "teamId", Kind::Str),
    req("environment_id", "envId", Kind::Str),
    req("created_at", "createdAt", Kind::Str),
    opt("verifier_id", "verifierId", Kind::Str),
    opt("verifier_func", "verifierFunc", Kind::Str),
    opt("version", "version", Kind::Str),
    opt("data_id", "dataId", Kind::Str),
    opt("data_version", "dataVersion", Kind::Str),
    opt("env_variables", "envVariables", Kind::Any),
    opt("verifier", "verifier", Kind::Obj(&VERIFIER)),
    opt("metadata", "metadata", Kind::Any),
    opt("output_json_schema", "outputJsonSchema", Kind::Any),
];

/// Filters of `loadTasks`.
pub const LOAD_OPTIONS: &[&str] = &["keys", "projectKey", "taskProjectKey", "envKey", "teamId", "dataId", "dataVersion", "version"];

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Wire task -> JS task, with `envKey` and `dataKey` built by the rules of §6.1.
pub fn task_from_wire(wire: &Value) -> Result<Value, FleetError> {
    let mut t = convert(wire, &TASK)?;
    let env_id = text(&t, "envId").unwrap_or_default();
    let version = text(&t, "version").filter(|v| !v.is_empty());
    let env_key = match &version {
        Some(v) if v != "None" && !env_id.contains(':') => format!("{env_id}:{v}"),
        _ => env_id,
    };
    let data_key = text(&t, "dataId").map(|id| match text(&t, "dataVersion").filter(|d| !d.is_empty()) {
        Some(dv) => format!("{id}:{dv}"),
        None => id,
    });
    let verifier_code = t["verifier"].get("code").cloned();
    let verifier_id = t["verifier"].get("verifierId").cloned();
    let obj = t.as_object_mut().expect("convert returns an object");
    obj.insert("envKey".into(), Value::from(env_key));
    obj.insert("dataKey".into(), Value::from(data_key));
    if let Some(code) = verifier_code {
        obj.insert("verifierFunc".into(), code);
    }
    if obj["verifierId"].is_null() {
        obj.insert("verifierId".into(), verifier_id.unwrap_or(Value::Null));
    }
    if obj["envVariables"].is_null() {
        obj.insert("envVariables".into(), Value::Object(Default::default()));
    }
    Ok(t)
}

/// The parsed filters of `loadTasks`: (query pairs for the server, local filters).
pub struct LoadFilter {
    pairs: Vec<(&'static str, String)>,
    version: Option<String>,
    data_id: Option<String>,
    data_version: Option<String>,
}

pub fn load_filter(options: &Value) -> Result<LoadFilter, FleetError> {
    let o = Options::new(options, "loadTasks filters", LOAD_OPTIONS)?;
    let mut pairs = Vec::new();
    let mut push = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            pairs.push((k, v));
        }
    };
    push("env_key", o.string("envKey", true)?);
    for key in o.string_list("keys")?.unwrap_or_default() {
        push("task_keys", Some(key));
    }
    push("team_id", o.string("teamId", true)?);
    push("project_key", o.string("projectKey", true)?);
    push("task_project_key", o.string("taskProjectKey", true)?);
    let data_id = o.string("dataId", true)?;
    let data_version = o.string("dataVersion", true)?;
    push("data_id", data_id.clone());
    push("data_version", data_version.clone());
    Ok(LoadFilter { pairs, version: o.string("version", true)?, data_id, data_version })
}

/// `GET /v1/tasks` with the query keys in protocol order.
pub fn load_request(config: &ClientConfig, filter: &LoadFilter, ctx: &CallContext) -> HttpRequest {
    let pairs: Vec<(&str, Option<&str>)> = filter.pairs.iter().map(|(k, v)| (*k, Some(v.as_str()))).collect();
    config.request(Method::Get, &format!("/v1/tasks{}", query::encode(&pairs)), None, ctx)
}

/// The task list, with the client-side filters applied.
pub fn parse_load(response: &HttpResponse, filter: &LoadFilter, request_id: &str) -> Result<Vec<Value>, FleetError> {
    let keep = |t: &Value, key: &str, want: &Option<String>| want.is_none() || text(t, key) == *want;
    response.parse_with(request_id, |body| {
        let tasks = body
            .get("tasks")
            .and_then(Value::as_array)
            .ok_or_else(|| FleetError::invalid_response("unexpected response: `tasks` is missing"))?;
        tasks
            .iter()
            .map(task_from_wire)
            .filter(|t| match t {
                Ok(t) => keep(t, "version", &filter.version) && keep(t, "dataId", &filter.data_id) && keep(t, "dataVersion", &filter.data_version),
                Err(_) => true,
            })
            .collect()
    })
}

/// `GET /v1/tasks/{key}`.
pub fn get_request(config: &ClientConfig, key: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(key, "task key")?;
    Ok(config.request(Method::Get, &format!("/v1/tasks/{}", escape(key)), None, ctx))
}

/// `PUT /v1/tasks/{key}` with `{prompt?, verifier_code?, metadata?}` (exclude-none, that order).
pub fn update_request(config: &ClientConfig, key: &str, changes: &Value, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(key, "task key")?;
    let o = Options::new(changes, "updateTask changes", &["prompt", "verifierCode", "metadata"])?;
    let body = Body::new()
        .push_opt("prompt", o.string("prompt", true)?)
        .push_opt("verifier_code", o.string("verifierCode", true)?)
        .push_opt("metadata", o.any("metadata"));
    if body.is_empty() {
        return Err(FleetError::validation("updateTask: give at least one of prompt, verifierCode, metadata"));
    }
    let path = format!("/v1/tasks/{}", escape(key));
    Ok(config.request(Method::Put, &path, Some(body.finish()), ctx))
}

/// `POST /v1/tasks?project_key=` with fleet-python's `Task.model_dump()` key order (§6.3).
pub fn import_request(config: &ClientConfig, task: &Value, project_key: Option<&str>, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    let allowed = ["key", "prompt", "envId", "envVariables", "createdAt", "version", "dataId", "dataVersion",
        "verifierFunc", "verifierId", "verifierSha", "metadata", "outputJsonSchema"];
    let o = Options::new(task, "importTask task", &allowed)?;
    let key = o.string("key", true)?.ok_or_else(|| FleetError::validation("importTask: `key` is required"))?;
    let prompt = o.string("prompt", true)?.ok_or_else(|| FleetError::validation("importTask: `prompt` is required"))?;
    let env_id = o.string("envId", true)?.ok_or_else(|| FleetError::validation("importTask: `envId` is required"))?;
    let code = o.string("verifierFunc", true)?.ok_or_else(|| FleetError::validation("importTask: `verifierFunc` (the verifier's Python source) is required"))?;
    // `Task.model_dump()`: not exclude-none, so absent fields are sent as null, in this order.
    let body = Body::new()
        .push("key", key)
        .push("prompt", prompt)
        .push("env_id", env_id)
        .push("env_variables", o.object("envVariables")?.unwrap_or_default())
        .push("created_at", o.string("createdAt", true)?)
        .push("version", o.string("version", true)?)
        .push("data_id", o.string("dataId", true)?)
        .push("data_version", o.string("dataVersion", true)?)
        .push("verifier_func", code)
        .push("verifier_id", o.string("verifierId", true)?)
        .push("verifier_sha", o.string("verifierSha", true)?)
        .push("metadata", o.any("metadata"))
        .push("output_json_schema", o.any("outputJsonSchema"));
    let q = query::encode(&[("project_key", project_key)]);
    Ok(config.request(Method::Post, &format!("/v1/tasks{q}"), Some(body.finish()), ctx))
}

/// A single task response (`get`, `update`, `import`).
pub fn parse_one(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| task_from_wire(&v))
}

#[cfg(test)]
#[path = "tasks_tests.rs"]
mod tests;
