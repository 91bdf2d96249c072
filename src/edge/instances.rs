//! Creating instances, with the duplicate-create recovery of §5.1, and reading them.
use std::rc::Rc;

use crate::core::json::Value;

use super::client::{CallOptions, Client};
use super::env::Env;
use super::runtime::{new_call, now_ms};
use super::timers::sleep;
use super::transport::abort_error;
use crate::core::error::{ErrorKind, FleetError};
use crate::core::instances::{self, CREATE_TIMEOUT_MS};

/// How often a recovered duplicate create polls its instance (fleet-python: 5 s).
const POLL_MS: f64 = 1000.0;

pub async fn get(client: &Client, id: &str, opts: &CallOptions) -> Result<Value, FleetError> {
    let (r, rid) = client.call(opts, |c, ctx| instances::get_request(c, id, ctx)).await?;
    instances::parse_instance(&r, &rid)
}

/// `make`: create, follow a `duplicate_request_id` conflict to the first instance, and attach.
pub async fn make(client: &Rc<Client>, options: &Value, opts: &CallOptions) -> Result<Env, FleetError> {
    let timeout = opts.timeout_ms.unwrap_or(CREATE_TIMEOUT_MS as f64);
    let started = now_ms();
    let ctx = new_call();
    let request = instances::make_request(&client.config, options, timeout as u64, &ctx)?;
    let created = client.send(&request, opts, Some(timeout)).await.and_then(|r| instances::parse_instance(&r, &ctx.request_id));
    let data = match created {
        Ok(data) => data,
        Err(e) if e.kind == ErrorKind::Conflict && e.details.instance_id.is_some() => {
            let id = e.details.instance_id.clone().unwrap_or_default();
            client.transport.log("info", "flotilla: create was a duplicate; following the first instance", &[("instanceId", id.as_str().into())]);
            let budget = (timeout - (now_ms() - started)).max(30_000.0);
            wait_running(client, &id, budget, POLL_MS, opts).await?
        }
        Err(e) => return Err(e),
    };
    Env::attach(client.clone(), data, options)
}

/// Polls an instance until it runs; `stopped`/`error` is a `ConflictError`, running out of time a
/// `TimeoutError`.
pub async fn wait_running(client: &Client, id: &str, budget_ms: f64, interval_ms: f64, opts: &CallOptions) -> Result<Value, FleetError> {
    let deadline = now_ms() + budget_ms;
    loop {
        let data = get(client, id, opts).await?;
        match data["status"].as_str().unwrap_or("") {
            "running" => return Ok(data),
            status @ ("stopped" | "error") => {
                let mut e = FleetError::new(ErrorKind::Conflict, format!("Instance '{id}' is {status}, not running"));
                e.details.instance_id = Some(id.to_string());
                e.body = Some(data);
                return Err(e);
            }
            _ => {}
        }
        if now_ms() + interval_ms > deadline {
            return Err(FleetError::new(ErrorKind::Timeout, format!("Instance '{id}' was not running after {} s", (budget_ms / 1000.0) as u64)));
        }
        sleep(interval_ms, opts.signal.as_ref()).await.map_err(|_| abort_error(""))?;
    }
}
