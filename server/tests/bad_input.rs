//! Bad input gets a 4xx with a JSON `detail`, never a 500, and loses nothing.
mod support;

use serde_json::{json, Value};
use support::*;

fn assert_detail(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "body: {body}");
    assert!(body.get("detail").is_some(), "no detail in {body}");
}

#[tokio::test]
async fn create_rejects_bad_fields_with_fleet_python_wording() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let cases = [
        (json!({ "env_key": "nope" }), 400, "Environment 'nope' not found"),
        (json!({ "env_key": "helpdesk", "env_version": "v9" }), 400, "Version 'v9' not found"),
        (json!({ "env_key": "helpdesk:9" }), 400, "Version 'v9' not found"),
        (json!({ "env_key": "helpdesk", "data_key": "other" }), 400, "Data key 'other' not found"),
        (json!({ "env_key": "helpdesk", "ttl_seconds": -5 }), 400, "ttl_seconds"),
        (json!({ "env_key": "helpdesk", "ttl_seconds": 99999999999i64 }), 400, "ttl_seconds"),
        (json!({ "env_key": "helpdesk", "heartbeat_interval": 0 }), 400, "heartbeat_interval"),
        (json!({ "env_key": "helpdesk", "region": "mars-1" }), 400, "Region mars-1 not supported"),
        (json!({ "env_key": "helpdesk", "ttl_seconds": "ten" }), 422, "Invalid request body"),
        (json!({ "env_key": 7 }), 422, "Invalid request body"),
        (json!([1, 2]), 422, "Invalid request body"),
    ];
    for (body, status, text) in cases {
        let (s, v) = a.post("/v1/env/instances", body.clone()).await;
        assert_detail(s, &v, status);
        let detail = v["detail"].to_string();
        assert!(detail.contains(text), "{body} -> {detail}");
        assert!(
            !detail.to_lowercase().contains("environment") || text.starts_with("Environment"),
            "version errors must not say 'environment' ({detail})"
        );
    }
    let (_, list) = a.get("/v1/env/instances").await;
    assert_eq!(list, json!([]), "no instance was created by a bad request");
}

#[tokio::test]
async fn malformed_and_oversized_bodies() {
    let server = Server::start(&data_dir(), &[]);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Vec<u8>| {
        http.post(format!("{}{path}", server.base))
            .bearer_auth(KEY_A)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = post("/v1/env/instances", b"{not json".to_vec()).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("Malformed JSON"));
    let huge = format!("{{\"env_key\":\"helpdesk\",\"pad\":\"{}\"}}", "x".repeat(17 * 1024 * 1024));
    let r = post("/v1/env/instances", huge.into_bytes()).await.unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
    // The server closes a connection whose body it refused: go on with a fresh client.
    let http = reqwest::Client::new();
    let r = http.get(format!("{}/v1/account", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
    let r = http.get(format!("{}/v1/nothing/here", server.base)).bearer_auth(KEY_A).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
    let r = http.patch(format!("{}/v1/account", server.base)).bearer_auth(KEY_A).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
}

#[tokio::test]
async fn unknown_ids_and_path_tricks_are_404s() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    for path in [
        "/v1/env/instances/inst_nope",
        "/v1/env/instances/..%2F..%2Fapi-keys.json",
        "/v1/tasks/..%2Fx",
        "/v1/env/nope",
        "/v1/verifiers/nope",
    ] {
        let (s, v) = a.get(path).await;
        assert_detail(s, &v, 404);
    }
    let id = a.make(json!({})).await;
    let (_, token) = a.get("/v1/runner-auth/token").await;
    let http = reqwest::Client::new();
    let token = token["token"].as_str().unwrap();
    for name in ["..%2F..%2Fflotilla.db", "main", "seed.db"] {
        let r = http
            .get(format!("{}/i/{id}/api/v1/env/resources/sqlite/{name}/describe", server.base))
            .header("X-Runner-Token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{name}");
    }
}

#[tokio::test]
async fn sql_writes_to_read_only_resources_are_refused_and_change_nothing() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let id = a.make(json!({})).await;
    let (_, token) = a.get("/v1/runner-auth/token").await;
    let http = reqwest::Client::new();
    let query = |db: &str, sql: &str, read_only: bool| {
        http.post(format!("{}/i/{id}/api/v1/env/resources/sqlite/{db}/query", server.base))
            .header("X-Runner-Token", token["token"].as_str().unwrap())
            .json(&json!({ "query": sql, "args": null, "read_only": read_only }))
            .send()
    };
    for (db, read_only) in [("seed", false), ("current", true)] {
        let r = query(db, "DELETE FROM tickets", read_only).await.unwrap();
        assert_eq!(r.status(), 403);
        let v: Value = r.json().await.unwrap();
        assert_eq!((v["success"].as_bool(), v["detail"].is_string()), (Some(false), true));
    }
    let r = query("current", "SELEC nonsense", false).await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = query("current", "SELECT COUNT(*) FROM tickets", true).await.unwrap().json().await.unwrap();
    assert_eq!(v["rows"], json!([[7]]), "nothing was deleted");
}

#[tokio::test]
async fn verifier_inputs_are_checked() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let (s, v) = a.get(&format!("/v1/verifiers/check?sha256={}", "ab".repeat(32))).await;
    assert_eq!((s, v), (200, json!({ "success": false })), "unknown bundles are 200 false, not 404");
    let (s, v) = a.get("/v1/verifiers/check?sha256=../../etc").await;
    assert_detail(s, &v, 400);
    let bogus = json!({ "key": "k", "sha256": "ab".repeat(32), "args": "", "args_array": [{ "env": "x" }], "function_name": "verify" });
    let (s, v) = a.post("/v1/verifiers/execute", bogus).await;
    assert_detail(s, &v, 404);
    let instance = a.make(json!({})).await;
    let exec = json!({ "key": "k", "sha256": "ab".repeat(32), "args": "", "args_array": [{ "env": instance }], "function_name": "verify" });
    let (s, v) = a.post("/v1/verifiers/execute", exec.clone()).await;
    assert_detail(s, &v, 400);
    assert!(
        v["detail"].as_str().unwrap().contains("Bundle not found"),
        "fleet-python resends with the bundle on this text"
    );
    let mut wrong = exec.clone();
    wrong["bundle"] = json!("aGVsbG8=");
    let (s, v) = a.post("/v1/verifiers/execute", wrong).await;
    assert_detail(s, &v, 400);
    assert!(v["detail"].as_str().unwrap().contains("sha256"));
}
