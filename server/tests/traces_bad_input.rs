//! The worst caller of the jobs and sessions routes (§9): every field of every body replaced by
//! each value of a generated corpus of wrong types, odd strings and deep nesting; odd ids in
//! every path. Each answer is 2xx or a 4xx with a JSON `detail`, never a 5xx, the server stays
//! up, and nothing is written to the session under test.
mod support;

use serde_json::{json, Value};
use support::*;

/// Values of every JSON type and a few hostile strings.
fn corpus() -> Vec<Value> {
    let mut deep = json!("leaf");
    for _ in 0..200 {
        deep = json!([deep]);
    }
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(1.5e308),
        json!(""),
        json!("\u{0}\u{1b}[31m\r\n"),
        json!("x".repeat(70_000)),
        json!([]),
        json!([1, "a", null]),
        json!({}),
        json!({ "role": 5 }),
        deep,
    ]
}

fn check(status: u16, body: &Value, what: &str) {
    assert!(status < 500, "{what}: {status} {body}");
    if status >= 400 {
        assert!(body.get("detail").is_some(), "{what}: no detail in {body}");
    }
}

#[tokio::test]
async fn every_field_of_every_session_route_survives_a_corpus_of_bad_values() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let (_, job) = a.post("/v1/traces/jobs", json!({ "name": "target" })).await;
    let job_id = job["job_id"].as_str().unwrap().to_string();
    let (_, made) = a
        .post("/v1/sessions/ingest", json!({ "job_id": job_id, "messages": [{ "role": "user", "content": "kept" }] }))
        .await;
    let session = made["session_id"].as_str().unwrap().to_string();

    let valid_message = json!({ "role": "user", "content": "x" });
    let routes: Vec<(&str, Value)> = vec![
        ("/v1/traces/jobs", json!({ "name": "n" })),
        (
            "/v1/traces/logs",
            json!({ "history": [valid_message.clone()], "response": "r", "job_id": job_id, "model": "m",
            "task_key": "t", "config": {}, "status": "running", "ended_at": "e", "verifier_execution_id": "x" }),
        ),
        (
            "/v1/sessions/ingest",
            json!({ "messages": [valid_message.clone()], "job_id": job_id, "model": "m", "task_key": "t",
            "status": "running", "metadata": {}, "started_at": "s", "ended_at": "e", "team_id": "team_a" }),
        ),
        ("/v1/jobs", json!({ "models": ["m"], "pass_k": 1 })),
    ];
    let mut sent = 0;
    for (path, template) in &routes {
        for key in template.as_object().unwrap().keys() {
            for bad in corpus() {
                let mut body = template.clone();
                body[key] = bad.clone();
                let (status, answer) = a.post(path, body).await;
                check(
                    status,
                    &answer,
                    &format!("POST {path} with {key} = {}", &bad.to_string()[..bad.to_string().len().min(60)]),
                );
                sent += 1;
            }
        }
        // A bad value inside a message.
        for bad in corpus() {
            let body = json!({ "session_id": session, "messages": [{ "role": "user", "content": bad.clone(), "tool_calls": bad.clone() }] });
            let (status, answer) = a.post("/v1/sessions/ingest", body).await;
            check(status, &answer, "a bad message");
        }
    }
    for body in [json!(null), json!([]), json!("x"), json!(5)] {
        for (path, _) in &routes {
            let (status, answer) = a.post(path, body.clone()).await;
            check(status, &answer, &format!("POST {path} with body {body}"));
        }
    }
    assert!(sent > 100, "the corpus ran ({sent} requests)");

    let long = "j".repeat(5000);
    for id in ["%00", "%2F..%2F", "..", "%20", long.as_str(), "ses_%22%3E%3Cscript%3E"] {
        for path in
            [format!("/v1/jobs/{id}"), format!("/v1/sessions/job/{id}"), format!("/v1/sessions/{id}/transcript")]
        {
            let (status, answer) = a.get(&path).await;
            check(status, &answer, &path);
        }
    }

    let (status, _) = a.get("/health").await;
    assert_eq!(status, 200, "the server is up");
    // The target session holds only its own message and the bad-but-valid ones; the job still
    // has it, and another team sees none of it.
    let (_, transcript) = a.get(&format!("/v1/sessions/{session}/transcript")).await;
    assert_eq!(transcript["transcript"][0]["content"], "kept");
    let (status, _) = server.client(KEY_B).get(&format!("/v1/sessions/{session}/transcript")).await;
    assert_eq!(status, 404);
}
