//! Remote verification (protocol §7.2-7.4): bundle the verifier's source, check the server's
//! cache by sha256, execute with pickled arguments, and read the result.
pub mod pickle;
pub mod zip;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::call::Call;
use super::client::{CallContext, ClientConfig};
use super::error::{ErrorKind, FleetError};
use super::http::{HttpRequest, Method};
use super::io::{decode, Io, ResponseBody};
use super::options::{in_range, require_id};
use super::query;
use super::tasks::TaskRef;
use pickle::Py;

/// What `/v1/verifiers/execute` answers (`VerificationResult`). `result`, `error` and `stdout`
/// are the verifier's own output, passed through.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct ExecutionResult {
    pub success: bool,
    pub execution_time_ms: i64,
    pub result: Option<Value>,
    pub error: Option<Value>,
    pub stdout: Option<String>,
    pub key: Option<String>,
    pub version: Option<i64>,
    pub display_src: Option<String>,
    pub created_at: Option<String>,
    pub comment: Option<String>,
    pub verifier_id: Option<String>,
    pub execution_id: Option<String>,
    pub bundle_cache_hit: Option<bool>,
}

/// Options of `verify` / `verifyDetailed` (`VerifyOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyOptions {
    /// Passed as the verifier's `final_answer` keyword argument.
    pub final_answer: Option<Value>,
    /// More positional arguments after `env`.
    pub args: Option<Vec<Value>>,
    /// 1-600, default 30.
    pub timeout_seconds: Option<u32>,
}

/// The instance a verifier runs against: an `Env`, an `InstanceInfo` or an instance id.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub instance_id: String,
    pub region: Option<String>,
}

/// A verifier bundle: a zip of `requirements.txt` and `verifier.py`, and its sha256.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub zip: Vec<u8>,
    pub sha256: String,
    pub function_name: String,
}

/// The name of the first top-level `def` in Python source.
pub fn function_name(code: &str) -> Option<String> {
    code.lines().find_map(|line| {
        let rest = line.strip_prefix("async def ").or_else(|| line.strip_prefix("def "))?;
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        (!name.is_empty() && rest[name.len()..].trim_start().starts_with('(')).then_some(name)
    })
}

impl Bundle {
    /// Bundles verifier source as fleet-python does (minimal requirements: `fleet-python`).
    pub fn new(code: &str) -> Result<Bundle, FleetError> {
        let function_name = function_name(code).ok_or_else(|| {
            FleetError::validation("the verifier code defines no top-level function (`def verify(env, ...)`)")
        })?;
        let zip = zip::zip_stored(&[("requirements.txt", b"fleet-python"), ("verifier.py", code.as_bytes())]);
        let sha256 = Sha256::digest(&zip).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Bundle { zip, sha256, function_name })
    }
}

/// `GET /v1/verifiers/check?sha256=`.
pub fn check_request(config: &ClientConfig, bundle: &Bundle, ctx: &CallContext) -> HttpRequest {
    let q = query::encode(&[("sha256", Some(&bundle.sha256))]);
    config.request(Method::Get, &format!("/v1/verifiers/check{q}"), None, ctx)
}

#[derive(Deserialize)]
struct CheckAnswer {
    success: bool,
}

/// What to run: the verifier key, the instance, extra positional arguments and keyword arguments.
pub struct Execution<'a> {
    pub key: &'a str,
    pub instance_id: &'a str,
    pub args: &'a [Value],
    pub kwargs: &'a [(String, Value)],
    pub timeout_s: u32,
    pub region: &'a str,
}

/// `POST /v1/verifiers/execute` in §7.4 key order; `bundle` only when uploading.
#[derive(Serialize)]
struct ExecuteBody<'a> {
    key: &'a str,
    sha256: &'a str,
    args: String,
    args_array: Vec<Value>,
    function_name: &'a str,
    timeout: u32,
    region: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bundle: Option<String>,
}

