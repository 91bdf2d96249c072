//! The state a `Fleet` client shares with its envs and tasks, and the one way calls are made.
use js_sys::{Function, Object, Reflect};
use crate::core::json::Value;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::errors;
use super::runtime::{self, prop};
use super::transport::Transport;
use crate::core::client::{CallContext, ClientConfig};
use crate::core::error::FleetError;
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::retry::RetryPolicy;

/// Fleet's defaults: 300 s per call (§2.6).
pub const DEFAULT_TIMEOUT_MS: f64 = 300_000.0;

/// The last argument every call takes: `{ signal, timeoutMs }`.
#[derive(Default, Clone)]
pub struct CallOptions {
    pub signal: Option<AbortSignal>,
    pub timeout_ms: Option<f64>,
    /// Internal: one attempt only (the heartbeat scheduler retries on its own terms).
    pub single_attempt: bool,
}

impl CallOptions {
    pub fn from_js(value: &JsValue) -> Result<CallOptions, FleetError> {
        if value.is_undefined() || value.is_null() {
            return Ok(CallOptions::default());
        }
        if !value.is_object() {
            return Err(FleetError::validation("call options must be an object: { signal, timeoutMs }"));
        }
        for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if key != "signal" && key != "timeoutMs" {
                return Err(FleetError::validation(format!("call options: unknown option `{key}` (expected signal, timeoutMs)")));
            }
        }
        let signal = match prop(value, "signal") {
            s if s.is_undefined() || s.is_null() => None,
            s => Some(s.dyn_into::<AbortSignal>().map_err(|_| FleetError::validation("`signal` must be an AbortSignal"))?),
        };
        let timeout_ms = match prop(value, "timeoutMs") {
            t if t.is_undefined() || t.is_null() => None,
            t => Some(t.as_f64().filter(|n| *n > 0.0 && n.is_finite()).ok_or_else(|| FleetError::validation("`timeoutMs` must be a positive number"))?),
        };
        Ok(CallOptions { signal, timeout_ms, single_attempt: false })
    }
}

/// A boxed future of a call's result.
pub type Pending<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, FleetError>> + 'a>>;

/// A configured client.
pub struct Client {
    pub config: ClientConfig,
    pub transport: Transport,
    pub timeout_ms: f64,
}

impl Client {
    /// Reads `new Fleet(options)`: apiKey, baseUrl, timeoutMs, maxRetries, fetch, headers, logger.
    pub fn from_options(options: &JsValue) -> Result<Client, FleetError> {
        if !(options.is_undefined() || options.is_null() || options.is_object()) {
            return Err(FleetError::validation("Fleet options must be an object"));
        }
        let allowed = ["apiKey", "baseUrl", "timeoutMs", "maxRetries", "fetch", "headers", "logger"];
        if options.is_object() {
            for key in Object::keys(options.unchecked_ref::<Object>()).iter() {
                let key = key.as_string().unwrap_or_default();
                if !allowed.contains(&key.as_str()) {
                    return Err(FleetError::validation(format!("Fleet options: unknown option `{key}` (expected one of: {})", allowed.join(", "))));
                }
            }
        }
        let string = |key: &str| -> Result<Option<String>, FleetError> {
            match prop(options, key) {
                v if v.is_undefined() || v.is_null() => Ok(None),
                v => v.as_string().map(Some).ok_or_else(|| FleetError::validation(format!("`{key}` must be a string"))),
            }
        };
        let api_key = string("apiKey")?.or_else(|| runtime::node_env("FLEET_API_KEY"));
        let base_url = string("baseUrl")?.or_else(|| runtime::node_env("FLEET_BASE_URL"));
        let mut headers = Vec::new();
        let h = prop(options, "headers");
        if h.is_object() {
            for key in Object::keys(h.unchecked_ref::<Object>()).iter() {
                let name = key.as_string().unwrap_or_default();
                let value = Reflect::get(&h, &key).ok().and_then(|v| v.as_string())
                    .ok_or_else(|| FleetError::validation(format!("header `{name}` must be a string")))?;
                headers.push((name, value));
            }
        } else if !h.is_undefined() && !h.is_null() {
            return Err(FleetError::validation("`headers` must be an object of strings"));
        }
        let config = ClientConfig::new(api_key, base_url)?.with_headers(headers);
        let fetch = match prop(options, "fetch") {
            f if f.is_undefined() || f.is_null() => runtime::global_function("fetch")
                .ok_or_else(|| FleetError::validation("This runtime has no global `fetch`: pass one as `fetch` in the options"))?,
            f => f.dyn_into::<Function>().map_err(|_| FleetError::validation("`fetch` must be a function"))?,
        };
        let timeout_ms = match prop(options, "timeoutMs") {
            t if t.is_undefined() || t.is_null() => DEFAULT_TIMEOUT_MS,
            t => t.as_f64().filter(|n| *n > 0.0).ok_or_else(|| FleetError::validation("`timeoutMs` must be a positive number"))?,
        };
        let max_retries = match prop(options, "maxRetries") {
            r if r.is_undefined() || r.is_null() => 3,
            r => r.as_f64().filter(|n| n.fract() == 0.0 && (0.0..=10.0).contains(n)).ok_or_else(|| FleetError::validation("`maxRetries` must be an integer from 0 to 10"))? as u32,
        };
        let logger = Some(prop(options, "logger")).filter(|l| l.is_object());
        Ok(Client { config, transport: Transport { fetch, policy: RetryPolicy { max_retries }, logger }, timeout_ms })
    }

