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

/// The longest timeout a JS timer can hold (2^31 - 1 ms, about 24.8 days): longer fires at once.
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// A configured client: where to send, with which key, and the defaults of every call.
#[derive(Debug, Clone)]
pub struct Client {
    pub config: ClientConfig,
    pub timeout_ms: f64,
    pub policy: RetryPolicy,
}

/// `new Fleet(options)` minus what JSON cannot carry (`FleetOptions` in TypeScript).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptions {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
    pub timeout_ms: Option<f64>,
    pub max_retries: Option<u32>,
    pub headers: Option<serde_json::Map<String, serde_json::Value>>,
    /// Read by the edge (a function is not JSON); listed so the key is known.
    pub fetch: Option<serde::de::IgnoredAny>,
    /// Read by the edge (an object of functions); listed so the key is known.
    pub logger: Option<serde::de::IgnoredAny>,
}

impl Client {
    /// Validates the options; `env_key`/`env_base_url` are the fallbacks (`FLEET_API_KEY`,
    /// `FLEET_BASE_URL` in Node).
    pub fn new(o: ClientOptions, env_key: Option<String>, env_base_url: Option<String>) -> Result<Client, FleetError> {
        let mut headers = Vec::new();
        for (name, value) in o.headers.unwrap_or_default() {
            let value =
                value.as_str().ok_or_else(|| FleetError::validation(format!("header `{name}` must be a string")))?;
            headers.push((name, value.to_string()));
        }
        let config = ClientConfig::new(o.api_key.or(env_key), o.base_url.or(env_base_url))?.with_headers(headers)?;
        let timeout_ms = o.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !(timeout_ms > 0.0 && timeout_ms <= MAX_TIMEOUT_MS) {
            return Err(FleetError::validation("`timeoutMs` must be a positive number of ms (at most 2147483647)"));
        }
        let max_retries = o.max_retries.unwrap_or(3);
        if max_retries > 10 {
            return Err(FleetError::validation("`maxRetries` must be an integer from 0 to 10"));
        }
        Ok(Client { config, timeout_ms, policy: RetryPolicy { max_retries } })
    }
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

/// A request builder called once, as a trait object (`&mut Some(closure)`).
pub trait BuildOnce {
    fn build(&mut self, config: &ClientConfig, ctx: &CallContext) -> Result<HttpRequest, FleetError>;
}

impl<F: FnOnce(&ClientConfig, &CallContext) -> Result<HttpRequest, FleetError>> BuildOnce for Option<F> {
    fn build(&mut self, config: &ClientConfig, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
        match self.take() {
            Some(build) => build(config, ctx),
            None => Err(FleetError::validation("a request was built twice")),
        }
    }
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
        let (response, request_id) = self.fetch_raw(&mut Some(build)).await?;
        decode(&response, &request_id)
    }

    /// [`Call::fetch`] before decoding: the answer and its request id. Not generic over the
    /// answer's type, so its state machine exists once in the wasm.
    pub async fn fetch_raw(&self, build: &mut dyn BuildOnce) -> Result<(HttpResponse<I::Json>, String), FleetError> {
        let ctx = self.io.new_call();
        let request = build.build(&self.client.config, &ctx)?;
        let response = self.send(&request, None).await?;
        Ok((response, ctx.request_id))
    }

    /// Sends `request`, retrying transient failures. Each attempt gets the caller's timeout, else
    /// `default_timeout_ms`, else the client's.
    pub async fn send(
        &self,
        request: &HttpRequest,
        default_timeout_ms: Option<f64>,
    ) -> Result<HttpResponse<I::Json>, FleetError> {
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
