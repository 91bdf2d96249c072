//! The exported `Env` class: one instance, its lifecycle, heartbeats and state.
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Function;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::client::{js_call, parse_options, start, string_arg, to_js, Client};
use super::database::Database;
use super::heartbeat;
use super::mcp::Mcp;
use super::options::{split_call_options, without};
use super::runtime::prop;
use crate::core::error::FleetError;
use crate::core::heartbeat::StartOptions;
use crate::core::http::HttpRequest;
use crate::core::instances::{self, AttachOptions, HeartbeatInfo, Instance, MakeOptions, WaitOptions};
use crate::core::io::{decode, HttpResponse};
use crate::core::runner::{
    self, DescribeResult, HealthResult, ResetOptions, ResetResult, ResourceList, Runner, RunnerBuild, StructuredDiff,
    TokenCache,
};

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

pub struct EnvInner {
    pub id: u64,
    pub client: Rc<Client>,
    pub data: RefCell<Instance>,
    pub keep_alive: bool,
    tokens: TokenCache,
    listeners: RefCell<Vec<(String, Function)>>,
}

impl EnvInner {
    pub fn instance_id(&self) -> String {
        self.data.borrow().instance_id.clone()
    }

    /// Calls every listener of `event` with the payload `make` builds (only if someone listens);
    /// a throwing listener does not stop the others.
    pub fn emit(&self, event: &str, make: impl FnOnce() -> JsValue) {
        let listeners: Vec<Function> =
            self.listeners.borrow().iter().filter(|(e, _)| e == event).map(|(_, f)| f.clone()).collect();
        if listeners.is_empty() {
            return;
        }
        let payload = make();
        for f in listeners {
            let _ = f.call1(&JsValue::UNDEFINED, &payload);
        }
    }

    /// One runner call as a promise: the runner token (cached by the core), the request `build`
    /// makes, the answer decoded as `T` and passed through `check`.
    pub fn runner_promise<T: DeserializeOwned + Serialize + 'static>(
        self: &Rc<Self>,
        opts: JsValue,
        build: impl FnOnce(&Runner) -> Result<HttpRequest, FleetError> + 'static,
        check: fn(T) -> Result<T, FleetError>,
    ) -> js_sys::Promise {
        self.runner_call(opts, Box::new(Some(build)), Box::new(move |r| to_js(&check(decode::<T, _>(&r, "")?)?)))
    }

    /// The shared path (one state machine) of every runner call.
    fn runner_call(
        self: &Rc<Self>,
        opts: JsValue,
        mut build: Box<dyn RunnerBuild>,
        finish: RunnerFinish,
    ) -> js_sys::Promise {
        let inner = self.clone();
        js_call!(inner.client, {
            let started = start(&inner.client, &opts)?;
            let base = inner.data.borrow().urls.as_ref().map(|u| u.manager.api.clone());
            finish(runner::send_to_runner(&started.call(), base.as_deref(), &inner.tokens, build.as_mut()).await?)
        })
    }

    /// Stops the heartbeat loop and the instance.
    pub async fn close(self: &Rc<Self>) -> Result<Instance, FleetError> {
        heartbeat::stop(self.id);
        let started = start(&self.client, &JsValue::UNDEFINED)?;
        let data = instances::close(&started.call(), &self.instance_id()).await?;
        *self.data.borrow_mut() = data.clone();
        Ok(data)
    }

    /// Keeps the server's latest word on the instance and returns it as a plain object.
    fn store(&self, data: Instance) -> Result<JsValue, FleetError> {
        let js = to_js(&data);
        *self.data.borrow_mut() = data;
        js
    }
}

/// Turns a runner's answer into what the Promise resolves to.
type RunnerFinish = Box<dyn FnOnce(HttpResponse<JsValue>) -> Result<JsValue, FleetError>>;

/// `make` for `fleet.make` and `task.makeEnv`: create (the core follows a duplicate create to
/// the first instance) and attach.
pub fn make(client: &Rc<Client>, options: MakeOptions, opts: JsValue) -> js_sys::Promise {
    let client = client.clone();
    js_call!(client, {
        let started = start(&client, &opts)?;
        let data = instances::make(&started.call(), &options).await?;
        Ok(Env::attach(client.clone(), data, options.attach()).into())
    })
}

/// A live environment instance. Close it when done (`await env.close()`, or `await using env`).
#[wasm_bindgen]
pub struct Env {
    pub(crate) inner: Rc<EnvInner>,
}

impl Env {
    /// Wraps instance data; starts the heartbeat loop when the instance has an interval, unless
    /// `autoHeartbeat: false`. `keepProcessAlive: true` lets the loop keep Node running.
    pub fn attach(client: Rc<Client>, data: Instance, options: AttachOptions) -> Env {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let interval = data.heartbeat_interval.filter(|_| data.is_live() && options.auto_heartbeat != Some(false));
        let inner = Rc::new(EnvInner {
            id,
            client,
            data: RefCell::new(data),
            keep_alive: options.keep_process_alive == Some(true),
            tokens: TokenCache::default(),
            listeners: RefCell::new(Vec::new()),
        });
        if let Some(interval) = interval {
            heartbeat::start(&inner, f64::from(interval));
        }
        Env { inner }
    }

