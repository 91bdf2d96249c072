//! Jobs and sessions (protocol §9): the record of an evaluation. A job groups sessions; a
//! session is one agent's attempt at one task, with its messages and the verifier execution
//! that scored it.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, Method};
use super::options::{non_empty, require_id};
use super::query::{self, escape};

/// `TraceJobResponse`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TraceJob {
    pub job_id: String,
    pub name: String,
    pub status: String,
}

/// `SessionIngestResponse` (`SessionIngestResult` in TypeScript).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct IngestResult {
    pub success: bool,
    pub session_id: String,
    pub message_count: i64,
    pub created_new_session: bool,
}

/// A job (`JobInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Job {
    pub id: String,
    pub name: Option<String>,
    pub created_at: Option<String>,
    pub status: Option<String>,
}

/// `GET /v1/jobs` answers `{ jobs, total }`.
#[derive(Debug, Deserialize)]
pub struct JobList {
    pub jobs: Vec<Job>,
    pub total: Option<i64>,
}

/// `JobCreateResponse` (`CreatedJob`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct CreatedJob {
    pub job_id: String,
    pub workflow_job_id: Option<String>,
    pub status: String,
    pub name: Option<String>,
}

/// How a session's verifier run ended (`VerifierExecution`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct VerifierExecution {
    pub success: bool,
    pub score: Option<f64>,
    pub stdout: Option<String>,
    pub execution_time_ms: i64,
    pub result: Option<Value>,
    /// Why a failed run failed (`{ type, message, traceback }`). flotilla-server sends it; the
    /// Fleet service does not (then it reads as null).
    #[serde(default)]
    pub error: Option<Value>,
}

/// The task of a session (`SessionTask`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct SessionTask {
    pub key: String,
    pub prompt: String,
    pub env_id: String,
    pub env_variables: Option<Map<String, Value>>,
    pub created_at: Option<String>,
    pub version: Option<String>,
    pub verifier_func: Option<String>,
    pub verifier_id: Option<String>,
    pub metadata: Option<Value>,
}

/// The instance of a session, without its URLs (`SessionInstance`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct SessionInstance {
    pub instance_id: String,
    pub env_key: String,
    pub version: String,
    pub status: String,
    pub subdomain: String,
    pub created_at: String,
    pub updated_at: String,
    pub terminated_at: Option<String>,
    pub team_id: String,
    pub region: String,
    pub env_variables: Option<Value>,
    pub run_id: Option<String>,
}

/// One session of a job (`SessionInfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct SessionInfo {
    pub session_id: String,
    pub instance: Option<SessionInstance>,
    pub model: String,
    pub status: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub step_count: i64,
    pub verifier_execution: Option<VerifierExecution>,
}

/// A job's sessions of one task, with its pass rate (`TaskSessions`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct TaskSessions {
    pub task_id: Option<String>,
    pub task: Option<SessionTask>,
    pub total_sessions: i64,
    pub passed_sessions: i64,
    pub pass_rate: f64,
    pub average_score: Option<f64>,
    pub sessions: Vec<SessionInfo>,
}

/// `JobSessionsResponse` (`JobSessions`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct JobSessions {
    pub job_id: String,
    pub total_sessions: i64,
    pub tasks: Vec<TaskSessions>,
}

/// One message of a transcript (`TranscriptMessage`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct TranscriptMessage {
    pub role: String,
    pub content: Option<Value>,
    pub tool_calls: Option<Vec<Value>>,
    pub tool_call_id: Option<String>,
}

/// `SessionTranscriptResponse` (`SessionTranscript`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct SessionTranscript {
    pub task: Option<SessionTask>,
    pub instance: Option<SessionInstance>,
    pub verifier_execution: Option<VerifierExecution>,
    pub transcript: Vec<TranscriptMessage>,
}

/// A message to record (`SessionMessage`); also its wire form (exclude-none, §9 key order).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), deny_unknown_fields)]
pub struct SessionMessage {
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// `SessionIngestRequest`, exclude-none, in §9 key order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestBody<'a> {
    pub messages: &'a [SessionMessage],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verifier_execution_id: Option<&'a str>,
}

