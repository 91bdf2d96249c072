//! Wire JSON (snake_case, as the protocol defines it) -> the camelCase objects JavaScript gets.
//!
//! Each model is a static schema of fields rather than a serde-derived struct: one generic
//! converter serves every model, which keeps the WebAssembly small, and still checks that
//! required fields are present with the right types (as fleet-python's pydantic models do).
//! Unknown fields are ignored; absent optional fields become `null`.
use crate::core::json::{Map, Value};

use super::error::FleetError;

/// The type a field must have.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Str,
    Int,
    Num,
    Bool,
    /// Any JSON, passed through unchanged (user data: metadata, variables, rows, results).
    Any,
    StrList,
    Obj(&'static [Field]),
    ObjList(&'static [Field]),
}

/// One field of a model: its wire name, its JS name, its type and whether it must be present.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub wire: &'static str,
    pub js: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// A required field.
pub const fn req(wire: &'static str, js: &'static str, kind: Kind) -> Field {
    Field { wire, js, kind, required: true }
}

/// An optional field (`null` when absent).
pub const fn opt(wire: &'static str, js: &'static str, kind: Kind) -> Field {
    Field { wire, js, kind, required: false }
}

fn type_ok(kind: Kind, v: &Value) -> bool {
    match kind {
        Kind::Str => v.is_string(),
        Kind::Int => v.as_i64().is_some() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        Kind::Num => v.is_number(),
        Kind::Bool => v.is_boolean(),
        Kind::Any => true,
        Kind::StrList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Kind::Obj(_) => v.is_object(),
        Kind::ObjList(_) => v.is_array(),
    }
}

fn convert_value(kind: Kind, v: &Value, path: &str) -> Result<Value, String> {
    if !type_ok(kind, v) {
        return Err(format!("`{path}` has the wrong type ({v})"));
    }
    match kind {
        Kind::Obj(schema) => convert_at(v, schema, path),
        Kind::ObjList(schema) => v
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, item)| convert_at(item, schema, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        _ => Ok(v.clone()),
    }
}

fn convert_at(v: &Value, schema: &[Field], path: &str) -> Result<Value, String> {
    let object = v.as_object().ok_or_else(|| format!("`{path}` is not an object"))?;
    let mut out = Map::new();
    for field in schema {
        let here = if path.is_empty() { field.wire.to_string() } else { format!("{path}.{}", field.wire) };
        match object.get(field.wire).filter(|v| !v.is_null()) {
            Some(value) => {
                out.insert(field.js.to_string(), convert_value(field.kind, value, &here)?);
            }
            None if field.required => return Err(format!("`{here}` is missing")),
            None => {
                out.insert(field.js.to_string(), Value::Null);
            }
        }
    }
    Ok(Value::Object(out))
}

/// Converts one wire object; a missing or mistyped required field is an `InvalidResponse`.
pub fn convert(v: &Value, schema: &[Field]) -> Result<Value, FleetError> {
    convert_at(v, schema, "").map_err(|e| FleetError::invalid_response(format!("unexpected response: {e}")))
}

/// Converts a JSON array of wire objects.
pub fn convert_list(v: &Value, schema: &'static [Field]) -> Result<Value, FleetError> {
    if !v.is_array() {
        return Err(FleetError::invalid_response("unexpected response: expected a JSON array"));
    }
    convert_value(Kind::ObjList(schema), v, "").map_err(|e| FleetError::invalid_response(format!("unexpected response: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::json;

    static INNER: [Field; 1] = [req("api", "api", Kind::Str)];
    static OUTER: [Field; 4] = [
        req("instance_id", "instanceId", Kind::Str),
        opt("heartbeat_interval", "heartbeatInterval", Kind::Int),
        opt("urls", "urls", Kind::Obj(&INNER)),
        opt("env_variables", "envVariables", Kind::Any),
    ];

    #[test]
    fn renames_checks_and_nulls() {
        let v = json!({ "instance_id": "i", "heartbeat_interval": 30, "urls": { "api": "x", "extra": 1 }, "env_variables": { "snake_key": 1 }, "junk": true });
        let out = convert(&v, &OUTER).unwrap();
        assert_eq!(out, json!({ "instanceId": "i", "heartbeatInterval": 30, "urls": { "api": "x" }, "envVariables": { "snake_key": 1 } }));
        let out = convert(&json!({ "instance_id": "i" }), &OUTER).unwrap();
        assert_eq!(out["urls"], Value::Null);
    }

    #[test]
    fn reports_missing_and_mistyped_fields_with_their_path() {
        let e = convert(&json!({}), &OUTER).unwrap_err();
        assert!(e.message.contains("`instance_id` is missing"), "{}", e.message);
        let e = convert(&json!({ "instance_id": "i", "urls": { "api": 3 } }), &OUTER).unwrap_err();
        assert!(e.message.contains("`urls.api` has the wrong type"), "{}", e.message);
        assert!(convert_list(&json!({}), &OUTER).is_err());
    }
}
