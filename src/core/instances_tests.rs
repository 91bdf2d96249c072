use super::*;
    use crate::core::json::json;

fn config() -> ClientConfig {
    ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap()
}

fn ctx() -> CallContext {
    CallContext { request_id: "r".into(), timestamp_ms: 1 }
}

#[test]
fn minimal_create_body_matches_fleet_python() {
    let req = make_request(&config(), &json!({ "envKey": "fira" }), CREATE_TIMEOUT_MS, &ctx()).unwrap();
    assert_eq!(req.body.as_deref(), Some(r#"{"env_key":"fira","created_from":"sdk","max_wait_seconds":870}"#));
    assert_eq!(req.url, "http://h/v1/env/instances");
}

#[test]
fn full_create_body_keeps_the_protocol_key_order() {
    let options = json!({
        "envKey": "fira:1.2.3", "dataKey": "mydata:2", "region": "us-east-1", "runId": "run-1",
        "envVariables": { "A": 1 }, "imageType": "mcp", "ttlSeconds": 600, "heartbeatInterval": 60
    });
    let req = make_request(&config(), &options, CREATE_TIMEOUT_MS, &ctx()).unwrap();
    assert_eq!(
        req.body.as_deref(),
        Some(r#"{"env_key":"fira","env_version":"v1.2.3","data_key":"mydata","data_version":"v2","region":"us-east-1","run_id":"run-1","env_variables":{"A":1},"image_type":"mcp","created_from":"sdk","ttl_seconds":600,"heartbeat_interval":60,"max_wait_seconds":870}"#)
    );
}

#[test]
fn max_wait_follows_the_call_timeout() {
    let body = |ms| make_request(&config(), &json!({ "envKey": "e" }), ms, &ctx()).unwrap().body.unwrap();
    assert!(body(60_000).contains(r#""max_wait_seconds":30"#));
    assert!(body(10_000).contains(r#""max_wait_seconds":0"#));
    assert!(body(10_000_000).contains(r#""max_wait_seconds":3600"#));
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
    ] {
        let e = make_request(&config(), &bad, CREATE_TIMEOUT_MS, &ctx()).unwrap_err();
        assert_eq!(e.kind, crate::core::error::ErrorKind::Validation, "{bad}");
    }
}

#[test]
fn list_close_all_and_heartbeat_requests() {
    let req = list_request(&config(), &json!({ "runId": "r 1", "status": "running", "profileId": "" }), &ctx());
    assert!(req.is_err(), "empty strings are refused");
    let req = list_request(&config(), &json!({ "runId": "r 1", "status": "running" }), &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/env/instances?status=running&run_id=r%201");
    assert!(close_all_request(&config(), &json!({}), &ctx()).is_err());
    let req = close_all_request(&config(), &json!({ "profileId": "self" }), &ctx()).unwrap();
    assert_eq!((req.method, req.url.as_str()), (Method::Delete, "http://h/v1/env/instances/batch?profile_id=self"));
    let req = heartbeat_request(&config(), "i/1", Some("us-west-1"), &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/env/instances/i%2F1/heartbeat");
    assert_eq!(req.body.as_deref(), Some(r#"{"region":"us-west-1"}"#));
    assert!(heartbeat_request(&config(), " ", None, &ctx()).is_err());
}

#[test]
fn instance_responses_get_camel_case_and_an_mcp_url() {
    let wire = json!({
        "instance_id": "i1", "env_key": "helpdesk", "version": "v1", "status": "running", "subdomain": "i1",
        "created_at": "c", "updated_at": "u", "team_id": "t", "region": "local", "heartbeat_interval": 30,
        "urls": { "root": "http://h/i/i1/", "app": ["http://h/i/i1/app/"], "manager": {
            "api": "http://h/i/i1/api/v1/env", "docs": "d", "reset": "r", "diff": "d", "snapshot": "s",
            "execute_verifier_function": "e", "execute_verifier_function_with_upload": "e2" } }
    });
    let v = instance_from_wire(&wire).unwrap();
    assert_eq!(v["instanceId"], "i1");
    assert_eq!(v["urls"]["mcp"], "http://h/i/i1/mcp");
    assert_eq!(v["urls"]["manager"]["executeVerifierFunction"], "e");
    assert_eq!(v["heartbeatInterval"], 30);
    let resp = HttpResponse { status: 200, body: "{}".into(), retry_after: None };
    assert!(parse_instance(&resp, "r").is_err());
}
