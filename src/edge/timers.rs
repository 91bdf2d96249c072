//! Timers and abort signals. Sleeps (retry backoff, `waitUntilRunning` polls) use gloo-timers,
//! which binds the global `setTimeout` (Node, browsers, workers) and clears a timer when it is
//! dropped. The heartbeat loop's timer is the exception: see [`UnrefTimer`]. (The per-attempt
//! timeout of a request lives with the request in `attempt.js`.)
use std::pin::pin;

use futures_util::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::runtime::{global_function, prop};

/// A `setTimeout` that Node does not wait for (`unref()`), cleared when dropped.
///
/// gloo-timers cannot serve here: its `Timeout` hides the handle `setTimeout` returns, and in
/// Node only that handle's `unref()` stops a pending heartbeat from keeping the process alive.
pub struct UnrefTimer {
    handle: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl UnrefTimer {
    /// Calls `callback` after `ms`. With `keep_alive: true` the timer is left ref'd.
    pub fn new(ms: f64, keep_alive: bool, callback: impl FnMut() + 'static) -> Option<UnrefTimer> {
        let set_timeout = global_function("setTimeout")?;
        let callback = Closure::<dyn FnMut()>::new(callback);
        let handle = set_timeout.call2(&JsValue::UNDEFINED, callback.as_ref(), &JsValue::from_f64(ms.max(0.0))).ok()?;
        if !keep_alive {
            if let Ok(unref) = prop(&handle, "unref").dyn_into::<Function>() {
                let _ = unref.call0(&handle);
            }
        }
        Some(UnrefTimer { handle, _callback: callback })
    }
}

impl Drop for UnrefTimer {
    fn drop(&mut self) {
        if let Some(clear) = global_function("clearTimeout") {
            let _ = clear.call1(&JsValue::UNDEFINED, &self.handle);
        }
    }
}

/// A listener for a caller's `AbortSignal`, removed when dropped: a long-lived signal reused
/// across many calls never collects listeners from finished ones.
pub struct SignalListener {
    signal: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl SignalListener {
    /// Calls `on_abort` when `signal` aborts (while this value lives).
    pub fn new(signal: &AbortSignal, on_abort: impl FnMut() + 'static) -> SignalListener {
        let callback = Closure::<dyn FnMut()>::new(on_abort);
        let _ = signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
        SignalListener { signal: signal.clone(), callback }
    }
}

impl Drop for SignalListener {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// Milliseconds for gloo-timers (`u32`), clamped.
pub fn millis(ms: f64) -> u32 {
    ms.clamp(0.0, f64::from(u32::MAX)) as u32
}

/// Waits `ms` (a gloo-timers `TimeoutFuture`); `Err(())` if `signal` aborts first. The timer and
/// the listener go when it ends or when the waiting future is dropped.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), ()> {
    let Some(signal) = signal else {
        TimeoutFuture::new(millis(ms)).await;
        return Ok(());
    };
    if signal.aborted() {
        return Err(());
    }
    let mut listener = None;
    let aborted = Promise::new(&mut |resolve: Function, _reject: Function| {
        listener = Some(SignalListener::new(signal, move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }));
    });
    let (timeout, aborted) = (pin!(TimeoutFuture::new(millis(ms))), pin!(JsFuture::from(aborted)));
    let timed_out = matches!(select(timeout, aborted).await, Either::Left(_));
    drop(listener);
    if timed_out {
        Ok(())
    } else {
        Err(())
    }
}
