//! A restart keeps tasks, instances, runs and bundles; apps that did not survive are reported
//! honestly; no app process outlives the server.
mod support;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::*;

async fn runner_query(server: &Server, a: &Client, id: &str, sql: &str) -> Value {
    let (_, token) = a.get("/v1/runner-auth/token").await;
    reqwest::Client::new()
        .post(format!("{}/i/{id}/api/v1/env/resources/sqlite/current/query", server.base))
        .header("X-Runner-Token", token["token"].as_str().unwrap())
        .json(&json!({ "query": sql, "read_only": false }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn kill_9_and_restart_keeps_everything() {
    let dir = data_dir();
    let mut server = Server::start(&dir, &[]);
    let a = server.client(KEY_A);
    let id = a.make(json!({ "run_id": "keep", "ttl_seconds": 3600 })).await;
    runner_query(&server, &a, &id, "UPDATE tickets SET status = 'closed' WHERE id = 2").await;
    let task = json!({ "key": "kept", "prompt": "p", "env_id": "helpdesk", "verifier_func": "def verify(env):\n    return 1\n" });
    assert_eq!(a.post("/v1/tasks", task).await.0, 200);
    let bundle = b"not really a zip";
    let sha = hex::encode(Sha256::digest(bundle));
    let exec = json!({ "key": "k", "sha256": sha, "args": "", "args_array": [{ "env": id }], "function_name": "verify",
                       "timeout": 10, "bundle": base64_of(bundle) });
    let (status, v) = a.post("/v1/verifiers/execute", exec).await;
    assert_eq!((status, v["success"].as_bool()), (200, Some(false)), "a broken bundle is a failed run, not a 500: {v}");
    assert!(v["error"]["message"].is_string());

    server.kill9();
    let server = Server::start(&dir, &[]);
    let a = server.client(KEY_A);
    assert_eq!(a.status_of(&id).await, "running", "the demo app is in-process and comes back");
    let rows = runner_query(&server, &a, &id, "SELECT status FROM tickets WHERE id = 2").await;
    assert_eq!(rows["rows"], json!([["closed"]]));
    assert_eq!(a.get("/v1/tasks/kept").await.0, 200);
    let (_, runs) = a.get("/v1/env/runs?active=all").await;
    assert_eq!(runs[0]["run_id"], "keep");
    let (_, check) = a.get(&format!("/v1/verifiers/check?sha256={sha}")).await;
    assert_eq!(check["success"], true, "bundles survive");
}

#[tokio::test]
async fn graceful_shutdown_stops_every_instance() {
    let dir = data_dir();
    let mut server = Server::start(&dir, &[]);
    let a = server.client(KEY_A);
    let id = a.make(json!({})).await;
    server.terminate();
    let server = Server::start(&dir, &[]);
    let a = server.client(KEY_A);
    let (_, v) = a.get(&format!("/v1/env/instances/{id}")).await;
    assert_eq!(v["status"], "stopped");
    assert!(v["terminated_at"].is_string());
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn command_apps_run_behind_the_proxy_and_die_with_the_server() {
    let dir = data_dir();
    let marker = dir.join("catalog").join("www");
    std::fs::create_dir_all(&marker).unwrap();
    std::fs::write(marker.join("index.html"), "hello from a command app").unwrap();
    let catalog = json!({ "environments": [{
        "env_key": "static", "name": "Static files", "default_version": "v1",
        "versions": { "v1": { "kind": "command", "health_path": "/",
            "command": ["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1", "--directory", marker],
            "seeds": { "empty:v1": "../seed.db" }, "default_data": "empty:v1" } } }] });
    let cat_dir = dir.join("catalog");
    std::fs::create_dir_all(&cat_dir).unwrap();
    rusqlite::Connection::open(dir.join("seed.db")).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    std::fs::write(cat_dir.join("envs.json"), catalog.to_string()).unwrap();
    let cat_path = cat_dir.join("envs.json");
    let mut server = Server::start(&dir, &["--environments", cat_path.to_str().unwrap()]);
    let a = server.client(KEY_A);
    let (status, v) = a.post("/v1/env/instances", json!({ "env_key": "static", "max_wait_seconds": 30 })).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("running")), "{v}");
    let id = v["instance_id"].as_str().unwrap().to_string();
    let page = reqwest::get(format!("{}/i/{id}/app/", server.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains("hello from a command app"));
    let marker = marker.to_str().unwrap().to_string();
    assert!(processes_mentioning(&marker) >= 1, "the app runs");

    server.kill9();
    assert!(eventually(3000, || async { processes_mentioning(&marker) == 0 }).await, "the app outlived the server");
    let server = Server::start(&dir, &["--environments", cat_path.to_str().unwrap()]);
    let a = server.client(KEY_A);
    assert_eq!(a.status_of(&id).await, "stopped", "its app is gone, and the status says so");
}

#[tokio::test]
async fn without_python_a_verifier_run_is_a_clear_failure_not_a_500() {
    let dir = data_dir();
    let server = Server::start(&dir, &["--python", "/nonexistent/python3"]);
    let a = server.client(KEY_A);
    let id = a.make(json!({})).await;
    let bundle = b"PK-ish";
    let exec = json!({ "key": "k", "sha256": hex::encode(Sha256::digest(bundle)), "args": "", "args_array": [{ "env": id }],
                       "function_name": "verify", "bundle": base64_of(bundle) });
    let (status, v) = a.post("/v1/verifiers/execute", exec).await;
    assert_eq!(status, 200);
    assert_eq!(v["success"], false);
    assert_eq!(v["error"]["type"], "PythonUnavailable");
    assert!(v["error"]["message"].as_str().unwrap().contains("/nonexistent/python3"));
    assert!(v["execution_time_ms"].is_u64());
}
