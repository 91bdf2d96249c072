//! Sends a core [`HttpRequest`] with `fetch`: per-attempt timeout (an `AbortController`
//! chained with the caller's `AbortSignal`), and retries as [`RetryPolicy`] decides, always with
//! the same request id.
use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, RequestInit};

use super::runtime::{now_ms, prop, random};
use super::timers::{sleep, SignalListener, Timer};
use crate::core::error::{ErrorKind, FleetError};
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::retry::{Outcome, RetryPolicy};

/// How one attempt ended without a response.
enum Failure {
    Aborted,
    TimedOut,
    Network(String),
}

/// `fetch` plus the retry policy and an optional logger.
pub struct Transport {
    pub fetch: Function,
    pub policy: RetryPolicy,
    pub logger: Option<JsValue>,
}

/// `scheme://host:port` of a URL, for messages (never a path or query).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// The path of a URL without its query (which may carry ids, never secrets, but stays short).
fn path_of(url: &str) -> &str {
    let rest = &url[origin_of(url).len()..];
    rest.split('?').next().unwrap_or(rest)
}

pub fn abort_error(request_id: &str) -> FleetError {
    FleetError::new(ErrorKind::Abort, "The call was aborted by its AbortSignal").with_request_id(request_id)
}

impl Transport {
    /// Calls `logger[level](message, fields)` if the logger has that method. Never given headers.
    pub fn log(&self, level: &str, message: &str, fields: &[(&str, JsValue)]) {
        let Some(logger) = &self.logger else { return };
        if let Ok(f) = prop(logger, level).dyn_into::<Function>() {
            let obj = Object::new();
            for (k, v) in fields {
                let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
            }
            let _ = f.call2(logger, &JsValue::from_str(message), &obj);
        }
    }

    /// Sends `request`, retrying transient failures. Each attempt gets `timeout_ms`.
    pub async fn send(&self, request: &HttpRequest, timeout_ms: f64, signal: Option<&AbortSignal>, policy: RetryPolicy) -> Result<HttpResponse, FleetError> {
        let rid = request.request_id.as_str();
        let mut retry = 0;
        loop {
            if signal.is_some_and(AbortSignal::aborted) {
                return Err(abort_error(rid));
            }
            let result = self.attempt(request, timeout_ms, signal).await;
            let (outcome, error) = match &result {
                Ok(r) => (Outcome::Status { status: r.status, retry_after: r.retry_after.as_deref() }, None),
                Err(Failure::Aborted) => return Err(abort_error(rid)),
                Err(Failure::TimedOut) => (
                    Outcome::Timeout,
                    Some(FleetError::new(ErrorKind::Timeout, format!("{} {} timed out after {} ms", request.method.as_str(), path_of(&request.url), timeout_ms as u64))),
                ),
                Err(Failure::Network(reason)) => (
                    Outcome::NetworkError,
                    Some(FleetError::new(ErrorKind::Connection, format!("Could not reach {} ({reason})", origin_of(&request.url)))),
                ),
            };
            retry += 1;
            let Some(delay) = policy.delay_ms(request.replay_safe, &outcome, retry, random(), now_ms()) else {
                return match (result, error) {
                    (Ok(response), _) => Ok(response),
                    (_, Some(e)) => Err(if rid.is_empty() { e } else { e.with_request_id(rid) }),
                    (Err(_), None) => Err(abort_error(rid)),
                };
            };
            self.log("warn", "flotilla: retrying", &[
                ("method", request.method.as_str().into()),
                ("path", path_of(&request.url).into()),
                ("retry", retry.into()),
                ("delayMs", delay.round().into()),
                ("requestId", rid.into()),
                ("status", result.as_ref().map(|r| JsValue::from(r.status)).unwrap_or(JsValue::NULL)),
            ]);
            if sleep(delay, signal).await.is_err() {
                return Err(abort_error(rid));
            }
        }
    }

    async fn attempt(&self, request: &HttpRequest, timeout_ms: f64, signal: Option<&AbortSignal>) -> Result<HttpResponse, Failure> {
        let network = |e: JsValue| {
            let reason = prop(&e, "message").as_string().unwrap_or_else(|| "network error".into());
            let cause = prop(&prop(&e, "cause"), "code").as_string();
            Failure::Network(match cause {
                Some(code) => format!("{reason}: {code}"),
                None => reason,
            })
        };
        let controller = AbortController::new().map_err(network)?;
        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let (flag, controller) = (timed_out.clone(), controller.clone());
            Timer::new(timeout_ms, true, move || {
                flag.set(true);
                controller.abort();
            })
        };
        let _listener = signal.map(|s| {
            let controller = controller.clone();
            SignalListener::new(s, move || controller.abort())
        });
        let failed = |e: JsValue| {
            if signal.is_some_and(AbortSignal::aborted) {
                Failure::Aborted
            } else if timed_out.get() {
                Failure::TimedOut
            } else {
                network(e)
            }
        };

        let headers = Headers::new().map_err(network)?;
        for (name, value) in &request.headers {
            headers.set(name, value).map_err(network)?;
        }
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        init.set_headers(&headers);
        init.set_signal(Some(&controller.signal()));
        if let Some(body) = &request.body {
            init.set_body(&JsValue::from_str(body));
        }
        let promise: Promise = self
            .fetch
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init)
            .map_err(&failed)?
            .dyn_into()
            .map_err(|_| Failure::Network("`fetch` did not return a Promise".into()))?;
        // Read duck-typed (status, headers.get, text()), so any fetch-like function works.
        let response = JsFuture::from(promise).await.map_err(&failed)?;
        let status = prop(&response, "status").as_f64().filter(|s| (100.0..600.0).contains(s));
        let status = status.ok_or_else(|| Failure::Network("`fetch` did not resolve to a Response".into()))? as u16;
        let headers = prop(&response, "headers");
        let retry_after = prop(&headers, "get")
            .dyn_into::<Function>()
            .ok()
            .and_then(|get| get.call1(&headers, &JsValue::from_str("retry-after")).ok())
            .and_then(|v| v.as_string());
        let text_fn: Function = prop(&response, "text").dyn_into().map_err(|_| Failure::Network("the response has no text()".into()))?;
        let text_promise: Promise = text_fn.call0(&response).map_err(&failed)?.dyn_into().map_err(|_| Failure::Network("text() did not return a Promise".into()))?;
        let text = JsFuture::from(text_promise).await.map_err(&failed)?;
        Ok(HttpResponse { status, body: text.as_string().unwrap_or_default(), retry_after })
    }
}
