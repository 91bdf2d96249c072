//! A logged session, client side, with fleet-python's semantics (§9): `log(history, response)`
//! sends only the messages not sent before; `config`, `model`, `task_key` and `instance_id` go
//! with the first call only; the session id the first answer names is used from then on.
//! Unlike fleet-python, the "already sent" mark moves only once the server has the messages, so
//! a failed call can be made again without losing any.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{to_json, CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, Method};
use super::options::non_empty;
use super::traces::{IngestResult, SessionMessage};

/// What `fleet.session(...)` takes (`SessionOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionOptions {
    pub job_id: Option<String>,
    pub model: Option<String>,
    pub task_key: Option<String>,
    pub instance_id: Option<String>,
    /// The agent's configuration, recorded with the first log.
    pub config: Option<Value>,
    /// Resume an existing session instead of starting one on the first log.
    pub session_id: Option<String>,
}

impl SessionOptions {
    pub fn validate(&self) -> Result<(), FleetError> {
        let keys = [
            ("jobId", &self.job_id),
            ("model", &self.model),
            ("taskKey", &self.task_key),
            ("instanceId", &self.instance_id),
            ("sessionId", &self.session_id),
        ];
        keys.iter().try_for_each(|(key, value)| non_empty(value, "session options", key))
    }
}

/// The `/v1/traces/logs` body of a `log`, in §9 key order.
#[derive(Serialize)]
struct LogBody<'a> {
    history: &'a [Value],
    response: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<&'a str>,
}

/// The `/v1/traces/logs` body that ends a session. A session never logged (the agent failed
/// first) has no id yet: the body then carries what the first log would have, so the session
/// the server makes for it belongs to its job and task (fleet-python sends only the null id).
#[derive(Serialize)]
struct EndBody<'a> {
    session_id: Option<&'a str>,
    status: &'a str,
    ended_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    verifier_execution_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<&'a str>,
}

/// A prepared `log`: the request, and what to remember once it succeeded.
#[derive(Debug)]
pub struct PendingLog {
    pub request: Option<HttpRequest>,
    logged_after: usize,
}

/// The state of one session.
#[derive(Debug, Clone, Default)]
pub struct SessionLog {
    options: SessionOptions,
    logged: usize,
    config_sent: bool,
    message_count: i64,
}

impl SessionLog {
    pub fn new(options: SessionOptions) -> SessionLog {
        SessionLog { options, ..SessionLog::default() }
    }

    pub fn session_id(&self) -> Option<&str> {
        self.options.session_id.as_deref()
    }

    pub fn message_count(&self) -> i64 {
        self.message_count
    }

    /// The request for `log(history, response)`: `request` is `None` when there is nothing new
    /// (no new history and no response), as fleet-python sends nothing then.
    pub fn log(
        &self,
        config: &ClientConfig,
        history: &[Value],
        response: Option<&Value>,
        ctx: &CallContext,
    ) -> PendingLog {
        let new = history.get(self.logged.min(history.len())..).unwrap_or_default();
        let logged_after = history.len() + usize::from(response.is_some());
        if new.is_empty() && response.is_none() {
            return PendingLog { request: None, logged_after: self.logged };
        }
        let first = !self.config_sent;
        let o = &self.options;
        let body = LogBody {
            history: new,
            response: response.unwrap_or(&Value::Null),
            session_id: o.session_id.as_deref(),
            job_id: o.job_id.as_deref(),
            config: o.config.as_ref().filter(|_| first),
            model: o.model.as_deref().filter(|_| first),
            task_key: o.task_key.as_deref().filter(|_| first),
            instance_id: o.instance_id.as_deref().filter(|_| first),
        };
        let request = config.request(Method::Post, "/v1/traces/logs", Some(to_json(&body)), ctx);
        PendingLog { request: Some(request), logged_after }
    }

    /// Remembers what the server now has.
    pub fn logged(&mut self, pending: &PendingLog, answer: &IngestResult) {
        self.logged = pending.logged_after;
        self.config_sent = true;
        self.message_count = answer.message_count;
        if self.options.session_id.is_none() && !answer.session_id.is_empty() {
            self.options.session_id = Some(answer.session_id.clone());
        }
    }

    /// The request that completes or fails the session, with the verifier execution that scored it.
    pub fn end<'a>(
        &'a self,
        config: &ClientConfig,
        status: &str,
        ended_at: &str,
        verifier_execution_id: Option<&str>,
        ctx: &CallContext,
    ) -> Result<HttpRequest, FleetError> {
        non_empty(&verifier_execution_id.map(str::to_string), "session end", "verifierExecutionId")?;
        let (o, unlogged) = (&self.options, self.session_id().is_none());
        let setup = |v: &'a Option<String>| v.as_deref().filter(|_| unlogged);
        let body = EndBody {
            session_id: self.session_id(),
            status,
            ended_at,
            verifier_execution_id,
            job_id: setup(&o.job_id),
            model: setup(&o.model),
            task_key: setup(&o.task_key),
            instance_id: setup(&o.instance_id),
        };
        Ok(config.request(Method::Post, "/v1/traces/logs", Some(to_json(&body)), ctx))
    }

    /// Records the answer to `end`.
    pub fn ended(&mut self, answer: &IngestResult) {
        self.message_count = answer.message_count;
        if self.options.session_id.is_none() && !answer.session_id.is_empty() {
            self.options.session_id = Some(answer.session_id.clone());
        }
    }
}

/// Options of `fleet.createSession` (`CreateSessionOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSessionOptions {
    pub model: Option<String>,
    pub task_key: Option<String>,
    pub job_id: Option<String>,
    pub instance_id: Option<String>,
    pub metadata: Option<Value>,
    pub started_at: Option<String>,
    /// Default: `{ role: 'system', content: '[session created]' }`.
    pub initial_message: Option<SessionMessage>,
}

/// Options of `fleet.appendMessage` (`AppendMessageOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppendOptions {
    pub status: Option<String>,
    pub ended_at: Option<String>,
}

/// Options of `fleet.completeSession` (`CompleteSessionOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteOptions {
    /// Default `completed`.
    pub status: Option<String>,
    /// Default: now.
    pub ended_at: Option<String>,
    /// Default: `{ role: 'system', content: '[session <status>]' }`.
    pub final_message: Option<SessionMessage>,
}

/// Options of `session.complete()` / `fail()` (`EndSessionOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndOptions {
    pub verifier_execution_id: Option<String>,
}

/// An ISO-8601 UTC timestamp (`2026-11-23T07:11:30.123Z`) of epoch milliseconds.
pub fn iso_utc(epoch_ms: f64) -> String {
    let ms = epoch_ms.max(0.0) as i64;
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
