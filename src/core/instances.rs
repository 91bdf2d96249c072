//! Environment instances (protocol §5): the models, their requests, and the create flow with
//! the duplicate-create recovery of §5.1.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::call::Call;
use super::client::{CallContext, ClientConfig};
use super::error::{ErrorKind, FleetError};
use super::http::{HttpRequest, Method};
use super::io::{decode, Io, Level};
use super::options::{in_range, non_empty, require_id};
use super::query::{self, escape};

pub use super::beat::{heartbeat_request, HeartbeatOptions};

/// The manager ("runner") URLs of an instance (`ManagerUrls` in TypeScript).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct ManagerUrls {
    pub api: String,
    pub docs: String,
    pub reset: String,
    pub diff: String,
    pub snapshot: String,
    pub execute_verifier_function: String,
    pub execute_verifier_function_with_upload: String,
}

/// Where an instance answers (`InstanceUrls`). `mcp` is added by the SDK: `root + "mcp"`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct InstanceUrls {
    pub root: String,
    pub app: Vec<String>,
    pub api: Option<String>,
    pub health: Option<String>,
    pub api_docs: Option<String>,
    pub manager: ManagerUrls,
    #[serde(skip_deserializing)]
    pub mcp: Option<String>,
}

/// `InstanceResponse` (§5.2): `InstanceInfo` in TypeScript.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Instance {
    pub instance_id: String,
    pub env_key: String,
    pub version: String,
    /// `pending`, `running`, `stopped` or `error`.
    pub status: String,
    pub subdomain: String,
    pub created_at: String,
    pub updated_at: String,
    pub terminated_at: Option<String>,
    pub team_id: String,
    pub region: String,
    pub env_variables: Option<Value>,
    pub data_key: Option<String>,
    pub data_version: Option<String>,
    pub urls: Option<InstanceUrls>,
    pub health: Option<bool>,
    pub run_id: Option<String>,
    pub profile_id: Option<String>,
    pub heartbeat_interval: Option<u32>,
    pub heartbeat_region: Option<String>,
    // Sent by flotilla-server (not by every Fleet deployment): null when absent.
    pub ttl_seconds: Option<u32>,
    pub deadline_timestamp: Option<f64>,
    pub last_heartbeat: Option<String>,
}

impl Instance {
    /// Fills the SDK-side fields after reading the wire shape.
    pub fn complete(mut self) -> Instance {
        if let Some(urls) = self.urls.as_mut() {
            urls.mcp = Some(format!("{}mcp", urls.root));
        }
        self
    }

    /// Whether the instance is (or is about to be) up, so heartbeats make sense.
    pub fn is_live(&self) -> bool {
        self.status == "running" || self.status == "pending"
    }
}

/// `HeartbeatResponse` (`HeartbeatInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct HeartbeatInfo {
    pub success: bool,
    pub instance_id: String,
    pub last_heartbeat: Option<String>,
    pub deadline_timestamp: Option<f64>,
    pub interval_seconds: Option<u32>,
}

/// Options of `make` (`MakeOptions`). `autoHeartbeat` and `keepProcessAlive` stay in the SDK.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MakeOptions {
    /// Required for `make`; `makeEnv` takes it from the task.
    pub env_key: Option<String>,
    pub data_key: Option<String>,
    pub env_variables: Option<Map<String, Value>>,
    pub ttl_seconds: Option<u32>,
    pub run_id: Option<String>,
    pub heartbeat_interval: Option<u32>,
    pub region: Option<String>,
    pub image_type: Option<String>,
    pub max_wait_seconds: Option<u32>,
    pub auto_heartbeat: Option<bool>,
    pub keep_process_alive: Option<bool>,
}

/// What the SDK does with an env once it has one (`InstanceOptions`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachOptions {
    /// Start the heartbeat loop when the instance has an interval (default true).
    pub auto_heartbeat: Option<bool>,
    /// Let the heartbeat timer keep Node running (default false).
    pub keep_process_alive: Option<bool>,
}

/// `POST /v1/env/instances` in §5.1 key order, absent values left out (exclude-none).
#[derive(Serialize)]
struct CreateBody<'a> {
    env_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    env_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env_variables: Option<&'a Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_type: Option<&'a str>,
    created_from: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    heartbeat_interval: Option<u32>,
    max_wait_seconds: u32,
}

/// The default create timeout (fleet-python's `DEFAULT_CREATE_TIMEOUT`).
pub const CREATE_TIMEOUT_MS: f64 = 900_000.0;

/// How often a recovered duplicate create polls its instance (fleet-python polls every 5 s; a
/// create takes seconds here, so 1 s answers sooner at a small cost).
pub const DUPLICATE_POLL_MS: f64 = 1000.0;

