//! Jobs and sessions (protocol §9): `fleet.job`, `fleet.session` (the `Session` class), the
//! ingest calls, and reading a job's record back.
use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::client::{from_js, js_call, parse_options, start, string_arg, to_js, Client};
use super::fleet::Fleet;
use super::runtime::now_ms;
use crate::core::client::{CallContext, ClientConfig};
use crate::core::error::FleetError;
use crate::core::io::decode;
use crate::core::session::{
    iso_utc, AppendOptions, CompleteOptions, CreateSessionOptions, EndOptions, SessionLog, SessionOptions,
};
use crate::core::traces::{
    self, CreateJobOptions, CreatedJob, IngestBody, IngestResult, Job, JobList, JobSessions, SessionMessage,
    SessionTranscript, TraceJob,
};

/// One agent's attempt at one task, recorded as it goes. Made by `fleet.session(options)`; the
/// session exists on the server from the first `log`. Await each call before the next.
#[wasm_bindgen]
pub struct Session {
    client: Rc<Client>,
    state: Rc<RefCell<SessionLog>>,
}

impl Session {
    /// A session to log into (the `evaluate` harness makes one per attempt).
    pub(crate) fn new(client: Rc<Client>, options: SessionOptions) -> Session {
        Session { client, state: Rc::new(RefCell::new(SessionLog::new(options))) }
    }

    /// A second handle on the same session (one for the agent, one for the harness).
    pub(crate) fn share(&self) -> Session {
        Session { client: self.client.clone(), state: self.state.clone() }
    }

    pub(crate) fn id(&self) -> Option<String> {
        self.state.borrow().session_id().map(str::to_string)
    }

    /// Completes or fails the session.
    pub(crate) async fn finish(
        &self,
        status: &str,
        execution: Option<&str>,
        opts: &JsValue,
    ) -> Result<IngestResult, FleetError> {
        let started = start(&self.client, opts)?;
        let ended_at = iso_utc(now_ms());
        let build = |c: &ClientConfig, ctx: &CallContext| self.state.borrow().end(c, status, &ended_at, execution, ctx);
        let answer: IngestResult = started.call().fetch(build).await?;
        self.state.borrow_mut().ended(&answer);
        Ok(answer)
    }

    fn end(&self, status: &'static str, options: JsValue, opts: JsValue) -> js_sys::Promise {
        let session = self.share();
        js_call!(session.client, {
            let options: EndOptions = parse_options(&options, "session end options")?;
            to_js(&session.finish(status, options.verifier_execution_id.as_deref(), &opts).await?)
        })
    }
}

#[wasm_bindgen]
impl Session {
    /// The session's id: `null` until the first `log` made it on the server.
    #[wasm_bindgen(getter, js_name = sessionId, unchecked_return_type = "string | null")]
    pub fn session_id(&self) -> JsValue {
        self.state.borrow().session_id().map(JsValue::from_str).unwrap_or(JsValue::NULL)
    }

    /// How many messages the server holds for the session, as of the last answer.
    #[wasm_bindgen(getter, js_name = messageCount)]
    pub fn message_count(&self) -> f64 {
        self.state.borrow().message_count() as f64
    }

    /// Records a model call: the messages it was given (`history`, the whole conversation so
    /// far: only what was not sent before goes out) and its answer (`response`, any JSON).
    /// Resolves without a request when there is nothing new.
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionIngestResult | null>")]
    pub fn log(
        &self,
        #[wasm_bindgen(unchecked_param_type = "JsonValue[]")] history: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "JsonValue")] response: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let (client, state) = (self.client.clone(), self.state.clone());
        js_call!(client, {
            let history = match from_js(&history, "history")? {
                Value::Array(items) => items,
                _ => return Err(FleetError::validation("session.log: `history` must be an array of messages")),
            };
            let response = Some(from_js(&response, "response")?).filter(|r| !r.is_null());
            let started = start(&client, &opts)?;
            let config = &started.io.client.core.config;
            let pending = state.borrow().log(config, &history, response.as_ref(), &new_ctx(&started));
            let Some(request) = &pending.request else { return Ok(JsValue::NULL) };
            let response = started.call().send(request, None).await?;
            let answer: IngestResult = decode(&response, &request.request_id)?;
            state.borrow_mut().logged(&pending, &answer);
            to_js(&answer)
        })
    }

    /// Marks the session completed, with the verifier execution that scored it
    /// (`{ verifierExecutionId }`, from `verifyDetailed`'s `executionId`).
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionIngestResult>")]
    pub fn complete(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "EndSessionOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.end("completed", options, opts)
    }

    /// Marks the session failed (the agent threw, timed out, was aborted).
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionIngestResult>")]
    pub fn fail(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "EndSessionOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.end("failed", options, opts)
    }
}

/// A fresh call identity from a started call's runtime.
fn new_ctx(started: &super::client::Started) -> CallContext {
    use crate::core::io::Io;
    started.io.new_call()
}

