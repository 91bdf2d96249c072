//! Server-side verification of a task against an env (§7): bundle, check, execute, and upload
//! the bundle again when the server says it does not have it.
use crate::core::json::Value;
use wasm_bindgen::prelude::*;

use super::client::{CallOptions, Client};
use super::runtime::{new_call, prop};
use crate::core::error::FleetError;
use crate::core::options::Options;
use crate::core::verify::{self, Bundle, Execution};

/// `(instance id, region)` of an `Env`, an `InstanceInfo` or an instance id string.
pub fn target_of(env: &JsValue) -> Result<(String, Option<String>), FleetError> {
    if let Some(id) = env.as_string() {
        crate::core::options::require_id(&id, "instance id")?;
        return Ok((id, None));
    }
    let id = prop(env, "instanceId").as_string().filter(|s| !s.is_empty());
    let id = id.ok_or_else(|| FleetError::validation("verify needs an Env (or an instance id string)"))?;
    Ok((id, prop(env, "region").as_string()))
}

/// [`detailed`] with its options and call options still as JS values (`verifyDetailed`, `verify`).
pub async fn detailed_js(client: &Client, task: &Value, env: &JsValue, options: &JsValue, opts: &JsValue) -> Result<Value, FleetError> {
    let options = super::client::from_js(options, "verify options")?;
    detailed(client, task, env, &options, &CallOptions::from_js(opts)?).await
}

/// Runs the task's verifier against the instance and returns the server's result.
/// Options: `finalAnswer` (passed as the `final_answer` keyword), `args` (more positional
/// arguments), `timeoutSeconds` (1-600, default 30).
pub async fn detailed(client: &Client, task: &Value, env: &JsValue, options: &Value, opts: &CallOptions) -> Result<Value, FleetError> {
    let o = Options::new(options, "verify options", &["finalAnswer", "args", "timeoutSeconds"])?;
    let code = task["verifierFunc"]
        .as_str()
        .or(task["verifier"]["code"].as_str())
        .ok_or_else(|| FleetError::validation("this task has no verifier code"))?;
    let key = task["verifier"]["key"].as_str().or(task["key"].as_str()).unwrap_or("verifier");
    let (instance_id, region) = target_of(env)?;
    let args: Vec<Value> = match o.any("args") {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(FleetError::validation("verify options: `args` must be an array")),
    };
    let kwargs: Vec<(String, Value)> = o.any("finalAnswer").map(|a| vec![("final_answer".to_string(), a)]).unwrap_or_default();
    let run = Execution {
        key,
        instance_id: &instance_id,
        args: &args,
        kwargs: &kwargs,
        timeout_s: o.int("timeoutSeconds", 1, 600)?.unwrap_or(30),
        region: region.as_deref().unwrap_or("us-west-1"),
    };
    let bundle = Bundle::new(code)?;
    let cached = match client.call(opts, |c, ctx| Ok(verify::check_request(c, &bundle, ctx))).await {
        Ok((response, _)) => verify::parse_check(&response),
        Err(e) if e.kind == crate::core::error::ErrorKind::Abort => return Err(e),
        Err(_) => false,
    };
    let (bundle, run) = (&bundle, &run);
    let execute = |upload: bool| async move {
        let ctx = new_call();
        let request = verify::execute_request(&client.config, bundle, run, upload, &ctx);
        let timeout = opts.timeout_ms.unwrap_or((run.timeout_s as f64 + 60.0) * 1000.0);
        let response = client.send(&request, opts, Some(timeout)).await?;
        verify::parse_execute(&response, &ctx.request_id)
    };
    match execute(!cached).await {
        Err(e) if cached && verify::needs_upload(&e) => execute(true).await,
        other => other,
    }
}
