use super::*;
    use crate::core::json::json;

fn config() -> ClientConfig {
    ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap()
}

fn ctx() -> CallContext {
    CallContext { request_id: "r".into(), timestamp_ms: 1 }
}

#[test]
fn query_follows_protocol_order_with_repeated_keys() {
    let f = load_filter(&json!({ "keys": ["t1", "t2"], "projectKey": "p", "envKey": "fira", "dataId": "d", "dataVersion": "v1", "version": "local-only" })).unwrap();
    let req = load_request(&config(), &f, &ctx());
    assert_eq!(req.url, "http://h/v1/tasks?env_key=fira&task_keys=t1&task_keys=t2&project_key=p&data_id=d&data_version=v1");
    let req = load_request(&config(), &load_filter(&Value::Null).unwrap(), &ctx());
    assert_eq!(req.url, "http://h/v1/tasks");
}

#[test]
fn bad_filters_are_validation_errors() {
    assert!(load_filter(&json!({ "keys": [""] })).is_err());
    assert!(load_filter(&json!({ "envkey": "x" })).is_err());
    assert!(load_filter(&json!({ "keys": "t1" })).is_err());
}

fn response(tasks: &str) -> HttpResponse {
    HttpResponse { status: 200, body: format!(r#"{{"tasks":{tasks},"total":0}}"#), retry_after: None }
}

#[test]
fn builds_env_and_data_keys_by_the_protocol_rules() {
    let body = r#"[
      {"key":"a","prompt":"p","team_id":"t","environment_id":"helpdesk","created_at":"c","version":"v1","data_id":"seed","data_version":"v2"},
      {"key":"b","prompt":"p","team_id":"t","environment_id":"helpdesk","created_at":"c","version":"None"},
      {"key":"c","prompt":"p","team_id":"t","environment_id":"x:v3","created_at":"c","version":"v1","data_id":"seed"}
    ]"#;
    let tasks = parse_load(&response(body), &load_filter(&Value::Null).unwrap(), "r").unwrap();
    assert_eq!(tasks[0]["envKey"], "helpdesk:v1");
    assert_eq!(tasks[0]["dataKey"], "seed:v2");
    assert_eq!(tasks[1]["envKey"], "helpdesk");
    assert_eq!(tasks[1]["dataKey"], Value::Null);
    assert_eq!(tasks[2]["envKey"], "x:v3");
    assert_eq!(tasks[2]["dataKey"], "seed");
    assert_eq!(tasks[0]["envVariables"], json!({}));
}

#[test]
fn filters_version_locally_and_takes_verifier_code() {
    let body = r#"[
      {"key":"a","prompt":"p","team_id":"t","environment_id":"e","created_at":"c","version":"v1",
       "verifier":{"verifier_id":"vid","key":"a","version":1,"sha256":"s","code":"def verify(env): return 1","created_at":"c"}},
      {"key":"b","prompt":"p","team_id":"t","environment_id":"e","created_at":"c","version":"v2"}
    ]"#;
    let tasks = parse_load(&response(body), &load_filter(&json!({ "version": "v1" })).unwrap(), "r").unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["verifierId"], "vid");
    assert_eq!(tasks[0]["verifierFunc"], "def verify(env): return 1");
    assert_eq!(tasks[0]["verifier"]["verifierId"], "vid");
}

#[test]
fn a_malformed_body_is_an_invalid_response() {
    let resp = HttpResponse { status: 200, body: "[]".into(), retry_after: None };
    let e = parse_load(&resp, &load_filter(&Value::Null).unwrap(), "r").unwrap_err();
    assert_eq!(e.kind, crate::core::error::ErrorKind::InvalidResponse);
    assert_eq!(e.request_id.as_deref(), Some("r"));
}

#[test]
fn update_and_import_bodies_follow_the_protocol() {
    let req = update_request(&config(), "t 1", &json!({ "prompt": "new", "metadata": { "a": 1 } }), &ctx()).unwrap();
    assert_eq!((req.method, req.url.as_str()), (Method::Put, "http://h/v1/tasks/t%201"));
    assert_eq!(req.body.as_deref(), Some(r#"{"prompt":"new","metadata":{"a":1}}"#));
    assert!(update_request(&config(), "t", &json!({}), &ctx()).is_err());
    assert!(update_request(&config(), "", &json!({ "prompt": "x" }), &ctx()).is_err());

    let task = json!({ "key": "k", "prompt": "p", "envId": "helpdesk", "verifierFunc": "def verify(env): return 1" });
    let req = import_request(&config(), &task, Some("proj"), &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/tasks?project_key=proj");
    let body: Value = crate::core::json::parse(req.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["env_id"], "helpdesk");
    assert_eq!(body["verifier_func"], "def verify(env): return 1");
    assert!(import_request(&config(), &json!({ "key": "k", "prompt": "p", "envId": "e" }), None, &ctx()).is_err());
}
