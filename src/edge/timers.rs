//! JS timers from the global object: `setTimeout` with Node's `unref()` so that a pending
//! heartbeat never keeps a process alive by itself, and an abortable sleep for retry backoff.
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

/// A future that resolves when `signal` aborts (never, without a signal).
pub fn aborted(signal: Option<&AbortSignal>) -> JsFuture {
    let signal = signal.cloned();
    JsFuture::from(Promise::new(&mut |resolve, _reject| {
        if let Some(signal) = &signal {
            if signal.aborted() {
                let _ = resolve.call0(&JsValue::UNDEFINED);
                return;
            }
            let options = web_sys::AddEventListenerOptions::new();
            options.set_once(true);
            let _ = signal.add_event_listener_with_callback_and_add_event_listener_options("abort", &resolve, &options);
        }
    }))
}

/// Waits `ms` (a gloo timer: cleared when dropped); `Err(())` if `signal` aborts first.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), ()> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(());
    }
    let mut timer = gloo_timers::future::TimeoutFuture::new(ms.clamp(0.0, u32::MAX as f64) as u32);
    let mut abort = aborted(signal);
    std::future::poll_fn(|cx| {
        use std::future::Future;
        use std::pin::Pin;
        use std::task::Poll;
        if Pin::new(&mut timer).poll(cx).is_ready() {
            return Poll::Ready(Ok(()));
        }
        if Pin::new(&mut abort).poll(cx).is_ready() {
            return Poll::Ready(Err(()));
        }
        Poll::Pending
    })
    .await
}
