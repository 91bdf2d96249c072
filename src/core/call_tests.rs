use serde_json::{json, Value};

use super::*;
use crate::core::http::Method;
use crate::core::testing::{call, client, run, FakeIo, Reply};

fn get(client: &Client) -> HttpRequest {
    let ctx = CallContext { request_id: "rid".into(), timestamp_ms: 1 };
    client.config.request(Method::Get, "/v1/account", None, &ctx)
}

#[test]
fn retries_5xx_with_the_same_request_id_then_answers() {
    let client = client();
    let io = FakeIo::new([
        Reply::Text(503, "busy"),
        Reply::Fail(Failure::Network("reset".into())),
        Reply::Json(200, json!({})),
    ]);
    let response = run(call(&client, &io).send(&get(&client), None)).unwrap();
    assert_eq!(response.status, 200);
    let ids: Vec<String> = io.sent.borrow().iter().map(|r| r.request_id.clone()).collect();
    assert_eq!(ids, ["rid", "rid", "rid"]);
    assert_eq!(io.sleeps.borrow().len(), 2);
    assert_eq!(io.logs.borrow().len(), 2);
}

#[test]
fn gives_up_after_the_budget_with_a_typed_error() {
    let client = client();
    let io = FakeIo::new((0..4).map(|_| Reply::Fail(Failure::TimedOut)));
    let e = run(call(&client, &io).send(&get(&client), None)).unwrap_err();
    assert_eq!((e.kind, e.request_id.as_deref()), (ErrorKind::Timeout, Some("rid")));
    assert!(e.message.contains("GET /v1/account timed out after 1000 ms"), "{}", e.message);
    let io = FakeIo::new((0..4).map(|_| Reply::Fail(Failure::Network("ECONNREFUSED".into()))));
    let e = run(call(&client, &io).send(&get(&client), None)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Connection);
    assert!(e.message.contains("Could not reach http://h (ECONNREFUSED)"), "{}", e.message);
}

#[test]
fn an_abort_while_waiting_to_retry_is_an_abort_error() {
    let client = client();
    let io = FakeIo::new([Reply::Text(503, "busy")]);
    io.abort_sleeps.set(true);
    let e = run(call(&client, &io).send(&get(&client), None)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Abort);
    let io = FakeIo::new([Reply::Fail(Failure::Aborted)]);
    assert_eq!(run(call(&client, &io).send(&get(&client), None)).unwrap_err().kind, ErrorKind::Abort);
}

#[test]
fn single_attempt_calls_and_404s_are_not_retried() {
    let client = client();
    let io = FakeIo::new([Reply::Text(503, "busy")]);
    let mut once = call(&client, &io);
    once.single_attempt = true;
    assert_eq!(run(once.send(&get(&client), None)).unwrap().status, 503);
    let io = FakeIo::new([Reply::Json(404, json!({ "detail": "nope" }))]);
    let e =
        run(call(&client, &io).fetch::<Value>(|c, ctx| Ok(c.request(Method::Get, "/v1/x", None, ctx)))).unwrap_err();
    assert_eq!((e.kind, e.message.as_str()), (ErrorKind::NotFound, "nope"));
    assert_eq!(io.remaining(), 0);
}

#[test]
fn wrong_types_in_an_answer_name_the_model() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }
    let client = client();
    let io = FakeIo::new([Reply::Json(200, json!({ "inner": { "count": "three" } }))]);
    let e =
        run(call(&client, &io).fetch::<Outer>(|c, ctx| Ok(c.request(Method::Get, "/v1/x", None, ctx)))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse);
    assert!(e.message.contains("reading Outer") && e.message.contains("expected u32"), "{}", e.message);
    assert_eq!(e.request_id.as_deref(), Some("07070707-0707-4707-8707-070707070707"));
}

#[test]
fn urls_are_cut_to_origin_and_path_for_messages() {
    assert_eq!(origin_of("http://h:1/a/b?c=d"), "http://h:1");
    assert_eq!(path_of("http://h:1/a/b?c=d"), "/a/b");
    assert_eq!(origin_of("nonsense"), "nonsense");
}

#[test]
fn client_options_are_checked() {
    use crate::core::options::parse;
    let new = |v: Value| parse::<ClientOptions>(v, "Fleet options").and_then(|o| Client::new(o, None, None));
    assert!(new(json!({})).unwrap_err().message.contains("FLEET_API_KEY"));
    assert!(new(json!({ "apiKey": "k", "maxRetries": 11 })).is_err());
    assert!(new(json!({ "apiKey": "k", "timeoutMs": 0 })).is_err());
    assert!(new(json!({ "apiKey": "k", "timeoutMs": 3_000_000_000u64 })).is_err(), "past what a JS timer holds");
    assert!(
        new(json!({ "apiKey": "k", "headers": { "x-request-id": "fixed" } })).is_err(),
        "protocol headers are ours"
    );
    assert!(new(json!({ "apiKey": "k", "headers": { "X-A": "é" } })).is_err(), "fetch takes ASCII header values");
    assert!(new(json!({ "apiKey": "clé" })).is_err());
    assert!(new(json!({ "apiKey": "k", "headers": { "X-A": 1 } })).is_err());
    assert!(new(json!({ "apiKey": "k", "headers": { "X-A": "a\nInjected: 1" } })).is_err(), "no header injection");
    assert!(new(json!({ "apiKey": "k", "headers": { "Bad Name": "1" } })).is_err());
    let e = new(json!({ "apiKey": "k", "baseURL": "http://h" })).unwrap_err();
    assert!(e.message.contains("unknown option `baseURL`") && e.message.contains("fetch"), "{}", e.message);
    let c = new(json!({ "apiKey": "k", "headers": { "X-A": "1" }, "maxRetries": 0 })).unwrap();
    assert_eq!((c.policy.max_retries, c.timeout_ms), (0, DEFAULT_TIMEOUT_MS));
    let from_env = Client::new(ClientOptions::default(), Some("env-key".into()), Some("http://e".into())).unwrap();
    assert_eq!(from_env.config.base_url(), "http://e");
}
