//! `fleet.events()`: flotilla-server's live event stream as an async iterable. The core
//! (`crate::core::events`) decides everything; this opens the stream with `fetch` and reads its
//! bytes (`stream.js`), and makes the JS iterator (`install.mjs` adds `Symbol.asyncIterator`).
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use super::client::{parse_options, to_js, Client};
use super::fleet::Fleet;
use super::io::{failure_of, header_lines, WebIo};
use super::options::without;
use super::runtime::prop;
use super::timers::SignalListener;
use crate::core::error::FleetError;
use crate::core::events::{self, EventStream as CoreStream, EventsOptions, Next, Opened, StreamIo};
use crate::core::http::HttpRequest;
use crate::core::io::{Failure, HttpResponse, ResponseBody};

#[wasm_bindgen(module = "/src/edge/stream.js")]
extern "C" {
    #[wasm_bindgen(js_name = openStream)]
    fn open_stream(fetch: &Function, url: &str, header_lines: &str, timeout_ms: f64, signal: &AbortSignal) -> Promise;
    #[wasm_bindgen(js_name = readChunk)]
    fn read_chunk(handle: &JsValue, idle_ms: f64) -> Promise;
    #[wasm_bindgen(js_name = closeStream)]
    fn close_stream(handle: &JsValue);
    #[wasm_bindgen(js_name = markHandled)]
    fn mark_handled(promise: &Promise);
}

impl StreamIo for WebIo {
    type Stream = JsValue;

    async fn open(&self, request: &HttpRequest, timeout_ms: f64) -> Result<Opened<JsValue, JsValue>, Failure> {
        let Some(signal) = &self.signal else { return Err(Failure::Network("no signal".into())) };
        if signal.aborted() {
            return Err(Failure::Aborted);
        }
        let lines = header_lines(request);
        let pending = open_stream(&self.client.fetch, &request.url, &lines, timeout_ms.max(0.0), signal);
        let answer = Array::from(&JsFuture::from(pending).await.map_err(failure_of)?);
        let handle = answer.get(2);
        if handle.is_object() {
            return Ok(Opened::Stream(handle));
        }
        let status = answer.get(0).as_f64().filter(|s| (100.0..600.0).contains(s));
        let status = status.ok_or_else(|| Failure::Network("`fetch` did not resolve to a Response".into()))? as u16;
        let body = match answer.get(4).as_bool() {
            Some(true) => ResponseBody::Json(answer.get(3)),
            _ => ResponseBody::Text(answer.get(3).as_string().unwrap_or_default()),
        };
        Ok(Opened::Answer(HttpResponse { status, retry_after: answer.get(1).as_string(), body }))
    }

    async fn read(&self, stream: &mut JsValue, idle_ms: f64) -> Result<Option<Vec<u8>>, Failure> {
        let chunk = JsFuture::from(read_chunk(stream, idle_ms)).await.map_err(failure_of)?;
        if chunk.is_null() || chunk.is_undefined() {
            return Ok(None);
        }
        Ok(Some(chunk.dyn_into::<Uint8Array>().map(|a| a.to_vec()).unwrap_or_default()))
    }

    fn close(&self, stream: JsValue) {
        close_stream(&stream);
    }

    fn parse_json(&self, text: &str) -> Option<JsValue> {
        js_sys::JSON::parse(text).ok()
    }
}

/// The live events of the team (`fleet.events()`): `for await (const event of stream)`.
/// It reconnects by itself (resuming after the last event it gave) until `signal` aborts or
/// `return()` is called (a `break` out of the loop does that); then the loop ends quietly.
/// Errors a retry cannot fix (a revoked key; a server without the stream: 404) end it with
/// the error.
#[wasm_bindgen]
pub struct EventStream {
    inner: Rc<Inner>,
}

struct Inner {
    io: WebIo,
    timeout_ms: f64,
    controller: AbortController,
    state: RefCell<Option<CoreStream<JsValue>>>,
    /// The last event id given (kept apart from `state`, which a pending `next()` holds).
    last_id: RefCell<Option<String>>,
    /// The first `next()`, started by `events()` itself so the stream begins when it is made.
    first: RefCell<Option<Promise>>,
    /// `onOpen`, called each time a connection opens.
    on_open: Option<Function>,
    /// Links the caller's signal to ours; dropped once the stream ends, so a long-lived signal
    /// does not keep the stream alive.
    listener: RefCell<Option<SignalListener>>,
}

