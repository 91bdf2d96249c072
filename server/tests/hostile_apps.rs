//! The worst caller of a command environment: its `env_variables` cannot change what runs or
//! point the app at other files, and closing an instance ends every process its app started.
//! Written before the fix.
mod support;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use support::*;

/// A catalog with one command environment running `command` (`{port}` filled in).
fn catalog(dir: &Path, command: Value) -> PathBuf {
    let catalog = json!({ "environments": [{
        "env_key": "cmd", "name": "A command app", "default_version": "v1",
        "versions": { "v1": { "kind": "command", "health_path": "/", "command": command,
            "seeds": { "empty:v1": "../seed.db" }, "default_data": "empty:v1" } } }] });
    let cat_dir = dir.join("catalog");
    std::fs::create_dir_all(&cat_dir).unwrap();
    rusqlite::Connection::open(dir.join("seed.db")).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    std::fs::write(cat_dir.join("envs.json"), catalog.to_string()).unwrap();
    cat_dir.join("envs.json")
}

#[tokio::test]
async fn variables_that_change_what_runs_or_what_it_reads_are_refused_by_name() {
    let dir = data_dir();
    let web = dir.join("catalog").join("www");
    std::fs::create_dir_all(&web).unwrap();
    let command = json!(["python3", "-m", "http.server", "{port}", "--bind", "127.0.0.1", "--directory", web]);
    let server = Server::start(&dir, &["--environments", catalog(&dir, command).to_str().unwrap()]);
    let a = server.client(KEY_A);
    let many: serde_json::Map<String, Value> = (0..100).map(|i| (format!("V{i}"), json!("x"))).collect();
    let cases = [
        (json!({ "PATH": "/tmp/evil" }), "PATH"),
        (json!({ "LD_PRELOAD": "/tmp/evil.so" }), "LD_PRELOAD"),
        (json!({ "PYTHONPATH": "/tmp" }), "PYTHONPATH"),
        (json!({ "PYTHONSTARTUP": "/tmp/x.py" }), "PYTHONSTARTUP"),
        (json!({ "NODE_OPTIONS": "--require /tmp/x.js" }), "NODE_OPTIONS"),
        (json!({ "GLIBC_TUNABLES": "glibc.malloc.check=3" }), "GLIBC_TUNABLES"),
        (json!({ "LANG": "xx_XX.UTF-8" }), "LANG"),
        (json!({ "LC_ALL": "C" }), "LC_ALL"),
        (json!({ "DATABASE_PATH": "/etc/passwd" }), "DATABASE_PATH"),
        (json!({ "PORT": "22" }), "PORT"),
        (json!({ "A=B": "x" }), "A=B"),
        (json!({ "OK": "nul\u{0}inside" }), "OK"),
        (Value::Object(many), "at most 64"),
    ];
    for (vars, named) in cases {
        let (status, body) = a.post("/v1/env/instances", json!({ "env_key": "cmd", "env_variables": vars })).await;
        assert_eq!(status, 400, "{vars}: {body}");
        assert!(body["detail"].as_str().unwrap_or_default().contains(named), "{named}: {body}");
    }
    let (_, list) = a.get("/v1/env/instances").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing was started");
    let ok = json!({ "env_key": "cmd", "env_variables": { "FEATURE_FLAG": "1" }, "max_wait_seconds": 30 });
    let (status, body) = a.post("/v1/env/instances", ok).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("running")), "{body}");
}

#[tokio::test]
async fn an_app_sees_its_instance_dir_and_catalog_only_and_none_of_the_servers_environment() {
    let dir = data_dir();
    let keys = dir.join("api-keys.json");
    let web = dir.join("catalog").join("www");
    std::fs::create_dir_all(&web).unwrap();
    let script = format!(
        "env > env.txt; cat {keys} > keys.txt 2>&1; ls {data} > data.txt 2>&1; ls /root > root.txt 2>&1; \
         exec python3 -m http.server $PORT --bind 127.0.0.1 --directory {web}",
        keys = keys.display(),
        data = dir.display(),
        web = web.display()
    );
    let server = Server::start_with_env(
        &dir,
        &["--environments", catalog(&dir, json!(["sh", "-c", script])).to_str().unwrap()],
        &[("FLOTILLA_TEST_SECRET", "s3cr3t-app-marker")],
    );
    let a = server.client(KEY_A);
    let (status, body) = a.post("/v1/env/instances", json!({ "env_key": "cmd", "max_wait_seconds": 30 })).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("running")), "{body}");
    let instance_dir = dir.join("instances").join(body["instance_id"].as_str().unwrap());
    let read = |name: &str| std::fs::read_to_string(instance_dir.join(name)).unwrap_or_default();
    assert!(!read("env.txt").contains("s3cr3t-app-marker"), "the server's environment: {}", read("env.txt"));
    assert!(read("env.txt").contains("DATABASE_PATH="), "the app still gets its own variables");
    assert!(!read("keys.txt").contains(KEY_A), "the key file: {}", read("keys.txt"));
    assert!(!read("data.txt").contains("flotilla.db"), "the data dir: {}", read("data.txt"));
    assert!(!read("root.txt").contains(".cache"), "the home dir: {}", read("root.txt"));
}

#[tokio::test]
async fn closing_an_instance_ends_every_process_its_app_started() {
    let dir = data_dir();
    let marker = format!("flotilla-grandchild-{}", uuid::Uuid::new_v4().simple());
    let web = dir.join("catalog").join("www");
    std::fs::create_dir_all(&web).unwrap();
    // The app backgrounds a child of its own (holding the marker), then serves.
    let script = format!(
        "python3 -c 'import time; time.sleep(3000)' {marker} & exec python3 -m http.server $PORT --bind 127.0.0.1 --directory {}",
        web.display()
    );
    let server = Server::start(&dir, &["--environments", catalog(&dir, json!(["sh", "-c", script])).to_str().unwrap()]);
    let a = server.client(KEY_A);
    let (status, body) = a.post("/v1/env/instances", json!({ "env_key": "cmd", "max_wait_seconds": 30 })).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("running")), "{body}");
    assert!(processes_mentioning(&marker) >= 1, "the app and its child run");
    a.delete(&format!("/v1/env/instances/{}", body["instance_id"].as_str().unwrap())).await;
    assert!(eventually(5000, || async { processes_mentioning(&marker) == 0 }).await, "a grandchild outlived close");
}
