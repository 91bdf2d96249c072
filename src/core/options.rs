//! Options objects from JavaScript, read into typed structs. The edge hands them over as JSON
//! (`serde_wasm_bindgen` turns the JS object into a `serde_json::Value`); `serde` then refuses
//! unknown keys (`deny_unknown_fields` on every options struct: a typo must not silently do
//! nothing) and wrong types, and the error names the key.
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::FleetError;

/// Reads an options object; `null`/`undefined` is an empty object.
pub fn parse<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, FleetError> {
    let value = match value {
        Value::Null => Value::Object(Default::default()),
        object @ Value::Object(_) => object,
        _ => return Err(FleetError::validation(format!("{what} must be an object"))),
    };
    serde_path_to_error::deserialize(value)
        .map_err(|e| FleetError::validation(format!("{what}: {}", describe(e.path(), e.inner()))))
}

/// `` `ttlSeconds`: invalid type... `` (the path is left out when it is the whole value).
fn describe(path: &serde_path_to_error::Path, error: &impl std::fmt::Display) -> String {
    let at = path.to_string();
    if at == "." {
        error.to_string()
    } else {
        format!("`{at}`: {error}")
    }
}

/// A required, non-empty identifier argument (instance id, task key).
pub fn require_id(value: &str, what: &str) -> Result<(), FleetError> {
    if value.trim().is_empty() {
        return Err(FleetError::validation(format!("{what} must be a non-empty string")));
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
        ttl_seconds: Option<u32>,
        env_key: Option<String>,
    }

    #[test]
    fn refuses_unknown_keys_and_wrong_types_naming_the_key() {
        let e = parse::<Sample>(json!({ "ttlSecond": 5 }), "make options").unwrap_err();
        assert!(e.message.contains("unknown field `ttlSecond`") && e.message.contains("`ttlSeconds`"), "{}", e.message);
        let e = parse::<Sample>(json!({ "ttlSeconds": 1.5 }), "make options").unwrap_err();
        assert!(e.message.starts_with("make options: `ttlSeconds`: invalid type"), "{}", e.message);
        assert!(parse::<Sample>(json!([1]), "o").is_err());
        let ok = parse::<Sample>(json!({ "ttlSeconds": 5, "envKey": "x" }), "o").unwrap();
        assert_eq!((ok.ttl_seconds, ok.env_key.as_deref()), (Some(5), Some("x")));
        assert!(parse::<Sample>(Value::Null, "o").unwrap().env_key.is_none());
    }

    #[test]
    fn checks_ranges_and_blank_strings() {
        assert!(in_range(Some(0u32), 1, 10, "o", "n").is_err());
        assert!(in_range(Some(5u32), 1, 10, "o", "n").is_ok());
        assert!(in_range(None::<u32>, 1, 10, "o", "n").is_ok());
        assert!(non_empty(&Some(" ".into()), "o", "k").is_err());
        assert!(require_id("", "instance id").is_err());
    }
}
