//! Reading a caller's options object (already turned into JSON) with clear `ValidationError`s:
//! unknown keys are refused (a typo must not silently do nothing), types are checked.
use crate::core::json::{Map, Value};

use super::error::FleetError;

/// A validated options object.
#[derive(Debug)]
pub struct Options<'a> {
    /// `None` when the caller passed no options.
    map: Option<&'a Map>,
    what: &'a str,
}

impl<'a> Options<'a> {
    /// `value` must be absent (null) or an object whose keys are all in `allowed`.
    pub fn new(value: &'a Value, what: &'a str, allowed: &[&str]) -> Result<Options<'a>, FleetError> {
        let map = match value {
            Value::Null => None,
            Value::Object(m) => Some(m),
            _ => return Err(FleetError::validation(format!("{what} must be an object"))),
        };
        if let Some(unknown) = map.into_iter().flat_map(Map::keys).find(|k| !allowed.contains(&k.as_str())) {
            return Err(FleetError::validation(format!(
                "{what}: unknown option `{unknown}` (expected one of: {})",
                allowed.join(", ")
            )));
        }
        Ok(Options { map, what })
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map?.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, expected: &str) -> FleetError {
        FleetError::validation(format!("{}: `{key}` must be {expected}", self.what))
    }

    /// A string option; empty strings are refused when `non_empty`.
    pub fn string(&self, key: &str, non_empty: bool) -> Result<Option<String>, FleetError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if non_empty && s.trim().is_empty() => Err(self.wrong(key, "a non-empty string")),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    /// An integer option within `min..=max`.
    pub fn int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, FleetError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let n = v.as_f64().filter(|f| f.fract() == 0.0 && (min as f64..=max as f64).contains(f));
                n.map(|f| Some(f as i64)).ok_or_else(|| self.wrong(key, &format!("an integer from {min} to {max}")))
            }
        }
    }

    pub fn boolean(&self, key: &str) -> Result<Option<bool>, FleetError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(key, "true or false")),
        }
    }

    /// A list of non-empty strings.
    pub fn string_list(&self, key: &str) -> Result<Option<Vec<String>>, FleetError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().filter(|s| !s.trim().is_empty()).map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "an array of non-empty strings")),
            Some(_) => Err(self.wrong(key, "an array of strings")),
        }
    }

    /// A plain object (e.g. environment variables).
    pub fn object(&self, key: &str) -> Result<Option<Map>, FleetError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(_) => Err(self.wrong(key, "an object")),
        }
    }

    /// Any JSON value.
    pub fn any(&self, key: &str) -> Option<Value> {
        self.get(key).cloned()
    }
}

/// A required, non-empty identifier argument (instance id, task key).
pub fn require_id(value: &str, what: &str) -> Result<(), FleetError> {
    if value.trim().is_empty() {
        return Err(FleetError::validation(format!("{what} must be a non-empty string")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::json;

    #[test]
    fn refuses_unknown_keys_and_wrong_types() {
        let allowed = ["ttlSeconds", "envKey", "keys"];
        assert!(Options::new(&json!({ "ttlseconds": 5 }), "make options", &allowed).unwrap_err().message.contains("unknown option `ttlseconds`"));
        assert!(Options::new(&json!([1]), "make options", &allowed).is_err());
        let wrong = json!({ "ttlSeconds": 1.5, "envKey": "", "keys": ["a", ""] });
        let o = Options::new(&wrong, "o", &allowed).unwrap();
        assert!(o.int("ttlSeconds", 1, 10).is_err());
        assert!(o.string("envKey", true).is_err());
        assert!(o.string_list("keys").is_err());
        let right = json!({ "ttlSeconds": 5, "envKey": "x" });
        let o = Options::new(&right, "o", &allowed).unwrap();
        assert_eq!(o.int("ttlSeconds", 1, 10).unwrap(), Some(5));
        assert_eq!(o.string("envKey", true).unwrap().as_deref(), Some("x"));
        assert_eq!(o.string_list("keys").unwrap(), None);
    }
}
