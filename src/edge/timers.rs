//! JS timers from the global object: `setTimeout` with Node's `unref()` so that a pending
//! heartbeat never keeps a process alive by itself, an abortable sleep for retry backoff, and
//! listeners on a caller's `AbortSignal` that clean up after themselves.
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::runtime::{global_function, prop};

/// An armed `setTimeout`; cleared when dropped.
pub struct Timer {
    handle: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Calls `callback` after `ms`. With `keep_alive: false`, Node does not wait for it to exit.
    pub fn new(ms: f64, keep_alive: bool, callback: impl FnMut() + 'static) -> Option<Timer> {
        let set_timeout = global_function("setTimeout")?;
        let callback = Closure::<dyn FnMut()>::new(callback);
        let handle = set_timeout.call2(&JsValue::UNDEFINED, callback.as_ref(), &JsValue::from_f64(ms.max(0.0))).ok()?;
        if !keep_alive {
            if let Ok(unref) = prop(&handle, "unref").dyn_into::<Function>() {
                let _ = unref.call0(&handle);
            }
        }
        Some(Timer { handle, _callback: callback })
    }
}

impl Drop for Timer {
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

/// Waits `ms`; `Err(())` if `signal` aborts first. The timer and the listener go when it ends
/// (or when the waiting future is dropped).
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), ()> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(());
    }
    let mut guards = None;
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        let timer = Timer::new(ms, true, move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let listener = signal.map(|s| {
            SignalListener::new(s, move || {
                let _ = reject.call0(&JsValue::UNDEFINED);
            })
        });
        guards = Some((timer, listener));
    });
    let outcome = JsFuture::from(done).await;
    drop(guards);
    outcome.map(drop).map_err(drop)
}
