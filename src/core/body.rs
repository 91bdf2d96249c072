//! Request bodies written in the protocol's key order (§5.1, §6, §7.4 give it per body), without
//! paying for an order-preserving map everywhere else.
use crate::core::json::Value;

/// A JSON object under construction; keys come out in the order they were pushed.
#[derive(Debug, Default)]
pub struct Body(Vec<(&'static str, Value)>);

impl Body {
    pub fn new() -> Body {
        Body(Vec::new())
    }

    pub fn push(mut self, key: &'static str, value: impl Into<Value>) -> Body {
        self.0.push((key, value.into()));
        self
    }

    /// Pushes only when there is a value (fleet-python's `exclude_none`).
    pub fn push_opt(self, key: &'static str, value: Option<impl Into<Value>>) -> Body {
        match value {
            Some(v) => self.push(key, v),
            None => self,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The compact JSON text, as httpx 0.28 writes it.
    pub fn finish(self) -> String {
        let fields: Vec<String> = self.0.into_iter().map(|(k, v)| format!("{}:{v}", Value::from(k))).collect();
        format!("{{{}}}", fields.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_push_order_and_skips_absent_values() {
        let body = Body::new().push("z", 1).push_opt("skip", None::<i64>).push("a", "x\"y").push("n", Value::Null);
        assert_eq!(body.finish(), r#"{"z":1,"a":"x\"y","n":null}"#);
        assert_eq!(Body::new().finish(), "{}");
    }
}
