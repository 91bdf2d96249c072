use serde_json::json;

use super::*;
use crate::core::io::Failure;
use crate::core::tasks::VerifierRef;
use crate::core::testing::{call, client, run, FakeIo, Reply};

const CODE: &str = "import json\n\n@verifier(key='x')\ndef verify(env, final_answer=None):\n    return 1.0\n\ndef helper():\n    pass\n";

fn config() -> ClientConfig {
    ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap()
}

fn ctx() -> CallContext {
    CallContext { request_id: "r".into(), timestamp_ms: 1 }
}

#[test]
fn finds_the_first_top_level_function() {
    assert_eq!(function_name(CODE).as_deref(), Some("verify"));
    assert_eq!(function_name("async def check (env):\n  pass").as_deref(), Some("check"));
    assert_eq!(function_name("    def nested(env): pass\nx = 1"), None);
    assert!(Bundle::new("x = 1").is_err());
}

#[test]
fn the_same_code_always_gives_the_same_sha256() {
    let a = Bundle::new(CODE).unwrap();
    assert_eq!(a.sha256, Bundle::new(CODE).unwrap().sha256);
    assert_eq!(a.sha256.len(), 64);
    assert_ne!(a.sha256, Bundle::new("def verify(env):\n    return 0\n").unwrap().sha256);
}

#[test]
fn base64_matches_the_standard() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}

#[test]
fn execute_body_follows_the_protocol() {
    let bundle = Bundle::new(CODE).unwrap();
    let kwargs = vec![("final_answer".to_string(), json!("5"))];
    let run =
        Execution { key: "t1", instance_id: "inst-1", args: &[], kwargs: &kwargs, timeout_s: 30, region: "us-west-1" };
    let req = execute_request(&config(), &bundle, &run, false, &ctx());
    let text = req.body.clone().unwrap();
    let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} missing in {text}"));
    let order = ["key", "sha256", "args", "args_array", "function_name", "timeout", "region"].map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "keys out of protocol order: {text}");
    assert!(!text.contains("\"bundle\""));
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["args_array"], json!([{ "env": "inst-1" }]), "keyword arguments travel only inside the pickle");
    assert_eq!(body["function_name"], "verify");
    let with_bundle = execute_request(&config(), &bundle, &run, true, &ctx());
    assert!(with_bundle.body.unwrap().contains("\"bundle\":\"UEsDB"), "a zip starts with PK\\x03\\x04");

    let script = format!(
        "import base64, pickle; v = pickle.loads(base64.b64decode('{}')); \
         assert v == {{'args': (None, {{'env': 'inst-1'}}), 'kwargs': {{'final_answer': '5'}}}}, v; print('ok')",
        body["args"].as_str().unwrap()
    );
    let out = std::process::Command::new("python3").args(["-c", &script]).output().expect("python3");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok", "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn scores_and_failures() {
    assert_eq!(score(&json!(0.5)), 0.5);
    assert_eq!(score(&json!({ "score": 1, "why": "x" })), 1.0);
    assert_eq!(score(&json!(" 0.25 ")), 0.25);
    assert_eq!(score(&json!(true)), 1.0);
    assert_eq!(score(&json!("high")), 0.0);
    assert_eq!(score(&json!(null)), 0.0);
    assert_eq!(score(&json!(0.1 + 0.2)), 0.1 + 0.2, "the double is kept exactly");
    let failed = ExecutionResult {
        success: false,
        error: Some(json!({ "type": "ValueError", "message": "no ticket", "traceback": "T" })),
        ..ExecutionResult::default()
    };
    let e = score_of(&failed).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Verification);
    assert!(e.message.contains("ValueError: no ticket"));
    assert_eq!(e.body.as_ref().unwrap()["error"]["traceback"], "T");
    let passed =
        ExecutionResult { success: true, result: Some(json!({ "score": 0.75 })), ..ExecutionResult::default() };
    assert_eq!(score_of(&passed).unwrap(), 0.75);
    assert!(needs_upload(&FleetError::new(ErrorKind::BadRequest, "Bundle not found")));
}

fn task() -> TaskRef {
    TaskRef { key: "t1".into(), verifier_func: Some(CODE.into()), verifier: None }
}

fn target() -> Target {
    Target { instance_id: "inst-1".into(), region: None }
}

fn executed() -> Reply {
    Reply::Json(
        200,
        json!({ "success": true, "execution_time_ms": 12, "result": 1.0, "execution_id": "ex-1", "new_field": 1 }),
    )
}

fn bundle_sent(request: &HttpRequest) -> bool {
    request.body.as_deref().is_some_and(|b| b.contains("\"bundle\":"))
}

#[test]
fn a_bundle_the_server_has_is_not_uploaded() {
    let client = client();
    let io = FakeIo::new([Reply::Json(200, json!({ "success": true })), executed()]);
    let result = run(verify_detailed(&call(&client, &io), &task(), &target(), &VerifyOptions::default())).unwrap();
    assert_eq!((result.success, result.execution_id.as_deref()), (true, Some("ex-1")));
    assert_eq!(io.calls(), ["GET /v1/verifiers/check", "POST /v1/verifiers/execute"]);
    assert!(!bundle_sent(&io.sent.borrow()[1]));
}

#[test]
fn a_bundle_the_server_lost_is_uploaded_again() {
    let client = client();
    let io = FakeIo::new([
        Reply::Json(200, json!({ "success": true })),
        Reply::Json(404, json!({ "detail": "Bundle not found" })),
        executed(),
    ]);
    let result = run(verify_detailed(&call(&client, &io), &task(), &target(), &VerifyOptions::default())).unwrap();
    assert_eq!(result.execution_id.as_deref(), Some("ex-1"));
    let sent = io.sent.borrow();
    assert_eq!((bundle_sent(&sent[1]), bundle_sent(&sent[2])), (false, true));
}

#[test]
fn an_unknown_or_failed_check_means_upload_but_an_abort_stops() {
    let client = client();
    let io = FakeIo::new([
        Reply::Text(502, "Bad Gateway"),
        Reply::Text(502, "x"),
        Reply::Text(502, "x"),
        Reply::Text(502, "x"),
        executed(),
    ]);
    run(verify_detailed(&call(&client, &io), &task(), &target(), &VerifyOptions::default())).unwrap();
    assert!(bundle_sent(io.sent.borrow().last().unwrap()));
    let io = FakeIo::new([Reply::Fail(Failure::Aborted)]);
    let e = run(verify_detailed(&call(&client, &io), &task(), &target(), &VerifyOptions::default())).unwrap_err();
    assert_eq!((e.kind, io.sent.borrow().len()), (ErrorKind::Abort, 1));
}

#[test]
fn bad_arguments_are_refused_before_anything_is_sent() {
    let client = client();
    let io = FakeIo::new([]);
    let c = call(&client, &io);
    let no_code =
        TaskRef { key: "t".into(), verifier_func: None, verifier: Some(VerifierRef { key: None, code: None }) };
    assert!(run(verify_detailed(&c, &no_code, &target(), &VerifyOptions::default())).is_err());
    let blank = Target { instance_id: " ".into(), region: None };
    assert!(run(verify_detailed(&c, &task(), &blank, &VerifyOptions::default())).is_err());
    let slow = VerifyOptions { timeout_seconds: Some(601), ..VerifyOptions::default() };
    assert!(run(verify_detailed(&c, &task(), &target(), &slow)).is_err());
    assert!(io.sent.borrow().is_empty());
}
