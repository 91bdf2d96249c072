//! The core's [`Io`] on a JS runtime: one attempt with `fetch` (a per-attempt timeout through an
//! `AbortController`, chained with the caller's `AbortSignal`), gloo-timers sleeps, the clock,
//! `crypto.getRandomValues`, and the caller's logger. Bodies are parsed by the JS engine.
use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Promise, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit};

use super::client::Client;
use super::runtime::{now_ms, prop, random, random_bytes};
use super::timers::{millis, sleep, SignalListener};
use crate::core::http::HttpRequest;
use crate::core::io::{Failure, HttpResponse, Io, JsonBody, Level, LogValue, ResponseBody};

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on the JS string as it is (js-sys's takes a `&str`: a copy into the wasm and
    /// back for every body).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// A JSON body as the engine parsed it, decoded field by field with serde-wasm-bindgen.
impl JsonBody for JsValue {
    fn decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_wasm_bindgen::from_value(self.clone()).map_err(|e| e.to_string())
    }
}

/// The runtime of one call: the client's `fetch` and logger, and the caller's `AbortSignal`.
pub struct WebIo {
    pub client: Rc<Client>,
    pub signal: Option<AbortSignal>,
}

fn network(e: &JsValue) -> Failure {
    let reason = prop(e, "message").as_string().unwrap_or_else(|| "network error".into());
    match prop(&prop(e, "cause"), "code").as_string() {
        Some(code) => Failure::Network(format!("{reason}: {code}")),
        None => Failure::Network(reason),
    }
}

fn not_a(what: &str) -> Failure {
    Failure::Network(format!("`fetch` {what}"))
}

impl Io for WebIo {
    type Json = JsValue;

    async fn fetch(&self, request: &HttpRequest, timeout_ms: f64) -> Result<HttpResponse<JsValue>, Failure> {
        if self.signal.as_ref().is_some_and(AbortSignal::aborted) {
            return Err(Failure::Aborted);
        }
        let controller = AbortController::new().map_err(|e| network(&e))?;
        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let (flag, controller) = (timed_out.clone(), controller.clone());
            Timeout::new(millis(timeout_ms), move || {
                flag.set(true);
                controller.abort();
            })
        };
        let _listener = self.signal.as_ref().map(|s| {
            let controller = controller.clone();
            SignalListener::new(s, move || controller.abort())
        });
        let failed = |e: JsValue| {
            if self.signal.as_ref().is_some_and(AbortSignal::aborted) {
                Failure::Aborted
            } else if timed_out.get() {
                Failure::TimedOut
            } else {
                network(&e)
            }
        };
        // A plain object of headers: `fetch` builds its `Headers` from it in one step.
        let headers = Object::new();
        for (name, value) in &request.headers {
            let _ = Reflect::set(&headers, &JsValue::from_str(name), &JsValue::from_str(value));
        }
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        init.set_headers(&headers);
        init.set_signal(Some(&controller.signal()));
        if let Some(body) = &request.body {
            init.set_body(&JsValue::from_str(body));
        }
        let sent =
            self.client.fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init).map_err(&failed)?;
        let promise: Promise = sent.dyn_into().map_err(|_| not_a("did not return a Promise"))?;
        // Read duck-typed (status, headers.get, text()), so any fetch-like function works.
        let response = JsFuture::from(promise).await.map_err(&failed)?;
        let status = prop(&response, "status").as_f64().filter(|s| (100.0..600.0).contains(s));
        let status = status.ok_or_else(|| not_a("did not resolve to a Response"))? as u16;
        let headers = prop(&response, "headers");
        let retry_after = prop(&headers, "get")
            .dyn_into::<Function>()
            .ok()
            .and_then(|get| get.call1(&headers, &JsValue::from_str("retry-after")).ok())
            .and_then(|v| v.as_string());
        let text: Function = prop(&response, "text").dyn_into().map_err(|_| not_a("gave a response without text()"))?;
        let text: Promise =
            text.call0(&response).map_err(&failed)?.dyn_into().map_err(|_| not_a("text() gave no Promise"))?;
        let text = JsFuture::from(text).await.map_err(&failed)?;
        let body = match parse_json(&text) {
            Ok(json) => ResponseBody::Json(json),
            Err(_) => ResponseBody::Text(text.as_string().unwrap_or_default()),
        };
        Ok(HttpResponse { status, retry_after, body })
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
