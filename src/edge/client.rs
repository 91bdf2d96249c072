//! The state a `Fleet` client shares with its envs and tasks, the one way calls start, and the
//! conversions at the boundary: JS values in through serde-wasm-bindgen, models out through its
//! JSON-compatible serializer (plain objects, `null` for absent values).
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Function, Object};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use super::errors;
use super::io::WebIo;
use super::options::without;
use super::runtime::{self, prop};
use crate::core::call::{Call, Client as CoreClient, ClientOptions};
use crate::core::error::FleetError;
use crate::core::options::{self, OptionsObject};

/// A configured client: the core client plus what only JS can hold.
pub struct Client {
    pub core: CoreClient,
    pub fetch: Function,
    pub logger: Option<JsValue>,
}

/// The last argument every call takes: `{ signal, timeoutMs }`.
#[derive(Default, Clone)]
pub struct CallOptions {
    pub signal: Option<AbortSignal>,
    pub timeout_ms: Option<f64>,
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
                return Err(FleetError::validation(format!(
                    "call options: unknown option `{key}` (expected signal, timeoutMs)"
                )));
            }
        }
        let signal = match prop(value, "signal") {
            s if s.is_undefined() || s.is_null() => None,
            s => Some(
                s.dyn_into::<AbortSignal>().map_err(|_| FleetError::validation("`signal` must be an AbortSignal"))?,
            ),
        };
        let timeout_ms = match prop(value, "timeoutMs") {
            t if t.is_undefined() || t.is_null() => None,
            t => Some(t.as_f64().filter(|n| *n > 0.0 && *n <= crate::core::call::MAX_TIMEOUT_MS).ok_or_else(|| {
                FleetError::validation("`timeoutMs` must be a positive number of ms (at most 2147483647)")
            })?),
        };
        Ok(CallOptions { signal, timeout_ms })
    }
}

/// A started call: its runtime (which holds the caller's signal) and the caller's timeout.
pub struct Started {
    pub io: WebIo,
    pub timeout_ms: Option<f64>,
}

impl Started {
    /// The core's view of this call.
    pub fn call(&self) -> Call<'_, WebIo> {
        Call { client: &self.io.client.core, io: &self.io, timeout_ms: self.timeout_ms, single_attempt: false }
    }
}

impl Client {
    /// Reads `new Fleet(options)`: apiKey, baseUrl, timeoutMs, maxRetries, fetch, headers, logger.
    pub fn from_options(options: &JsValue) -> Result<Client, FleetError> {
        if !(options.is_undefined() || options.is_null() || options.is_object()) {
            return Err(FleetError::validation("Fleet options must be an object"));
        }
        let plain: ClientOptions = parse_options(&without(options, &["fetch", "logger"]), "Fleet options")?;
        let core = CoreClient::new(plain, runtime::node_env("FLEET_API_KEY"), runtime::node_env("FLEET_BASE_URL"))?;
        let fetch = match prop(options, "fetch") {
            f if f.is_undefined() || f.is_null() => runtime::global_function("fetch").ok_or_else(|| {
                FleetError::validation("This runtime has no global `fetch`: pass one as `fetch` in the options")
            })?,
            f => f.dyn_into::<Function>().map_err(|_| FleetError::validation("`fetch` must be a function"))?,
        };
        let logger = Some(prop(options, "logger")).filter(JsValue::is_object);
        Ok(Client { core, fetch, logger })
    }

    /// Turns an error into the JS error to reject with, with the key scrubbed.
    pub fn fail(&self, error: FleetError) -> JsValue {
        errors::to_js(error.redact(self.core.config.api_key()))
    }
}

/// Starts a call: reads its call options (`{ signal, timeoutMs }`).
pub fn start(client: &Rc<Client>, opts: &JsValue) -> Result<Started, FleetError> {
    let opts = CallOptions::from_js(opts)?;
    Ok(Started { io: WebIo { client: client.clone(), signal: opts.signal }, timeout_ms: opts.timeout_ms })
}

/// A boxed future of what a Promise resolves to.
pub type Pending = Pin<Box<dyn Future<Output = Result<JsValue, FleetError>>>>;

