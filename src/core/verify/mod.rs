//! Remote verification (protocol §7.2-7.4): bundle the verifier's source, check the server's
//! cache by sha256, execute with pickled arguments, and read the result.
pub mod pickle;
pub mod zip;

use crate::core::json::{Number, Value};
use sha2::{Digest, Sha256};

use super::body::Body;
use super::client::{CallContext, ClientConfig};
use super::error::{ErrorKind, FleetError};
use super::http::{HttpRequest, HttpResponse, Method};
use super::model::{convert, opt, req, Field, Kind};
use super::query;
use pickle::Py;

static EXECUTE_RESULT: [Field; 13] = [
    req("success", "success", Kind::Bool),
    req("execution_time_ms", "executionTimeMs", Kind::Int),
    opt("result", "result", Kind::Any),
    opt("error", "error", Kind::Any),
    opt("stdout", "stdout", Kind::Str),
    opt("key", "key", Kind::Str),
    opt("version", "version", Kind::Int),
    opt("display_src", "displaySrc", Kind::Str),
    opt("created_at", "createdAt", Kind::Str),
    opt("comment", "comment", Kind::Str),
    opt("verifier_id", "verifierId", Kind::Str),
    opt("execution_id", "executionId", Kind::Str),
    opt("bundle_cache_hit", "bundleCacheHit", Kind::Bool),
];

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
        let function_name = function_name(code)
            .ok_or_else(|| FleetError::validation("the verifier code defines no top-level function (`def verify(env, ...)`)"))?;
        let zip = zip::zip_stored(&[("requirements.txt", b"fleet-python"), ("verifier.py", code.as_bytes())]);
        let sha256 = Sha256::digest(&zip).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Bundle { zip, sha256, function_name })
    }
}

/// `GET /v1/verifiers/check?sha256=`.
pub fn check_request(config: &ClientConfig, bundle: &Bundle, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, &format!("/v1/verifiers/check{}", query::encode(&[("sha256", Some(&bundle.sha256))])), None, ctx)
}

/// Whether the server already has the bundle; anything unexpected means "upload it".
pub fn parse_check(response: &HttpResponse) -> bool {
    response.status < 400
        && crate::core::json::parse(&response.body).ok().and_then(|v| v.get("success")?.as_bool()) == Some(true)
}

/// What to run: the verifier key, the instance, extra positional arguments and keyword arguments.
pub struct Execution<'a> {
    pub key: &'a str,
    pub instance_id: &'a str,
    pub args: &'a [Value],
    pub kwargs: &'a [(String, Value)],
    pub timeout_s: i64,
    pub region: &'a str,
}

/// `POST /v1/verifiers/execute` (§7.4 key order); `bundle` is sent only when `upload`.
pub fn execute_request(config: &ClientConfig, bundle: &Bundle, run: &Execution, upload: bool, ctx: &CallContext) -> HttpRequest {
    let marker: Value = Value::Object([("env".to_string(), Value::from(run.instance_id))].into_iter().collect());
    let mut positional = vec![Py::None];
    positional.extend(run.args.iter().map(Py::from));
    positional.push(Py::from(&marker));
    let payload = Py::Dict(vec![
        (Py::Str("args".into()), Py::Tuple(positional)),
        (Py::Str("kwargs".into()), Py::Dict(run.kwargs.iter().map(|(k, v)| (Py::Str(k.clone()), Py::from(v))).collect())),
    ]);
    let mut args_array: Vec<Value> = run.args.to_vec();
    args_array.push(marker);
    let body = Body::new()
        .push("key", run.key)
        .push("sha256", bundle.sha256.as_str())
        .push("args", base64(&pickle::dumps(&payload)))
        .push("args_array", args_array)
        .push("function_name", bundle.function_name.as_str())
        .push("timeout", run.timeout_s)
        .push("region", run.region)
        .push_opt("bundle", upload.then(|| base64(&bundle.zip)));
    config.request(Method::Post, "/v1/verifiers/execute", Some(body.finish()), ctx)
}

/// Whether an execute error means "upload the bundle and try again" (§7.4).
pub fn needs_upload(error: &FleetError) -> bool {
    let m = error.message.to_ascii_lowercase();
    m.contains("not found") || m.contains("404")
}

pub fn parse_execute(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| convert(&v, &EXECUTE_RESULT))
}

/// The score of a result as fleet-python computes it: a number, `score` of an object, a
/// numeric string; anything else is 0. It stays a JSON number (its text), so JS reads it exactly.
pub fn score(result: &Value) -> Number {
    match result {
        Value::Number(n) => n.clone(),
        Value::Bool(b) => Number::from(u8::from(*b)),
        Value::String(s) => Number::parse(s.trim()).unwrap_or_else(|| Number::from(0u8)),
        Value::Object(m) => m.get("score").map(score).unwrap_or_else(|| Number::from(0u8)),
        _ => Number::from(0u8),
    }
}

/// A `success: false` result as a `VerificationError`, with the verifier's error in the message.
pub fn failure(result: &Value, request_id: &str) -> FleetError {
    let error = &result["error"];
    let kind = error.get("type").and_then(Value::as_str).unwrap_or("Error");
    let message = error.get("message").and_then(Value::as_str).unwrap_or("the verifier failed without a message");
    let mut e = FleetError::new(ErrorKind::Verification, format!("Verifier failed: {kind}: {message}"));
    e.body = Some(result.clone());
    e.request_id = (!request_id.is_empty()).then(|| request_id.to_string());
    e
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
