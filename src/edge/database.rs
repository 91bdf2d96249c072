//! The exported `Database` class: SQL against one of an instance's SQLite resources (§8.2).
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::client::{from_js, string_arg};
use super::env::{describe, EnvInner};
use crate::core::error::FleetError;
use crate::core::runner::{check_query, QueryResult};

/// A SQLite resource of an instance (`env.db('current')`).
#[wasm_bindgen]
pub struct Database {
    env: Rc<EnvInner>,
    name: String,
}

impl Database {
    pub fn new(env: Rc<EnvInner>, name: String) -> Database {
        Database { env, name }
    }

    fn run(&self, sql: JsValue, args: JsValue, opts: JsValue, read_only: bool) -> js_sys::Promise {
        let name = self.name.clone();
        let checked = string_arg(&sql, "SQL").and_then(|sql| {
            let args = match from_js(&args, "SQL arguments")? {
                serde_json::Value::Null => None,
                serde_json::Value::Array(items) => Some(items),
                _ => return Err(FleetError::validation("SQL arguments must be an array (for `?` placeholders)")),
            };
            Ok((sql, args))
        });
        let (sql, args) = match checked {
            Ok(checked) => checked,
            Err(e) => return js_sys::Promise::reject(&self.env.client.fail(e)),
        };
        let build = move |r: &crate::core::runner::Runner| r.query(&name, &sql, args.as_deref(), read_only);
        self.env.runner_promise::<QueryResult>(opts, build, check_query)
    }
}

#[wasm_bindgen]
impl Database {
    /// The resource name (`current` or `seed`).
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// A read-only query with `?` placeholders: `{ columns, rows }`. Writes are refused.
    #[wasm_bindgen(unchecked_return_type = "Promise<QueryResult>")]
    pub fn query(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] sql: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SqlValue[]")] args: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.run(sql, args, opts, true)
    }

    /// A statement that may write: `{ rowsAffected, lastInsertId }`. Never sent twice: a lost
    /// answer is an error, not a retry.
    #[wasm_bindgen(unchecked_return_type = "Promise<QueryResult>")]
    pub fn exec(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] sql: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SqlValue[]")] args: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.run(sql, args, opts, false)
    }

    /// The tables and columns.
    #[wasm_bindgen(unchecked_return_type = "Promise<DescribeResult>")]
    pub fn describe(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        describe(&self.env, self.name.clone(), opts)
    }
}