impl EventStream {
    /// Reads `{ signal, lastEventId, timeoutMs }`; a bad option throws before anything is sent.
    pub fn open(client: Rc<Client>, options: &JsValue) -> Result<EventStream, FleetError> {
        let parsed: EventsOptions = parse_options(&without(options, &["signal", "onOpen"]), "events options")?;
        let on_open = match prop(options, "onOpen") {
            f if f.is_undefined() || f.is_null() => None,
            f => Some(f.dyn_into::<Function>().map_err(|_| FleetError::validation("`onOpen` must be a function"))?),
        };
        let stream = CoreStream::new(&parsed)?;
        let controller = AbortController::new().map_err(|_| FleetError::validation("AbortController is missing"))?;
        let signal = prop(options, "signal");
        let listener = if signal.is_undefined() || signal.is_null() {
            None
        } else {
            let signal: AbortSignal =
                signal.dyn_into().map_err(|_| FleetError::validation("`signal` must be an AbortSignal"))?;
            if signal.aborted() {
                controller.abort();
            }
            let ours = controller.clone();
            Some(SignalListener::new(&signal, move || ours.abort()))
        };
        let timeout_ms = parsed.timeout_ms.unwrap_or(client.core.timeout_ms);
        let io = WebIo { client, signal: Some(controller.signal()) };
        let last_id = RefCell::new(parsed.last_event_id);
        let state = RefCell::new(Some(stream));
        let first = RefCell::new(None);
        let listener = RefCell::new(listener);
        let inner = Rc::new(Inner { io, timeout_ms, controller, state, last_id, first, on_open, listener });
        let stream = EventStream { inner };
        // Connect now, so events from here on are caught even before the first `next()`. The
        // no-op handler keeps an early error (a wrong key) from being an unhandled rejection;
        // the caller still gets it from `next()`.
        let first = stream.next_from_server();
        mark_handled(&first);
        *stream.inner.first.borrow_mut() = Some(first);
        Ok(stream)
    }

    fn next_from_server(&self) -> Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let taken = inner.state.borrow_mut().take();
            let Some(mut stream) = taken else {
                let error = FleetError::validation("events: next() was called while another next() is pending");
                return Err(inner.io.client.fail(error));
            };
            let config = &inner.io.client.core.config;
            let next = loop {
                match events::next_event(&inner.io, config, inner.timeout_ms, &mut stream).await {
                    Ok(Next::Connected) => {
                        if let Some(on_open) = &inner.on_open {
                            let _ = on_open.call0(&JsValue::UNDEFINED);
                        }
                    }
                    other => break other,
                }
            };
            *inner.last_id.borrow_mut() = stream.last_event_id().map(str::to_string);
            *inner.state.borrow_mut() = Some(stream);
            match next {
                Ok(Next::Event(event)) => Ok(done(to_js(&*event).map_err(|e| inner.io.client.fail(e))?)),
                Ok(_) => {
                    inner.listener.borrow_mut().take();
                    Ok(done(JsValue::UNDEFINED))
                }
                Err(error) => {
                    inner.listener.borrow_mut().take();
                    Err(inner.io.client.fail(error))
                }
            }
        })
    }
}

fn done(value: JsValue) -> JsValue {
    let result = Object::new();
    let _ = Reflect::set(&result, &"done".into(), &JsValue::from_bool(value.is_undefined()));
    let _ = Reflect::set(&result, &"value".into(), &value);
    result.into()
}

#[wasm_bindgen]
impl EventStream {
    /// The next event: `{ done: false, value: FleetEvent }`, or `{ done: true }` once ended.
    /// One call at a time (a `for await` loop does that). The stream connects when `events()`
    /// makes it, so what happens after that call is caught: end it with `return()` (`break`)
    /// or the signal when done with it.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<FleetEvent, undefined>>")]
    pub fn next(&self) -> Promise {
        let first = self.inner.first.borrow_mut().take();
        first.unwrap_or_else(|| self.next_from_server())
    }

    /// Ends the stream (what `break` in a `for await` loop calls): the connection closes and
    /// a pending `next()` resolves `{ done: true }`.
    #[wasm_bindgen(js_name = "return", unchecked_return_type = "Promise<IteratorResult<FleetEvent, undefined>>")]
    pub fn finish(&self) -> Promise {
        self.inner.controller.abort();
        self.inner.listener.borrow_mut().take();
        if let Some(stream) = self.inner.state.borrow_mut().as_mut() {
            if let Some(connection) = stream.finish() {
                close_stream(&connection);
            }
            *self.inner.last_id.borrow_mut() = stream.last_event_id().map(str::to_string);
        }
        Promise::resolve(&done(JsValue::UNDEFINED))
    }

    /// The id of the last event given (pass it as `lastEventId` to resume later), or `null`.
    #[wasm_bindgen(getter, js_name = lastEventId, unchecked_return_type = "string | null")]
    pub fn last_event_id(&self) -> JsValue {
        self.inner.last_id.borrow().as_deref().map_or(JsValue::NULL, JsValue::from_str)
    }
}

#[wasm_bindgen]
impl Fleet {
    /// The team's live events from flotilla-server (instances, jobs, sessions, verifier runs),
    /// as an async iterable that reconnects by itself:
    ///
    /// ```js
    /// const controller = new AbortController();
    /// for await (const event of fleet.events({ signal: controller.signal })) {
    ///   if (event.type === 'session.completed') console.log(event.sessionId, event.score);
    /// }
    /// ```
    /// The Fleet service has no event stream: there, the first `next()` rejects with a
    /// `NotFoundError` (poll instead). Throws a `ValidationError` for a bad option.
    #[wasm_bindgen(unchecked_return_type = "EventStream")]
    pub fn events(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "EventsOptions")] options: JsValue,
    ) -> Result<EventStream, JsValue> {
        EventStream::open(self.client.clone(), &options).map_err(|e| self.client.fail(e))
    }
}
