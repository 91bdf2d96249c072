//! The exported `Fleet` client class: the control plane (protocol §§4-7).
use std::rc::Rc;

use crate::core::json::Value;
use wasm_bindgen::prelude::*;

use super::client::{from_js, string_arg, to_js, CallOptions, Client};
use super::env::Env;
use super::task::Task;
use super::{instances as flow, verify};
use crate::core::client::{CallContext, ClientConfig};
use crate::core::error::FleetError;
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::{account, envs, instances, tasks};

/// A Fleet API client. Several clients with different keys can live in one process.
///
/// ```js
/// import { Fleet } from 'flotilla';
/// const fleet = new Fleet({ apiKey: process.env.FLEET_API_KEY, baseUrl: 'http://127.0.0.1:8700' });
/// const [task] = await fleet.loadTasks({ keys: ['helpdesk-close-printer'] });
/// await using env = await task.makeEnv();
/// ```
#[wasm_bindgen]
pub struct Fleet {
    pub(crate) client: Rc<Client>,
}

/// A Promise of `body` (an async block that owns what it uses), rejecting with the JS error of
/// its `FleetError`. Every export goes through the one `promise` function, so the wasm holds one
/// promise adapter rather than one per method.
macro_rules! js_call {
    ($client:expr, $body:expr) => {{
        let errors_client: std::rc::Rc<$crate::edge::client::Client> = ($client).clone();
        $crate::edge::client::promise(errors_client, Box::pin(async move { $body }))
    }};
}
pub(crate) use js_call;

/// Builds a control-plane request for a call identity; argument checks happen here, so a
/// `ValidationError` rejects the call before anything is sent.
type Build = Box<dyn FnOnce(&ClientConfig, &CallContext) -> Result<HttpRequest, FleetError>>;
/// Turns the response (and its request id) into what the Promise resolves to.
type Finish = Box<dyn FnOnce(&Rc<Client>, &HttpResponse, &str) -> Result<JsValue, FleetError>>;

impl Fleet {
    /// One request, one answer: the shared code path (and the one state machine in the wasm) of
    /// every control-plane method that is a single call.
    fn call(&self, opts: JsValue, build: Build, finish: Finish) -> js_sys::Promise {
        let client = self.client.clone();
        js_call!(client, {
            let opts = CallOptions::from_js(&opts)?;
            let (r, rid) = client.call(&opts, build).await?;
            finish(&client, &r, &rid)
        })
    }

    /// A single call whose answer is a plain JSON model.
    fn plain(&self, opts: JsValue, build: Build, parse: fn(&HttpResponse, &str) -> Result<Value, FleetError>) -> js_sys::Promise {
        self.call(opts, build, Box::new(move |_, r, rid| Ok(to_js(&parse(r, rid)?))))
    }

    /// A single call whose answer is one task.
    fn task(&self, opts: JsValue, build: Build) -> js_sys::Promise {
        self.call(opts, build, Box::new(|client, r, rid| Ok(Task::new(client.clone(), tasks::parse_one(r, rid)?).into())))
    }
}

