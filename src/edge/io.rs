//! The core's [`Io`] on a JS runtime: one attempt with `fetch` (`attempt.js`: a per-attempt
//! timeout through an `AbortController`, chained with the caller's `AbortSignal`, in one call
//! across the boundary), gloo-timers sleeps, the clock, `crypto.getRandomValues`, and the
//! caller's logger. Bodies are parsed by the JS engine.
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::client::Client;
use super::runtime::{now_ms, prop, random, random_bytes};
use super::timers::sleep;
use crate::core::http::HttpRequest;
use crate::core::io::{Failure, HttpResponse, Io, JsonBody, Level, LogValue, ResponseBody};

#[wasm_bindgen(module = "/src/edge/attempt.js")]
extern "C" {
    /// One attempt: see `attempt.js`. Resolves to `[status, retryAfter, body, isJson]`.
    /// `header_lines` is `name\nvalue\nname\nvalue...`: one string across the boundary
    /// (header names and values never hold a line break; `ClientConfig` refuses them).
    fn attempt(
        fetch: &Function,
        url: &str,
        method: &str,
        header_lines: &str,
        body: Option<&str>,
        timeout_ms: f64,
        signal: Option<&AbortSignal>,
    ) -> Promise;
}

/// A JSON body as the engine parsed it, decoded field by field with serde-wasm-bindgen.
impl JsonBody for JsValue {
    fn decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_wasm_bindgen::from_value(self.clone()).map_err(|e| e.to_string())
    }
}

/// Headers as `name\nvalue\n...`: one string across the boundary.
pub fn header_lines(request: &HttpRequest) -> String {
    let mut lines = String::with_capacity(256);
    for (name, value) in &request.headers {
        lines.push_str(name);
        lines.push('\n');
        lines.push_str(value);
        lines.push('\n');
    }
    lines
}

/// A `[kind, message]` rejection of `attempt.js` or `stream.js` as a [`Failure`].
pub fn failure_of(rejection: JsValue) -> Failure {
    let failure = Array::from(&rejection);
    let message = failure.get(1).as_string().unwrap_or_else(|| "network error".into());
    match failure.get(0).as_string().as_deref() {
        Some("aborted") => Failure::Aborted,
        Some("timeout") => Failure::TimedOut,
        _ => Failure::Network(message),
    }
}

/// The runtime of one call: the client's `fetch` and logger, and the caller's `AbortSignal`.
pub struct WebIo {
    pub client: Rc<Client>,
    pub signal: Option<AbortSignal>,
}

impl Io for WebIo {
    type Json = JsValue;

    async fn fetch(&self, request: &HttpRequest, timeout_ms: f64) -> Result<HttpResponse<JsValue>, Failure> {
        if self.signal.as_ref().is_some_and(AbortSignal::aborted) {
            return Err(Failure::Aborted);
        }
        let lines = header_lines(request);
        let (method, body, signal) = (request.method.as_str(), request.body.as_deref(), self.signal.as_ref());
        let pending = attempt(&self.client.fetch, &request.url, method, &lines, body, timeout_ms.max(0.0), signal);
        let answer = Array::from(&JsFuture::from(pending).await.map_err(failure_of)?);
        let status = answer.get(0).as_f64().filter(|s| (100.0..600.0).contains(s));
        let status = status.ok_or_else(|| Failure::Network("`fetch` did not resolve to a Response".into()))? as u16;
        let body = match answer.get(3).as_bool() {
            Some(true) => ResponseBody::Json(answer.get(2)),
            _ => ResponseBody::Text(answer.get(2).as_string().unwrap_or_default()),
        };
        Ok(HttpResponse { status, retry_after: answer.get(1).as_string(), body })
    }

    async fn sleep(&self, ms: f64) -> Result<(), Failure> {
        sleep(ms, self.signal.as_ref()).await.map_err(|()| Failure::Aborted)
    }

    fn now_ms(&self) -> f64 {
        now_ms()
    }

    fn random(&self) -> f64 {
        random()
    }

    fn random_bytes(&self) -> [u8; 16] {
        random_bytes()
    }

    /// Calls `logger[level](message, fields)` if the logger has that method.
    fn log(&self, level: Level, message: &str, fields: &[(&str, LogValue)]) {
        let Some(logger) = &self.client.logger else { return };
        let method = match level {
            Level::Info => "info",
            Level::Warn => "warn",
        };
        if let Ok(f) = prop(logger, method).dyn_into::<Function>() {
            let obj = Object::new();
            for (k, v) in fields {
                let v = match v {
                    LogValue::Text(s) => JsValue::from_str(s),
                    LogValue::Number(n) => JsValue::from_f64(*n),
                    LogValue::Null => JsValue::NULL,
                };
                let _ = Reflect::set(&obj, &JsValue::from_str(k), &v);
            }
            let _ = f.call2(logger, &JsValue::from_str(message), &obj);
        }
    }
}
