//! The one seam between the protocol core and the outside world: the [`Io`] trait. The wasm edge
//! implements it with `fetch`, gloo-timers and `AbortSignal`; native tests implement it with a
//! scripted fake. Every protocol flow in the core is a plain async function over `&impl Io`.
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::client::CallContext;
use super::error::FleetError;
use super::http::HttpRequest;
use super::ids;

/// A parsed JSON response body as the runtime holds it (a `JsValue` parsed by the JS engine in
/// the wasm, a `serde_json::Value` in native tests), decoded into typed models on demand.
///
/// Errors carry serde's words: a missing field is named (``missing field `team_name` ``); a
/// wrong type says what was found and expected, and [`decode`] adds which model it was. (A
/// field path for every wrong type would take a path-tracking deserializer per model: 120 KB of
/// wasm for answers only a broken server sends. Options from JS, which people get wrong, do
/// name the key: see `core::options`.)
pub trait JsonBody {
    fn decode<T: DeserializeOwned>(&self) -> Result<T, String>;
}

impl JsonBody for serde_json::Value {
    fn decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        T::deserialize(self).map_err(|e| e.to_string())
    }
}

/// For `#[serde(deserialize_with)]`: `null` (as the service sends for "none") reads as the
/// default value (an empty map of env variables).
pub fn null_as_default<'de, D: serde::Deserializer<'de>, T: Default + serde::Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// What came back from the server: the status, `Retry-After`, and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse<J> {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: ResponseBody<J>,
}

/// A body parsed as JSON when it was JSON, else its text (error pages, `Bad Gateway`).
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody<J> {
    Json(J),
    Text(String),
}

/// How one attempt ended without a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The per-attempt timeout ran out.
    TimedOut,
    /// No response (refused, reset, DNS, CORS), with the runtime's reason.
    Network(String),
}

/// A log line's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
}

/// The runtime a call runs on: one value per call (it carries that call's `AbortSignal`).
#[allow(async_fn_in_trait)] // single-threaded (wasm32): the futures never need to be `Send`
pub trait Io {
    type Json: JsonBody;

    /// Sends one attempt of `request`, giving up after `timeout_ms`.
    async fn fetch(&self, request: &HttpRequest, timeout_ms: f64) -> Result<HttpResponse<Self::Json>, Failure>;

    /// Waits `ms`; `Err(Failure::Aborted)` when the call is aborted first.
    async fn sleep(&self, ms: f64) -> Result<(), Failure>;

    /// Milliseconds since the epoch.
    fn now_ms(&self) -> f64;

    /// Uniform in [0, 1).
    fn random(&self) -> f64;

    /// 16 random bytes (request ids).
    fn random_bytes(&self) -> [u8; 16];

    /// A log line for the caller's logger; `fields` never hold headers or keys.
    fn log(&self, level: Level, message: &str, fields: &[(&str, LogValue)]);

    /// A fresh identity for one logical call.
    fn new_call(&self) -> CallContext {
        CallContext { request_id: ids::uuid_v4(self.random_bytes()), timestamp_ms: self.now_ms() as u64 }
    }
}

/// A value in a log line.
#[derive(Debug, Clone, PartialEq)]
pub enum LogValue {
    Text(String),
    Number(f64),
    Null,
}

impl From<&str> for LogValue {
    fn from(s: &str) -> Self {
        LogValue::Text(s.to_string())
    }
}

impl From<f64> for LogValue {
    fn from(n: f64) -> Self {
        LogValue::Number(n)
    }
}

/// Reads a successful response into `T`, or the typed error of a failed one. As in
/// fleet-python, any status below 400 counts as success. Errors carry the call's request id.
pub fn decode<T: DeserializeOwned, J: JsonBody>(response: &HttpResponse<J>, request_id: &str) -> Result<T, FleetError> {
    let rid = (!request_id.is_empty()).then_some(request_id);
    let result = if response.status >= 400 {
        Err(super::classify::classify_response(response))
    } else {
        match &response.body {
            ResponseBody::Json(json) => json.decode().map_err(|e| {
                let name = std::any::type_name::<T>();
                let model = name.trim_end_matches('>').rsplit("::").next().unwrap_or(name);
                FleetError::invalid_response(format!("unexpected {} response (reading {model}): {e}", response.status))
            }),
            ResponseBody::Text(_) => {
                Err(FleetError::invalid_response(format!("the server's {} response is not JSON", response.status)))
            }
        }
    };
    result.map_err(|mut e| {
        if e.request_id.is_none() {
            e.request_id = rid.map(str::to_string);
        }
        e
    })
}
