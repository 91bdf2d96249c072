use serde_json::json;

use super::*;
use crate::core::io::{Failure, JsonBody};
use crate::core::options::parse;
use crate::core::testing::{call, client, run, FakeIo, Reply};

fn config() -> ClientConfig {
    ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap()
}

fn ctx() -> CallContext {
    CallContext { request_id: "r".into(), timestamp_ms: 1 }
}

fn make_options(v: Value) -> Result<MakeOptions, FleetError> {
    parse(v, "make options")
}

fn body(options: Value, timeout_ms: f64) -> String {
    make_request(&config(), &make_options(options).unwrap(), timeout_ms, &ctx()).unwrap().body.unwrap()
}

#[test]
fn minimal_create_body_matches_fleet_python() {
    let req = make_request(&config(), &make_options(json!({ "envKey": "fira" })).unwrap(), CREATE_TIMEOUT_MS, &ctx());
    let req = req.unwrap();
    assert_eq!(req.body.as_deref(), Some(r#"{"env_key":"fira","created_from":"sdk","max_wait_seconds":870}"#));
    assert_eq!(req.url, "http://h/v1/env/instances");
}

#[test]
fn full_create_body_keeps_the_protocol_key_order() {
    let options = json!({
        "envKey": "fira:1.2.3", "dataKey": "mydata:2", "region": "us-east-1", "runId": "run-1",
        "envVariables": { "Z": 1, "A": 2 }, "imageType": "mcp", "ttlSeconds": 600, "heartbeatInterval": 60,
        "autoHeartbeat": false
    });
    assert_eq!(
        body(options, CREATE_TIMEOUT_MS),
        concat!(
            r#"{"env_key":"fira","env_version":"v1.2.3","data_key":"mydata","data_version":"v2","region":"us-east-1","#,
            r#""run_id":"run-1","env_variables":{"Z":1,"A":2},"image_type":"mcp","created_from":"sdk","#,
            r#""ttl_seconds":600,"heartbeat_interval":60,"max_wait_seconds":870}"#
        )
    );
}

#[test]
fn max_wait_follows_the_call_timeout() {
    assert!(body(json!({ "envKey": "e" }), 60_000.0).contains(r#""max_wait_seconds":30"#));
    assert!(body(json!({ "envKey": "e" }), 10_000.0).contains(r#""max_wait_seconds":0"#));
    assert!(body(json!({ "envKey": "e" }), 10_000_000.0).contains(r#""max_wait_seconds":3600"#));
    assert!(body(json!({ "envKey": "e", "maxWaitSeconds": 5 }), 60_000.0).contains(r#""max_wait_seconds":5"#));
    let capped = body(json!({ "envKey": "e", "maxWaitSeconds": 5000 }), 60_000.0);
    assert!(capped.contains(r#""max_wait_seconds":3600"#), "capped as fleet-python caps it: {capped}");
}

#[test]
fn invalid_make_options_are_refused_before_sending() {
    for bad in [
        json!({}),
        json!({ "envKey": "" }),
        json!({ "envKey": "e", "heartbeatInterval": 10 }),
        json!({ "envKey": "e", "heartbeatInterval": 45.5 }),
        json!({ "envKey": "e", "ttlSeconds": 0 }),
        json!({ "envKey": "e", "ttlSeconds": -3 }),
        json!({ "envKey": "e", "envVariables": "A=1" }),
        json!({ "envKey": "e", "runid": "typo" }),
        json!({ "envKey": "e", "ttlSecond": 5 }),
        json!({ "envKey": "e", "maxWaitSeconds": -1 }),
        json!({ "envKey": "e", "maxWaitSeconds": 2.5 }),
    ] {
        let e = make_options(bad.clone()).and_then(|o| make_request(&config(), &o, CREATE_TIMEOUT_MS, &ctx()));
        assert_eq!(e.unwrap_err().kind, ErrorKind::Validation, "{bad}");
    }
    let e = make_options(json!({ "envKey": "e", "ttlSecond": 5 })).unwrap_err();
    assert!(e.message.contains("`ttlSecond`"), "{}", e.message);
    let e = parse::<AttachOptions>(json!({ "ttlSeconds": 5 }), "instance options").unwrap_err();
    assert!(e.message.contains("unknown option `ttlSeconds`"), "{}", e.message);
}

#[test]
fn list_close_all_and_heartbeat_requests() {
    let list = |v: Value| list_request(&config(), &parse(v, "f").unwrap(), &ctx());
    assert!(
        list(json!({ "runId": "r 1", "status": "running", "profileId": "" })).is_err(),
        "empty strings are refused"
    );
    let req = list(json!({ "runId": "r 1", "status": "running" })).unwrap();
    assert_eq!(req.url, "http://h/v1/env/instances?status=running&run_id=r%201");
    let close_all = |v: Value| close_all_request(&config(), &parse(v, "f").unwrap(), &ctx());
    assert!(close_all(json!({})).is_err());
    let req = close_all(json!({ "profileId": "self" })).unwrap();
    assert_eq!((req.method, req.url.as_str()), (Method::Delete, "http://h/v1/env/instances/batch?profile_id=self"));
    let req = heartbeat_request(&config(), "i/1", Some("us-west-1"), &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/env/instances/i%2F1/heartbeat");
    assert_eq!(req.body.as_deref(), Some(r#"{"region":"us-west-1"}"#));
    assert_eq!(heartbeat_request(&config(), "i", None, &ctx()).unwrap().body.as_deref(), Some("{}"));
    assert!(heartbeat_request(&config(), " ", None, &ctx()).is_err());
    let empty = heartbeat_request(&config(), "i", Some(""), &ctx()).unwrap();
    assert_eq!(empty.body.as_deref(), Some("{}"), "an instance's empty heartbeat_region is no region");
    let named: HeartbeatOptions = parse(json!({ "region": " " }), "heartbeat options").unwrap();
    assert_eq!(named.region().unwrap_err().kind, ErrorKind::Validation, "a caller's empty region is refused");
}

/// An instance as flotilla-server answers it.
pub fn wire_instance(id: &str, status: &str) -> Value {
    json!({
        "instance_id": id, "env_key": "helpdesk", "version": "v1", "status": status, "subdomain": id,
        "created_at": "c", "updated_at": "u", "team_id": "t", "region": "local", "heartbeat_interval": 30,
        "urls": { "root": format!("http://h/i/{id}/"), "app": ["http://h/i/i1/app/"], "manager": {
            "api": format!("http://h/i/{id}/api/v1/env"), "docs": "d", "reset": "r", "diff": "d", "snapshot": "s",
            "execute_verifier_function": "e", "execute_verifier_function_with_upload": "e2" } },
        "something_new": { "the": "service adds fields" }
    })
}

#[test]
fn instance_responses_get_camel_case_and_an_mcp_url() {
    let instance = wire_instance("i1", "running").decode::<Instance>().unwrap().complete();
    let js = serde_json::to_value(&instance).unwrap();
    assert_eq!(js["instanceId"], "i1");
    assert_eq!(js["urls"]["mcp"], "http://h/i/i1/mcp");
    assert_eq!(js["urls"]["manager"]["executeVerifierFunction"], "e");
    assert_eq!(js["heartbeatInterval"], 30);
    assert_eq!(js["terminatedAt"], Value::Null);
    assert!(js.get("something_new").is_none());
    let e = json!({ "instance_id": "i" }).decode::<Instance>().unwrap_err();
    assert!(e.contains("missing field `env_key`"), "{e}");
}

#[test]
fn a_create_retried_after_a_500_and_answered_409_duplicate_follows_the_first_instance() {
    let client = client();
    let duplicate = json!({ "detail": { "error": "duplicate_request_id", "message": "dup", "instance_id": "first" } });
    let io = FakeIo::new([
        Reply::Text(500, "Internal Server Error"),
        Reply::Json(409, duplicate),
        Reply::Json(200, wire_instance("first", "pending")),
        Reply::Json(200, wire_instance("first", "running")),
    ]);
    let options = make_options(json!({ "envKey": "helpdesk" })).unwrap();
    let instance = run(make(&call(&client, &io), &options)).unwrap();
    assert_eq!((instance.instance_id.as_str(), instance.status.as_str()), ("first", "running"));
    assert_eq!(
        io.calls(),
        [
            "POST /v1/env/instances",
            "POST /v1/env/instances",
            "GET /v1/env/instances/first",
            "GET /v1/env/instances/first"
        ]
    );
    let sent = io.sent.borrow();
    assert_eq!(sent[0].request_id, sent[1].request_id, "the retry reuses the request id");
    assert_eq!(io.sleeps.borrow().last(), Some(&DUPLICATE_POLL_MS));
}

#[test]
fn a_followed_instance_that_stopped_is_a_conflict_and_a_slow_one_times_out() {
    let client = client();
    let duplicate = || Reply::Json(409, json!({ "detail": { "error": "duplicate_request_id", "instance_id": "x" } }));
    let io = FakeIo::new([duplicate(), Reply::Json(200, wire_instance("x", "stopped"))]);
    let options = make_options(json!({ "envKey": "helpdesk" })).unwrap();
    let e = run(make(&call(&client, &io), &options)).unwrap_err();
    assert_eq!((e.kind, e.details.instance_id.as_deref()), (ErrorKind::Conflict, Some("x")));

    let io = FakeIo::new((0..3).map(|_| Reply::Json(200, wire_instance("x", "pending"))));
    let e = run(wait_running(&call(&client, &io), "x", 2500.0, 1000.0)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert_eq!(io.remaining(), 0);

    let io = FakeIo::new([Reply::Json(200, wire_instance("x", "pending"))]);
    io.abort_sleeps.set(true);
    assert_eq!(run(wait_running(&call(&client, &io), "x", 5000.0, 1000.0)).unwrap_err().kind, ErrorKind::Abort);
}

#[test]
fn a_409_without_an_instance_id_and_a_lost_create_are_plain_errors() {
    let client = client();
    let io = FakeIo::new([Reply::Json(409, json!({ "detail": "conflict" }))]);
    let options = make_options(json!({ "envKey": "helpdesk" })).unwrap();
    assert_eq!(run(make(&call(&client, &io), &options)).unwrap_err().kind, ErrorKind::Conflict);
    let io = FakeIo::new((0..4).map(|_| Reply::Fail(Failure::Network("reset".into()))));
    assert_eq!(run(make(&call(&client, &io), &options)).unwrap_err().kind, ErrorKind::Connection);
    assert_eq!(io.sent.borrow().len(), 4, "creates are retried: the server de-duplicates them");
}

#[test]
fn each_poll_gets_what_is_left_of_the_budget_and_creates_get_the_create_timeout() {
    let client = client();
    let io = FakeIo::new((0..3).map(|_| Reply::Json(200, wire_instance("x", "pending"))));
    let _ = run(wait_running(&call(&client, &io), "x", 2500.0, 1000.0));
    assert_eq!(*io.timeouts.borrow(), [1000.0, 1000.0, 500.0], "never past the budget (client timeout 1000 ms)");
    let io = FakeIo::new([Reply::Json(200, wire_instance("i", "running"))]);
    run(make(&call(&client, &io), &make_options(json!({ "envKey": "helpdesk" })).unwrap())).unwrap();
    assert_eq!(*io.timeouts.borrow(), [CREATE_TIMEOUT_MS]);
}