#[wasm_bindgen]
impl Fleet {
    /// Creates a client. `apiKey` and `baseUrl` fall back to `FLEET_API_KEY` and `FLEET_BASE_URL`
    /// in Node only (a browser never reads its environment). Without a key this throws a
    /// `ValidationError` at once. `baseUrl` defaults to `https://orchestrator.fleetai.com`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "FleetOptions")] options: Option<js_sys::Object>) -> Result<Fleet, JsValue> {
        let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        let client = Client::from_options(&options).map_err(super::errors::to_js)?;
        Ok(Fleet { client: Rc::new(client) })
    }

    /// The control-plane base URL this client talks to (no trailing slash).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.config.base_url().to_string()
    }

    /// The team behind the API key, its instance limit and live instance count.
    #[wasm_bindgen(unchecked_return_type = "Promise<Account>")]
    pub fn account(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.plain(opts, Box::new(|c, ctx| Ok(account::request(c, ctx))), account::parse)
    }

    /// Loads tasks, filtered by `keys`, `projectKey`, `envKey`, `dataId`, `dataVersion` and
    /// (client-side) `version`.
    #[wasm_bindgen(js_name = loadTasks, unchecked_return_type = "Promise<Task[]>")]
    pub fn load_tasks(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadTasksOptions")] filters: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let filter = match from_js(&filters, "loadTasks filters").and_then(|f| tasks::load_filter(&f)) {
            Ok(filter) => Rc::new(filter),
            Err(e) => return js_sys::Promise::reject(&self.client.fail(e)),
        };
        let for_request = filter.clone();
        let build = move |c: &ClientConfig, ctx: &CallContext| Ok(tasks::load_request(c, &for_request, ctx));
        let finish = move |client: &Rc<Client>, r: &HttpResponse, rid: &str| {
            let list = tasks::parse_load(r, &filter, rid)?;
            Ok(list.into_iter().map(|t| JsValue::from(Task::new(client.clone(), t))).collect::<js_sys::Array>().into())
        };
        self.call(opts, Box::new(build), Box::new(finish))
    }

    /// One task by key (`NotFoundError` when there is none).
    #[wasm_bindgen(js_name = getTask, unchecked_return_type = "Promise<Task>")]
    pub fn get_task(&self, #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.task(opts, Box::new(move |c, ctx| tasks::get_request(c, &string_arg(&key, "task key")?, ctx)))
    }

    /// Imports (creates or replaces) a task; `projectKey` files it under a project.
    #[wasm_bindgen(js_name = importTask, unchecked_return_type = "Promise<Task>")]
    pub fn import_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImportTaskInput")] task: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ projectKey?: string }")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            let task = from_js(&task, "importTask task")?;
            let o = from_js(&options, "importTask options")?;
            let project = crate::core::options::Options::new(&o, "importTask options", &["projectKey"])?.string("projectKey", true)?;
            tasks::import_request(c, &task, project.as_deref(), ctx)
        };
        self.task(opts, Box::new(build))
    }

    /// Changes a task's `prompt`, `verifierCode` or `metadata` (a PUT: never retried).
    #[wasm_bindgen(js_name = updateTask, unchecked_return_type = "Promise<Task>")]
    pub fn update_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "UpdateTaskInput")] changes: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            tasks::update_request(c, &string_arg(&key, "task key")?, &from_js(&changes, "updateTask changes")?, ctx)
        };
        self.task(opts, Box::new(build))
    }

    /// Every environment in the catalog.
    #[wasm_bindgen(js_name = listEnvs, unchecked_return_type = "Promise<Environment[]>")]
    pub fn list_envs(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.plain(opts, Box::new(|c, ctx| Ok(envs::list_request(c, ctx))), envs::parse_list)
    }

    /// One environment of the catalog.
    #[wasm_bindgen(unchecked_return_type = "Promise<Environment>")]
    pub fn environment(&self, #[wasm_bindgen(unchecked_param_type = "string")] #[wasm_bindgen(js_name = envKey)] env_key: JsValue, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.plain(opts, Box::new(move |c, ctx| envs::get_request(c, &string_arg(&env_key, "envKey")?, ctx)), envs::parse_one)
    }

    /// The regions instances can run in.
    #[wasm_bindgen(js_name = listRegions, unchecked_return_type = "Promise<string[]>")]
    pub fn list_regions(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.plain(opts, Box::new(|c, ctx| Ok(envs::regions_request(c, ctx))), envs::parse_regions)
    }

    /// Creates an instance and resolves once the server reports it (running, unless
    /// `maxWaitSeconds` ran out first). A create retried after a lost response never makes a
    /// second instance: the server's `duplicate_request_id` answer is followed to the first one.
    /// The heartbeat loop starts by itself when `heartbeatInterval` is set (`autoHeartbeat: false`
    /// to opt out).
    #[wasm_bindgen(unchecked_return_type = "Promise<Env>")]
    pub fn make(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MakeOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        js_call!(client, {
            let options = from_js(&options, "make options")?;
            let opts = CallOptions::from_js(&opts)?;
            Ok(flow::make(&client, &options, &opts).await?.into())
        })
    }

    /// An existing instance, by id, as an `Env`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Env>")]
    pub fn instance(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] #[wasm_bindgen(js_name = instanceId)] instance_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "InstanceOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        js_call!(client, {
            let instance_id = string_arg(&instance_id, "instance id")?;
            let options = from_js(&options, "instance options")?;
            let opts = CallOptions::from_js(&opts)?;
            let data = flow::get(&client, &instance_id, &opts).await?;
            Ok(Env::attach(client.clone(), data, &options)?.into())
        })
    }

    /// The team's instances, filtered by `runId`, `profileId`, `status`, `region`.
    #[wasm_bindgen(js_name = listInstances, unchecked_return_type = "Promise<InstanceInfo[]>")]
    pub fn list_instances(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListInstancesOptions")] filters: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| instances::list_request(c, &from_js(&filters, "listInstances filters")?, ctx);
        self.plain(opts, Box::new(build), |r, rid| instances::parse_instances(r, rid).map(Value::Array))
    }

    /// Stops an instance; resolves to its final state.
    #[wasm_bindgen(unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn close(&self, #[wasm_bindgen(unchecked_param_type = "string")] #[wasm_bindgen(js_name = instanceId)] instance_id: JsValue, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        if let Some(id) = instance_id.as_string() {
            super::heartbeat::stop_instance(&id);
        }
        let build = move |c: &ClientConfig, ctx: &CallContext| instances::close_request(c, &string_arg(&instance_id, "instance id")?, ctx);
        self.plain(opts, Box::new(build), instances::parse_instance)
    }

    /// Stops every instance of a run (`{ runId }`) or a profile (`{ profileId }`, `"self"` for
    /// yours). One of them is required: `ValidationError` otherwise, and nothing is sent.
    #[wasm_bindgen(js_name = closeAll, unchecked_return_type = "Promise<InstanceInfo[]>")]
    pub fn close_all(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloseAllOptions")] filter: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| instances::close_all_request(c, &from_js(&filter, "closeAll filter")?, ctx);
        let finish = |_: &Rc<Client>, r: &HttpResponse, rid: &str| {
            let closed = instances::parse_instances(r, rid)?;
            for i in &closed {
                super::heartbeat::stop_instance(i["instanceId"].as_str().unwrap_or_default());
            }
            Ok(to_js(&Value::Array(closed)))
        };
        self.call(opts, Box::new(build), Box::new(finish))
    }

    /// Runs (instances grouped by `runId`): `status` is `active` (default), `inactive` or `all`.
    #[wasm_bindgen(js_name = listRuns, unchecked_return_type = "Promise<Run[]>")]
    pub fn list_runs(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListRunsOptions")] filters: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| envs::runs_request(c, &from_js(&filters, "listRuns filters")?, ctx);
        self.plain(opts, Box::new(build), envs::parse_runs)
    }

    /// One heartbeat for an instance, by id (an `Env` beats on its own; see `env.heartbeat()`).
    #[wasm_bindgen(unchecked_return_type = "Promise<HeartbeatInfo>")]
    pub fn heartbeat(&self, #[wasm_bindgen(unchecked_param_type = "string")] #[wasm_bindgen(js_name = instanceId)] instance_id: JsValue, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| instances::heartbeat_request(c, &string_arg(&instance_id, "instance id")?, None, ctx);
        self.plain(opts, Box::new(build), instances::parse_heartbeat)
    }

    /// Runs a task's verifier on the server against an env (or instance id); see `Task.verifyDetailed`.
    #[wasm_bindgen(js_name = verifyDetailed, unchecked_return_type = "Promise<VerificationResult>")]
    pub fn verify_detailed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Task")] task: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Env | string")] env: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        js_call!(client, Ok(to_js(&verify::detailed_js(&client, &Task::data_of(&task)?, &env, &options, &opts).await?)))
    }
}
