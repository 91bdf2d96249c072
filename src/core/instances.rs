//! Environment instances (protocol §5): create, read, list, close, heartbeat.
use crate::core::json::Value;

use super::body::Body;

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, HttpResponse, Method};
use super::model::{convert, opt, req, Field, Kind};
use super::options::{require_id, Options};
use super::query::{self, escape};

static MANAGER: [Field; 7] = [
    req("api", "api", Kind::Str),
    req("docs", "docs", Kind::Str),
    req("reset", "reset", Kind::Str),
    req("diff", "diff", Kind::Str),
    req("snapshot", "snapshot", Kind::Str),
    req("execute_verifier_function", "executeVerifierFunction", Kind::Str),
    req("execute_verifier_function_with_upload", "executeVerifierFunctionWithUpload", Kind::Str),
];

static URLS: [Field; 6] = [
    req("root", "root", Kind::Str),
    req("app", "app", Kind::StrList),
    opt("api", "api", Kind::Str),
    opt("health", "health", Kind::Str),
    opt("api_docs", "apiDocs", Kind::Str),
    req("manager", "manager", Kind::Obj(&MANAGER)),
];

/// `InstanceResponse` (§5.2).
pub static INSTANCE: [Field; 22] = [
    req("instance_id", "instanceId", Kind::Str),
    req("env_key", "envKey", Kind::Str),
    req("version", "version", Kind::Str),
    req("status", "status", Kind::Str),
    req("subdomain", "subdomain", Kind::Str),
    req("created_at", "createdAt", Kind::Str),
    req("updated_at", "updatedAt", Kind::Str),
    opt("terminated_at", "terminatedAt", Kind::Str),
    req("team_id", "teamId", Kind::Str),
    req("region", "region", Kind::Str),
    opt("env_variables", "envVariables", Kind::Any),
    opt("data_key", "dataKey", Kind::Str),
    opt("data_version", "dataVersion", Kind::Str),
    opt("urls", "urls", Kind::Obj(&URLS)),
    opt("health", "health", Kind::Bool),
    opt("run_id", "runId", Kind::Str),
    opt("profile_id", "profileId", Kind::Str),
    opt("heartbeat_interval", "heartbeatInterval", Kind::Int),
    opt("heartbeat_region", "heartbeatRegion", Kind::Str),
    // Sent by flotilla-server (not by every Fleet deployment): null when absent.
    opt("ttl_seconds", "ttlSeconds", Kind::Int),
    opt("deadline_timestamp", "deadlineTimestamp", Kind::Num),
    opt("last_heartbeat", "lastHeartbeat", Kind::Str),
];

/// `HeartbeatResponse`.
pub static HEARTBEAT: [Field; 5] = [
    req("success", "success", Kind::Bool),
    req("instance_id", "instanceId", Kind::Str),
    opt("last_heartbeat", "lastHeartbeat", Kind::Str),
    opt("deadline_timestamp", "deadlineTimestamp", Kind::Num),
    opt("interval_seconds", "intervalSeconds", Kind::Int),
];

/// Options of `make` that go on the wire (the edge also reads `autoHeartbeat`, `keepProcessAlive`).
pub const MAKE_OPTIONS: &[&str] = &[
    "envKey", "dataKey", "envVariables", "ttlSeconds", "runId", "heartbeatInterval", "region", "imageType",
    "maxWaitSeconds", "autoHeartbeat", "keepProcessAlive",
];

/// The default create timeout (fleet-python's `DEFAULT_CREATE_TIMEOUT`).
pub const CREATE_TIMEOUT_MS: u64 = 900_000;

/// `name:ver` -> (name, ver) with a `v` added before a leading digit (§5.1).
pub fn split_versioned(key: &str) -> (String, Option<String>) {
    match key.split_once(':') {
        Some((name, v)) if !v.is_empty() => {
            let v = if v.starts_with(|c: char| c.is_ascii_digit()) { format!("v{v}") } else { v.to_string() };
            (name.to_string(), Some(v))
        }
        _ => (key.to_string(), None),
    }
}

