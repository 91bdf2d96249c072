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
    RANDOM_POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let (buffer, used) = &mut *pool;
        if *used + 16 > buffer.len() {
            // One call to `crypto.getRandomValues` serves 64 request ids.
            if fill_random(buffer).is_err() {
                buffer.iter_mut().for_each(|b| *b = (Math::random() * 256.0) as u8);
            }
            *used = 0;
        }
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&buffer[*used..*used + 16]);
        *used += 16;
        bytes
    })
}

thread_local! {
    /// Random bytes fetched ahead, and how many are used.
    static RANDOM_POOL: std::cell::RefCell<([u8; 1024], usize)> = const { std::cell::RefCell::new(([0; 1024], 1024)) };
}

#[wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues` writing straight into wasm memory (throws where there is none).
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn fill_random(buffer: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// Uniform in [0, 1), for jitter.
pub fn random() -> f64 {
    Math::random()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
