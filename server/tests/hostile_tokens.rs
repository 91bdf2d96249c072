//! Runner tokens and sessions last no longer than what minted them, a verifier's token reaches
//! its own instance only, and the data directory is private. Written before the fix, red then.
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::{json, Value};
use support::verifiers::{execute_body, run_verifier};
use support::*;

const KEY_C: &str = "key-team-a-revocable";

/// The keys of [`data_dir`] plus `extra` (team A's), written over the file.
fn write_keys(dir: &Path, extra: &[&str]) {
    let path = dir.join("api-keys.json");
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let keys = file["keys"].as_array_mut().unwrap();
    keys.retain(|k| k["key"] != KEY_C);
    for key in extra {
        keys.push(json!({ "key": key, "team_id": "team_a", "team_name": "Team A", "profile_id": "prof_c",
                          "profile_name": "c", "instance_limit": 3 }));
    }
    std::fs::write(&path, file.to_string()).unwrap();
}

/// `GET {manager}/health` with `token`: the status.
async fn manager_status(server: &Server, instance: &str, token: &str) -> u16 {
    let url = format!("{}/i/{instance}/api/v1/env/health", server.base);
    reqwest::Client::new().get(url).header("X-Runner-Token", token).send().await.unwrap().status().as_u16()
}

/// A browser session's token, signed in with `key`.
async fn sign_in(server: &Server, key: &str) -> String {
    let (status, body) = server.client("none").post("/v1/session", json!({ "api_key": key })).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn runner_token(client: &Client) -> String {
    let (status, body) = client.get("/v1/runner-auth/token").await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn removing_a_key_revokes_it_and_the_runner_tokens_it_minted() {
    let dir = data_dir();
    write_keys(&dir, &[KEY_C]);
    let server = Server::start(&dir, &[]);
    let c = server.client(KEY_C);
    let instance = server.client(KEY_A).make(json!({})).await;
    let token = runner_token(&c).await;
    assert_eq!(manager_status(&server, &instance, &token).await, 200);

    write_keys(&dir, &[]);
    let revoked = eventually(5_000, || async { c.get("/v1/account").await.0 == 401 }).await;
    assert!(revoked, "the removed key stops working without a restart");
    assert_eq!(manager_status(&server, &instance, &token).await, 404, "and so does its runner token");
    assert_eq!(server.client(KEY_A).get("/v1/account").await.0, 200, "other keys still work");
}

#[tokio::test]
async fn a_session_mints_nothing_that_outlives_it() {
    let dir = data_dir();
    write_keys(&dir, &[KEY_C]);
    let server = Server::start(&dir, &[]);
    let instance = server.client(KEY_A).make(json!({})).await;
    let http = reqwest::Client::new();
    let session = sign_in(&server, KEY_C).await;
    let token = runner_token(&server.client(&session)).await;
    assert_eq!(manager_status(&server, &instance, &token).await, 200);
    let signed_out = http.delete(format!("{}/v1/session", server.base)).bearer_auth(&session).send().await.unwrap();
    assert_eq!(signed_out.status().as_u16(), 204);
    assert_eq!(manager_status(&server, &instance, &token).await, 404, "the session's runner token died with it");

    // A session also ends with the key that signed it in.
    let session = server.client(&sign_in(&server, KEY_C).await);
    assert_eq!(session.get("/v1/account").await.0, 200);
    write_keys(&dir, &[]);
    assert!(eventually(5_000, || async { session.get("/v1/account").await.0 == 401 }).await);
}

#[tokio::test]
async fn a_verifiers_token_reaches_its_own_instance_only_and_only_while_it_runs() {
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let (own, other) = (a.make(json!({})).await, a.make(json!({})).await);
    let code = format!(
        "import os, urllib.request\n\
def verify(env, final_answer=None):\n    \
token = os.environ.get('RUNNER_AUTH_TOKEN', '')\n    \
base = env.instance.base_url.split('/i/')[0]\n    \
seen = {{}}\n    \
for name, instance in [('own', '{own}'), ('other', '{other}')]:\n        \
request = urllib.request.Request(f'{{base}}/i/{{instance}}/api/v1/env/health', headers={{'X-Runner-Token': token}})\n        \
try:\n            seen[name] = urllib.request.urlopen(request, timeout=5).status\n        \
except urllib.error.HTTPError as e:\n            seen[name] = e.code\n    \
return {{'score': 1, 'token': token, 'seen': seen}}\n"
    );
    let bundle = flotilla::core::verify::Bundle::new(&code).unwrap();
    let (status, body) = a.post("/v1/verifiers/execute", execute_body(&server, "token-scope", &bundle, &own, 30)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["seen"], json!({ "own": 200, "other": 404 }), "its instance only: {body}");
    let token = body["result"]["token"].as_str().unwrap();
    assert_eq!(manager_status(&server, &own, token).await, 404, "the token died with the run");
    let team_token = runner_token(&a).await;
    assert_eq!(manager_status(&server, &own, &team_token).await, 200, "the instance itself still runs");
}

#[tokio::test]
async fn data_files_are_private() {
    let dir = data_dir();
    let server = Server::start(&dir, &[]);
    let code = "def verify(env, final_answer=None):\n    return 1\n";
    assert_eq!(run_verifier(&server, "private-files", code).await.0, 200);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "the data dir");
    let mut seen = 0;
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                assert_eq!(mode(&path), 0o700, "{}", path.display());
                stack.push(path);
            } else if kind.is_file() && path.file_name().unwrap() != "api-keys.json" {
                // The test wrote api-keys.json itself; everything else is the server's.
                assert_eq!(mode(&path) & 0o077, 0, "{} is private", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 3, "the database, a bundle and an instance's files were checked");
}
