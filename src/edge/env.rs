//! The exported `Env` class: one instance, its lifecycle, heartbeats and state.
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Function;
use crate::core::json::Value;
use wasm_bindgen::prelude::*;

use super::client::{from_js, string_arg, to_js, CallOptions, Client};
use super::database::Database;
use super::fleet::js_call;
use super::{heartbeat, instances as flow};
use crate::core::error::{ErrorKind, FleetError};
use crate::core::options::Options;
use crate::core::http::{HttpRequest, HttpResponse};
use crate::core::runner::{self, Runner};
use crate::core::instances;

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

pub struct EnvInner {
    pub id: u64,
    pub client: Rc<Client>,
    pub data: RefCell<Value>,
    pub keep_alive: bool,
    /// The runner token, fetched once; `Some(None)` remembers that the server has none for us.
    token: RefCell<Option<Option<String>>>,
    listeners: RefCell<Vec<(String, Function)>>,
}

impl EnvInner {
    pub fn instance_id(&self) -> String {
        self.data.borrow()["instanceId"].as_str().unwrap_or_default().to_string()
    }

    /// Calls every listener of `event` with the payload `make` builds (only if someone listens);
    /// a throwing listener does not stop the others.
    pub fn emit(&self, event: &str, make: impl FnOnce() -> JsValue) {
        let listeners: Vec<Function> = self.listeners.borrow().iter().filter(|(e, _)| e == event).map(|(_, f)| f.clone()).collect();
        if listeners.is_empty() {
            return;
        }
        let payload = make();
        for f in listeners {
            let _ = f.call1(&JsValue::UNDEFINED, &payload);
        }
    }

    /// The runner of this instance, with the runner token resolved once (§2.5).
    pub async fn runner(&self, opts: &CallOptions) -> Result<Runner, FleetError> {
        let base = self.data.borrow()["urls"]["manager"]["api"].as_str().map(str::to_string).ok_or_else(|| {
            FleetError::invalid_response("this instance has no manager URL (urls.manager.api), so its state cannot be reached")
        })?;
        let cached = self.token.borrow().clone();
        let token = match cached {
            Some(token) => token,
            None => {
                match self.client.call(opts, |c, ctx| Ok(runner::token_request(c, ctx))).await {
                    // The server answered: remember its answer, token or not.
                    Ok((response, _)) => {
                        let token = runner::parse_token(&response);
                        *self.token.borrow_mut() = Some(token.clone());
                        token
                    }
                    // The caller gave up: so does this call.
                    Err(e) if e.kind == ErrorKind::Abort => return Err(e),
                    // No answer (network, timeout): go on without a token, ask again next time.
                    Err(_) => None,
                }
            }
        };
        Ok(Runner { base, token })
    }

    /// One runner call as a promise: resolve the runner (and its token), build the request with
    /// `build`, send it, read the answer with `parse`.
    pub fn runner_promise(
        self: &Rc<Self>,
        opts: JsValue,
        build: impl FnOnce(&Runner) -> Result<HttpRequest, FleetError> + 'static,
        parse: fn(&HttpResponse) -> Result<Value, FleetError>,
    ) -> js_sys::Promise {
        let inner = self.clone();
        js_call!(inner.client, {
            let opts = CallOptions::from_js(&opts)?;
            let runner = inner.runner(&opts).await?;
            let request = build(&runner)?;
            let r = inner.client.send(&request, &opts, None).await?;
            Ok(to_js(&parse(&r)?))
        })
    }

    /// Keeps the server's latest word on the instance and returns it as a plain object.
    fn store(&self, data: Value) -> JsValue {
        let js = to_js(&data);
        *self.data.borrow_mut() = data;
        js
    }

    /// One heartbeat: updates the env's deadline info and returns the server's answer.
    pub async fn beat(&self, opts: &CallOptions) -> Result<Value, FleetError> {
        let (id, region) = (self.instance_id(), self.data.borrow()["heartbeatRegion"].as_str().map(str::to_string));
        let (r, rid) = self.client.call(opts, |c, ctx| instances::heartbeat_request(c, &id, region.as_deref(), ctx)).await?;
        instances::parse_heartbeat(&r, &rid)
    }
}

/// A live environment instance. Close it when done (`await env.close()`, or `await using env`).
#[wasm_bindgen]
pub struct Env {
    pub(crate) inner: Rc<EnvInner>,
}

