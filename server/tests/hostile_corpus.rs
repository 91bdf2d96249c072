//! A generated corpus of bad input against every route: each path parameter replaced by hostile
//! values, each body replaced by malformed JSON and by a valid body with each field removed,
//! retyped, emptied, oversized or full of control characters, each query garbled, with good,
//! bad and missing credentials. Every answer must be below 500 and every error must be JSON with
//! a `detail`; the server must be alive at the end.
mod support;

use std::io::{Read, Write};

use serde_json::{json, Value};
use support::*;

/// The routes of the API, with a body that is valid for each that takes one.
fn routes(instance: &str) -> Vec<(&'static str, String, Option<Value>)> {
    let task = json!({ "key": "corpus-task", "prompt": "p", "env_id": "helpdesk", "verifier_func": "def verify(env):\n    return 1\n", "metadata": {} });
    let execute = json!({ "key": "corpus-task", "sha256": "0".repeat(64), "args": "", "args_array": [{ "env": instance }],
                          "function_name": "verify", "timeout": 5 });
    let log = json!({ "session_id": "s", "job_id": "j", "messages": [{ "role": "user", "content": "hi" }], "status": "running" });
    vec![
        ("GET", "/v1/account".into(), None),
        ("GET", "/v1/tasks".into(), None),
        ("POST", "/v1/tasks".into(), Some(task.clone())),
        ("GET", "/v1/tasks/{key}".into(), None),
        ("GET", "/v1/tasks/projects".into(), None),
        (
            "PUT",
            "/v1/tasks/{key}".into(),
            Some(json!({ "prompt": "p2", "verifier_code": "def verify(env):\n    return 0\n", "metadata": {} })),
        ),
        ("GET", "/v1/env/".into(), None),
        ("GET", "/v1/env/runs".into(), None),
        (
            "POST",
            "/v1/env/instances".into(),
            Some(json!({ "env_key": "helpdesk", "region": "local", "ttl_seconds": 60,
            "heartbeat_interval": 30, "env_variables": { "A": "b" }, "metadata": {}, "max_wait_seconds": 5 })),
        ),
        ("GET", "/v1/env/instances".into(), None),
        ("DELETE", "/v1/env/instances/batch".into(), None),
        ("GET", "/v1/env/instances/{id}".into(), None),
        ("POST", "/v1/env/instances/{id}/heartbeat".into(), Some(json!({}))),
        ("DELETE", "/v1/env/instances/{id}".into(), None),
        ("GET", "/v1/env/{key}".into(), None),
        ("GET", "/v1/regions".into(), None),
        ("GET", "/v1/runner-auth/token".into(), None),
        ("GET", "/v1/verifiers/check".into(), None),
        ("POST", "/v1/verifiers/execute".into(), Some(execute)),
        ("GET", "/v1/verifiers/{key}".into(), None),
        ("POST", "/v1/session".into(), Some(json!({ "api_key": "not-a-key" }))),
        ("POST", "/v1/traces/jobs".into(), Some(json!({ "name": "corpus" }))),
        ("POST", "/v1/traces/logs".into(), Some(log.clone())),
        ("POST", "/v1/sessions/ingest".into(), Some(log)),
        ("GET", "/v1/sessions/job/{key}".into(), None),
        ("GET", "/v1/sessions/{key}/transcript".into(), None),
        ("GET", "/v1/jobs".into(), None),
        ("POST", "/v1/jobs".into(), Some(json!({ "name": "corpus", "task_keys": ["corpus-task"] }))),
        ("GET", "/v1/jobs/{key}".into(), None),
        ("GET", "/i/{id}/api/v1/env/resources".into(), None),
        (
            "POST",
            "/i/{id}/api/v1/env/resources/sqlite/{key}/query".into(),
            Some(json!({ "query": "SELECT 1", "args": [], "read_only": true })),
        ),
        ("GET", "/i/{id}/api/v1/env/resources/sqlite/{key}/describe".into(), None),
        ("POST", "/i/{id}/api/v1/env/reset".into(), Some(json!({ "seed": 1, "timestamp": 1_767_225_600 }))),
        ("GET", "/i/{id}/api/v1/env/health".into(), None),
        ("POST", "/i/{id}/api/v1/env/diff/structured".into(), Some(json!({}))),
        ("POST", "/i/{id}/mcp".into(), Some(json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/list" }))),
        ("GET", "/i/{id}/".into(), None),
        ("GET", "/i/{key}/app".into(), None),
        ("GET", "/health".into(), None),
        ("GET", "/".into(), None),
        ("GET", "/www/{key}".into(), None),
        ("GET", "/sdk/{key}".into(), None),
        ("PATCH", "/v1/tasks".into(), None),
        ("GET", "/no/such/{key}".into(), None),
    ]
}

/// Hostile values for a path segment (already percent-encoded where they must be).
fn segments() -> Vec<String> {
    let mut v: Vec<String> =
        ["", "nope", "%00", "%0a%0d", "%1b%5b2J", "..%2f..%2fetc%2fpasswd", "%ff%fe", "%F0%9F%98%80", "%25", "%20"]
            .map(String::from)
            .to_vec();
    v.push("x".repeat(5000));
    v.push("%00".repeat(300));
    v
}

/// Bodies that are not JSON, or not the JSON a route takes.
fn raw_bodies() -> Vec<String> {
    let mut v: Vec<String> = ["", "null", "[]", "{", "\"text\"", "1e999", "{\"a\":}", "\u{0}", "{\"key\": \"\u{1b}\"}"]
        .map(String::from)
        .to_vec();
    v.push(format!("{}{}", "[".repeat(5000), "]".repeat(5000)));
    v.push(format!("{{\"k\": \"{}\"}}", "\\u0000".repeat(10_000)));
    v
}

/// A valid body with one field removed, or given a hostile value.
fn mutations(valid: &Value) -> Vec<Value> {
    let replacements = [
        Value::Null,
        json!(12345),
        json!(-1),
        json!(1e308),
        json!(true),
        json!(""),
        json!("text"),
        json!([]),
        json!({}),
        json!("\u{0}\u{1b}[2J\n\r"),
        json!("y".repeat(70_000)),
        serde_json::from_str(&format!("{}1{}", "[".repeat(100), "]".repeat(100))).unwrap(),
    ];
    let Some(fields) = valid.as_object() else { return vec![] };
    let mut out = Vec::new();
    for name in fields.keys() {
        let mut without = valid.clone();
        without.as_object_mut().unwrap().remove(name);
        out.push(without);
        for r in &replacements {
            let mut changed = valid.clone();
            changed[name] = r.clone();
            out.push(changed);
        }
    }
    out
}

struct Checker {
    http: reqwest::Client,
    base: String,
    sent: usize,
}

impl Checker {
    async fn send(&mut self, method: &str, path: &str, body: Option<String>, auth: Option<(&str, &str)>) {
        let method_value = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method_value, format!("{}{path}", self.base));
        if let Some((name, value)) = auth {
            req = req.header(name, value);
        }
        if let Some(body) = body.clone() {
            req = req.header("content-type", "application/json").body(body);
        }
        self.sent += 1;
        let shown: String = body.as_deref().unwrap_or("none").chars().take(80).collect();
        let what = format!("{method} {:.120} body {shown}", path);
        let oversized = body.as_ref().is_some_and(|b| b.len() > 16 * 1024 * 1024);
        let resp = match tokio::time::timeout(std::time::Duration::from_secs(20), req.send()).await {
            Ok(Ok(r)) => r,
            // The server may answer 413 and close before the upload ends; the client then sees
            // a reset instead of the answer. That is fine as long as the server goes on.
            Ok(Err(_)) if oversized => {
                let alive = self.http.get(format!("{}/health", self.base)).send().await;
                assert!(alive.is_ok_and(|r| r.status() == 200), "{what}: the server is gone");
                return;
            }
            Ok(Err(e)) => panic!("{what}: no answer: {e}"),
            Err(_) => panic!("{what}: no answer in 20 s"),
        };
        let status = resp.status().as_u16();
        let streaming =
            resp.headers().get("content-type").is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        assert!(status < 500, "{what}: {status}");
        if status >= 400 && !path.contains("/app") && !streaming {
            let text = resp.text().await.unwrap_or_default();
            let body: Value =
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: {status} not JSON: {text:.200}"));
            assert!(
                body["detail"].is_string() || body["detail"].is_object(),
                "{what}: {status} without detail: {text:.200}"
            );
        }
    }
}

#[tokio::test]
async fn every_route_survives_a_generated_corpus_of_bad_input() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let instance = a.make(json!({})).await;
    let token = a.get("/v1/runner-auth/token").await.1["token"].as_str().unwrap().to_string();
    // A fresh connection per request: an early 413 closes one mid-upload.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let mut check = Checker { http, base: server.base.clone(), sent: 0 };
    let bearer = format!("Bearer {KEY_A}");
    for (method, template, valid) in routes(&instance) {
        let auth: Option<(&str, &str)> = Some(if template.starts_with("/i/") {
            ("x-runner-token", token.as_str())
        } else {
            ("authorization", bearer.as_str())
        });
        let real = template.replace("{id}", &instance).replace("{key}", "current");
        // Hostile path segments, with credentials and without.
        for segment in segments() {
            let path = template.replace("{id}", &segment).replace("{key}", &segment);
            if path != template || segment.is_empty() {
                check.send(method, &path, valid.as_ref().map(Value::to_string), auth).await;
            }
        }
        // Hostile queries.
        for query in
            ["?sha256=%ff&after=-1", "?task_keys=%00&env_key=&limit=abc", "?&&==&%", "?after=99999999999999999999"]
        {
            check.send(method, &format!("{real}{query}"), valid.as_ref().map(Value::to_string), auth).await;
        }
        // Bad and missing credentials.
        for bad in [
            None,
            Some(("authorization", "Bearer nope")),
            Some(("authorization", "Basic eDp5")),
            Some(("x-runner-token", "rt_nope")),
        ] {
            check.send(method, &real, valid.as_ref().map(Value::to_string), bad).await;
        }
        // Bodies: malformed, then each field of a valid one mutated.
        if let Some(valid) = &valid {
            for body in raw_bodies() {
                check.send(method, &real, Some(body), auth).await;
            }
            for body in mutations(valid) {
                check.send(method, &real, Some(body.to_string()), auth).await;
            }
            check.send(method, &real, Some(format!("\"{}\"", "z".repeat(17 * 1024 * 1024))), auth).await;
        }
    }
    assert!(check.sent > 1000, "the corpus is generated, not hand-picked: {} requests", check.sent);
    let (status, _) = a.get("/v1/account").await;
    assert_eq!(status, 200, "the server is alive after {} hostile requests", check.sent);
}

/// Requests too broken for an HTTP client library to send, written on a raw socket.
#[tokio::test]
async fn raw_malformed_requests_get_4xx_and_the_server_goes_on() {
    let server = Server::start(&data_dir(), &[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let long_path = format!("GET /v1/tasks/{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "a".repeat(70_000));
    let cases: Vec<Vec<u8>> = vec![
        b"GET /v1/tasks/a\x01b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /v1/tasks/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /v1/account HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x7f\x01\r\nConnection: close\r\n\r\n".to_vec(),
        b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n{}"
            .to_vec(),
        b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n".to_vec(),
        format!("GET /v1/account HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "b".repeat(200_000))
            .into_bytes(),
        long_path.into_bytes(),
        b"BREW /v1/account HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
    ];
    for case in cases {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(15))).unwrap();
        let _ = stream.write_all(&case);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer);
        let status: u16 = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let shown = String::from_utf8_lossy(&case[..case.len().min(60)]).to_string();
        // Either the connection is refused outright, or the answer is a 4xx.
        assert!(answer.is_empty() || (400..500).contains(&status), "{shown:?}: {text:.300}");
    }
    assert_eq!(server.client(KEY_A).get("/v1/account").await.0, 200, "still serving");
}
