//! Drives the core heartbeat [`Scheduler`] with one JS timer for all envs: it is armed for the
//! next due beat only. In Node the timer is `unref`'d unless an env asked `keepProcessAlive`.
use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;

use super::client::to_js;
use super::env::EnvInner;
use super::errors;
use super::io::WebIo;
use super::runtime::{now_ms, random};
use super::timers::UnrefTimer;
use crate::core::heartbeat::{self, BeatOutcome, Scheduler};

#[derive(Default)]
struct Driver {
    /// Every env with a running loop, by its handle id.
    schedule: Scheduler<Rc<EnvInner>>,
    timer: Option<UnrefTimer>,
    /// When the armed timer fires (epoch ms), to avoid re-arming for the same moment.
    armed_for: Option<f64>,
    /// Whether the armed timer keeps Node running.
    armed_keep_alive: bool,
}

thread_local! {
    static DRIVER: RefCell<Driver> = RefCell::new(Driver::default());
}

/// Adds (or re-times) an env's heartbeat.
pub fn start(env: &Rc<EnvInner>, interval_s: f64) {
    DRIVER.with(|d| {
        let mut d = d.borrow_mut();
        d.schedule.add(env.id, env.clone(), interval_s, now_ms(), random());
    });
    rearm();
}

/// Removes an env from the schedule.
pub fn stop(id: u64) {
    DRIVER.with(|d| {
        let mut d = d.borrow_mut();
        d.schedule.remove(id);
    });
    rearm();
}

/// Stops the loop of whichever env holds `instance_id` (after `fleet.close(id)`).
pub fn stop_instance(instance_id: &str) {
    let ids: Vec<u64> = DRIVER.with(|d| {
        d.borrow().schedule.payloads().filter(|e| e.data.borrow().instance_id == instance_id).map(|e| e.id).collect()
    });
    ids.into_iter().for_each(stop);
}

pub fn is_running(id: u64) -> bool {
    DRIVER.with(|d| d.borrow().schedule.contains(id))
}

/// Arms the single timer for the next due beat (or disarms it when nothing is scheduled).
fn rearm() {
    DRIVER.with(|d| {
        let mut d = d.borrow_mut();
        let due = d.schedule.next_due();
        // Re-armed when the moment or the keep-alive need changes (an env that asked
        // `keepProcessAlive` came or went).
        let keep_alive = d.schedule.payloads().any(|e| e.keep_alive);
        if d.timer.is_some() && due == d.armed_for && keep_alive == d.armed_keep_alive {
            return;
        }
        d.timer = None;
        d.armed_for = due;
        d.armed_keep_alive = keep_alive;
        if let Some(due) = due {
            d.timer = UnrefTimer::new(due - now_ms(), keep_alive, fire);
        }
    });
}

fn fire() {
    let due: Vec<Rc<EnvInner>> = DRIVER.with(|d| {
        let mut d = d.borrow_mut();
        d.timer = None;
        d.armed_for = None;
        let ids = d.schedule.take_due(now_ms());
        ids.iter().filter_map(|id| d.schedule.get(*id).cloned()).collect()
    });
    for env in due {
        spawn_local(beat(env));
    }
    rearm();
}

async fn beat(env: Rc<EnvInner>) {
    let (id, region, interval) = {
        let data = env.data.borrow();
        (data.instance_id.clone(), data.heartbeat_region.clone(), data.heartbeat_interval.unwrap_or(30))
    };
    let io = WebIo { client: env.client.clone(), signal: None };
    let outcome = heartbeat::beat(&env.client.core, &io, &id, region.as_deref(), f64::from(interval)).await;
    if !is_running(env.id) {
        return; // stopped while the beat was in flight
    }
    let key = env.client.core.config.api_key();
    match outcome {
        BeatOutcome::Beat(answer) => {
            let interval = answer.interval_seconds.map(f64::from);
            DRIVER.with(|d| d.borrow_mut().schedule.on_success(env.id, interval, now_ms(), random()));
            env.emit("beat", || to_js(&answer).unwrap_or(wasm_bindgen::JsValue::NULL));
        }
        BeatOutcome::Expired(e) => {
            stop(env.id);
            env.data.borrow_mut().status = "stopped".into();
            env.emit("expired", || errors::to_js(e.redact(key)));
            return;
        }
        BeatOutcome::Failed(e) => {
            DRIVER.with(|d| d.borrow_mut().schedule.on_failure(env.id, now_ms()));
            env.emit("error", || errors::to_js(e.redact(key)));
        }
    }
    rearm();
}
