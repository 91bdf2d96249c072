//! Jobs and sessions (protocol §9): `POST /v1/traces/jobs`, `POST /v1/traces/logs`,
//! `POST /v1/sessions/ingest`, and `GET/POST /v1/jobs`. Everything is per team: another team's
//! job, session or verifier execution is answered 404, as for instances.
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::events::EventData;
use crate::keys::Caller;
use crate::state::AppState;
use crate::store::{Ingest, IngestRefused, Ingested, JobRow, MessageRow};
use crate::time::now_iso;

/// The most messages one session keeps; an ingest past it is refused whole (413).
pub const MAX_MESSAGES_PER_SESSION: i64 = 10_000;

/// The most bytes of messages one session keeps (a transcript is read whole): 32 MiB.
pub const MAX_BYTES_PER_SESSION: i64 = 32 * 1024 * 1024;

/// The most bytes of messages all of a team's sessions keep: `$FLOTILLA_MAX_TRACE_BYTES_PER_TEAM`,
/// default 1 GiB.
fn max_bytes_per_team() -> i64 {
    static MAX: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("FLOTILLA_MAX_TRACE_BYTES_PER_TEAM").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 30)
    })
}

const STATUSES: [&str; 5] = ["pending", "running", "completed", "failed", "cancelled"];

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

#[derive(Deserialize)]
pub struct TraceJobRequest {
    #[serde(default)]
    name: Option<String>,
}

/// `POST /v1/traces/jobs`: `{name}` -> `{job_id, name, status}` (a name is made when none is given).
pub async fn create_trace_job(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<TraceJobRequest>,
) -> ApiResult<Json<Value>> {
    let job_id = new_id("job");
    let name = match req.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(name) if name.chars().count() > 255 => {
            return Err(ApiError::unprocessable("name: at most 255 characters"))
        }
        Some(name) => name,
        None => format!("job-{}", &job_id[4..12]),
    };
    let job = JobRow { job_id, team_id: caller.team_id.clone(), name, created_at: now_iso() };
    state.store.create_job(&job)?;
    let mut event = EventData::new("job.created");
    event.job_id = Some(job.job_id.clone());
    state.events.publish(&caller.team_id, &event);
    Ok(Json(json!({ "job_id": job.job_id, "name": job.name, "status": "pending" })))
}

/// A message as `/v1/sessions/ingest` takes it (`role` required).
#[derive(Deserialize)]
pub struct IngestMessage {
    role: String,
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    thinking: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<Value>>,
    #[serde(default)]
    tool_call_id: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    tokens: Option<i64>,
    #[serde(default)]
    metadata: Option<Value>,
}

impl From<IngestMessage> for MessageRow {
    fn from(m: IngestMessage) -> Self {
        MessageRow {
            role: m.role,
            content: m.content,
            thinking: m.thinking,
            tool_calls: m.tool_calls.map(Value::Array),
            tool_call_id: m.tool_call_id,
            timestamp: m.timestamp,
            tokens: m.tokens,
            metadata: m.metadata,
        }
    }
}

/// The session fields both ingest routes take.
#[derive(Deserialize, Default)]
pub struct SessionFields {
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    job_id: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    task_key: Option<String>,
    #[serde(default)]
    instance_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    ended_at: Option<String>,
    #[serde(default)]
    verifier_execution_id: Option<String>,
}

/// `SessionIngestRequest`: at least one message.
#[derive(Deserialize)]
pub struct IngestRequest {
    messages: Vec<IngestMessage>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(flatten)]
    session: SessionFields,
}

/// The `/v1/traces/logs` body of `Session.log` / `complete` / `fail`.
#[derive(Deserialize)]
pub struct LogRequest {
    #[serde(default)]
    history: Vec<Value>,
    #[serde(default)]
    response: Option<Value>,
    #[serde(default)]
    config: Option<Value>,
    #[serde(flatten)]
    session: SessionFields,
}

/// A logged value as a message: a `{role, ...}` object as it is, an OpenAI completion's first
/// choice, anything else as `default_role` with the value as its content.
fn to_message(value: Value, default_role: &str) -> MessageRow {
    let value = match value.pointer("/choices/0/message") {
        Some(message) if message.get("role").is_some() => message.clone(),
        _ => value,
    };
    match value.get("role").and_then(Value::as_str).map(str::to_string) {
        Some(role) => MessageRow {
            role,
            content: value.get("content").cloned(),
            thinking: value.get("thinking").and_then(Value::as_str).map(str::to_string),
            tool_calls: value.get("tool_calls").filter(|t| t.is_array()).cloned(),
            tool_call_id: value.get("tool_call_id").and_then(Value::as_str).map(str::to_string),
            ..MessageRow::default()
        },
        None => MessageRow { role: default_role.to_string(), content: Some(value), ..MessageRow::default() },
    }
}