impl Env {
    /// Wraps instance data; starts the heartbeat loop when the instance has an interval, unless
    /// `autoHeartbeat: false`. `keepProcessAlive: true` lets the loop keep Node running.
    pub fn attach(client: Rc<Client>, data: Value, options: &Value) -> Result<Env, FleetError> {
        let allowed = crate::core::instances::MAKE_OPTIONS;
        let o = Options::new(options, "env options", allowed)?;
        let auto = o.boolean("autoHeartbeat")?.unwrap_or(true);
        let keep_alive = o.boolean("keepProcessAlive")?.unwrap_or(false);
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let interval = data["heartbeatInterval"].as_f64();
        let running = data["status"] == "running" || data["status"] == "pending";
        let inner = Rc::new(EnvInner { id, client, data: RefCell::new(data), keep_alive, token: RefCell::new(None), listeners: RefCell::new(Vec::new()) });
        if let (true, true, Some(interval)) = (auto, running, interval) {
            heartbeat::start(&inner, interval);
        }
        Ok(Env { inner })
    }

    fn field(&self, key: &str) -> JsValue {
        to_js(&self.inner.data.borrow()[key])
    }
}

#[wasm_bindgen]
impl Env {
    #[wasm_bindgen(getter, js_name = instanceId)]
    pub fn instance_id(&self) -> String {
        self.inner.instance_id()
    }
    #[wasm_bindgen(getter, js_name = envKey)]
    pub fn env_key(&self) -> String {
        self.inner.data.borrow()["envKey"].as_str().unwrap_or_default().to_string()
    }
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.data.borrow()["version"].as_str().unwrap_or_default().to_string()
    }
    /// `pending`, `running`, `stopped` or `error`, as of the last answer from the server.
    #[wasm_bindgen(getter, unchecked_return_type = "InstanceStatus")]
    pub fn status(&self) -> JsValue {
        self.field("status")
    }
    /// `root`, `app`, `api`, `health`, `mcp` and the `manager` URLs.
    #[wasm_bindgen(getter, unchecked_return_type = "InstanceUrls | null")]
    pub fn urls(&self) -> JsValue {
        self.field("urls")
    }
    #[wasm_bindgen(getter, js_name = runId, unchecked_return_type = "string | null")]
    pub fn run_id(&self) -> JsValue {
        self.field("runId")
    }
    #[wasm_bindgen(getter, unchecked_return_type = "string")]
    pub fn region(&self) -> JsValue {
        self.field("region")
    }
    #[wasm_bindgen(getter, js_name = createdAt, unchecked_return_type = "string")]
    pub fn created_at(&self) -> JsValue {
        self.field("createdAt")
    }
    #[wasm_bindgen(getter, js_name = updatedAt, unchecked_return_type = "string")]
    pub fn updated_at(&self) -> JsValue {
        self.field("updatedAt")
    }
    #[wasm_bindgen(getter, js_name = terminatedAt, unchecked_return_type = "string | null")]
    pub fn terminated_at(&self) -> JsValue {
        self.field("terminatedAt")
    }
    #[wasm_bindgen(getter, js_name = heartbeatInterval, unchecked_return_type = "number | null")]
    pub fn heartbeat_interval(&self) -> JsValue {
        self.field("heartbeatInterval")
    }
    /// Whether the heartbeat loop is beating for this env.
    #[wasm_bindgen(getter, js_name = heartbeatRunning)]
    pub fn heartbeat_running(&self) -> bool {
        heartbeat::is_running(self.inner.id)
    }

    /// Everything the server said about the instance, as a plain object.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "InstanceInfo")]
    pub fn to_json(&self) -> JsValue {
        to_js(&self.inner.data.borrow())
    }

    /// Listens to heartbeat events: `beat` (the server's answer, with the new deadline), `error`
    /// (a failed beat; the loop retries), `expired` (the server says the instance is gone; the loop
    /// has stopped).
    pub fn on(&self, #[wasm_bindgen(unchecked_param_type = "'beat' | 'error' | 'expired'")] event: JsValue, #[wasm_bindgen(unchecked_param_type = "(payload: HeartbeatEvent) => void")] listener: JsValue) -> Result<(), JsValue> {
        let event = string_arg(&event, "event").and_then(|event| match event.as_str() {
            "beat" | "error" | "expired" => Ok(event),
            _ => Err(FleetError::validation(format!("unknown event `{event}`: use beat, error or expired"))),
        });
        let listener = listener.dyn_into::<Function>().map_err(|_| FleetError::validation("the listener must be a function"));
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
        self.inner.listeners.borrow_mut().retain(|(e, f)| !(event.as_ref() == Some(e) && AsRef::<JsValue>::as_ref(f) == &listener));
    }

    /// Starts the heartbeat loop (at `intervalSeconds`, else the instance's interval).
    #[wasm_bindgen(js_name = startHeartbeat)]
    pub fn start_heartbeat(&self, #[wasm_bindgen(unchecked_optional_param_type = "{ intervalSeconds?: number }")] options: JsValue) -> Result<(), JsValue> {
        let interval = || -> Result<f64, FleetError> {
            let o = from_js(&options, "startHeartbeat options")?;
            let asked = Options::new(&o, "startHeartbeat options", &["intervalSeconds"])?.int("intervalSeconds", 1, 3600)?;
            asked.map(|i| i as f64).or_else(|| self.inner.data.borrow()["heartbeatInterval"].as_f64()).ok_or_else(|| {
                FleetError::validation("this instance has no heartbeat interval: pass { intervalSeconds }")
            })
        };
        heartbeat::start(&self.inner, interval().map_err(super::errors::to_js)?);
        Ok(())
    }

    /// Stops the heartbeat loop (the instance keeps running until its deadline).
    #[wasm_bindgen(js_name = stopHeartbeat)]
    pub fn stop_heartbeat(&self) {
        heartbeat::stop(self.inner.id);
    }

    /// Sends one heartbeat now.
    #[wasm_bindgen(unchecked_return_type = "Promise<HeartbeatInfo>")]
    pub fn heartbeat(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        js_call!(inner.client, {
            let answer = inner.beat(&CallOptions::from_js(&opts)?).await?;
            Ok(to_js(&answer))
        })
    }

    /// Reloads the instance from the server.
    #[wasm_bindgen(unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn refresh(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        js_call!(inner.client, {
            let data = flow::get(&inner.client, &inner.instance_id(), &CallOptions::from_js(&opts)?).await?;
            Ok(inner.store(data))
        })
    }

    /// Resolves once the instance runs; rejects with `ConflictError` if it stopped or failed, and
    /// `TimeoutError` after `timeoutMs` (default 5 minutes).
    #[wasm_bindgen(js_name = waitUntilRunning, unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn wait_until_running(&self, #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        js_call!(inner.client, {
            let signal = super::runtime::prop(&options, "signal");
            let o = from_js(&super::options::without(&options, &["signal"]), "waitUntilRunning options")?;
            let o = Options::new(&o, "waitUntilRunning options", &["timeoutMs", "intervalMs"])?;
            let budget = o.int("timeoutMs", 1, i32::MAX as i64)?.unwrap_or(300_000) as f64;
            let interval = o.int("intervalMs", 50, 60_000)?.unwrap_or(1000) as f64;
            let call = CallOptions::from_js(&super::options::with_signal(signal))?;
            let data = flow::wait_running(&inner.client, &inner.instance_id(), budget, interval, &call).await?;
            Ok(inner.store(data))
        })
    }

    /// Stops the heartbeat loop and the instance; resolves to its final state.
    #[wasm_bindgen(unchecked_return_type = "Promise<InstanceInfo>")]
    pub fn close(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        heartbeat::stop(inner.id);
        js_call!(inner.client, {
            let opts = CallOptions::from_js(&opts)?;
            let id = inner.instance_id();
            let (r, rid) = inner.client.call(&opts, |c, ctx| instances::close_request(c, &id, ctx)).await?;
            let data = instances::parse_instance(&r, &rid)?;
            Ok(inner.store(data))
        })
    }

    /// The instance's resources, e.g. `current` (sqlite, rw) and `seed` (sqlite, ro).
    #[wasm_bindgen(unchecked_return_type = "Promise<Resource[]>")]
    pub fn resources(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.inner.runner_promise(opts, |r| Ok(r.resources()), runner::parse_resources)
    }

    /// A SQLite resource of the instance: `current` (default) or `seed`.
    pub fn db(&self, #[wasm_bindgen(unchecked_optional_param_type = "string | null")] name: JsValue) -> Result<Database, JsValue> {
        let name = if name.is_undefined() || name.is_null() { Ok("current".to_string()) } else { string_arg(&name, "the database name") };
        Ok(Database::new(self.inner.clone(), name.map_err(super::errors::to_js)?))
    }

    /// Puts the `current` database back to the seed.
    #[wasm_bindgen(unchecked_return_type = "Promise<{ success: boolean; message: string }>")]
    pub fn reset(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.inner.runner_promise(opts, |r| Ok(r.reset()), runner::parse_reset)
    }

    /// The instance runner's health.
    #[wasm_bindgen(unchecked_return_type = "Promise<{ status: string; timestamp: string; service: string }>")]
    pub fn health(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.inner.runner_promise(opts, |r| Ok(r.health()), runner::parse_health)
    }

    /// What changed between `seed` and `current`, table by table (the runner's structured diff).
    #[wasm_bindgen(unchecked_return_type = "Promise<StructuredDiff>")]
    pub fn diff(&self, #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> js_sys::Promise {
        self.inner.runner_promise(opts, |r| Ok(r.diff()), runner::parse_diff)
    }
}
