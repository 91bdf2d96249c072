use super::*;

fn config() -> ClientConfig {
    ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap()
}

fn ctx() -> CallContext {
    CallContext { request_id: "r".into(), timestamp_ms: 1 }
}

#[test]
fn query_follows_protocol_order_with_repeated_keys() {
    let options = LoadTasksOptions {
        keys: Some(vec!["t1".into(), "t2".into()]),
        project_key: Some("p".into()),
        env_key: Some("fira".into()),
        data_id: Some("d".into()),
        data_version: Some("v1".into()),
        version: Some("ignored-by-server".into()),
        ..Default::default()
    };
    let req = load_request(&config(), &options, &ctx()).unwrap();
    assert_eq!(
        req.url,
        "http://h/v1/tasks?env_key=fira&task_keys=t1&task_keys=t2&project_key=p&data_id=d&data_version=v1"
    );
}

#[test]
fn no_filters_means_no_query() {
    let req = load_request(&config(), &LoadTasksOptions::default(), &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/tasks");
}

#[test]
fn empty_key_is_rejected_before_sending() {
    let options = LoadTasksOptions { keys: Some(vec!["".into()]), ..Default::default() };
    assert!(load_request(&config(), &options, &ctx()).is_err());
}

fn response(tasks: &str) -> HttpResponse {
    HttpResponse { status: 200, body: format!(r#"{{"tasks":{tasks},"total":0}}"#), retry_after: None }
}

#[test]
fn builds_env_and_data_keys_by_the_protocol_rules() {
    let body = r#"[
      {"key":"a","prompt":"p","team_id":"t","environment_id":"helpdesk","created_at":"2026-01-01T00:00:00Z","version":"v1","data_id":"seed","data_version":"v2"},
      {"key":"b","prompt":"p","team_id":"t","environment_id":"helpdesk","created_at":"2026-01-01T00:00:00Z","version":"None"},
      {"key":"c","prompt":"p","team_id":"t","environment_id":"x:v3","created_at":"2026-01-01T00:00:00Z","version":"v1","data_id":"seed"}
    ]"#;
    let tasks = parse_load(&response(body), &LoadTasksOptions::default(), "r").unwrap();
    assert_eq!(tasks[0].env_key, "helpdesk:v1");
    assert_eq!(tasks[0].data_key.as_deref(), Some("seed:v2"));
    assert_eq!(tasks[1].env_key, "helpdesk");
    assert_eq!(tasks[1].data_key, None);
    assert_eq!(tasks[2].env_key, "x:v3");
    assert_eq!(tasks[2].data_key.as_deref(), Some("seed"));
}

#[test]
fn filters_version_locally_and_takes_verifier_code() {
    let body = r#"[
      {"key":"a","prompt":"p","team_id":"t","environment_id":"e","created_at":"c","version":"v1",
       "verifier":{"verifier_id":"vid","key":"a","version":1,"sha256":"s","code":"def verify(env): return 1","created_at":"c"}},
      {"key":"b","prompt":"p","team_id":"t","environment_id":"e","created_at":"c","version":"v2"}
    ]"#;
    let options = LoadTasksOptions { version: Some("v1".into()), ..Default::default() };
    let tasks = parse_load(&response(body), &options, "r").unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].verifier_id.as_deref(), Some("vid"));
    assert_eq!(tasks[0].verifier_func.as_deref(), Some("def verify(env): return 1"));
    let js = serde_json::to_value(&tasks[0]).unwrap();
    assert_eq!(js["envKey"], "e:v1");
    assert_eq!(js["verifier"]["verifierId"], "vid");
    assert_eq!(js["envVariables"], serde_json::json!({}));
}

#[test]
fn a_malformed_body_is_an_invalid_response() {
    let resp = HttpResponse { status: 200, body: "[]".into(), retry_after: None };
    let e = parse_load(&resp, &LoadTasksOptions::default(), "r").unwrap_err();
    assert_eq!(e.kind, crate::core::error::ErrorKind::InvalidResponse);
    assert_eq!(e.request_id.as_deref(), Some("r"));
}

#[test]
fn options_reject_unknown_fields() {
    let parsed: Result<LoadTasksOptions, _> = serde_json::from_str(r#"{"envkey":"x"}"#);
    assert!(parsed.is_err());
}