#[wasm_bindgen]
impl Fleet {
    /// Starts a job (a named group of sessions: one evaluation run) and resolves to its id.
    #[wasm_bindgen(unchecked_return_type = "Promise<string>")]
    pub fn job(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string | null")] name: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            let name = if name.is_undefined() || name.is_null() { None } else { Some(string_arg(&name, "job name")?) };
            traces::job_request(c, name.as_deref(), ctx)
        };
        self.then(opts, build, |_, job: TraceJob| Ok(JsValue::from_str(&job.job_id)))
    }

    /// A session to log an agent's work into: `{ jobId, model, taskKey, instanceId, config,
    /// sessionId }` (all optional; `sessionId` resumes one).
    pub fn session(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "SessionOptions")] options: JsValue,
    ) -> Result<Session, JsValue> {
        let options: SessionOptions = parse_options(&options, "session options").map_err(super::errors::to_js)?;
        options.validate().map_err(super::errors::to_js)?;
        Ok(Session::new(self.client.clone(), options))
    }

    /// Creates a session now, with a first message (default `[session created]`), running.
    #[wasm_bindgen(js_name = createSession, unchecked_return_type = "Promise<SessionIngestResult>")]
    pub fn create_session(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CreateSessionOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let o: CreateSessionOptions = match self.read(&options, "createSession options") {
            Ok(o) => o,
            Err(rejected) => return rejected,
        };
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            let placeholder = SessionMessage {
                role: "system".into(),
                content: Some("[session created]".into()),
                ..Default::default()
            };
            let messages = [o.initial_message.clone().unwrap_or(placeholder)];
            let body = IngestBody {
                messages: &messages,
                model: o.model.as_deref(),
                task_key: o.task_key.as_deref(),
                job_id: o.job_id.as_deref(),
                instance_id: o.instance_id.as_deref(),
                status: Some("running"),
                metadata: o.metadata.as_ref(),
                started_at: o.started_at.as_deref(),
                ..IngestBody::default()
            };
            traces::ingest_request(c, &body, ctx)
        };
        self.plain::<IngestResult>(opts, build)
    }

    /// Appends one message to a session (`{ status, endedAt }` may update it too).
    #[wasm_bindgen(js_name = appendMessage, unchecked_return_type = "Promise<SessionIngestResult>")]
    pub fn append_message(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = sessionId)] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SessionMessage")] message: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ status?: SessionStatus; endedAt?: string }")]
        options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let read = self
            .read::<SessionMessage>(&message, "message")
            .and_then(|m| Ok((m, self.read::<AppendOptions>(&options, "appendMessage options")?)));
        let (message, o) = match read {
            Ok(read) => read,
            Err(rejected) => return rejected,
        };
        self.update(session_id, message, o.status, o.ended_at, opts)
    }

    /// Ends a session: `status` (default `completed`), `endedAt` (default now), `finalMessage`
    /// (default `[session <status>]`).
    #[wasm_bindgen(js_name = completeSession, unchecked_return_type = "Promise<SessionIngestResult>")]
    pub fn complete_session(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = sessionId)] session_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CompleteSessionOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let o: CompleteOptions = match self.read(&options, "completeSession options") {
            Ok(o) => o,
            Err(rejected) => return rejected,
        };
        let status = o.status.unwrap_or_else(|| "completed".into());
        let placeholder = SessionMessage {
            role: "system".into(),
            content: Some(format!("[session {status}]").into()),
            ..Default::default()
        };
        let ended_at = o.ended_at.unwrap_or_else(|| iso_utc(now_ms()));
        self.update(session_id, o.final_message.unwrap_or(placeholder), Some(status), Some(ended_at), opts)
    }

    /// A job's sessions grouped by task, with pass rates, average scores and verifier results.
    #[wasm_bindgen(js_name = listJobSessions, unchecked_return_type = "Promise<JobSessions>")]
    pub fn list_job_sessions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = jobId)] job_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.plain::<JobSessions>(opts, move |c, ctx| {
            traces::job_sessions_request(c, &string_arg(&job_id, "job id")?, ctx)
        })
    }

    /// A session's messages in order, with its task, instance and verifier result.
    #[wasm_bindgen(js_name = getSessionTranscript, unchecked_return_type = "Promise<SessionTranscript>")]
    pub fn get_session_transcript(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = sessionId)] session_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            traces::transcript_request(c, &string_arg(&session_id, "session id")?, ctx)
        };
        self.plain::<SessionTranscript>(opts, build)
    }

    /// The team's jobs, newest first.
    #[wasm_bindgen(js_name = listJobs, unchecked_return_type = "Promise<JobInfo[]>")]
    pub fn list_jobs(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.then(opts, |c, ctx| traces::jobs_request(c, None, None, ctx), |_, list: JobList| to_js(&list.jobs))
    }

    /// One job.
    #[wasm_bindgen(js_name = getJob, unchecked_return_type = "Promise<JobInfo>")]
    pub fn get_job(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string", js_name = jobId)] job_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        self.plain::<Job>(opts, move |c, ctx| traces::jobs_request(c, Some(&string_arg(&job_id, "job id")?), None, ctx))
    }

    /// Starts a hosted job on Fleet (Fleet runs the models). flotilla-server refuses it with a
    /// `BadRequestError`: it runs no models; record local runs with `job` and `session`.
    #[wasm_bindgen(js_name = createJob, unchecked_return_type = "Promise<CreatedJob>")]
    pub fn create_job(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateJobOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallOptions")] opts: JsValue,
    ) -> js_sys::Promise {
        let o: CreateJobOptions = match self.read(&options, "createJob options") {
            Ok(o) => o,
            Err(rejected) => return rejected,
        };
        self.plain::<CreatedJob>(opts, move |c, ctx| traces::create_job_request(c, &o, ctx))
    }
}

impl Fleet {
    /// One message into an existing session, maybe with a status and an end time.
    fn update(
        &self,
        session_id: JsValue,
        message: SessionMessage,
        status: Option<String>,
        ended_at: Option<String>,
        opts: JsValue,
    ) -> js_sys::Promise {
        let build = move |c: &ClientConfig, ctx: &CallContext| {
            let session_id = string_arg(&session_id, "session id")?;
            crate::core::options::require_id(&session_id, "session id")?;
            let messages = [message];
            let body = IngestBody {
                messages: &messages,
                session_id: Some(&session_id),
                status: status.as_deref(),
                ended_at: ended_at.as_deref(),
                ..IngestBody::default()
            };
            traces::ingest_request(c, &body, ctx)
        };
        self.plain::<IngestResult>(opts, build)
    }
}
