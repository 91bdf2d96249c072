//! One team never sees, heartbeats, closes or uses another team's instance.
mod support;

use serde_json::json;
use support::*;

#[tokio::test]
async fn another_team_gets_404_everywhere() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let b = server.client(KEY_B);
    let id = a.make(json!({ "run_id": "shared-name" })).await;

    assert_eq!(b.get(&format!("/v1/env/instances/{id}")).await.0, 404);
    assert_eq!(b.post(&format!("/v1/env/instances/{id}/heartbeat"), json!({})).await.0, 404);
    assert_eq!(b.delete(&format!("/v1/env/instances/{id}")).await.0, 404);
    let (_, list) = b.get("/v1/env/instances").await;
    assert_eq!(list, json!([]));
    let (_, closed) = b.delete("/v1/env/instances/batch?run_id=shared-name").await;
    assert_eq!(closed, json!([]));
    let (_, runs) = b.get("/v1/env/runs?active=all").await;
    assert_eq!(runs, json!([]));
    assert_eq!(a.status_of(&id).await, "running", "B's attempts changed nothing");

    // The runner API wants A's runner token; B's token is refused like an unknown id.
    let (_, token_b) = b.get("/v1/runner-auth/token").await;
    let (_, token_a) = a.get("/v1/runner-auth/token").await;
    assert_ne!(token_a["token"], token_b["token"]);
    let resources = format!("{}/i/{id}/api/v1/env/resources", server.base);
    let http = reqwest::Client::new();
    let with =
        |t: &serde_json::Value| http.get(&resources).header("X-Runner-Token", t["token"].as_str().unwrap()).send();
    assert_eq!(with(&token_b).await.unwrap().status(), 404);
    assert_eq!(with(&token_a).await.unwrap().status(), 200);
    assert_eq!(http.get(&resources).send().await.unwrap().status(), 404, "no token, no access");
}

#[tokio::test]
async fn tasks_are_per_team() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let b = server.client(KEY_B);
    let task = json!({ "key": "a-only", "prompt": "p", "env_id": "helpdesk", "verifier_func": "def verify(env):\n    return 1\n" });
    assert_eq!(a.post("/v1/tasks?project_key=x", task).await.0, 200);
    assert_eq!(a.get("/v1/tasks/a-only").await.0, 200);
    assert_eq!(b.get("/v1/tasks/a-only").await.0, 404);
    let (_, list) = b.get("/v1/tasks?task_keys=a-only").await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn projects_are_per_team() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let b = server.client(KEY_B);
    let task = json!({ "key": "secret-1", "prompt": "p", "env_id": "helpdesk", "verifier_func": "def verify(env):\n    return 1\n" });
    assert_eq!(a.post("/v1/tasks?project_key=a-secret-project", task).await.0, 200);
    let keys = |list: serde_json::Value| -> Vec<String> {
        list["projects"].as_array().unwrap().iter().map(|p| p["project_key"].as_str().unwrap().to_string()).collect()
    };
    let (status, mine) = a.get("/v1/tasks/projects").await;
    assert_eq!(status, 200);
    assert!(keys(mine.clone()).contains(&"a-secret-project".to_string()), "{mine}");
    let (_, theirs) = b.get("/v1/tasks/projects").await;
    assert!(!keys(theirs.clone()).contains(&"a-secret-project".to_string()), "{theirs}");
    assert_eq!(keys(theirs), ["demo", "shop"], "B sees the built-in projects only");
    let anonymous = reqwest::get(format!("{}/v1/tasks/projects", server.base)).await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