/// The longest id, key, model name or timestamp a session takes.
const MAX_NAME_CHARS: usize = 255;

fn check(fields: &SessionFields) -> ApiResult<()> {
    let names = [
        ("session_id", &fields.session_id),
        ("job_id", &fields.job_id),
        ("model", &fields.model),
        ("task_key", &fields.task_key),
        ("instance_id", &fields.instance_id),
        ("started_at", &fields.started_at),
        ("ended_at", &fields.ended_at),
        ("verifier_execution_id", &fields.verifier_execution_id),
    ];
    for (name, value) in names {
        if value.as_ref().is_some_and(|v| v.chars().count() > MAX_NAME_CHARS) {
            return Err(ApiError::unprocessable(format!("{name}: at most {MAX_NAME_CHARS} characters")));
        }
    }
    if let Some(status) = &fields.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(ApiError::unprocessable(format!("status: `{status}` is not one of {}", STATUSES.join(", "))));
        }
    }
    Ok(())
}

async fn ingest(
    state: &AppState,
    caller: &Caller,
    fields: SessionFields,
    config: Option<Value>,
    messages: Vec<MessageRow>,
) -> ApiResult<Json<Value>> {
    check(&fields)?;
    let status_set = fields.status.clone();
    let input = Ingest {
        session_id: fields.session_id,
        job_id: fields.job_id,
        model: fields.model,
        task_key: fields.task_key,
        instance_id: fields.instance_id,
        status: fields.status,
        config,
        metadata: fields.metadata,
        started_at: fields.started_at,
        ended_at: fields.ended_at,
        verifier_execution_id: fields.verifier_execution_id,
        messages,
    };
    // Nothing to record, no session named and no status: nothing to make (§9: fleet-python sends
    // nothing then; another client must not leave empty sessions behind).
    if input.session_id.is_none() && input.messages.is_empty() && input.status.is_none() {
        return Ok(Json(
            json!({ "success": true, "session_id": "", "message_count": 0, "created_new_session": false }),
        ));
    }
    let limits = (MAX_MESSAGES_PER_SESSION, MAX_BYTES_PER_SESSION, max_bytes_per_team());
    let outcome = state.store.ingest(&caller.team_id, &new_id("ses"), &now_iso(), &input, limits)?;
    let done = outcome.map_err(|refused| match refused {
        IngestRefused::SessionNotFound(id) => ApiError::not_found(format!("Session '{id}' not found")),
        IngestRefused::JobNotFound(id) => ApiError::not_found(format!("Job '{id}' not found")),
        IngestRefused::ExecutionNotFound(id) => ApiError::not_found(format!("Verifier execution '{id}' not found")),
        IngestRefused::ExecutionTaken(id) => {
            ApiError::new(StatusCode::CONFLICT, format!("Verifier execution '{id}' already scores another session"))
        }
        IngestRefused::InstanceNotFound(id) => ApiError::not_found(format!("Instance '{id}' not found")),
        IngestRefused::TeamFull { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("A team keeps at most {} MiB of transcripts; this ingest would pass that", limit >> 20),
        ),
        IngestRefused::TooManyBytes { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("A session keeps at most {} MiB of messages; this ingest would pass that", limit / 1024 / 1024),
        ),
        IngestRefused::Mismatch(why) => ApiError::new(StatusCode::CONFLICT, why),
        IngestRefused::TooManyMessages { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("A session keeps at most {limit} messages; this ingest would pass that"),
        ),
    })?;
    announce_session(state, caller, &done, status_set.as_deref());
    Ok(Json(json!({
        "success": true,
        "session_id": done.session_id,
        "message_count": done.message_count,
        "created_new_session": done.created_new_session,
    })))
}