/// `POST /v1/verifiers/execute`: pickled `(None, *args, {"env": id})` and kwargs.
pub fn execute_request(
    config: &ClientConfig,
    bundle: &Bundle,
    run: &Execution,
    upload: bool,
    ctx: &CallContext,
) -> HttpRequest {
    let marker = Value::Object(Map::from_iter([("env".to_string(), Value::from(run.instance_id))]));
    let mut positional = vec![Py::None];
    positional.extend(run.args.iter().map(Py::from));
    positional.push(Py::from(&marker));
    let kwargs = run.kwargs.iter().map(|(k, v)| (Py::Str(k.clone()), Py::from(v))).collect();
    let payload =
        Py::Dict(vec![(Py::Str("args".into()), Py::Tuple(positional)), (Py::Str("kwargs".into()), Py::Dict(kwargs))]);
    let mut args_array: Vec<Value> = run.args.to_vec();
    args_array.push(marker);
    let body = ExecuteBody {
        key: run.key,
        sha256: &bundle.sha256,
        args: base64(&pickle::dumps(&payload)),
        args_array,
        function_name: &bundle.function_name,
        timeout: run.timeout_s,
        region: run.region,
        bundle: upload.then(|| base64(&bundle.zip)),
    };
    config.request_json(Method::Post, "/v1/verifiers/execute", &body, ctx)
}

/// Whether an execute error means "upload the bundle and try again" (§7.4).
pub fn needs_upload(error: &FleetError) -> bool {
    let m = error.message.to_ascii_lowercase();
    m.contains("not found") || m.contains("404")
}

/// Runs the task's verifier on the server against `target` (§7): bundle the source, ask whether
/// the server has it (any doubt means "upload"), execute, and upload once more when the server
/// says it lost the bundle.
pub async fn verify_detailed<I: Io>(
    call: &Call<'_, I>,
    task: &TaskRef,
    target: &Target,
    o: &VerifyOptions,
) -> Result<ExecutionResult, FleetError> {
    in_range(o.timeout_seconds, 1, 600, "verify options", "timeoutSeconds")?;
    require_id(&target.instance_id, "instance id")?;
    let verifier = task.verifier.as_ref();
    let code = task.verifier_func.as_deref().or(verifier.and_then(|v| v.code.as_deref()));
    let code = code.ok_or_else(|| FleetError::validation("this task has no verifier code"))?;
    let key = verifier.and_then(|v| v.key.as_deref()).unwrap_or(&task.key);
    let kwargs: Vec<(String, Value)> = o.final_answer.iter().map(|a| ("final_answer".to_string(), a.clone())).collect();
    let run = Execution {
        key: if key.is_empty() { "verifier" } else { key },
        instance_id: &target.instance_id,
        args: o.args.as_deref().unwrap_or_default(),
        kwargs: &kwargs,
        timeout_s: o.timeout_seconds.unwrap_or(30),
        region: target.region.as_deref().unwrap_or("us-west-1"),
    };
    let bundle = Bundle::new(code)?;
    let ctx = call.io.new_call();
    let cached = match call.send(&check_request(&call.client.config, &bundle, &ctx), None).await {
        Ok(r) => {
            r.status < 400
                && matches!(r.body, ResponseBody::Json(_))
                && decode::<CheckAnswer, _>(&r, "").is_ok_and(|a| a.success)
        }
        Err(e) if e.kind == ErrorKind::Abort => return Err(e),
        Err(_) => false,
    };
    let timeout = call.timeout_ms.unwrap_or((f64::from(run.timeout_s) + 60.0) * 1000.0);
    let execute = |upload: bool| {
        let ctx = call.io.new_call();
        let request = execute_request(&call.client.config, &bundle, &run, upload, &ctx);
        async move {
            let response = call.send(&request, Some(timeout)).await?;
            decode::<ExecutionResult, _>(&response, &ctx.request_id)
        }
    };
    match execute(!cached).await {
        Err(e) if cached && needs_upload(&e) => execute(true).await,
        other => other,
    }
}

/// The score of a result as fleet-python computes it: a number, `score` of an object, a
/// numeric string, a boolean as 0 or 1; anything else is 0.
pub fn score(result: &Value) -> f64 {
    match result {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => s.trim().parse().unwrap_or(0.0),
        Value::Object(m) => m.get("score").map_or(0.0, score),
        _ => 0.0,
    }
}

/// The verifier's error as it reports it: `{ type, message }`.
#[derive(Deserialize, Default)]
struct VerifierError {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
}

/// The score of a finished verification, or a `VerificationError` when the verifier failed.
pub fn score_of(result: &ExecutionResult) -> Result<f64, FleetError> {
    if result.success {
        return Ok(result.result.as_ref().map_or(0.0, score));
    }
    let error = result.error.as_ref().and_then(|e| VerifierError::deserialize(e).ok()).unwrap_or_default();
    let kind = error.kind.as_deref().unwrap_or("Error");
    let message = error.message.as_deref().unwrap_or("the verifier failed without a message");
    let mut e = FleetError::new(ErrorKind::Verification, format!("Verifier failed: {kind}: {message}"));
    e.body = serde_json::to_value(result).ok();
    Err(e)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
