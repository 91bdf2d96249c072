use serde_json::{json, Value};

use super::*;
use crate::core::error::ErrorKind;
use crate::core::testing::{call, client, run, FakeIo, Reply};

fn entry(key: &str) -> Value {
    json!({ "key": key, "prompt": "Do it", "env_id": "helpdesk", "verifier_func": "def verify(env): return 1.0" })
}

fn message(pack: Value) -> String {
    let e = read_pack(pack).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    e.message.clone()
}

#[test]
fn reads_arrays_wrapped_packs_and_every_spelling_fleet_python_accepts() {
    let pack = read_pack(json!([
        entry("a"),
        { "id": "b", "prompt": "p", "env_key": "helpdesk", "verifier": { "code": "def v(env): return 0", "verifier_id": "vb", "sha256": "ab" },
          "verifier_runtime_version": "3.11", "created_at": "2026-11-01 00:00:00+00:00", "metadata": { "x": [1, 0.1] } },
        { "key": "c", "prompt": "p", "env_id": "helpdesk", "verifier_code": "def v(env): return 1" },
    ]))
    .unwrap();
    assert_eq!(pack.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(pack[1].env_id, "helpdesk");
    assert_eq!(pack[1].verifier_func.as_deref(), Some("def v(env): return 0"));
    assert_eq!((pack[1].verifier_id.as_deref(), pack[1].verifier_sha.as_deref()), (Some("vb"), Some("ab")));
    assert_eq!(pack[1].metadata, Some(json!({ "x": [1, 0.1] })), "user data passes through");
    assert_eq!(pack[2].verifier_func.as_deref(), Some("def v(env): return 1"));
    assert_eq!(read_pack(json!({ "tasks": [entry("a")] })).unwrap().len(), 1);
    assert!(read_pack(json!([])).unwrap().is_empty());
}

#[test]
fn fleet_pythons_fallbacks_empty_strings_and_timestamps() {
    let pack = read_pack(json!([
        { "key": "a", "prompt": "p", "env_id": "", "env_key": "helpdesk", "verifier_func": "", "verifier_code": "def v(env): return 1",
          "created_at": "", "metadata": { "verifier": { "verifier_id": "from-metadata" } } },
        { "key": "b", "prompt": "p", "env_id": "helpdesk", "verifier_func": "def v(env): return 1", "created_at": 1_767_225_600,
          "verifier_sha": "", "verifier": { "sha256": "ab" } },
        { "key": "c", "prompt": "p", "env_id": "helpdesk", "verifier_func": "def v(env): return 1", "created_at": "2026-11-01 00:00:00+00:00" },
        { "key": "d", "prompt": "p", "env_id": "helpdesk", "verifier_func": "def v(env): return 1", "created_at": "2026-11-01T09:30:00.123456Z" },
    ]))
    .unwrap();
    assert_eq!(pack[0].env_id, "helpdesk", "an empty env_id falls back to env_key");
    assert_eq!(
        pack[0].verifier_func.as_deref(),
        Some("def v(env): return 1"),
        "an empty verifier_func counts as absent"
    );
    assert_eq!(pack[0].created_at, None, "an empty created_at means now");
    assert_eq!(pack[0].verifier_id.as_deref(), Some("from-metadata"));
    assert_eq!(pack[1].verifier_id.as_deref(), Some("b"), "else the key, as fleet-python's loader");
    assert_eq!(pack[1].verifier_sha.as_deref(), Some("ab"));
    assert_eq!(pack[1].created_at.as_deref(), Some("2026-01-01T00:00:00.000Z"), "epoch seconds");
    assert_eq!(pack[2].created_at.as_deref(), Some("2026-11-01 00:00:00+00:00"), "Python's str(datetime) is kept");
    assert_eq!(pack[3].created_at.as_deref(), Some("2026-11-01T09:30:00.123456Z"));
}

#[test]
fn a_bad_pack_names_the_task_and_the_field() {
    assert!(message(json!({ "not": "tasks" })).contains("expected a JSON array"));
    assert!(message(json!("text")).contains("expected a JSON array"));
    assert_eq!(message(json!([entry("a"), 7])), "task file: task 2: must be an object");
    let m = message(json!([entry("a"), { "key": "b", "prompt": 5, "env_id": "helpdesk", "verifier_func": "x" }]));
    assert!(m.starts_with("task file: task 2: `prompt`: invalid type: integer `5`"), "{m}");
    let m = message(
        json!([{ "key": "a", "prompt": "p", "env_id": "helpdesk", "verifier_func": "x", "env_variables": [1] }]),
    );
    assert!(m.contains("task 1: `env_variables`"), "{m}");
    let m = message(json!([{ "key": "a", "prompt": "p", "env_id": "helpdesk" }]));
    assert!(m.contains("task 1 (a): `verifier_func`") && m.contains("missing"), "{m}");
    let m = message(json!([{ "prompt": "p" }]));
    assert!(m.contains("task 1: `key` (or `id`) is missing"), "{m}");
    let m = message(json!([{ "key": "a", "prompt": " ", "env_id": "e", "verifier_func": "x" }]));
    assert!(m.contains("task 1 (a): `prompt` is missing or empty"), "{m}");
    let m = message(json!([entry("a"), entry("b"), entry("a")]));
    assert_eq!(m, "task file: task 3 (a): the key is also task 1's");
    let m = message(json!([{ "key": "a", "prompt": "p", "env_id": "e", "verifier_func": "x", "created_at": "soon" }]));
    assert!(m.contains(r#"`created_at`: "soon" is not an ISO-8601 timestamp"#), "{m}");
    for garbage in ["2026-11-01garbage", "2026-11-01T25", "2026-1-01", "2026-11-01T10:00:00+0100"] {
        let m =
            message(json!([{ "key": "a", "prompt": "p", "env_id": "e", "verifier_func": "x", "created_at": garbage }]));
        assert!(m.contains("`created_at`"), "{garbage}: {m}");
    }
    let m = message(json!([{ "key": "a", "prompt": "p", "env_id": "e", "verifier_func": "x", "metadata": [1] }]));
    assert!(m.contains("task 1: `metadata`: invalid type: sequence"), "fleet-python needs an object: {m}");
    let m = message(json!([{ "key": "a/b", "prompt": "p", "env_id": "e", "verifier_func": "x" }]));
    assert!(m.contains("task 1 (a/b): `key`: at most 200 bytes, without `/`"), "{m}");
    let m = message(
        json!([{ "key": "a", "prompt": "p", "env_id": "e", "verifier_func": "x", "version": "v".repeat(201) }]),
    );
    assert!(m.contains("`version` is longer than 200 bytes"), "{m}");
    let m = message(json!([{ "key": "projects", "prompt": "p", "env_id": "e", "verifier_func": "x" }]));
    assert!(m.contains("`projects` is reserved"), "{m}");
    let long = "x".repeat(256 * 1024 + 1);
    let m = message(json!([entry("a"), { "key": "b", "prompt": long, "env_id": "e", "verifier_func": "x" }]));
    assert!(m.contains("task 2 (b): `prompt` is larger than 256 KiB"), "{m}");
    let big: serde_json::Map<String, Value> = (0..3000).map(|i| (format!("k{i}"), json!("0123456789abcdef"))).collect();
    let m = message(json!([{ "key": "a", "prompt": "p", "env_id": "e", "verifier_func": "x", "metadata": big }]));
    assert!(m.contains("`metadata` is larger than 64 KiB as JSON"), "{m}");
    let many = Value::Array((0..=MAX_TASKS_PER_PACK).map(|i| entry(&format!("t{i}"))).collect());
    assert!(message(many).contains("at most 10000"));
}

#[test]
fn an_exported_task_is_a_file_entry_that_reads_back_the_same() {
    let task: Task = serde_json::from_value::<Task>(json!({
        "key": "k", "prompt": "p", "team_id": "t", "environment_id": "helpdesk", "created_at": "2026-01-01T00:00:00Z",
        "version": "v1", "metadata": { "a": 1 },
        "verifier": { "verifier_id": "v", "key": "k", "version": 1, "sha256": "ff", "code": "def verify(env): return 1", "created_at": "c" }
    }))
    .unwrap()
    .complete();
    let entry = file_entry(&task);
    let text = serde_json::to_string(&entry).unwrap();
    assert!(text.starts_with(r#"{"key":"k","prompt":"p","env_id":"helpdesk","env_variables":{},"created_at":"2026"#));
    assert!(text.contains(r#""verifier_func":"def verify(env): return 1","verifier_id":"v","verifier_sha":"ff""#));
    let back = read_pack(json!([serde_json::from_str::<Value>(&text).unwrap()])).unwrap();
    assert_eq!(serde_json::to_string(&back[0]).unwrap(), text);
}

fn catalog() -> Reply {
    Reply::Json(200, json!([{ "env_key": "helpdesk", "name": "Help desk", "versions": {} }]))
}

fn stored(key: &str) -> Value {
    json!({ "key": key, "prompt": "Do it", "team_id": "t", "environment_id": "helpdesk", "created_at": "2026-01-01T00:00:00" })
}

#[test]
fn import_checks_every_environment_before_sending_any_task() {
    let client = client();
    let pack =
        read_pack(json!([entry("a"), { "key": "b", "prompt": "p", "env_id": "nope", "verifier_func": "x" }])).unwrap();
    let io = FakeIo::new([catalog()]);
    let e = run(import_pack(&call(&client, &io), &pack, &ImportTaskOptions::default())).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    assert!(
        e.message.contains("task 2 (b): `env_id`: no environment `nope` here (there are: helpdesk)"),
        "{}",
        e.message
    );
    assert_eq!(io.calls(), ["GET /v1/env/"], "nothing imported");
}

#[test]
fn import_sends_every_task_in_order_and_says_how_far_a_failure_got() {
    let client = client();
    let pack = read_pack(json!([entry("a"), entry("b"), entry("c")])).unwrap();
    let options = ImportTaskOptions { project_key: Some("p".into()) };
    let io = FakeIo::new([
        catalog(),
        Reply::Json(200, stored("a")),
        Reply::Json(200, stored("b")),
        Reply::Json(200, stored("c")),
    ]);
    let tasks = run(import_pack(&call(&client, &io), &pack, &options)).unwrap();
    assert_eq!(tasks.iter().map(|t| t.env_key.as_str()).collect::<Vec<_>>(), ["helpdesk"; 3]);
    let urls: Vec<String> = io.sent.borrow().iter().map(|r| r.url.clone()).collect();
    assert_eq!(urls[1..], ["http://h/v1/tasks?project_key=p"; 3]);

    let io = FakeIo::new([catalog(), Reply::Json(200, stored("a")), Reply::Json(403, json!({ "detail": "full" }))]);
    let e = run(import_pack(&call(&client, &io), &pack, &options)).unwrap_err();
    assert_eq!(e.status, Some(403));
    assert!(e.message.starts_with("importTasks: task 2 (b) failed after 1 of 3 were imported"), "{}", e.message);
    assert_eq!(io.calls().len(), 3, "stops at the first failure");

    for bad in [" ".to_string(), "a\nb".into(), "p".repeat(201)] {
        let io = FakeIo::new([]);
        let bad = ImportTaskOptions { project_key: Some(bad) };
        assert_eq!(run(import_pack(&call(&client, &io), &pack, &bad)).unwrap_err().kind, ErrorKind::Validation);
        assert!(io.calls().is_empty(), "a bad option sends nothing");
    }
}