/// Tells the team's event streams: `session.created` for a new session, `session.completed`
/// when this call ended it (completed, failed or cancelled), `session.updated` for anything else.
fn announce_session(state: &AppState, caller: &Caller, done: &Ingested, status_set: Option<&str>) {
    let Ok(Some(session)) = state.store.get_session(&caller.team_id, &done.session_id) else { return };
    let ended = matches!(status_set, Some("completed" | "failed" | "cancelled"));
    let event = |kind: &str| {
        let mut event = EventData::new(kind);
        event.session_id = Some(session.session_id.clone());
        event.job_id = session.job_id.clone();
        event.task_key = session.task_key.clone();
        event.instance_id = session.instance_id.clone();
        event.status = Some(session.status.clone());
        event.message_count = Some(session.message_count);
        event
    };
    if done.created_new_session {
        state.events.publish(&caller.team_id, &event("session.created"));
    }
    if ended {
        let mut completed = event("session.completed");
        let execution = session.verifier_execution_id.as_deref();
        let execution = execution.and_then(|id| state.store.get_execution(&caller.team_id, id).ok().flatten());
        if let Some(execution) = execution {
            completed.execution_id = Some(execution.execution_id);
            completed.score = execution.score;
            completed.success = Some(execution.success);
        }
        state.events.publish(&caller.team_id, &completed);
    } else if !done.created_new_session {
        state.events.publish(&caller.team_id, &event("session.updated"));
    }
}

/// `POST /v1/sessions/ingest`.
pub async fn ingest_session(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<IngestRequest>,
) -> ApiResult<Json<Value>> {
    if req.messages.is_empty() {
        return Err(ApiError::unprocessable("messages: at least one message is required"));
    }
    if req.team_id.as_deref().is_some_and(|t| t != caller.team_id) {
        return Err(ApiError::not_found("Team not found for this key"));
    }
    let messages = req.messages.into_iter().map(MessageRow::from).collect();
    ingest(&state, &caller, req.session, None, messages).await
}

/// `POST /v1/traces/logs`: only the new history is sent each time; the response is the model's
/// answer. Nothing to record and no status change is still a valid (empty) call.
pub async fn log(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<LogRequest>,
) -> ApiResult<Json<Value>> {
    let mut messages: Vec<MessageRow> = req.history.into_iter().map(|m| to_message(m, "user")).collect();
    if let Some(response) = req.response.filter(|r| !r.is_null()) {
        messages.push(to_message(response, "assistant"));
    }
    ingest(&state, &caller, req.session, req.config, messages).await
}

fn job_json(state: &AppState, job: &JobRow) -> ApiResult<Value> {
    let sessions = state.store.job_sessions(&job.team_id, &job.job_id)?;
    let status = if sessions.is_empty() {
        "pending"
    } else if sessions.iter().any(|s| s.status == "running" || s.status == "pending") {
        "running"
    } else {
        "completed"
    };
    Ok(json!({ "id": job.job_id, "name": job.name, "created_at": job.created_at, "status": status }))
}

/// The `team_id` query parameter, which must be the caller's own team when given.
fn own_team(caller: &Caller, query: Option<String>) -> ApiResult<()> {
    let asked = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "team_id")
        .map(|(_, v)| v.into_owned());
    match asked {
        Some(team) if !team.is_empty() && team != caller.team_id => {
            Err(ApiError::not_found("Team not found for this key"))
        }
        _ => Ok(()),
    }
}

/// `GET /v1/jobs`: the team's jobs, newest first.
pub async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    own_team(&caller, query)?;
    let jobs = state.store.list_jobs(&caller.team_id)?;
    let jobs: Vec<Value> = jobs.iter().map(|j| job_json(&state, j)).collect::<ApiResult<_>>()?;
    Ok(Json(json!({ "total": jobs.len(), "jobs": jobs })))
}

/// `GET /v1/jobs/{id}`.
pub async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(job_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    own_team(&caller, query)?;
    let job = state
        .store
        .get_job(&caller.team_id, &job_id)?
        .ok_or_else(|| ApiError::not_found(format!("Job '{job_id}' not found")))?;
    Ok(Json(job_json(&state, &job)?))
}

/// `JobCreateRequest`, read only to answer bad input as such.
#[derive(Deserialize)]
pub struct JobCreateRequest {
    models: Vec<String>,
}

/// `POST /v1/jobs`: Fleet runs hosted agents here; flotilla-server has no models to run, so it
/// refuses rather than accept a job that would never run.
pub async fn create_job(_caller: Caller, JsonBody(req): JsonBody<JobCreateRequest>) -> ApiResult<Json<Value>> {
    if req.models.is_empty() {
        return Err(ApiError::unprocessable("models: at least one model is required"));
    }
    Err(ApiError::bad_request(
        "flotilla-server does not run hosted agent jobs (it has no models). Run your agent where you are and record it: \
         fleet.job() and sessions, or `flotilla eval`",
    ))
}