/// The one bridge from Rust futures to JS promises; errors become the SDK's JS error classes.
pub fn promise(client: Rc<Client>, body: Pending) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move { body.await.map_err(|e| client.fail(e)) })
}

/// A Promise of `body` (an async block that owns what it uses).
macro_rules! js_call {
    ($client:expr, $body:expr) => {{
        let errors_client: std::rc::Rc<$crate::edge::client::Client> = ($client).clone();
        $crate::edge::client::promise(errors_client, Box::pin(async move { $body }))
    }};
}
pub(crate) use js_call;

/// A model -> a plain JS value: objects, arrays, numbers, `null` for absent fields.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, FleetError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| FleetError::invalid_response(format!("could not hand the answer to JavaScript: {e}")))
}

/// A plain JS value -> JSON. Functions, symbols and other non-JSON values are refused with a
/// `ValidationError`, before anything is sent.
pub fn from_js(value: &JsValue, what: &str) -> Result<serde_json::Value, FleetError> {
    plain_json(value, what)?;
    serde_wasm_bindgen::from_value(value.clone()).map_err(|e| {
        FleetError::validation(format!(
            "{what} must be plain JSON data (not a function, symbol or class instance): {e}"
        ))
    })
}

#[wasm_bindgen(module = "/src/edge/attempt.js")]
extern "C" {
    /// Whether plain JSON data nests deeper than `max` (see `attempt.js`).
    #[wasm_bindgen(js_name = tooDeep)]
    fn too_deep(value: &JsValue, max: u32) -> bool;
}

/// How deep user data may nest: decoding deeper could exhaust the wasm stack (flotilla-server
/// refuses deeper bodies too).
const MAX_JSON_DEPTH: u32 = 128;

/// `JSON.stringify` throws on a cycle (which would recurse without end in a decoder) and a BigInt;
/// nesting past [`MAX_JSON_DEPTH`] is refused before any decoder sees it.
pub fn plain_json(value: &JsValue, what: &str) -> Result<(), FleetError> {
    if value.is_object() && js_sys::JSON::stringify(value).is_err() {
        return Err(FleetError::validation(format!("{what} must be plain JSON data (no cycles, no BigInt)")));
    }
    if value.is_object() && too_deep(value, MAX_JSON_DEPTH) {
        return Err(FleetError::validation(format!("{what} nests deeper than {MAX_JSON_DEPTH} levels")));
    }
    Ok(())
}

/// A JS object read by serde-wasm-bindgen, key by key, for [`options::read`].
struct JsOptions(Object);

impl OptionsObject for JsOptions {
    fn keys(&self) -> Vec<String> {
        Object::keys(&self.0).iter().filter_map(|k| k.as_string()).collect()
    }
    fn decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_wasm_bindgen::from_value(self.0.clone().into()).map_err(|e| e.to_string())
    }
    fn decode_only<T: DeserializeOwned>(&self, key: &str) -> Result<T, String> {
        let only = Object::new();
        let key = JsValue::from_str(key);
        let _ = js_sys::Reflect::set(&only, &key, &js_sys::Reflect::get(&self.0, &key).unwrap_or(JsValue::UNDEFINED));
        serde_wasm_bindgen::from_value(only.into()).map_err(|e| e.to_string())
    }
}

/// An options object -> its typed struct (`null`/`undefined`: all defaults). Unknown keys and
/// wrong types are `ValidationError`s naming the key.
pub fn parse_options<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, FleetError> {
    if value.is_undefined() || value.is_null() {
        return options::read(&JsOptions(Object::new()), what);
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(FleetError::validation(format!("{what} must be an object")));
    }
    plain_json(value, what)?;
    options::read(&JsOptions(value.clone().unchecked_into()), what)
}

/// A string argument. wasm-bindgen's own conversion of a `String` parameter trusts the caller (a
/// number there can fault the module), so exports take a `JsValue` and check it here.
pub fn string_arg(value: &JsValue, what: &str) -> Result<String, FleetError> {
    value.as_string().ok_or_else(|| FleetError::validation(format!("{what} must be a string")))
}
