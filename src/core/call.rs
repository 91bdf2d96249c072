//! How a call is made: build the request for a fresh call identity, send it through the
//! runtime's [`Io`], retry what [`RetryPolicy`] allows (same request id every time), decode.
use serde::de::DeserializeOwned;

use super::client::{CallContext, ClientConfig};
use super::error::{ErrorKind, FleetError};
use super::http::HttpRequest;
use super::io::{decode, Failure, HttpResponse, Io, Level, LogValue};
use super::retry::{Outcome, RetryPolicy};

/// Fleet's default per-call timeout: 300 s (§2.6).
pub const DEFAULT_TIMEOUT_MS: f64 = 300_000.0;

/// A configured client: where to send, with which key, and the defaults of every call.
#[derive(Debug, Clone)]
pub struct Client {
    pub config: ClientConfig,
    pub timeout_ms: f64,
    pub policy: RetryPolicy,
}

/// One call in progress: the client, the runtime (which holds the caller's `AbortSignal`) and
/// the caller's overrides.
pub struct Call<'a, I: Io> {
    pub client: &'a Client,
    pub io: &'a I,
    /// The caller's `timeoutMs`, per attempt.
    pub timeout_ms: Option<f64>,
    /// One attempt only (the heartbeat loop retries on its own schedule).
    pub single_attempt: bool,
}

/// The error of a call the caller aborted.
pub fn abort_error(request_id: &str) -> FleetError {
    with_id(FleetError::new(ErrorKind::Abort, "The call was aborted by its AbortSignal"), request_id)
}

fn with_id(e: FleetError, request_id: &str) -> FleetError {
    if request_id.is_empty() {
        e
    } else {
        e.with_request_id(request_id)
    }
}

/// `scheme://host:port` of a URL, for messages (never a path or query).
pub fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url.get(after_scheme..).and_then(|rest| rest.find('/')) {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// The path of a URL without its query.
pub fn path_of(url: &str) -> &str {
    let rest = &url[origin_of(url).len()..];
    rest.split('?').next().unwrap_or(rest)
}

impl<'a, I: Io> Call<'a, I> {
    pub fn new(client: &'a Client, io: &'a I) -> Self {
        Call { client, io, timeout_ms: None, single_attempt: false }
    }

    /// Builds a control-plane request for a fresh call identity, sends it and decodes the answer.
    /// `build` checks the arguments: its `ValidationError` means nothing was sent.
    pub async fn fetch<T: DeserializeOwned>(
        &self,
        build: impl FnOnce(&ClientConfig, &CallContext) -> Result<HttpRequest, FleetError>,
    ) -> Result<T, FleetError> {
        let ctx = self.io.new_call();
        let request = build(&self.client.config, &ctx)?;
        let response = self.send(&request, None).await?;
        decode(&response, &ctx.request_id)
    }

    /// Sends `request`, retrying transient failures. Each attempt gets the caller's timeout, else
    /// `default_timeout_ms`, else the client's.
    pub async fn send(&self, request: &HttpRequest, default_timeout_ms: Option<f64>) -> Result<HttpResponse<I::Json>, FleetError> {
        let timeout_ms = self.timeout_ms.or(default_timeout_ms).unwrap_or(self.client.timeout_ms);
        let policy = if self.single_attempt { RetryPolicy { max_retries: 0 } } else { self.client.policy };
        let rid = request.request_id.as_str();
        let mut retry = 0;
        loop {
            let result = self.io.fetch(request, timeout_ms).await;
            let outcome = match &result {
                Ok(r) => Outcome::Status { status: r.status, retry_after: r.retry_after.as_deref() },
                Err(Failure::Aborted) => return Err(abort_error(rid)),
                Err(Failure::TimedOut) => Outcome::Timeout,
                Err(Failure::Network(_)) => Outcome::NetworkError,
            };
            retry += 1;
            let delay = policy.delay_ms(request.replay_safe, &outcome, retry, self.io.random(), self.io.now_ms());
            let Some(delay) = delay else {
                return result.map_err(|failure| with_id(attempt_error(request, timeout_ms, failure), rid));
            };
            let status = result.as_ref().map_or(LogValue::Null, |r| LogValue::Number(f64::from(r.status)));
            self.io.log(
                Level::Warn,
                "flotilla: retrying",
                &[
                    ("method", request.method.as_str().into()),
                    ("path", path_of(&request.url).into()),
                    ("retry", f64::from(retry).into()),
                    ("delayMs", delay.round().into()),
                    ("requestId", rid.into()),
                    ("status", status),
                ],
            );
            if self.io.sleep(delay).await.is_err() {
                return Err(abort_error(rid));
            }
        }
    }
}

/// The error of an attempt that got no response.
fn attempt_error(request: &HttpRequest, timeout_ms: f64, failure: Failure) -> FleetError {
    match failure {
        Failure::Aborted => abort_error(""),
        Failure::TimedOut => FleetError::new(
            ErrorKind::Timeout,
            format!("{} {} timed out after {} ms", request.method.as_str(), path_of(&request.url), timeout_ms as u64),
        ),
        Failure::Network(reason) => {
            FleetError::new(ErrorKind::Connection, format!("Could not reach {} ({reason})", origin_of(&request.url)))
        }
    }
}

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
