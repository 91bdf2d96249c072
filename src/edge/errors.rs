//! Core errors -> JavaScript `Error` subclasses (`AuthenticationError`, `NotFoundError`, ...).
//!
//! The classes are plain JS (js/errors.mjs) so that `instanceof` works across the whole package.
//! The package entry registers them once at load; until then (e.g. inside raw wasm tests) errors
//! are plain `Error`s carrying the same `name`, `code` and fields.
use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::error::FleetError;

thread_local! {
    static CLASSES: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Internal: called once by the package entry with the module of error classes.
#[wasm_bindgen(js_name = "__registerErrorClasses", skip_typescript)]
pub fn register_error_classes(classes: JsValue) {
    CLASSES.with(|c| *c.borrow_mut() = Some(classes));
}

fn set(target: &JsValue, key: &str, value: JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}

fn opt_str(value: &Option<String>) -> JsValue {
    value.as_deref().map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

fn opt_num(value: Option<i64>) -> JsValue {
    value.map(|n| JsValue::from_f64(n as f64)).unwrap_or(JsValue::NULL)
}

/// The error's fields as a plain object: what the JS class constructor copies onto itself.
fn properties(error: &FleetError) -> Object {
    let props = Object::new();
    set(&props, "code", error.kind.code().into());
    set(&props, "status", error.status.map(JsValue::from).unwrap_or(JsValue::NULL));
    set(&props, "requestId", opt_str(&error.request_id));
    set(&props, "retryable", error.retryable().into());
    set(&props, "body", error.body.as_ref().and_then(|b| super::client::to_js(b).ok()).unwrap_or(JsValue::NULL));
    let d = &error.details;
    let extras: [(&str, JsValue); 6] = [
        ("runningInstances", opt_num(d.running_instances)),
        ("instanceLimit", opt_num(d.instance_limit)),
        ("envKey", opt_str(&d.env_key)),
        ("version", opt_str(&d.version)),
        ("region", opt_str(&d.region)),
        ("instanceId", opt_str(&d.instance_id)),
    ];
    for (key, value) in extras {
        if !value.is_null() {
            set(&props, key, value);
        }
    }
    props
}

/// Builds the JS error to reject with.
pub fn to_js(error: FleetError) -> JsValue {
    let class_name = error.kind.class_name();
    let props = properties(&error);
    let class = CLASSES.with(|c| {
        c.borrow()
            .as_ref()
            .and_then(|classes| Reflect::get(classes, &JsValue::from_str(class_name)).ok())
            .and_then(|class| class.dyn_into::<js_sys::Function>().ok())
    });
    if let Some(class) = class {
        let args = Array::of2(&JsValue::from_str(&error.message), &props);
        if let Ok(instance) = Reflect::construct(&class, &args) {
            return instance;
        }
    }
    let fallback: JsValue = js_sys::Error::new(&error.message).into();
    set(&fallback, "name", class_name.into());
    let _ = Object::assign(fallback.unchecked_ref(), &props);
    fallback
}
