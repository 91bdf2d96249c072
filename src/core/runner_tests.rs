use serde_json::json;

use super::*;
use crate::core::io::{Failure, JsonBody};
use crate::core::testing::{call, client, run, FakeIo, Reply};

fn runner() -> Runner {
    Runner { base: "http://h/i/x/api/v1/env/".into(), token: Some("rt".into()) }
}

#[test]
fn runner_requests_carry_sdk_headers_and_the_token_only() {
    let req = runner().query("current", "SELECT ?", Some(&[json!(1)]), true).unwrap();
    assert_eq!(req.url, "http://h/i/x/api/v1/env/resources/sqlite/current/query");
    assert_eq!(req.body.as_deref(), Some(r#"{"query":"SELECT ?","args":[1],"read_only":true}"#));
    assert_eq!(req.header("x-runner-token"), Some("rt"));
    assert_eq!(req.header("authorization"), None);
    assert_eq!(req.header("x-request-id"), None);
    assert!(runner().query("current", " ", None, true).is_err());
    assert_eq!(
        runner().query("c", "SELECT 1", None, true).unwrap().body.as_deref(),
        Some(r#"{"query":"SELECT 1","args":null,"read_only":true}"#)
    );
    assert_eq!(runner().reset(&ResetOptions::default()).body.as_deref(), Some(r#"{"timestamp":null,"seed":null}"#));
    let both = ResetOptions { seed: Some(42), timestamp: Some(1_767_225_600) };
    assert_eq!(runner().reset(&both).body.as_deref(), Some(r#"{"timestamp":1767225600,"seed":42}"#));
}

/// A write carries no id the runner could de-duplicate, so it is never sent twice.
#[test]
fn only_writes_are_unsafe_to_replay() {
    assert!(runner().query("current", "SELECT 1", None, true).unwrap().replay_safe);
    assert!(!runner().query("current", "INSERT INTO t VALUES (1)", None, false).unwrap().replay_safe);
    assert!(
        runner().reset(&ResetOptions::default()).replay_safe
            && runner().diff().replay_safe
            && runner().describe("current").replay_safe
    );
}

#[test]
fn token_request_has_no_request_id() {
    let config = ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap();
    let req = token_request(&config, &CallContext { request_id: "r".into(), timestamp_ms: 1 });
    assert_eq!(req.header("x-request-id"), None);
    assert_eq!(req.header("authorization"), Some("Bearer k"));
}

const BASE: Option<&str> = Some("http://h/i/x/api/v1/env");

#[test]
fn the_token_is_fetched_once_and_sent_with_every_runner_call() {
    let client = client();
    let io = FakeIo::new([
        Reply::Json(200, json!({ "token": "rt-1" })),
        Reply::Json(200, json!({ "status": "healthy", "timestamp": "t", "service": "s" })),
        Reply::Json(200, json!({ "success": true, "message": "ok" })),
    ]);
    let tokens = TokenCache::default();
    let c = call(&client, &io);
    let health: HealthResult = run(call_runner(&c, BASE, &tokens, |r| Ok(r.health()))).unwrap();
    assert_eq!(health.status, "healthy");
    let _: ResetResult = run(call_runner(&c, BASE, &tokens, |r| Ok(r.reset(&ResetOptions::default())))).unwrap();
    assert_eq!(io.calls(), ["GET /v1/runner-auth/token", "GET /i/x/api/v1/env/health", "POST /i/x/api/v1/env/reset"]);
    assert!(io.sent.borrow()[1..].iter().all(|r| r.header("x-runner-token") == Some("rt-1")));
}

#[test]
fn a_server_without_tokens_is_remembered_but_a_lost_answer_is_asked_again() {
    let client = client();
    let ok = || Reply::Json(200, json!({ "status": "healthy", "timestamp": "t", "service": "s" }));
    let io = FakeIo::new([Reply::Json(404, json!({ "detail": "no tokens here" })), ok(), ok()]);
    let tokens = TokenCache::default();
    let c = call(&client, &io);
    for _ in 0..2 {
        let _: HealthResult = run(call_runner(&c, BASE, &tokens, |r| Ok(r.health()))).unwrap();
    }
    assert_eq!(io.calls().iter().filter(|c| c.contains("runner-auth")).count(), 1);
    assert!(io.sent.borrow()[1].header("x-runner-token").is_none());

    let lost = || Reply::Fail(Failure::TimedOut);
    assert_eq!(TOKEN_TIMEOUT_MS, 10_000.0);
    // One lost answer (the token fetch is one attempt, §2.5): the call goes on without a token.
    let io = FakeIo::new([lost(), ok(), Reply::Json(200, json!({ "token": "late" })), ok()]);
    let tokens = TokenCache::default();
    let c = call(&client, &io);
    for _ in 0..2 {
        let _: HealthResult = run(call_runner(&c, BASE, &tokens, |r| Ok(r.health()))).unwrap();
    }
    assert_eq!(io.sent.borrow().last().unwrap().header("x-runner-token"), Some("late"));
}

#[test]
fn an_aborted_token_fetch_rejects_and_is_not_remembered() {
    let client = client();
    let io = FakeIo::new([
        Reply::Fail(Failure::Aborted),
        Reply::Json(200, json!({ "token": "t" })),
        Reply::Json(200, json!([])),
    ]);
    let tokens = TokenCache::default();
    let c = call(&client, &io);
    let e = run(call_runner::<_, Vec<Resource>>(&c, BASE, &tokens, |r| Ok(r.resources()))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Abort);
    assert_eq!(io.sent.borrow().len(), 1, "nothing was sent to the runner");
    let list: ResourceList = run(call_runner(&c, BASE, &tokens, |r| Ok(r.resources()))).unwrap();
    assert!(list.into_vec().is_empty());
    assert_eq!(io.sent.borrow()[2].header("x-runner-token"), Some("t"));
    let e = run(call_runner::<_, Vec<Resource>>(&c, None, &tokens, |r| Ok(r.resources()))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse);
}

#[test]
fn a_refused_query_is_an_error_with_the_servers_words() {
    let client = client();
    let io = FakeIo::new([
        Reply::Json(200, json!({ "token": "t" })),
        Reply::Json(403, json!({ "detail": "Write refused: read_only is set", "success": false, "message": "m" })),
    ]);
    let c = call(&client, &io);
    let e = run(call_runner::<_, QueryResult>(&c, BASE, &TokenCache::default(), |r| {
        r.query("current", "DELETE FROM t", None, true)
    }));
    assert!(e.unwrap_err().message.contains("Write refused"));
    let failed: QueryResult =
        json!({ "success": false, "message": "m", "error": "no such table: x" }).decode().unwrap();
    assert_eq!(check_query(failed).unwrap_err().message, "no such table: x");
    let ok: QueryResult =
        json!({ "success": true, "message": "1 rows", "columns": ["n"], "rows": [[1]] }).decode().unwrap();
    let ok = check_query(ok).unwrap();
    assert_eq!(serde_json::to_value(&ok).unwrap()["rowsAffected"], Value::Null);
}

#[test]
fn described_columns_get_js_names() {
    let d: DescribeResult = json!({ "success": true, "resource_name": "current", "message": "1 tables", "tables": [
        { "name": "t", "sql": "CREATE TABLE t (id INTEGER)", "columns": [{ "name": "id", "type": "INTEGER", "notnull": 0, "pk": 1 }] }
    ]}).decode().unwrap();
    let js = serde_json::to_value(&d).unwrap();
    assert_eq!(js["resourceName"], "current");
    assert_eq!(
        js["tables"][0]["columns"][0],
        json!({ "name": "id", "type": "INTEGER", "notNull": 0, "defaultValue": null, "primaryKey": 1 })
    );
}

#[test]
fn a_token_that_cannot_be_a_header_is_no_token() {
    let client = client();
    let ok = Reply::Json(200, json!({ "status": "healthy", "timestamp": "t", "service": "s" }));
    let io = FakeIo::new([Reply::Json(200, json!({ "token": "abc\nX-Injected: 1" })), ok]);
    let _: HealthResult =
        run(call_runner(&call(&client, &io), BASE, &TokenCache::default(), |r| Ok(r.health()))).unwrap();
    assert!(io.sent.borrow()[1].header("x-runner-token").is_none());
}
