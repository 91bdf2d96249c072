//! The exported `Task` class: a task's data plus `makeEnv`, `verifyDetailed` and `verify`.
use std::rc::Rc;

use js_sys::Function;
use crate::core::json::{Map, Value};
use wasm_bindgen::prelude::*;

use super::client::{from_js, to_js, CallOptions, Client};
use super::fleet::js_call;
use super::runtime::prop;
use super::{instances as flow, verify};
use crate::core::error::FleetError;
use crate::core::verify::{failure, score};

/// A task: a prompt, the environment it runs in, and the verifier that scores it.
#[wasm_bindgen]
pub struct Task {
    client: Rc<Client>,
    data: Value,
}

impl Task {
    pub fn new(client: Rc<Client>, data: Value) -> Task {
        Task { client, data }
    }

    /// The data of a `Task` (through its `toJSON`) or of a plain task object.
    pub fn data_of(value: &JsValue) -> Result<Value, FleetError> {
        match prop(value, "toJSON").dyn_into::<Function>() {
            Ok(to_json) => from_js(&to_json.call0(value).unwrap_or(JsValue::NULL), "task"),
            Err(_) => from_js(value, "task"),
        }
    }

    fn field(&self, key: &str) -> JsValue {
        to_js(&self.data[key])
    }

    /// Runs this task's verifier (one code path for `verifyDetailed` and `verify`); `finish`
    /// turns the server's result into what the Promise resolves to.
    fn run_verifier(&self, env: JsValue, options: JsValue, opts: JsValue, finish: fn(Value) -> Result<JsValue, FleetError>) -> js_sys::Promise {
        let client = self.client.clone();
        let data = self.data.clone();
        js_call!(client, finish(verify::detailed_js(&client, &data, &env, &options, &opts).await?))
    }

    fn text(&self, key: &str) -> String {
        self.data[key].as_str().unwrap_or_default().to_string()
    }
}

#[wasm_bindgen]
impl Task {
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.text("key")
    }
    #[wasm_bindgen(getter)]
    pub fn prompt(&self) -> String {
        self.text("prompt")
    }
    /// The environment id (`environment_id` on the wire).
    #[wasm_bindgen(getter, js_name = envId)]
    pub fn env_id(&self) -> String {
        self.text("envId")
    }
    /// What `makeEnv` creates: `envId`, or `envId:version`.
    #[wasm_bindgen(getter, js_name = envKey)]
    pub fn env_key(&self) -> String {
        self.text("envKey")
    }
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn version(&self) -> JsValue {
        self.field("version")
    }
    /// The seed data: `dataId:dataVersion`, `dataId`, or null.
    #[wasm_bindgen(getter, js_name = dataKey, unchecked_return_type = "string | null")]
    pub fn data_key(&self) -> JsValue {
        self.field("dataKey")
    }
    #[wasm_bindgen(getter, js_name = envVariables, unchecked_return_type = "{ [name: string]: JsonValue }")]
    pub fn env_variables(&self) -> JsValue {
        self.field("envVariables")
    }
    #[wasm_bindgen(getter, unchecked_return_type = "JsonValue | null")]
    pub fn metadata(&self) -> JsValue {
        self.field("metadata")
    }
    #[wasm_bindgen(getter, unchecked_return_type = "VerifierRecord | null")]
    pub fn verifier(&self) -> JsValue {
        self.field("verifier")
    }
    /// The verifier's Python source.
    #[wasm_bindgen(getter, js_name = verifierFunc, unchecked_return_type = "string | null")]
    pub fn verifier_func(&self) -> JsValue {
        self.field("verifierFunc")
    }

    /// Every field of the task as a plain object (`TaskInfo`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "TaskInfo")]
    pub fn to_json(&self) -> JsValue {
        to_js(&self.data)
    }

    /// Creates an env for this task (its `envKey`, `dataKey` and `envVariables`); `options` may
    /// add `ttlSeconds`, `runId`, `heartbeatInterval`, `region`, `imageType`, `autoHeartbeat`...
    #[wasm_bindgen(js_name = makeEnv, unchecked_return_type = "Promise<Env>")]
    pub fn make_env(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Omit<MakeOptions, 'envKey' | 'dataKey'>")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        let data = self.data.clone();
        js_call!(client, {
            let mut merged = match from_js(&options, "makeEnv options")? {
                Value::Null => Map::new(),
                Value::Object(m) => m,
                _ => return Err(FleetError::validation("makeEnv options must be an object")),
            };
            if merged.contains_key("envKey") || merged.contains_key("dataKey") {
                return Err(FleetError::validation("makeEnv takes envKey and dataKey from the task"));
            }
            merged.insert("envKey".into(), data["envKey"].clone());
            if !data["dataKey"].is_null() {
                merged.insert("dataKey".into(), data["dataKey"].clone());
            }
            if data["envVariables"].as_object().is_some_and(|m| !m.is_empty()) && !merged.contains_key("envVariables") {
                merged.insert("envVariables".into(), data["envVariables"].clone());
            }
            Ok(flow::make(&client, &Value::Object(merged), &CallOptions::from_js(&opts)?).await?.into())
        })
    }

    /// Runs the verifier on the server against `env` (an `Env` or an instance id). Resolves to
    /// the full result (`success`, `result`, `error`, `stdout`, `executionTimeMs`...), whatever
    /// the verifier decided.
    #[wasm_bindgen(js_name = verifyDetailed, unchecked_return_type = "Promise<VerificationResult>")]
    pub fn verify_detailed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Env | string")] env: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.run_verifier(env, options, opts, |result| Ok(to_js(&result)))
    }

    /// The score (a number; `score` of an object result). Rejects with `VerificationError`
    /// when the verifier itself failed.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Env | string")] env: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.run_verifier(env, options, opts, |result| {
            if result["success"] != Value::Bool(true) {
                return Err(failure(&result, ""));
            }
            Ok(to_js(&Value::Number(score(&result["result"]))))
        })
    }
}
