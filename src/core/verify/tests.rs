use super::*;
    use crate::core::json::json;

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
    let run = Execution { key: "t1", instance_id: "inst-1", args: &[], kwargs: &kwargs, timeout_s: 30, region: "us-west-1" };
    let req = execute_request(&config(), &bundle, &run, false, &ctx());
    let text = req.body.clone().unwrap();
    let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} missing in {text}"));
    let order = ["key", "sha256", "args", "args_array", "function_name", "timeout", "region"].map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "keys out of protocol order: {text}");
    assert!(!text.contains("\"bundle\""));
    let body: Value = crate::core::json::parse(&text).unwrap();
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
    assert_eq!(score(&json!(0.5)).as_str(), "0.5");
    assert_eq!(score(&json!({ "score": 1, "why": "x" })).as_str(), "1");
    assert_eq!(score(&json!(" 0.25 ")).as_str(), "0.25");
    assert_eq!(score(&json!(true)).as_str(), "1");
    assert_eq!(score(&json!("high")).as_str(), "0");
    assert_eq!(score(&json!(null)).as_str(), "0");
    let failed = json!({ "success": false, "error": { "type": "ValueError", "message": "no ticket", "traceback": "T" } });
    let e = failure(&failed, "rid");
    assert_eq!(e.kind, ErrorKind::Verification);
    assert!(e.message.contains("ValueError: no ticket"));
    assert!(needs_upload(&FleetError::new(ErrorKind::BadRequest, "Bundle not found")));
    let unknown = HttpResponse { status: 200, body: r#"{"success":false}"#.into(), retry_after: None };
    assert!(!parse_check(&unknown));
}
