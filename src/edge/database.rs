//! The exported `Database` class: SQL against one of an instance's SQLite resources (§8.2).
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::client::{from_js, string_arg};
use super::env::EnvInner;
use crate::core::runner;

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
        let (sql, args) = match string_arg(&sql, "SQL").and_then(|sql| Ok((sql, from_js(&args, "SQL arguments")?))) {
            Ok(checked) => checked,
            Err(e) => return js_sys::Promise::reject(&self.env.client.fail(e)),
        };
        self.env.runner_promise(opts, move |r| r.query(&name, &sql, Some(&args), read_only), runner::parse_query)
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

    /// A statement that may write: `{ rowsAffected, lastInsertId }`.
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
    pub fn describe(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        let name = self.name.clone();
        self.env.runner_promise(opts, move |r| Ok(r.describe(&name)), runner::parse_describe)
    }
}
