use serde_json::json;

use super::*;
use crate::core::error::ErrorKind;
use crate::core::io::{decode, HttpResponse, JsonBody, ResponseBody};
use crate::core::options::parse;

fn config() -> ClientConfig {
    ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap()
}

fn ctx() -> CallContext {
    CallContext { request_id: "r".into(), timestamp_ms: 1795354525106 }
}

fn filters(v: Value) -> LoadTasksOptions {
    parse(v, "loadTasks filters").unwrap()
}

#[test]
fn query_follows_protocol_order_with_repeated_keys() {
    let f = filters(
        json!({ "keys": ["t1", "t2"], "projectKey": "p", "envKey": "fira", "dataId": "d", "dataVersion": "v1", "version": "local" }),
    );
    let req = load_request(&config(), &f, &ctx()).unwrap();
    assert_eq!(
        req.url,
        "http://h/v1/tasks?env_key=fira&task_keys=t1&task_keys=t2&project_key=p&data_id=d&data_version=v1"
    );
    let req = load_request(&config(), &filters(Value::Null), &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/tasks");
}

#[test]
fn bad_filters_are_validation_errors() {
    assert!(load_request(&config(), &filters(json!({ "keys": [""] })), &ctx()).is_err());
    let e = parse::<LoadTasksOptions>(json!({ "envkey": "x" }), "loadTasks filters").unwrap_err();
    assert!(e.message.contains("unknown option `envkey`"), "{}", e.message);
    assert!(parse::<LoadTasksOptions>(json!({ "keys": "t1" }), "f").is_err());
}

fn tasks(list: Value, o: &LoadTasksOptions) -> Vec<Task> {
    finish_load(json!({ "tasks": list, "total": 0 }).decode().unwrap(), o)
}

#[test]
fn builds_env_and_data_keys_by_the_protocol_rules() {
    let list = json!([
      {"key":"a","prompt":"p","team_id":"t","environment_id":"helpdesk","created_at":"c","version":"v1","data_id":"seed","data_version":"v2"},
      {"key":"b","prompt":"p","team_id":"t","environment_id":"helpdesk","created_at":"c","version":"None"},
      {"key":"c","prompt":"p","team_id":"t","environment_id":"x:v3","created_at":"c","version":"v1","data_id":"seed"}
    ]);
    let t = tasks(list, &LoadTasksOptions::default());
    assert_eq!((t[0].env_key.as_str(), t[0].data_key.as_deref()), ("helpdesk:v1", Some("seed:v2")));
    assert_eq!((t[1].env_key.as_str(), t[1].data_key.as_deref()), ("helpdesk", None));
    assert_eq!((t[2].env_key.as_str(), t[2].data_key.as_deref()), ("x:v3", Some("seed")));
    let js = serde_json::to_value(&t[0]).unwrap();
    assert_eq!(
        (js["envId"].clone(), js["envVariables"].clone(), js["envKey"].clone()),
        (json!("helpdesk"), json!({}), json!("helpdesk:v1"))
    );
}

#[test]
fn filters_version_locally_and_takes_verifier_code() {
    let list = json!([
      {"key":"a","prompt":"p","team_id":"t","environment_id":"e","created_at":"c","version":"v1",
       "verifier":{"verifier_id":"vid","key":"a","version":1,"sha256":"s","code":"def verify(env): return 1","created_at":"c"}},
      {"key":"b","prompt":"p","team_id":"t","environment_id":"e","created_at":"c","version":"v2"}
    ]);
    let t = tasks(list, &filters(json!({ "version": "v1" })));
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].verifier_id.as_deref(), Some("vid"));
    assert_eq!(t[0].verifier_func.as_deref(), Some("def verify(env): return 1"));
    assert_eq!(serde_json::to_value(&t[0]).unwrap()["verifier"]["verifierId"], "vid");
}

#[test]
fn a_malformed_body_is_an_invalid_response_with_the_request_id() {
    let response = HttpResponse { status: 200, retry_after: None, body: ResponseBody::Json(json!([])) };
    let e = decode::<TaskList, Value>(&response, "r").unwrap_err();
    assert_eq!((e.kind, e.request_id.as_deref()), (ErrorKind::InvalidResponse, Some("r")));
}

