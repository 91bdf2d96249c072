use serde_json::json;

use super::*;
use crate::core::io::JsonBody;
use crate::core::options::parse;

fn config() -> ClientConfig {
    ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap()
}

fn ctx() -> CallContext {
    CallContext { request_id: "r".into(), timestamp_ms: 1 }
}

#[test]
fn a_job_is_named_or_null_never_left_out() {
    assert_eq!(job_request(&config(), None, &ctx()).unwrap().body.as_deref(), Some(r#"{"name":null}"#));
    assert_eq!(job_request(&config(), Some("nightly"), &ctx()).unwrap().body.as_deref(), Some(r#"{"name":"nightly"}"#));
    assert!(job_request(&config(), Some(" "), &ctx()).is_err());
}

#[test]
fn ingest_bodies_leave_out_what_is_absent_and_refuse_bad_messages() {
    let messages: Vec<SessionMessage> =
        vec![parse(json!({ "role": "user", "content": "hi", "toolCallId": "c" }), "m").unwrap()];
    let body =
        IngestBody { messages: &messages, session_id: Some("s"), status: Some("running"), ..IngestBody::default() };
    let req = ingest_request(&config(), &body, &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/sessions/ingest");
    assert_eq!(
        req.body.as_deref(),
        Some(r#"{"messages":[{"role":"user","content":"hi","tool_call_id":"c"}],"session_id":"s","status":"running"}"#)
    );
    assert!(ingest_request(&config(), &IngestBody::default(), &ctx()).is_err(), "no message");
    let bad_status = IngestBody { messages: &messages, status: Some("done"), ..IngestBody::default() };
    assert!(ingest_request(&config(), &bad_status, &ctx()).is_err());
    let blank: Vec<SessionMessage> = vec![SessionMessage::default()];
    assert!(ingest_request(&config(), &IngestBody { messages: &blank, ..IngestBody::default() }, &ctx()).is_err());
    assert!(parse::<SessionMessage>(json!({ "content": "no role" }), "m").is_err());
}

#[test]
fn job_sessions_read_with_pass_rates_and_executions() {
    let wire = json!({ "job_id": "j", "total_sessions": 1, "tasks": [{ "task_id": "t", "task": { "key": "t", "prompt": "p",
        "env_id": "helpdesk" }, "total_sessions": 1, "passed_sessions": 1, "pass_rate": 1.0, "average_score": 1.0,
        "sessions": [{ "session_id": "s", "instance": null, "model": "m", "status": "completed", "created_at": "c",
        "step_count": 2, "verifier_execution": { "success": true, "score": 1.0, "execution_time_ms": 5 } }] }] });
    let read: JobSessions = wire.decode().unwrap();
    let js = serde_json::to_value(&read).unwrap();
    assert_eq!(js["tasks"][0]["passRate"], 1.0);
    assert_eq!(js["tasks"][0]["sessions"][0]["verifierExecution"]["executionTimeMs"], 5);
    assert_eq!(js["tasks"][0]["task"]["envId"], "helpdesk");
}

#[test]
fn jobs_are_listed_and_created_with_fleet_python_defaults() {
    assert_eq!(jobs_request(&config(), None, Some("t 1"), &ctx()).unwrap().url, "http://h/v1/jobs?team_id=t%201");
    assert_eq!(jobs_request(&config(), Some("j/1"), None, &ctx()).unwrap().url, "http://h/v1/jobs/j%2F1");
    let o: CreateJobOptions = parse(json!({ "models": ["gpt"], "envKey": "helpdesk" }), "createJob").unwrap();
    assert_eq!(
        create_job_request(&config(), &o, &ctx()).unwrap().body.as_deref(),
        Some(
            r#"{"models":["gpt"],"pass_k":1,"env_key":"helpdesk","max_duration_minutes":60,"max_concurrent_per_model":30}"#
        )
    );
    assert!(create_job_request(&config(), &parse(json!({ "models": [] }), "c").unwrap(), &ctx()).is_err());
}
