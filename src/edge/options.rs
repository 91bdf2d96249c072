//! Reading JS option objects: absent, `undefined` and `null` all mean "not given".
use js_sys::Reflect;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use crate::core::error::FleetError;

/// A property of an options object, or `None` when missing/undefined/null.
pub fn field(options: &JsValue, key: &str) -> Option<JsValue> {
    if !options.is_object() {
        return None;
    }
    Reflect::get(options, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A string option; any other type is a `ValidationError`.
pub fn string_field(options: &JsValue, key: &str) -> Result<Option<String>, FleetError> {
    match field(options, key) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| FleetError::validation(format!("`{key}` must be a string"))),
    }
}

/// Checks that `options` is an object (or absent) before anything else reads it.
pub fn expect_object(options: &JsValue, what: &str) -> Result<(), FleetError> {
    if options.is_undefined() || options.is_null() || (options.is_object() && !js_sys::Array::is_array(options)) {
        Ok(())
    } else {
        Err(FleetError::validation(format!("{what} must be an object")))
    }
}

/// Deserializes a plain-data options object (absent = default), as a `ValidationError` on failure.
pub fn parse<T: DeserializeOwned + Default>(options: JsValue, what: &str) -> Result<T, FleetError> {
    expect_object(&options, what)?;
    if options.is_undefined() || options.is_null() {
        return Ok(T::default());
    }
    let text: String = js_sys::JSON::stringify(&options)
        .map_err(|_| FleetError::validation(format!("{what} could not be read as JSON")))?
        .into();
    serde_json::from_str(&text).map_err(|e| FleetError::validation(format!("{what}: {e}")))
}
