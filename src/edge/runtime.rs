//! What the edge needs from the JS runtime, looked up on the global object so the same code runs
//! in Node 18+, browsers and workers (never `window`).
use js_sys::{Function, Math, Reflect};
use wasm_bindgen::prelude::*;

/// `globalThis.a.b.c`, or `undefined`.
pub fn global_property(path: &[&str]) -> JsValue {
    let mut value: JsValue = js_sys::global().into();
    for key in path {
        if value.is_undefined() || value.is_null() {
            return JsValue::UNDEFINED;
        }
        value = Reflect::get(&value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    }
    value
}

/// A property of any JS value, or `undefined`.
pub fn prop(target: &JsValue, key: &str) -> JsValue {
    if target.is_undefined() || target.is_null() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A function-valued global, e.g. `fetch`, `setTimeout`.
pub fn global_function(name: &str) -> Option<Function> {
    global_property(&[name]).dyn_into().ok()
}

/// True in Node.js (where `process.versions.node` exists), false in browsers and workers.
pub fn is_node() -> bool {
    global_property(&["process", "versions", "node"]).is_string()
}

/// A `process.env` variable, read in Node only: a browser page never consults its environment.
pub fn node_env(name: &str) -> Option<String> {
    if !is_node() {
        return None;
    }
    global_property(&["process", "env", name]).as_string().filter(|v| !v.is_empty())
}

/// 16 bytes from `crypto.getRandomValues` (Math.random where there is no WebCrypto).
pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let crypto = global_property(&["crypto"]);
    if let Ok(get_random) = prop(&crypto, "getRandomValues").dyn_into::<Function>() {
        let buffer = js_sys::Uint8Array::new_with_length(16);
        if get_random.call1(&crypto, &buffer).is_ok() {
            buffer.copy_to(&mut bytes);
            return bytes;
        }
    }
    for b in bytes.iter_mut() {
        *b = (Math::random() * 256.0) as u8;
    }
    bytes
}

/// Uniform in [0, 1), for jitter.
pub fn random() -> f64 {
    Math::random()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
