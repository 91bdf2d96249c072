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

fn answer(session_id: &str, count: i64) -> IngestResult {
    json!({ "success": true, "session_id": session_id, "message_count": count, "created_new_session": true })
        .decode()
        .unwrap()
}

#[test]
fn only_new_history_is_sent_and_the_first_call_carries_the_session_setup() {
    let options =
        parse(json!({ "jobId": "j", "model": "m", "taskKey": "t", "instanceId": "i", "config": { "k": 1 } }), "o");
    let mut log = SessionLog::new(options.unwrap());
    let user = json!({ "role": "user", "content": "hi" });
    let first = log.log(&config(), std::slice::from_ref(&user), Some(&json!("hello")), &ctx());
    assert_eq!(
        first.request.as_ref().unwrap().body.as_deref(),
        Some(
            r#"{"history":[{"role":"user","content":"hi"}],"response":"hello","job_id":"j","config":{"k":1},"model":"m","task_key":"t","instance_id":"i"}"#
        )
    );
    log.logged(&first, &answer("ses_1", 2));
    assert_eq!(log.session_id(), Some("ses_1"));
    // The response stands for history[1]: only history[2] is new.
    let history =
        [user, json!({ "role": "assistant", "content": "hello" }), json!({ "role": "user", "content": "more" })];
    let second = log.log(&config(), &history, Some(&json!("ok")), &ctx());
    assert_eq!(
        second.request.as_ref().unwrap().body.as_deref(),
        Some(r#"{"history":[{"role":"user","content":"more"}],"response":"ok","session_id":"ses_1","job_id":"j"}"#)
    );
    log.logged(&second, &answer("ses_1", 4));
    assert!(log.log(&config(), &history, None, &ctx()).request.is_none(), "nothing new: nothing sent");
    assert_eq!(log.message_count(), 4);
}

#[test]
fn a_failed_log_is_sent_again_whole() {
    let mut log = SessionLog::new(SessionOptions { model: Some("m".into()), ..SessionOptions::default() });
    let history = [json!("a")];
    let lost = log.log(&config(), &history, None, &ctx());
    let again = log.log(&config(), &history, None, &ctx());
    assert_eq!(lost.request.unwrap().body, again.request.as_ref().unwrap().body, "nothing was marked sent");
    log.logged(&again, &answer("s", 1));
    assert!(log.log(&config(), &history, None, &ctx()).request.is_none());
}

#[test]
fn ending_a_session_names_its_verifier_execution() {
    let options = SessionOptions { job_id: Some("j".into()), task_key: Some("t".into()), ..SessionOptions::default() };
    let mut log = SessionLog::new(options);
    let unnamed = log.end(&config(), "failed", "2026-01-01T00:00:00.000Z", None, &ctx()).unwrap();
    assert_eq!(
        unnamed.body.as_deref(),
        Some(
            r#"{"session_id":null,"status":"failed","ended_at":"2026-01-01T00:00:00.000Z","job_id":"j","task_key":"t"}"#
        ),
        "a session never logged still lands in its job"
    );
    log.ended(&answer("s9", 0));
    let done = log.end(&config(), "completed", "t", Some("exec_1"), &ctx()).unwrap();
    assert_eq!(
        done.body.as_deref(),
        Some(r#"{"session_id":"s9","status":"completed","ended_at":"t","verifier_execution_id":"exec_1"}"#)
    );
    assert!(log.end(&config(), "completed", "t", Some(" "), &ctx()).is_err());
}

#[test]
fn timestamps_are_iso_utc() {
    assert_eq!(iso_utc(0.0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso_utc(1_795_417_890_123.0), "2026-11-23T07:11:30.123Z");
    assert_eq!(iso_utc(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
}
