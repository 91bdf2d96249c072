//! Small helpers for option objects that mix JSON with JS values (an `AbortSignal`, a function).
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

/// A shallow copy of `value` without `keys` (so the rest can be read as JSON). Copied entry by
/// entry as own properties (`Object.fromEntries`), so an own `__proto__` key stays a key (and is
/// refused as unknown) instead of becoming the copy's prototype.
pub fn without(value: &JsValue, keys: &[&str]) -> JsValue {
    if !value.is_object() {
        return value.clone();
    }
    let Ok(copy) = Object::from_entries(&Object::entries(value.unchecked_ref())) else {
        return value.clone();
    };
    for key in keys {
        let _ = Reflect::delete_property(&copy, &JsValue::from_str(key));
    }
    copy.into()
}

/// Options of a call that takes its own keys besides `signal` and `timeoutMs`
/// (`env.reset({ seed, signal })`): `(own, call)`, each readable on its own.
pub fn split_call_options(value: &JsValue, own_keys: &[&str]) -> (JsValue, JsValue) {
    (without(value, &["signal", "timeoutMs"]), without(value, own_keys))
}