/// `name:ver` -> (name, ver) with a `v` added before a leading digit (§5.1).
pub fn split_versioned(key: &str) -> (&str, Option<String>) {
    match key.split_once(':') {
        Some((name, v)) if !v.is_empty() => {
            let v = if v.starts_with(|c: char| c.is_ascii_digit()) { format!("v{v}") } else { v.to_string() };
            (name, Some(v))
        }
        _ => (key, None),
    }
}

impl MakeOptions {
    /// The options that shape the `Env`, not the request.
    pub fn attach(&self) -> AttachOptions {
        AttachOptions { auto_heartbeat: self.auto_heartbeat, keep_process_alive: self.keep_process_alive }
    }

    /// Checks what serde's types cannot: non-empty strings and integer ranges.
    pub fn validate(&self) -> Result<(), FleetError> {
        const WHAT: &str = "make options";
        if self.env_key.is_none() {
            return Err(FleetError::validation("make: `envKey` is required"));
        }
        for (key, value) in [
            ("envKey", &self.env_key),
            ("dataKey", &self.data_key),
            ("runId", &self.run_id),
            ("region", &self.region),
            ("imageType", &self.image_type),
        ] {
            non_empty(value, WHAT, key)?;
        }
        in_range(self.ttl_seconds, 1, i64::from(i32::MAX), WHAT, "ttlSeconds")?;
        in_range(self.heartbeat_interval, 30, 3600, WHAT, "heartbeatInterval")
    }
}

/// The most a create asks the server to wait: a larger `maxWaitSeconds` is lowered to it, as
/// fleet-python does (`min(max_wait_seconds, 3600)`).
pub const MAX_WAIT_SECONDS: u32 = 3600;

/// Builds `POST /v1/env/instances`. `create_timeout_ms` is the call's timeout; the server's
/// `max_wait_seconds` defaults to 30 s less; either is capped at [`MAX_WAIT_SECONDS`].
pub fn make_request(
    config: &ClientConfig,
    o: &MakeOptions,
    create_timeout_ms: f64,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    o.validate()?;
    let (env_key, env_version) = split_versioned(o.env_key.as_deref().unwrap_or_default().trim());
    let (data_key, data_version) = match o.data_key.as_deref().map(|d| split_versioned(d.trim())) {
        Some((key, version)) => (Some(key), version),
        None => (None, None),
    };
    let default_wait = ((create_timeout_ms / 1000.0) as i64 - 30).clamp(0, i64::from(MAX_WAIT_SECONDS)) as u32;
    let body = CreateBody {
        env_key,
        env_version,
        data_key,
        data_version,
        region: o.region.as_deref(),
        run_id: o.run_id.as_deref(),
        env_variables: o.env_variables.as_ref(),
        image_type: o.image_type.as_deref(),
        created_from: "sdk",
        ttl_seconds: o.ttl_seconds,
        heartbeat_interval: o.heartbeat_interval,
        max_wait_seconds: o.max_wait_seconds.unwrap_or(default_wait).min(MAX_WAIT_SECONDS),
    };
    Ok(config.request_json(Method::Post, "/v1/env/instances", &body, ctx))
}

/// Creates an instance. A create retried after a lost answer is answered `409
/// duplicate_request_id` naming the first instance: that one is followed until it runs.
pub async fn make<I: Io>(call: &Call<'_, I>, options: &MakeOptions) -> Result<Instance, FleetError> {
    let timeout = call.timeout_ms.unwrap_or(CREATE_TIMEOUT_MS);
    let started = call.io.now_ms();
    let ctx = call.io.new_call();
    let request = make_request(&call.client.config, options, timeout, &ctx)?;
    let created = match call.send(&request, Some(timeout)).await {
        Ok(response) => decode::<Instance, _>(&response, &ctx.request_id).map(Instance::complete),
        Err(e) => Err(e),
    };
    match created {
        Err(e) if e.kind == ErrorKind::Conflict && e.details.instance_id.is_some() => {
            let id = e.details.instance_id.clone().unwrap_or_default();
            let message = "flotilla: create was a duplicate; following the first instance";
            call.io.log(Level::Info, message, &[("instanceId", id.as_str().into())]);
            let budget = (timeout - (call.io.now_ms() - started)).max(30_000.0);
            wait_running(call, &id, budget, DUPLICATE_POLL_MS).await
        }
        other => other,
    }
}

/// Options of `env.waitUntilRunning` besides `signal` (`WaitOptions`).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaitOptions {
    /// The whole wait (default 300000).
    pub timeout_ms: Option<u32>,
    /// Between polls, 50-60000 (default 1000).
    pub interval_ms: Option<u32>,
}

impl WaitOptions {
    /// `(budget, interval)` in ms, checked.
    pub fn resolve(&self) -> Result<(f64, f64), FleetError> {
        const WHAT: &str = "waitUntilRunning options";
        in_range(self.timeout_ms, 1, i64::from(i32::MAX), WHAT, "timeoutMs")?;
        in_range(self.interval_ms, 50, 60_000, WHAT, "intervalMs")?;
        Ok((f64::from(self.timeout_ms.unwrap_or(300_000)), f64::from(self.interval_ms.unwrap_or(1000))))
    }
}