    /// Turns an error into the JS error to reject with, with the key scrubbed.
    pub fn fail(&self, error: FleetError) -> JsValue {
        errors::to_js(error.redact(self.config.api_key()))
    }

    /// Makes one control-plane call: builds the request for a fresh call identity and sends it.
    pub fn call<'a>(
        &'a self,
        opts: &'a CallOptions,
        build: impl FnOnce(&ClientConfig, &CallContext) -> Result<HttpRequest, FleetError>,
    ) -> Pending<'a, (HttpResponse, String)> {
        let ctx = runtime::new_call();
        let built = build(&self.config, &ctx);
        Box::pin(async move {
            let request = built?;
            self.send(&request, opts, None).await.map(|r| (r, ctx.request_id))
        })
    }

    /// Sends a built request with the call's timeout (or `default_timeout_ms`, else the client's).
    /// Boxed, so that the transport's state machine exists once rather than inside every caller.
    pub fn send<'a>(&'a self, request: &'a HttpRequest, opts: &'a CallOptions, default_timeout_ms: Option<f64>) -> Pending<'a, HttpResponse> {
        let timeout = opts.timeout_ms.or(default_timeout_ms).unwrap_or(self.timeout_ms);
        let policy = if opts.single_attempt { RetryPolicy { max_retries: 0 } } else { self.transport.policy };
        Box::pin(self.transport.send(request, timeout, opts.signal.as_ref(), policy))
    }
}

/// The one bridge from Rust futures to JS promises.
pub fn promise(client: std::rc::Rc<Client>, body: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, FleetError>>>>) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move { body.await.map_err(|e| client.fail(e)) })
}

/// JSON -> a plain JS value (objects, arrays, numbers...), through the engine's JSON parser:
/// one generic path for every model keeps the WebAssembly small.
pub fn to_js(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// A string argument. wasm-bindgen's own conversion of a `String` parameter trusts the caller (a
/// number there can fault the module), so exports take a `JsValue` and check it here.
pub fn string_arg(value: &JsValue, what: &str) -> Result<String, FleetError> {
    value.as_string().ok_or_else(|| FleetError::validation(format!("{what} must be a string")))
}

/// A plain JS value -> JSON (for options objects). Functions and other non-JSON values are
/// refused with a `ValidationError`.
pub fn from_js(value: &JsValue, what: &str) -> Result<Value, FleetError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    // `JSON.stringify` throws on cycles and BigInts, and gives `undefined` for a function or a
    // symbol: all of them are refused here, before anything is sent.
    let text = js_sys::JSON::stringify(value).ok().and_then(|text| text.as_string()).ok_or_else(|| {
        FleetError::validation(format!("{what} must be plain JSON data (not a function, symbol, BigInt or cyclic object)"))
    })?;
    crate::core::json::parse(&text).map_err(|e| FleetError::validation(format!("{what}: {e}")))
}