    fn field<T: Serialize>(&self, read: impl FnOnce(&Instance) -> &T) -> JsValue {
        to_js(read(&self.inner.data.borrow())).unwrap_or(JsValue::NULL)
    }
}

const EVENTS: &str = "'beat' | 'error' | 'expired'";

#[wasm_bindgen]
impl Env {
    #[wasm_bindgen(getter, js_name = instanceId)]
    pub fn instance_id(&self) -> String {
        self.inner.instance_id()
    }
    #[wasm_bindgen(getter, js_name = envKey)]
    pub fn env_key(&self) -> String {
        self.inner.data.borrow().env_key.clone()
    }
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.data.borrow().version.clone()
    }
    /// `pending`, `running`, `stopped` or `error`, as of the last answer from the server.
    #[wasm_bindgen(getter, unchecked_return_type = "InstanceStatus")]
    pub fn status(&self) -> JsValue {
        self.field(|d| &d.status)
    }
    /// `root`, `app`, `api`, `health`, `mcp` and the `manager` URLs.
    #[wasm_bindgen(getter, unchecked_return_type = "InstanceUrls | null")]
    pub fn urls(&self) -> JsValue {
        self.field(|d| &d.urls)
    }
    #[wasm_bindgen(getter, js_name = runId, unchecked_return_type = "string | null")]
    pub fn run_id(&self) -> JsValue {
        self.field(|d| &d.run_id)
    }
    #[wasm_bindgen(getter, unchecked_return_type = "string")]
    pub fn region(&self) -> JsValue {
        self.field(|d| &d.region)
    }
    #[wasm_bindgen(getter, js_name = createdAt, unchecked_return_type = "string")]
    pub fn created_at(&self) -> JsValue {
        self.field(|d| &d.created_at)
    }
    #[wasm_bindgen(getter, js_name = updatedAt, unchecked_return_type = "string")]
    pub fn updated_at(&self) -> JsValue {
        self.field(|d| &d.updated_at)
    }
    #[wasm_bindgen(getter, js_name = terminatedAt, unchecked_return_type = "string | null")]
    pub fn terminated_at(&self) -> JsValue {
        self.field(|d| &d.terminated_at)
    }
    #[wasm_bindgen(getter, js_name = heartbeatInterval, unchecked_return_type = "number | null")]
    pub fn heartbeat_interval(&self) -> JsValue {
        self.field(|d| &d.heartbeat_interval)
    }
    /// Whether the heartbeat loop is beating for this env.
    #[wasm_bindgen(getter, js_name = heartbeatRunning)]
    pub fn heartbeat_running(&self) -> bool {
        heartbeat::is_running(self.inner.id)
    }

    /// Everything the server said about the instance, as a plain object.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "InstanceInfo")]
    pub fn to_json(&self) -> JsValue {
        self.field(|d| d)
    }

    /// Listens to heartbeat events: `beat` (the server's answer, with the new deadline), `error`
    /// (a failed beat; the loop retries), `expired` (the server says the instance is gone; the loop
    /// has stopped).
    pub fn on(
        &self,
        #[wasm_bindgen(unchecked_param_type = "'beat' | 'error' | 'expired'")] event: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(payload: HeartbeatEvent) => void")] listener: JsValue,
    ) -> Result<(), JsValue> {
        let event = string_arg(&event, "event").and_then(|event| match event.as_str() {
            "beat" | "error" | "expired" => Ok(event),
            _ => Err(FleetError::validation(format!("unknown event `{event}`: use {EVENTS}"))),
        });
        let listener =
            listener.dyn_into::<Function>().map_err(|_| FleetError::validation("the listener must be a function"));
        let (event, listener) = event.and_then(|e| Ok((e, listener?))).map_err(super::errors::to_js)?;
        self.inner.listeners.borrow_mut().push((event, listener));
        Ok(())
    }

    /// Removes a listener added with `on`.
    pub fn off(
        &self,
        #[wasm_bindgen(unchecked_param_type = "'beat' | 'error' | 'expired'")] event: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(payload: HeartbeatEvent) => void")] listener: JsValue,
    ) {
        let event = event.as_string();
        let same = |e: &String, f: &Function| event.as_ref() == Some(e) && AsRef::<JsValue>::as_ref(f) == &listener;
        self.inner.listeners.borrow_mut().retain(|(e, f)| !same(e, f));
    }

    /// Starts the heartbeat loop (at `intervalSeconds`, else the instance's interval).
    #[wasm_bindgen(js_name = startHeartbeat)]
    pub fn start_heartbeat(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "StartHeartbeatOptions")] options: JsValue,
    ) -> Result<(), JsValue> {
        let interval = parse_options::<StartOptions>(&options, "startHeartbeat options")
            .and_then(|o| o.interval(self.inner.data.borrow().heartbeat_interval));
        heartbeat::start(&self.inner, interval.map_err(super::errors::to_js)?);
        Ok(())
    }

    /// Stops the heartbeat loop (the instance keeps running until its deadline).
    #[wasm_bindgen(js_name = stopHeartbeat)]
    pub fn stop_heartbeat(&self) {
        heartbeat::stop(self.inner.id);
    }

    /// Sends one heartbeat now.
    #[wasm_bindgen(unchecked_return_type = "Promise<HeartbeatInfo>")]
    pub fn heartbeat(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        js_call!(inner.client, {
            let started = start(&inner.client, &opts)?;
            let (id, region) = {
                let data = inner.data.borrow();
                (data.instance_id.clone(), data.heartbeat_region.clone())
            };
            let build = |c: &_, ctx: &_| instances::heartbeat_request(c, &id, region.as_deref(), ctx);
            let answer: HeartbeatInfo = started.call().fetch(build).await?;
            to_js(&answer)
        })
    }

    /// Reloads the instance from the server.
    #[wasm_bindgen(unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn refresh(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        js_call!(inner.client, {
            let started = start(&inner.client, &opts)?;
            let data = instances::get(&started.call(), &inner.instance_id()).await?;
            inner.store(data)
        })
    }

    /// Resolves once the instance runs; rejects with `ConflictError` if it stopped or failed, and
    /// `TimeoutError` after `timeoutMs` (default 5 minutes).
    #[wasm_bindgen(js_name = waitUntilRunning, unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn wait_until_running(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        js_call!(inner.client, {
            let wait: WaitOptions = parse_options(&without(&options, &["signal"]), "waitUntilRunning options")?;
            let (budget, interval) = wait.resolve()?;
            let signal = prop(&options, "signal");
            let call_options: JsValue =
                if signal.is_undefined() { JsValue::UNDEFINED } else { js_sys::Object::new().into() };
            if !signal.is_undefined() {
                let _ = js_sys::Reflect::set(&call_options, &"signal".into(), &signal);
            }
            let started = start(&inner.client, &call_options)?;
            let data = instances::wait_running(&started.call(), &inner.instance_id(), budget, interval).await?;
            inner.store(data)
        })
    }

    /// Stops the heartbeat loop and the instance; resolves to its final state.
    #[wasm_bindgen(unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn close(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        heartbeat::stop(inner.id);
        js_call!(inner.client, {
            let started = start(&inner.client, &opts)?;
            let data = instances::close(&started.call(), &inner.instance_id()).await?;
            inner.store(data)
        })
    }

    /// The instance's resources, e.g. `current` (sqlite, rw) and `seed` (sqlite, ro).
    #[wasm_bindgen(unchecked_return_type = "Promise<Resource[]>")]
    pub fn resources(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let finish = |r: HttpResponse<JsValue>| to_js(&decode::<ResourceList, _>(&r, "")?.into_vec());
        self.inner.runner_call(opts, Box::new(Some(|r: &Runner| Ok(r.resources()))), Box::new(finish))
    }

    /// A SQLite resource of the instance: `current` (default) or `seed`.
    pub fn db(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] name: JsValue,
    ) -> Result<Database, JsValue> {
        let name = if name.is_undefined() || name.is_null() {
            Ok("current".to_string())
        } else {
            string_arg(&name, "the database name")
        };
        Ok(Database::new(self.inner.clone(), name.map_err(super::errors::to_js)?))
    }

    /// Puts the `current` database back to the seed. `seed` and `timestamp` (integers) are sent
    /// as fleet-python sends them, for apps that honour them; `signal` and `timeoutMs` as anywhere.
    #[wasm_bindgen(unchecked_return_type = "Promise<ResetResult>")]
    pub fn reset(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ResetOptions & CallOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let (own, call) = split_call_options(&options, &["seed", "timestamp"]);
        let reset: ResetOptions = match parse_options(&own, "reset options") {
            Ok(r) => r,
            Err(e) => return js_sys::Promise::reject(&self.inner.client.fail(e)),
        };
        self.inner.runner_promise::<ResetResult>(call, move |r| Ok(r.reset(&reset)), Ok)
    }

    /// The instance's MCP endpoint: its URL, the tool configs model SDKs take, `listTools()`.
    #[wasm_bindgen(getter)]
    pub fn mcp(&self) -> Mcp {
        let data = self.inner.data.borrow();
        let url = data.urls.as_ref().and_then(|u| u.mcp.clone());
        Mcp::new(self.inner.client.clone(), data.env_key.clone(), url)
    }

    /// The instance runner's health.
    #[wasm_bindgen(unchecked_return_type = "Promise<HealthResult>")]
    pub fn health(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.inner.runner_promise::<HealthResult>(opts, |r| Ok(r.health()), Ok)
    }

    /// What changed between `seed` and `current`, table by table (the runner's structured diff).
    #[wasm_bindgen(unchecked_return_type = "Promise<StructuredDiff>")]
    pub fn diff(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.inner.runner_promise::<StructuredDiff>(opts, |r| Ok(r.diff()), Ok)
    }
}

/// Describes a database for `Database.describe` (kept here so the runner plumbing is one place).
pub fn describe(env: &Rc<EnvInner>, name: String, opts: JsValue) -> js_sys::Promise {
    env.runner_promise::<DescribeResult>(opts, move |r| Ok(r.describe(&name)), Ok)
}