/// `GET /v1/env/instances/{id}`.
pub async fn get<I: Io>(call: &Call<'_, I>, id: &str) -> Result<Instance, FleetError> {
    call.fetch(|c, ctx| get_request(c, id, ctx)).await.map(Instance::complete)
}

/// `DELETE /v1/env/instances/{id}`: the final state.
pub async fn close<I: Io>(call: &Call<'_, I>, id: &str) -> Result<Instance, FleetError> {
    call.fetch(|c, ctx| close_request(c, id, ctx)).await.map(Instance::complete)
}

/// Polls an instance until it runs; `stopped`/`error` is a `ConflictError`, running out of time a
/// `TimeoutError`, the caller's abort an `AbortError`.
pub async fn wait_running<I: Io>(
    call: &Call<'_, I>,
    id: &str,
    budget_ms: f64,
    interval_ms: f64,
) -> Result<Instance, FleetError> {
    let deadline = call.io.now_ms() + budget_ms;
    let per_call = call.timeout_ms.unwrap_or(call.client.timeout_ms);
    loop {
        // Each read gets what is left of the budget, at most the call's own timeout.
        let left = (deadline - call.io.now_ms()).max(1.0);
        let bounded = Call { timeout_ms: Some(per_call.min(left)), ..*call };
        let instance = get(&bounded, id).await?;
        match instance.status.as_str() {
            "running" => return Ok(instance),
            "stopped" | "error" => {
                let mut e = FleetError::new(
                    ErrorKind::Conflict,
                    format!("Instance '{id}' is {}, not running", instance.status),
                );
                e.details.instance_id = Some(id.to_string());
                e.body = serde_json::to_value(&instance).ok();
                return Err(e);
            }
            _ => {}
        }
        if call.io.now_ms() + interval_ms >= deadline {
            let seconds = (budget_ms / 1000.0) as u64;
            return Err(FleetError::new(
                ErrorKind::Timeout,
                format!("Instance '{id}' was not running after {seconds} s"),
            ));
        }
        call.io.sleep(interval_ms).await.map_err(|_| super::call::abort_error(""))?;
    }
}

pub fn get_request(config: &ClientConfig, id: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(id, "instance id")?;
    Ok(config.request(Method::Get, &format!("/v1/env/instances/{}", escape(id)), None, ctx))
}

pub fn close_request(config: &ClientConfig, id: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(id, "instance id")?;
    Ok(config.request(Method::Delete, &format!("/v1/env/instances/{}", escape(id)), None, ctx))
}

/// Filters of `listInstances` (`ListInstancesOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListInstancesOptions {
    pub status: Option<String>,
    pub region: Option<String>,
    pub run_id: Option<String>,
    pub profile_id: Option<String>,
}

/// `GET /v1/env/instances?status=&region=&run_id=&profile_id=` (non-empty values, that order).
pub fn list_request(
    config: &ClientConfig,
    o: &ListInstancesOptions,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    let pairs = [("status", &o.status), ("region", &o.region), ("run_id", &o.run_id), ("profile_id", &o.profile_id)];
    for ((_, value), key) in pairs.iter().zip(["status", "region", "runId", "profileId"]) {
        non_empty(value, "listInstances filters", key)?;
    }
    let pairs: Vec<(&str, Option<&str>)> = pairs.iter().map(|(k, v)| (*k, v.as_deref())).collect();
    Ok(config.request(Method::Get, &format!("/v1/env/instances{}", query::encode(&pairs)), None, ctx))
}

/// The filter of `closeAll` (`CloseAllOptions`): one of them is required.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloseAllOptions {
    pub run_id: Option<String>,
    pub profile_id: Option<String>,
}

/// `DELETE /v1/env/instances/batch?run_id=&profile_id=`.
pub fn close_all_request(
    config: &ClientConfig,
    o: &CloseAllOptions,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    non_empty(&o.run_id, "closeAll filter", "runId")?;
    non_empty(&o.profile_id, "closeAll filter", "profileId")?;
    if o.run_id.is_none() && o.profile_id.is_none() {
        return Err(FleetError::validation("closeAll needs `runId` or `profileId` (\"self\" for your own profile)"));
    }
    let q = query::encode(&[("run_id", o.run_id.as_deref()), ("profile_id", o.profile_id.as_deref())]);
    Ok(config.request(Method::Delete, &format!("/v1/env/instances/batch{q}"), None, ctx))
}

/// Decodes a list of instances (`listInstances`, `closeAll`).
pub fn complete_all(list: Vec<Instance>) -> Vec<Instance> {
    list.into_iter().map(Instance::complete).collect()
}

#[cfg(test)]
#[path = "instances_tests.rs"]
mod tests;
