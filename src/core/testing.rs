//! A scripted [`Io`] for native tests of the protocol flows: it answers each request with the
//! next scripted reply, records what was sent, and runs a fake clock that `sleep` advances.
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use serde_json::Value;

use super::call::{Call, Client};
use super::client::ClientConfig;
use super::http::HttpRequest;
use super::io::{Failure, HttpResponse, Io, Level, LogValue, ResponseBody};
use super::retry::RetryPolicy;

/// One scripted reply.
pub enum Reply {
    Json(u16, Value),
    Text(u16, &'static str),
    Fail(Failure),
}

#[derive(Default)]
pub struct FakeIo {
    replies: RefCell<VecDeque<Reply>>,
    pub sent: RefCell<Vec<HttpRequest>>,
    pub clock: Cell<f64>,
    pub sleeps: RefCell<Vec<f64>>,
    /// When set, every sleep reports an abort (the caller's signal fired while waiting).
    pub abort_sleeps: Cell<bool>,
    pub logs: RefCell<Vec<String>>,
    /// The per-attempt timeout of every request sent, in order.
    pub timeouts: RefCell<Vec<f64>>,
    /// Scripted answers to `StreamIo::open` (the event stream's tests).
    pub opens: RefCell<VecDeque<Open>>,
    /// Streams closed through `StreamIo::close`.
    pub closed: Cell<usize>,
}

/// One scripted answer to opening a stream.
pub enum Open {
    /// A stream that yields these reads in order, then ends.
    Stream(Vec<Result<&'static str, Failure>>),
    Answer(u16, Value),
    /// An answer with a `Retry-After` header.
    Busy(&'static str),
    Fail(Failure),
}

impl FakeIo {
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> FakeIo {
        let io = FakeIo::default();
        io.replies.borrow_mut().extend(replies);
        io.clock.set(1_700_000_000_000.0);
        io
    }

    /// `(method, path)` of every request sent, in order.
    pub fn calls(&self) -> Vec<String> {
        self.sent.borrow().iter().map(|r| format!("{} {}", r.method.as_str(), super::call::path_of(&r.url))).collect()
    }

    pub fn remaining(&self) -> usize {
        self.replies.borrow().len()
    }
}

impl Io for FakeIo {
    type Json = Value;

    async fn fetch(&self, request: &HttpRequest, timeout_ms: f64) -> Result<HttpResponse<Value>, Failure> {
        self.sent.borrow_mut().push(request.clone());
        self.timeouts.borrow_mut().push(timeout_ms);
        let reply = self.replies.borrow_mut().pop_front();
        match reply.unwrap_or_else(|| panic!("no reply scripted for {} {}", request.method.as_str(), request.url)) {
            Reply::Json(status, json) => Ok(HttpResponse { status, retry_after: None, body: ResponseBody::Json(json) }),
            Reply::Text(status, text) => {
                Ok(HttpResponse { status, retry_after: None, body: ResponseBody::Text(text.into()) })
            }
            Reply::Fail(failure) => Err(failure),
        }
    }

    async fn sleep(&self, ms: f64) -> Result<(), Failure> {
        if self.abort_sleeps.get() {
            return Err(Failure::Aborted);
        }
        self.sleeps.borrow_mut().push(ms);
        self.clock.set(self.clock.get() + ms);
        Ok(())
    }

    fn now_ms(&self) -> f64 {
        self.clock.get()
    }

    fn random(&self) -> f64 {
        0.5
    }

    fn random_bytes(&self) -> [u8; 16] {
        [7; 16]
    }

    fn log(&self, _level: Level, message: &str, _fields: &[(&str, LogValue)]) {
        self.logs.borrow_mut().push(message.to_string());
    }
}

/// A client of `http://h` with key `k`, three retries.
pub fn client() -> Client {
    let config = ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap();
    Client { config, timeout_ms: 1000.0, policy: RetryPolicy::default() }
}

/// A call on `client` through `io`.
pub fn call<'a>(client: &'a Client, io: &'a FakeIo) -> Call<'a, FakeIo> {
    Call::new(client, io)
}

/// Runs a future that never waits on anything real (every `FakeIo` future is ready at once).
pub fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a FakeIo flow waited on something outside the fake"),
    }
}