#[test]
fn update_and_import_bodies_follow_the_protocol() {
    let changes = |v: Value| parse::<UpdateTaskInput>(v, "updateTask changes").unwrap();
    let req =
        update_request(&config(), "t 1", &changes(json!({ "prompt": "new", "metadata": { "b": 1, "a": 2 } })), &ctx())
            .unwrap();
    assert_eq!((req.method, req.url.as_str()), (Method::Put, "http://h/v1/tasks/t%201"));
    assert_eq!(req.body.as_deref(), Some(r#"{"prompt":"new","metadata":{"b":1,"a":2}}"#));
    assert!(update_request(&config(), "t", &changes(json!({})), &ctx()).is_err());
    assert!(update_request(&config(), "", &changes(json!({ "prompt": "x" })), &ctx()).is_err());
    assert!(parse::<UpdateTaskInput>(json!({ "verifier_code": "x" }), "u").is_err(), "wire names are not JS names");

    let task: ImportTaskInput = parse(
        json!({ "key": "k", "prompt": "p", "envId": "helpdesk", "verifierFunc": "def verify(env): return 1" }),
        "t",
    )
    .unwrap();
    let req = import_request(&config(), &task, &parse(json!({ "projectKey": "proj" }), "o").unwrap(), &ctx()).unwrap();
    assert_eq!(req.url, "http://h/v1/tasks?project_key=proj");
    assert_eq!(
        req.body.as_deref(),
        Some(concat!(
            r#"{"key":"k","prompt":"p","env_id":"helpdesk","env_variables":{},"#,
            r#""created_at":"2026-11-22T13:35:25.106000","version":null,"#,
            r#""data_id":null,"data_version":null,"verifier_func":"def verify(env): return 1","verifier_id":null,"#,
            r#""verifier_sha":null,"metadata":{},"output_json_schema":null}"#
        ))
    );
    let dated = ImportTaskInput { created_at: Some("2026-01-02T03:04:05".into()), ..task };
    let req = import_request(&config(), &dated, &ImportTaskOptions::default(), &ctx()).unwrap();
    assert!(req.body.unwrap().contains(r#""created_at":"2026-01-02T03:04:05","#), "a given createdAt is sent as is");
    let no_code: ImportTaskInput =
        parse(json!({ "key": "k", "prompt": "p", "envId": "e" }), "importTask task").unwrap();
    let e = import_request(&config(), &no_code, &ImportTaskOptions::default(), &ctx()).unwrap_err();
    assert!(e.message.contains("verifierFunc"), "{}", e.message);
}

#[test]
fn make_env_takes_the_env_and_data_from_the_task() {
    let task =
        Task { env_id: "helpdesk".into(), version: Some("v1".into()), data_id: Some("seed".into()), ..Task::default() }
            .complete();
    let task = Task { env_variables: [("A".to_string(), json!(1))].into_iter().collect(), ..task };
    let merged = task.make_options(parse(json!({ "ttlSeconds": 60 }), "o").unwrap()).unwrap();
    assert_eq!(
        (merged.env_key.as_deref(), merged.data_key.as_deref(), merged.ttl_seconds),
        (Some("helpdesk:v1"), Some("seed"), Some(60))
    );
    assert_eq!(merged.env_variables.unwrap()["A"], 1);
    let own = task.make_options(parse(json!({ "envVariables": { "B": 2 } }), "o").unwrap()).unwrap();
    assert!(own.env_variables.unwrap().get("A").is_none(), "the caller's variables win");
    assert!(task.make_options(parse(json!({ "envKey": "other" }), "o").unwrap()).is_err());
}

#[test]
fn null_env_variables_read_as_an_empty_map() {
    let t: Task = json!({ "key": "a", "prompt": "p", "team_id": "t", "environment_id": "e", "created_at": "c", "env_variables": null })
        .decode()
        .unwrap();
    assert!(t.env_variables.is_empty());
}
