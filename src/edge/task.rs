//! The exported `Task` class: a task's data plus `makeEnv`, `verifyDetailed` and `verify`.
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::client::{js_call, parse_options, start, to_js, Client};
use super::runtime::prop;
use crate::core::error::FleetError;
use crate::core::instances::MakeOptions;
use crate::core::tasks::{self, TaskRef};
use crate::core::verify::{self, ExecutionResult, Target, VerifyOptions};

/// A task: a prompt, the environment it runs in, and the verifier that scores it.
#[wasm_bindgen]
pub struct Task {
    client: Rc<Client>,
    data: Rc<tasks::Task>,
}

/// The instance of an `Env`, an `InstanceInfo` or an instance id string.
fn target_of(env: &JsValue) -> Result<Target, FleetError> {
    if let Some(id) = env.as_string() {
        return Ok(Target { instance_id: id, region: None });
    }
    if !env.is_object() {
        return Err(FleetError::validation("verify needs an Env (or an instance id string)"));
    }
    super::client::plain_json(env, "the env")?;
    serde_wasm_bindgen::from_value(env.clone())
        .map_err(|e| FleetError::validation(format!("verify needs an Env (or an instance id string): {e}")))
}

/// Verification for `Task.verify*` and `fleet.verifyDetailed`: one code path.
pub async fn verify(
    client: &Rc<Client>,
    task: TaskRef,
    env: &JsValue,
    options: &JsValue,
    opts: &JsValue,
) -> Result<ExecutionResult, FleetError> {
    let target = target_of(env)?;
    let options: VerifyOptions = parse_options(options, "verify options")?;
    let started = start(client, opts)?;
    verify::verify_detailed(&started.call(), &task, &target, &options).await
}

impl Task {
    pub fn new(client: Rc<Client>, data: tasks::Task) -> Task {
        Task { client, data: Rc::new(data) }
    }

    /// What verification needs of a `Task` (through its `toJSON`) or of a plain task object.
    pub fn ref_of(value: &JsValue) -> Result<TaskRef, FleetError> {
        let plain = match prop(value, "toJSON").dyn_into::<Function>() {
            Ok(to_json) => to_json.call0(value).unwrap_or(JsValue::NULL),
            Err(_) => value.clone(),
        };
        super::client::plain_json(&plain, "the task")?;
        serde_wasm_bindgen::from_value(plain).map_err(|e| FleetError::validation(format!("not a task: {e}")))
    }

    fn field<T: serde::Serialize>(&self, value: &T) -> JsValue {
        to_js(value).unwrap_or(JsValue::NULL)
    }

    /// Runs this task's verifier; `finish` turns the server's result into the Promise's value.
    fn run_verifier(
        &self,
        env: JsValue,
        options: JsValue,
        opts: JsValue,
        finish: fn(ExecutionResult) -> Result<JsValue, FleetError>,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        let task = TaskRef::from(self.data.as_ref());
        js_call!(client, finish(verify(&client, task, &env, &options, &opts).await?))
    }
}

#[wasm_bindgen]
impl Task {
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.data.key.clone()
    }
    #[wasm_bindgen(getter)]
    pub fn prompt(&self) -> String {
        self.data.prompt.clone()
    }
    /// The environment id (`environment_id` on the wire).
    #[wasm_bindgen(getter, js_name = envId)]
    pub fn env_id(&self) -> String {
        self.data.env_id.clone()
    }
    /// What `makeEnv` creates: `envId`, or `envId:version`.
    #[wasm_bindgen(getter, js_name = envKey)]
    pub fn env_key(&self) -> String {
        self.data.env_key.clone()
    }
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn version(&self) -> JsValue {
        self.field(&self.data.version)
    }
    /// The seed data: `dataId:dataVersion`, `dataId`, or null.
    #[wasm_bindgen(getter, js_name = dataKey, unchecked_return_type = "string | null")]
    pub fn data_key(&self) -> JsValue {
        self.field(&self.data.data_key)
    }
    #[wasm_bindgen(getter, js_name = envVariables, unchecked_return_type = "{ [name: string]: JsonValue }")]
    pub fn env_variables(&self) -> JsValue {
        self.field(&self.data.env_variables)
    }
    #[wasm_bindgen(getter, unchecked_return_type = "JsonValue | null")]
    pub fn metadata(&self) -> JsValue {
        self.field(&self.data.metadata)
    }
    #[wasm_bindgen(getter, unchecked_return_type = "VerifierRecord | null")]
    pub fn verifier(&self) -> JsValue {
        self.field(&self.data.verifier)
    }
    /// The verifier's Python source.
    #[wasm_bindgen(getter, js_name = verifierFunc, unchecked_return_type = "string | null")]
    pub fn verifier_func(&self) -> JsValue {
        self.field(&self.data.verifier_func)
    }

    /// Every field of the task as a plain object (`TaskInfo`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "TaskInfo")]
    pub fn to_json(&self) -> JsValue {
        self.field(self.data.as_ref())
    }

    /// Creates an env for this task (its `envKey`, `dataKey` and `envVariables`); `options` may
    /// add `ttlSeconds`, `runId`, `heartbeatInterval`, `region`, `imageType`, `autoHeartbeat`...
    #[wasm_bindgen(js_name = makeEnv, unchecked_return_type = "Promise<Env>")]
    pub fn make_env(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "MakeEnvOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let merged = parse_options::<MakeOptions>(&options, "makeEnv options").and_then(|o| self.data.make_options(o));
        match merged {
            Ok(options) => super::env::make(&self.client, options, opts),
            Err(e) => js_sys::Promise::reject(&self.client.fail(e)),
        }
    }

    /// Runs the verifier on the server against `env` (an `Env` or an instance id). Resolves to
    /// the full result (`success`, `result`, `error`, `stdout`, `executionTimeMs`,
    /// `executionId`...), whatever the verifier decided.
    #[wasm_bindgen(js_name = verifyDetailed, unchecked_return_type = "Promise<VerificationResult>")]
    pub fn verify_detailed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Env | InstanceInfo | string")] env: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.run_verifier(env, options, opts, |result| to_js(&result))
    }

    /// The score (a number; `score` of an object result). Rejects with `VerificationError`
    /// when the verifier itself failed.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Env | InstanceInfo | string")] env: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.run_verifier(env, options, opts, |result| Ok(JsValue::from_f64(verify::score_of(&result)?)))
    }
}
