//! Options objects from JavaScript, read into typed structs. Unknown keys are refused (a typo
//! must not silently do nothing), wrong types too, and the error names the key. The same rules
//! serve the wasm (a JS object read with serde-wasm-bindgen) and native tests (a JSON map),
//! through [`OptionsObject`].
use std::cell::Cell;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};

use super::error::FleetError;

/// A plain object of options, as the runtime holds it.
pub trait OptionsObject {
    /// Its own enumerable keys.
    fn keys(&self) -> Vec<String>;
    /// The whole object as `T`.
    fn decode<T: DeserializeOwned>(&self) -> Result<T, String>;
    /// An object holding only `key` (with its value) as `T`: tells which key a type error is in.
    fn decode_only<T: DeserializeOwned>(&self, key: &str) -> Result<T, String>;
}

impl OptionsObject for Map<String, Value> {
    fn keys(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
    fn decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        T::deserialize(self).map_err(|e| e.to_string())
    }
    fn decode_only<T: DeserializeOwned>(&self, key: &str) -> Result<T, String> {
        let only: Map<String, Value> = self.get(key).map(|v| (key.to_string(), v.clone())).into_iter().collect();
        T::deserialize(&only).map_err(|e| e.to_string())
    }
}

/// Reads an options object into `T`. `T` lists its keys through serde (`rename_all = "camelCase"`).
pub fn read<T: DeserializeOwned, O: OptionsObject>(object: &O, what: &str) -> Result<T, FleetError> {
    let fields = field_names::<T>();
    let keys = object.keys();
    if let Some(unknown) = keys.iter().find(|k| !fields.contains(&k.as_str())) {
        return Err(FleetError::validation(format!(
            "{what}: unknown option `{}` (expected one of: {})",
            unknown.escape_debug(),
            fields.join(", ")
        )));
    }
    object.decode().map_err(|error| {
        // Which key? The one whose value alone fails for another reason than the missing rest.
        let culprit = keys.iter().find(|k| object.decode_only::<T>(k).is_err_and(|e| !e.starts_with("missing field")));
        match culprit {
            Some(key) => FleetError::validation(format!("{what}: `{key}`: {error}")),
            None => FleetError::validation(format!("{what}: {error}")),
        }
    })
}

/// Reads JSON options (native callers and tests); `null` is an empty object.
pub fn parse<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, FleetError> {
    match value {
        Value::Null => read(&Map::new(), what),
        Value::Object(map) => read(&map, what),
        _ => Err(FleetError::validation(format!("{what} must be an object"))),
    }
}

/// The keys a struct reads, as serde names them (asked of its `Deserialize` impl: the derive
/// passes them to `deserialize_struct`; this deserializer records them and stops).
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let fields = Cell::new(&[][..]);
    let _ = T::deserialize(Probe(&fields));
    fields.get()
}

struct Probe<'a>(&'a Cell<&'static [&'static str]>);

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = de::value::Error;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(fields);
        Err(de::Error::custom("probed"))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// A required, non-empty identifier argument (instance id, task key).
pub fn require_id(value: &str, what: &str) -> Result<(), FleetError> {
    if value.trim().is_empty() {
        return Err(FleetError::validation(format!("{what} must be a non-empty string")));
    }
    // `.` and `..` would be folded by URL parsing into another path (`/v1/env/instances/..`).
    if value == "." || value == ".." {
        return Err(FleetError::validation(format!("{what} cannot be `{value}`")));
    }
    Ok(())
}

/// Refuses an empty (or blank) string option.
pub fn non_empty(value: &Option<String>, what: &str, key: &str) -> Result<(), FleetError> {
    match value {
        Some(s) if s.trim().is_empty() => {
            Err(FleetError::validation(format!("{what}: `{key}` must be a non-empty string")))
        }
        _ => Ok(()),
    }
}

/// Refuses an integer option outside `min..=max`.
pub fn in_range<N: Into<i64> + Copy>(
    value: Option<N>,
    min: i64,
    max: i64,
    what: &str,
    key: &str,
) -> Result<(), FleetError> {
    match value.map(Into::into) {
        Some(n) if !(min..=max).contains(&n) => {
            Err(FleetError::validation(format!("{what}: `{key}` must be an integer from {min} to {max}")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Debug, Default)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Sample {
        env_key: String,
        ttl_seconds: Option<u32>,
    }

    #[test]
    fn refuses_unknown_keys_and_wrong_types_naming_the_key() {
        let e = parse::<Sample>(json!({ "envKey": "e", "ttlSecond": 5 }), "make options").unwrap_err();
        assert_eq!(e.message, "make options: unknown option `ttlSecond` (expected one of: envKey, ttlSeconds)");
        let e = parse::<Sample>(json!({ "envKey": "e", "ttlSeconds": 1.5 }), "make options").unwrap_err();
        assert!(
            e.message.starts_with("make options: `ttlSeconds`: invalid type: floating point `1.5`"),
            "{}",
            e.message
        );
        let e = parse::<Sample>(json!({ "ttlSeconds": 5 }), "make options").unwrap_err();
        assert_eq!(e.message, "make options: missing field `envKey`");
        assert!(parse::<Sample>(json!([1]), "o").is_err());
        let ok = parse::<Sample>(json!({ "ttlSeconds": 5, "envKey": "x" }), "o").unwrap();
        assert_eq!((ok.ttl_seconds, ok.env_key.as_str()), (Some(5), "x"));
    }

    #[test]
    fn field_names_come_from_serde() {
        assert_eq!(field_names::<Sample>(), ["envKey", "ttlSeconds"]);
    }

    #[test]
    fn checks_ranges_and_blank_strings() {
        assert!(in_range(Some(0u32), 1, 10, "o", "n").is_err());
        assert!(in_range(Some(5u32), 1, 10, "o", "n").is_ok());
        assert!(in_range(None::<u32>, 1, 10, "o", "n").is_ok());
        assert!(non_empty(&Some(" ".into()), "o", "k").is_err());
        assert!(require_id("", "instance id").is_err());
        assert!(require_id("..", "instance id").is_err() && require_id(".", "task key").is_err());
    }
}
