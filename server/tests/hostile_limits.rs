//! What a team can store is bounded: a task's prompt, verifier code and JSON fields, the number
//! of its tasks, the size of a verifier bundle. Written before the limits, red then.
mod support;

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;

fn task(key: &str) -> Value {
    json!({ "key": key, "prompt": "p", "env_id": "helpdesk", "verifier_func": "def verify(env):\n    return 1\n" })
}

async fn refused(client: &Client, method: &str, path: &str, body: Value, field: &str) {
    let (status, answer) = client.send(method, path, Some(body), None).await;
    assert_eq!(status, 413, "{answer:.300}");
    assert!(answer["detail"].as_str().unwrap().contains(field), "the detail names {field}: {answer:.300}");
}

#[tokio::test]
async fn a_tasks_text_fields_are_bounded_on_import_and_on_update() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let big = "x".repeat(300 * 1024);
    for (field, value) in [
        ("prompt", json!(big)),
        ("verifier_func", json!(format!("def verify(env):\n    return 1\n#{big}"))),
        ("metadata", json!({ "blob": "y".repeat(100 * 1024) })),
        ("env_variables", json!({ "BLOB": "y".repeat(100 * 1024) })),
        ("output_json_schema", json!({ "description": "y".repeat(100 * 1024) })),
    ] {
        let mut body = task("bounded");
        body[field] = value;
        refused(&a, "POST", "/v1/tasks", body, field).await;
    }
    assert_eq!(a.post("/v1/tasks", task("bounded")).await.0, 200);
    refused(&a, "PUT", "/v1/tasks/bounded", json!({ "prompt": big }), "prompt").await;
    refused(&a, "PUT", "/v1/tasks/bounded", json!({ "verifier_code": big }), "verifier").await;
    refused(&a, "PUT", "/v1/tasks/bounded", json!({ "metadata": { "blob": "y".repeat(100 * 1024) } }), "metadata")
        .await;
    assert_eq!(a.get("/v1/tasks/bounded").await.1["prompt"], json!("p"), "nothing was half-changed");
}

#[tokio::test]
async fn a_team_holds_a_bounded_number_of_tasks() {
    let server = Server::start_with_env(&data_dir(), &[], &[("FLOTILLA_MAX_TASKS_PER_TEAM", "30")]);
    let a = server.client(KEY_A);
    let existing = a.get("/v1/tasks").await.1["total"].as_u64().unwrap() as usize;
    assert!(existing < 30, "the built-in tasks (both environments) fit under the test's limit");
    for i in existing..30 {
        assert_eq!(a.post("/v1/tasks", task(&format!("t{i}"))).await.0, 200);
    }
    let (status, answer) = a.post("/v1/tasks", task("one-too-many")).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("30 tasks"), "{answer}");
    assert_eq!(
        a.post("/v1/tasks", task(&format!("t{existing}"))).await.0,
        200,
        "updating an existing task still works"
    );
    assert_eq!(server.client(KEY_B).post("/v1/tasks", task("b0")).await.0, 200, "other teams are not affected");
}

#[tokio::test]
async fn a_verifier_bundle_is_bounded() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let instance = a.make(json!({})).await;
    let bytes: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let body = json!({
        "key": "big-bundle", "sha256": hex::encode(Sha256::digest(&bytes)), "args": "", "function_name": "verify",
        "args_array": [{ "env": instance }], "timeout": 5,
        "bundle": base64::engine::general_purpose::STANDARD.encode(&bytes),
    });
    refused(&a, "POST", "/v1/verifiers/execute", body, "bundle").await;
}

#[tokio::test]
async fn a_teams_transcripts_are_bounded_together() {
    let server = Server::start_with_env(&data_dir(), &[], &[("FLOTILLA_MAX_TRACE_BYTES_PER_TEAM", "1048576")]);
    let message = json!({ "role": "user", "content": "m".repeat(600 * 1024) });
    let ingest = json!({ "messages": [message], "status": "running" });
    let a = server.client(KEY_A);
    assert_eq!(a.post("/v1/sessions/ingest", ingest.clone()).await.0, 200);
    let (status, body) = a.post("/v1/sessions/ingest", ingest.clone()).await;
    assert_eq!(status, 413, "{body:.300}");
    assert!(body["detail"].as_str().unwrap().contains("team keeps at most 1 MiB"), "{body:.300}");
    assert_eq!(server.client(KEY_B).post("/v1/sessions/ingest", ingest).await.0, 200, "other teams are apart");
}

#[tokio::test]
async fn a_tasks_short_fields_and_project_key_are_bounded() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let long = "v".repeat(201);
    for field in ["version", "data_id", "data_version", "verifier_id"] {
        let mut body = task("short");
        body[field] = json!(long);
        let (status, answer) = a.post("/v1/tasks", body).await;
        assert_eq!(status, 400, "{field}: {answer:.300}");
        assert!(answer["detail"].as_str().unwrap().contains(field), "{answer:.300}");
    }
    for project in [long.as_str(), "a%0Ab", "%20"] {
        let (status, answer) = a.post(&format!("/v1/tasks?project_key={project}"), task("short")).await;
        assert_eq!(status, 400, "{project}: {answer:.300}");
        assert!(answer["detail"].as_str().unwrap().contains("project_key"), "{answer:.300}");
    }
    for key in ["projects", "a/b"] {
        assert_eq!(a.post("/v1/tasks", task(key)).await.0, 400, "{key}");
    }
    let mut dated = task("dated");
    dated["created_at"] = json!(format!("2026-01-01T00:00:00{}", "Z".repeat(100_000)));
    assert_eq!(a.post("/v1/tasks", dated).await.0, 200, "an unreadable created_at is replaced, not stored");
    let stored = a.get("/v1/tasks/dated").await.1;
    assert!(stored["created_at"].as_str().unwrap().len() < 40, "{stored:.300}");
    let (_, list) = a.get("/v1/tasks?task_keys=short").await;
    assert_eq!(list["total"], 0, "nothing was stored");
}