/// Builds `POST /v1/env/instances` (§5.1 key order, exclude-none) from `make` options.
/// `create_timeout_ms` is the call's timeout; `max_wait_seconds` is 30 s less, capped at 3600.
pub fn make_request(config: &ClientConfig, options: &Value, create_timeout_ms: u64, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    let o = Options::new(options, "make options", MAKE_OPTIONS)?;
    let env_key = o.string("envKey", true)?.ok_or_else(|| FleetError::validation("make: `envKey` is required"))?;
    let (env_key, env_version) = split_versioned(env_key.trim());
    let (data_key, data_version) = match o.string("dataKey", true)? {
        Some(data) => {
            let (key, version) = split_versioned(data.trim());
            (Some(key), version)
        }
        None => (None, None),
    };
    let default_wait = ((create_timeout_ms / 1000) as i64 - 30).clamp(0, 3600);
    let body = Body::new()
        .push("env_key", env_key)
        .push_opt("env_version", env_version)
        .push_opt("data_key", data_key)
        .push_opt("data_version", data_version)
        .push_opt("region", o.string("region", true)?)
        .push_opt("run_id", o.string("runId", true)?)
        .push_opt("env_variables", o.object("envVariables")?)
        .push_opt("image_type", o.string("imageType", true)?)
        .push("created_from", "sdk")
        .push_opt("ttl_seconds", o.int("ttlSeconds", 1, i32::MAX as i64)?)
        .push_opt("heartbeat_interval", o.int("heartbeatInterval", 30, 3600)?)
        .push("max_wait_seconds", o.int("maxWaitSeconds", 0, 3600)?.unwrap_or(default_wait));
    Ok(config.request(Method::Post, "/v1/env/instances", Some(body.finish()), ctx))
}

/// An instance as JS sees it, with `urls.mcp` (= `root + "mcp"`) added.
pub fn instance_from_wire(wire: &Value) -> Result<Value, FleetError> {
    let mut instance = convert(wire, &INSTANCE)?;
    if let Some(urls) = instance.get_mut("urls").and_then(Value::as_object_mut) {
        let mcp = urls.get("root").and_then(Value::as_str).map(|r| format!("{r}mcp"));
        urls.insert("mcp".into(), Value::from(mcp));
    }
    Ok(instance)
}

pub fn parse_instance(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| instance_from_wire(&v))
}

pub fn parse_instances(response: &HttpResponse, request_id: &str) -> Result<Vec<Value>, FleetError> {
    response.parse_with(request_id, |wire| {
        let items = wire.as_array().ok_or_else(|| FleetError::invalid_response("unexpected response: expected a JSON array"))?;
        items.iter().map(instance_from_wire).collect()
    })
}

pub fn get_request(config: &ClientConfig, id: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(id, "instance id")?;
    Ok(config.request(Method::Get, &format!("/v1/env/instances/{}", escape(id)), None, ctx))
}

pub fn close_request(config: &ClientConfig, id: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(id, "instance id")?;
    Ok(config.request(Method::Delete, &format!("/v1/env/instances/{}", escape(id)), None, ctx))
}

/// `GET /v1/env/instances?status=&region=&run_id=&profile_id=` (non-empty values, that order).
pub fn list_request(config: &ClientConfig, filters: &Value, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    let o = Options::new(filters, "listInstances filters", &["status", "region", "runId", "profileId"])?;
    let (status, region, run_id, profile_id) =
        (o.string("status", true)?, o.string("region", true)?, o.string("runId", true)?, o.string("profileId", true)?);
    let q = query::encode(&[
        ("status", status.as_deref()),
        ("region", region.as_deref()),
        ("run_id", run_id.as_deref()),
        ("profile_id", profile_id.as_deref()),
    ]);
    Ok(config.request(Method::Get, &format!("/v1/env/instances{q}"), None, ctx))
}

/// `DELETE /v1/env/instances/batch?run_id=&profile_id=`: one of them is required.
pub fn close_all_request(config: &ClientConfig, filter: &Value, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    let o = Options::new(filter, "closeAll filter", &["runId", "profileId"])?;
    let (run_id, profile_id) = (o.string("runId", true)?, o.string("profileId", true)?);
    if run_id.is_none() && profile_id.is_none() {
        return Err(FleetError::validation("closeAll needs `runId` or `profileId` (\"self\" for your own profile)"));
    }
    let q = query::encode(&[("run_id", run_id.as_deref()), ("profile_id", profile_id.as_deref())]);
    Ok(config.request(Method::Delete, &format!("/v1/env/instances/batch{q}"), None, ctx))
}

/// `POST /v1/env/instances/{id}/heartbeat` with `{}` or `{"region": r}`.
pub fn heartbeat_request(config: &ClientConfig, id: &str, region: Option<&str>, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(id, "instance id")?;
    let body = Body::new().push_opt("region", region).finish();
    Ok(config.request(Method::Post, &format!("/v1/env/instances/{}/heartbeat", escape(id)), Some(body), ctx))
}

pub fn parse_heartbeat(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| convert(&v, &HEARTBEAT))
}

#[cfg(test)]
#[path = "instances_tests.rs"]
mod tests;