/// The statuses a session can have.
pub const STATUSES: [&str; 5] = ["pending", "running", "completed", "failed", "cancelled"];

fn check_status(status: Option<&str>, what: &str) -> Result<(), FleetError> {
    match status {
        Some(s) if !STATUSES.contains(&s) => {
            Err(FleetError::validation(format!("{what}: `status` must be one of {}", STATUSES.join(", "))))
        }
        _ => Ok(()),
    }
}

/// `POST /v1/sessions/ingest`: at least one message, each with a role.
pub fn ingest_request(config: &ClientConfig, body: &IngestBody, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    if body.messages.is_empty() {
        return Err(FleetError::validation("a session ingest needs at least one message"));
    }
    if body.messages.iter().any(|m| m.role.trim().is_empty()) {
        return Err(FleetError::validation("every message needs a non-empty `role`"));
    }
    check_status(body.status, "session")?;
    Ok(config.request_json(Method::Post, "/v1/sessions/ingest", body, ctx))
}

/// `POST /v1/traces/jobs` with `{"name": ...}` (null when unnamed: not exclude-none).
pub fn job_request(config: &ClientConfig, name: Option<&str>, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    #[derive(Serialize)]
    struct Body<'a> {
        name: Option<&'a str>,
    }
    non_empty(&name.map(str::to_string), "job", "name")?;
    Ok(config.request_json(Method::Post, "/v1/traces/jobs", &Body { name }, ctx))
}

/// `GET /v1/sessions/job/{job_id}`.
pub fn job_sessions_request(config: &ClientConfig, job_id: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(job_id, "job id")?;
    Ok(config.request(Method::Get, &format!("/v1/sessions/job/{}", escape(job_id)), None, ctx))
}

/// `GET /v1/sessions/{session_id}/transcript`.
pub fn transcript_request(
    config: &ClientConfig,
    session_id: &str,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    require_id(session_id, "session id")?;
    Ok(config.request(Method::Get, &format!("/v1/sessions/{}/transcript", escape(session_id)), None, ctx))
}

/// `GET /v1/jobs` or `GET /v1/jobs/{id}`, with `?team_id=` when given.
pub fn jobs_request(
    config: &ClientConfig,
    job_id: Option<&str>,
    team_id: Option<&str>,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    let path = match job_id {
        Some(id) => {
            require_id(id, "job id")?;
            format!("/v1/jobs/{}", escape(id))
        }
        None => "/v1/jobs".to_string(),
    };
    Ok(config.request(Method::Get, &format!("{path}{}", query::encode(&[("team_id", team_id)])), None, ctx))
}

/// `JobCreateRequest` (`CreateJobOptions`): a hosted run on Fleet's side. Defaults are sent, as
/// fleet-python sends them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), deny_unknown_fields)]
pub struct CreateJobOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub models: Vec<String>,
    #[serde(default = "one")]
    pub pass_k: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_keys: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded_task_keys: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<u32>,
    #[serde(default = "sixty")]
    pub max_duration_minutes: u32,
    #[serde(default = "thirty")]
    pub max_concurrent_per_model: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_prompts: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub harness: Option<String>,
}

fn one() -> u32 {
    1
}
fn sixty() -> u32 {
    60
}
fn thirty() -> u32 {
    30
}

/// `POST /v1/jobs`.
pub fn create_job_request(
    config: &ClientConfig,
    o: &CreateJobOptions,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    if o.models.is_empty() || o.models.iter().any(|m| m.trim().is_empty()) {
        return Err(FleetError::validation("createJob: `models` needs at least one model"));
    }
    if o.pass_k == 0 || o.max_duration_minutes == 0 || o.max_concurrent_per_model == 0 {
        return Err(FleetError::validation(
            "createJob: passK, maxDurationMinutes and maxConcurrentPerModel are at least 1",
        ));
    }
    Ok(config.request_json(Method::Post, "/v1/jobs", o, ctx))
}

#[cfg(test)]
#[path = "traces_tests.rs"]
mod tests;
