//! Module-level functions on a default client, for scripts: `configure`, `loadTasks`, `makeEnv`,
//! `heartbeat`, `verifyDetailed`, `listInstances`, `closeAll`, `account`, `listRuns`.
//!
//! Without `configure`, the default client is built on first use from `FLEET_API_KEY` and
//! `FLEET_BASE_URL` (Node only).
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::client::Client;
use super::errors;
use super::fleet::Fleet;

thread_local! {
    static DEFAULT: RefCell<Option<Rc<Client>>> = const { RefCell::new(None) };
}

/// Calls `f` on the default client; a missing configuration becomes a rejected promise.
fn with_default(f: impl FnOnce(Fleet) -> Promise) -> Promise {
    match default_fleet() {
        Ok(fleet) => f(fleet),
        Err(e) => Promise::reject(&e),
    }
}

fn default_fleet() -> Result<Fleet, JsValue> {
    let existing = DEFAULT.with(|d| d.borrow().clone());
    let client = match existing {
        Some(c) => c,
        None => {
            let c = Rc::new(Client::from_options(&JsValue::UNDEFINED).map_err(errors::to_js)?);
            DEFAULT.with(|d| *d.borrow_mut() = Some(c.clone()));
            c
        }
    };
    Ok(Fleet { client })
}

/// Sets the options of the default client used by the module-level functions.
#[wasm_bindgen]
pub fn configure(
    #[wasm_bindgen(unchecked_param_type = "FleetOptions")] options: Option<js_sys::Object>,
) -> Result<(), JsValue> {
    let fleet = Fleet::new(options)?;
    DEFAULT.with(|d| *d.borrow_mut() = Some(fleet.client));
    Ok(())
}

/// `fleet.loadTasks` on the default client.
#[wasm_bindgen(js_name = loadTasks, unchecked_return_type = "Promise<Task[]>")]
pub fn load_tasks(
    #[wasm_bindgen(unchecked_optional_param_type = "LoadTasksOptions")] filters: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.load_tasks(filters, opts))
}

/// `fleet.make` on the default client.
#[wasm_bindgen(js_name = makeEnv, unchecked_return_type = "Promise<Env>")]
pub fn make_env(
    #[wasm_bindgen(unchecked_param_type = "MakeOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.make(options, opts))
}

/// `fleet.heartbeat` on the default client.
#[wasm_bindgen(unchecked_return_type = "Promise<HeartbeatInfo>")]
pub fn heartbeat(
    #[wasm_bindgen(unchecked_param_type = "string")]
    #[wasm_bindgen(js_name = instanceId)]
    instance_id: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "HeartbeatOptions & CallOptions")] options: JsValue,
) -> Promise {
    with_default(|f| f.heartbeat(instance_id, options))
}

/// `fleet.verifyDetailed` on the default client.
#[wasm_bindgen(js_name = verifyDetailed, unchecked_return_type = "Promise<VerificationResult>")]
pub fn verify_detailed(
    #[wasm_bindgen(unchecked_param_type = "Task")] task: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Env | string")] env: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "VerifyOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.verify_detailed(task, env, options, opts))
}

/// `fleet.listInstances` on the default client.
#[wasm_bindgen(js_name = listInstances, unchecked_return_type = "Promise<InstanceInfo[]>")]
pub fn list_instances(
    #[wasm_bindgen(unchecked_optional_param_type = "ListInstancesOptions")] filters: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.list_instances(filters, opts))
}

/// `fleet.closeAll` on the default client.
#[wasm_bindgen(js_name = closeAll, unchecked_return_type = "Promise<InstanceInfo[]>")]
pub fn close_all(
    #[wasm_bindgen(unchecked_param_type = "CloseAllOptions")] filter: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.close_all(filter, opts))
}

/// `fleet.account` on the default client.
#[wasm_bindgen(unchecked_return_type = "Promise<Account>")]
pub fn account(#[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue) -> Promise {
    with_default(|f| f.account(opts))
}

/// `fleet.listRuns` on the default client.
#[wasm_bindgen(js_name = listRuns, unchecked_return_type = "Promise<Run[]>")]
pub fn list_runs(
    #[wasm_bindgen(unchecked_optional_param_type = "ListRunsOptions")] filters: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.list_runs(filters, opts))
}

/// `fleet.job` on the default client.
#[wasm_bindgen(unchecked_return_type = "Promise<string>")]
pub fn job(
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] name: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.job(name, opts))
}

/// `fleet.listJobSessions` on the default client.
#[wasm_bindgen(js_name = listJobSessions, unchecked_return_type = "Promise<JobSessions>")]
pub fn list_job_sessions(
    #[wasm_bindgen(unchecked_param_type = "string", js_name = jobId)] job_id: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.list_job_sessions(job_id, opts))
}

/// `fleet.getSessionTranscript` on the default client.
#[wasm_bindgen(js_name = getSessionTranscript, unchecked_return_type = "Promise<SessionTranscript>")]
pub fn get_session_transcript(
    #[wasm_bindgen(unchecked_param_type = "string", js_name = sessionId)] session_id: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
) -> Promise {
    with_default(|f| f.get_session_transcript(session_id, opts))
}

/// Runs an agent on tasks and records it as a job (a session per attempt): see `EvaluateOptions`.
/// Uses `options.fleet` when given, else the default client.
#[wasm_bindgen(unchecked_return_type = "Promise<Evaluation>")]
pub fn evaluate(#[wasm_bindgen(unchecked_param_type = "EvaluateOptions")] options: JsValue) -> Promise {
    let fleet = super::runtime::prop(&options, "fleet");
    if fleet.is_undefined() || fleet.is_null() {
        return with_default(|f| f.evaluate(options));
    }
    let rest = super::options::without(&options, &["fleet"]);
    match super::runtime::prop(&fleet, "evaluate").dyn_into::<js_sys::Function>() {
        Ok(method) => method.call1(&fleet, &rest).map(|p| Promise::resolve(&p)).unwrap_or_else(|e| Promise::reject(&e)),
        Err(_) => Promise::reject(&errors::to_js(crate::core::error::FleetError::validation(
            "evaluate: `fleet` must be a Fleet",
        ))),
    }
}
