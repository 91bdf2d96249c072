//! The exported `Fleet` client class: the control plane (protocol §§4-7).
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::client::{js_call, parse_options, start, string_arg, to_js, Client};
use super::env::Env;
use super::options::split_call_options;
use super::task::Task;
use crate::core::account::{self, Account};
use crate::core::client::{CallContext, ClientConfig};
use crate::core::envs::{self, Environment, ListRunsOptions, Run};
use crate::core::error::FleetError;
use crate::core::http::HttpRequest;
use crate::core::instances::{
    self, AttachOptions, CloseAllOptions, HeartbeatInfo, HeartbeatOptions, Instance, ListInstancesOptions, MakeOptions,
};
use crate::core::io::{decode, HttpResponse};
use crate::core::tasks::{self, ImportTaskInput, ImportTaskOptions, LoadTasksOptions, TaskList, UpdateTaskInput};

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

/// Builds a control-plane request for a call identity; argument checks happen here, so a
/// `ValidationError` rejects the call before anything is sent.
pub trait Build: FnOnce(&ClientConfig, &CallContext) -> Result<HttpRequest, FleetError> + 'static {}
impl<F: FnOnce(&ClientConfig, &CallContext) -> Result<HttpRequest, FleetError> + 'static> Build for F {}

/// Turns an answer (and its request id) into what the Promise resolves to.
pub(crate) type Finish = Box<dyn FnOnce(&Rc<Client>, HttpResponse<JsValue>, &str) -> Result<JsValue, FleetError>>;

impl Fleet {
    /// One request, one answer: the shared path (and the one state machine in the wasm) of every
    /// control-plane method that is a single call.
    pub(crate) fn call(&self, opts: JsValue, build: impl Build, finish: Finish) -> js_sys::Promise {
        let client = self.client.clone();
        let mut build = Some(build);
        js_call!(client, {
            let started = start(&client, &opts)?;
            let (response, request_id) = started.call().fetch_raw(&mut build).await?;
            finish(&client, response, &request_id)
        })
    }

    /// Decodes the answer as `T` and hands it to `then`.
    pub(crate) fn then<T: DeserializeOwned + 'static, R: Into<JsValue>>(
        &self,
        opts: JsValue,
        build: impl Build,
        then: impl FnOnce(&Rc<Client>, T) -> Result<R, FleetError> + 'static,
    ) -> js_sys::Promise {
        self.call(opts, build, Box::new(move |client, r, rid| then(client, decode(&r, rid)?).map(Into::into)))
    }

    /// One request whose answer is a plain model.
    pub(crate) fn plain<T: DeserializeOwned + Serialize + 'static>(
        &self,
        opts: JsValue,
        build: impl Build,
    ) -> js_sys::Promise {
        self.call(opts, build, Box::new(|_, r, rid| to_js(&decode::<T, _>(&r, rid)?)))
    }

    /// One request whose answer is one task.
    fn task(&self, opts: JsValue, build: impl Build) -> js_sys::Promise {
        self.then(opts, build, |client, t: tasks::Task| Ok(Task::new(client.clone(), t.complete())))
    }

    /// Options read now, so that a bad one rejects before anything is sent.
    pub(crate) fn read<T: DeserializeOwned>(&self, value: &JsValue, what: &str) -> Result<T, js_sys::Promise> {
        parse_options(value, what).map_err(|e| js_sys::Promise::reject(&self.client.fail(e)))
    }
}

#[wasm_bindgen]
impl Fleet {
    /// Creates a client. `apiKey` and `baseUrl` fall back to `FLEET_API_KEY` and `FLEET_BASE_URL`
    /// in Node only (a browser never reads its environment). Without a key this throws a
    /// `ValidationError` at once. `baseUrl` defaults to `https://orchestrator.fleetai.com`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "FleetOptions")] options: Option<js_sys::Object>,
    ) -> Result<Fleet, JsValue> {
        let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        let client = Client::from_options(&options).map_err(super::errors::to_js)?;
        Ok(Fleet { client: Rc::new(client) })
    }

    /// The control-plane base URL this client talks to (no trailing slash).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.core.config.base_url().to_string()
    }

    /// The team behind the API key, its instance limit and live instance count.
    #[wasm_bindgen(unchecked_return_type = "Promise<Account>")]
    pub fn account(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.plain::<Account>(opts, |c, ctx| Ok(account::request(c, ctx)))
    }

    /// Loads tasks, filtered by `keys`, `projectKey`, `envKey`, `dataId`, `dataVersion` and
    /// (client-side) `version`.
    #[wasm_bindgen(js_name = loadTasks, unchecked_return_type = "Promise<Task[]>")]
    pub fn load_tasks(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadTasksOptions")] filters: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let filters: Rc<LoadTasksOptions> = match self.read(&filters, "loadTasks filters") {
            Ok(f) => Rc::new(f),
            Err(rejected) => return rejected,
        };
        let for_request = filters.clone();
        let build = move |c: &ClientConfig, ctx: &CallContext| tasks::load_request(c, &for_request, ctx);
        self.then(opts, build, move |client, list: TaskList| {
            let tasks = tasks::finish_load(list, &filters);
            Ok(tasks.into_iter().map(|t| JsValue::from(Task::new(client.clone(), t))).collect::<js_sys::Array>())
        })
    }

    /// One task by key (`NotFoundError` when there is none).
    #[wasm_bindgen(js_name = getTask, unchecked_return_type = "Promise<Task>")]
    pub fn get_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.task(opts, move |c, ctx| tasks::get_request(c, &string_arg(&key, "task key")?, ctx))
    }

    /// Imports (creates or replaces) a task; `projectKey` files it under a project.
    #[wasm_bindgen(js_name = importTask, unchecked_return_type = "Promise<Task>")]
    pub fn import_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImportTaskInput")] task: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ImportTaskOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let (task, options): (ImportTaskInput, ImportTaskOptions) =
            match self.read(&task, "importTask task").and_then(|t| Ok((t, self.read(&options, "importTask options")?)))
            {
                Ok(read) => read,
                Err(rejected) => return rejected,
            };
        self.task(opts, move |c, ctx| tasks::import_request(c, &task, &options, ctx))
    }

    /// Changes a task's `prompt`, `verifierCode` or `metadata` (a PUT: never retried).
    #[wasm_bindgen(js_name = updateTask, unchecked_return_type = "Promise<Task>")]
    pub fn update_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
        #[wasm_bindgen(unchecked_param_type = "UpdateTaskInput")] changes: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let changes: UpdateTaskInput = match self.read(&changes, "updateTask changes") {
            Ok(c) => c,
            Err(rejected) => return rejected,
        };
        self.task(opts, move |c, ctx| tasks::update_request(c, &string_arg(&key, "task key")?, &changes, ctx))
    }

    /// Every environment in the catalog.
    #[wasm_bindgen(js_name = listEnvs, unchecked_return_type = "Promise<Environment[]>")]
    pub fn list_envs(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.plain::<Vec<Environment>>(opts, |c, ctx| Ok(envs::list_request(c, ctx)))
    }

    /// One environment of the catalog.
    #[wasm_bindgen(unchecked_return_type = "Promise<Environment>")]
    pub fn environment(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = envKey)] env_key: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.plain::<Environment>(opts, move |c, ctx| envs::get_request(c, &string_arg(&env_key, "envKey")?, ctx))
    }

    /// The regions instances can run in.
    #[wasm_bindgen(js_name = listRegions, unchecked_return_type = "Promise<string[]>")]
    pub fn list_regions(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.plain::<Vec<String>>(opts, |c, ctx| Ok(envs::regions_request(c, ctx)))
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
        let options: MakeOptions = match self.read(&options, "make options") {
            Ok(o) => o,
            Err(rejected) => return rejected,
        };
        super::env::make(&self.client, options, opts)
    }

    /// An existing instance, by id, as an `Env` (`autoHeartbeat`, `keepProcessAlive` as for `make`).
    #[wasm_bindgen(unchecked_return_type = "Promise<Env>")]
    pub fn instance(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = instanceId)] instance_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "InstanceOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let options: AttachOptions = match self.read(&options, "instance options") {
            Ok(o) => o,
            Err(rejected) => return rejected,
        };
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            instances::get_request(c, &string_arg(&instance_id, "instance id")?, ctx)
        };
        self.then(opts, build, move |client, data: Instance| Ok(Env::attach(client.clone(), data.complete(), options)))
    }

    /// The team's instances, filtered by `runId`, `profileId`, `status`, `region`.
    #[wasm_bindgen(js_name = listInstances, unchecked_return_type = "Promise<InstanceInfo[]>")]
    pub fn list_instances(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListInstancesOptions")] filters: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let filters: ListInstancesOptions = match self.read(&filters, "listInstances filters") {
            Ok(f) => f,
            Err(rejected) => return rejected,
        };
        let build = move |c: &ClientConfig, ctx: &CallContext| instances::list_request(c, &filters, ctx);
        self.then(opts, build, |_, list: Vec<Instance>| to_js(&instances::complete_all(list)))
    }

    /// Stops an instance; resolves to its final state.
    #[wasm_bindgen(unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn close(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = instanceId)] instance_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        if let Some(id) = instance_id.as_string() {
            super::heartbeat::stop_instance(&id);
        }
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            instances::close_request(c, &string_arg(&instance_id, "instance id")?, ctx)
        };
        self.then(opts, build, |_, closed: Instance| to_js(&closed.complete()))
    }

    /// Stops every instance of a run (`{ runId }`) or a profile (`{ profileId }`, `"self"` for
    /// yours). One of them is required: `ValidationError` otherwise, and nothing is sent.
    #[wasm_bindgen(js_name = closeAll, unchecked_return_type = "Promise<InstanceInfo[]>")]
    pub fn close_all(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CloseAllOptions")] filter: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let filter: CloseAllOptions = match self.read(&filter, "closeAll filter") {
            Ok(f) => f,
            Err(rejected) => return rejected,
        };
        let build = move |c: &ClientConfig, ctx: &CallContext| instances::close_all_request(c, &filter, ctx);
        self.then(opts, build, |_, closed: Vec<Instance>| {
            closed.iter().for_each(|i| super::heartbeat::stop_instance(&i.instance_id));
            to_js(&instances::complete_all(closed))
        })
    }

    /// Runs (instances grouped by `runId`): `status` is `active` (default), `inactive` or `all`.
    #[wasm_bindgen(js_name = listRuns, unchecked_return_type = "Promise<Run[]>")]
    pub fn list_runs(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ListRunsOptions")] filters: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let filters: ListRunsOptions = match self.read(&filters, "listRuns filters") {
            Ok(f) => f,
            Err(rejected) => return rejected,
        };
        self.plain::<Vec<Run>>(opts, move |c, ctx| envs::runs_request(c, &filters, ctx))
    }

    /// One heartbeat for an instance, by id (an `Env` beats on its own; see `env.heartbeat()`).
    /// `region` is sent in the body (`{"region": ...}`), as fleet-python's `heartbeat(id, region)`.
    #[wasm_bindgen(unchecked_return_type = "Promise<HeartbeatInfo>")]
    pub fn heartbeat(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = instanceId)] instance_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "HeartbeatOptions & CallOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let (own, opts) = split_call_options(&options, &["region"]);
        let region = match self.read::<HeartbeatOptions>(&own, "heartbeat options").map(HeartbeatOptions::region) {
            Ok(Ok(region)) => region,
            Ok(Err(e)) => return js_sys::Promise::reject(&self.client.fail(e)),
            Err(rejected) => return rejected,
        };
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            instances::heartbeat_request(c, &string_arg(&instance_id, "instance id")?, region.as_deref(), ctx)
        };
        self.plain::<HeartbeatInfo>(opts, build)
    }

    /// Runs a task's verifier on the server against an env (or instance id); see `Task.verifyDetailed`.
    #[wasm_bindgen(js_name = verifyDetailed, unchecked_return_type = "Promise<VerificationResult>")]
    pub fn verify_detailed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Task | TaskInfo")] task: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Env | InstanceInfo | string")] env: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        js_call!(client, {
            let result = super::task::verify(&client, Task::ref_of(&task)?, &env, &options, &opts).await?;
            to_js(&result)
        })
    }
}
