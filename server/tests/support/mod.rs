//! Starts the real flotilla-server binary on a free loopback port for integration tests.
#![allow(dead_code)]

pub mod verifiers;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

pub const KEY_A: &str = "key-team-a-0001";
pub const KEY_A_OTHER_PROFILE: &str = "key-team-a-0002";
pub const KEY_B: &str = "key-team-b-0001";

/// A fresh data directory with two teams: A (limit 3, two profiles) and B.
pub fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flotilla-it-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let keys = json!({ "keys": [
        { "key": KEY_A, "team_id": "team_a", "team_name": "Team A", "profile_id": "prof_a1", "profile_name": "a1", "instance_limit": 3 },
        { "key": KEY_A_OTHER_PROFILE, "team_id": "team_a", "team_name": "Team A", "profile_id": "prof_a2", "profile_name": "a2", "instance_limit": 3 },
        { "key": KEY_B, "team_id": "team_b", "team_name": "Team B", "profile_id": "prof_b", "profile_name": "b", "instance_limit": 5 },
    ]});
    std::fs::write(dir.join("api-keys.json"), keys.to_string()).unwrap();
    dir
}

pub struct Server {
    pub base: String,
    pub dir: PathBuf,
    child: Child,
}

impl Server {
    /// Starts the server on `dir` with a 1 s minimum heartbeat interval plus `extra` flags.
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(dir, extra, &[])
    }

    /// [`Server::start`] with extra environment variables.
    pub fn start_with_env(dir: &Path, extra: &[&str], vars: &[(&str, &str)]) -> Server {
        Server::spawn(dir, extra, vars, Stdio::null())
    }

    /// [`Server::start`] logging at `info` into `log`.
    pub fn start_logging(dir: &Path, log: &Path) -> Server {
        let file = std::fs::File::create(log).unwrap();
        Server::spawn(dir, &[], &[("FLOTILLA_LOG", "info")], Stdio::from(file))
    }

    fn spawn(dir: &Path, extra: &[&str], vars: &[(&str, &str)], stderr: Stdio) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flotilla-server"))
            .args(["--port", "0", "--data-dir"])
            .arg(dir)
            .args(["--min-heartbeat-interval", "1"])
            .args(extra)
            .env("FLOTILLA_LOG", "warn")
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start flotilla-server");
        let stdout = child.stdout.take().unwrap();
        let mut base = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(url) = line.strip_prefix("flotilla-server listening on ") {
                base = Some(url.trim().to_string());
                break;
            }
        }
        Server { base: base.expect("server printed its address"), dir: dir.to_path_buf(), child }
    }

    /// SIGKILL: no graceful shutdown.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait: the graceful path.
    /// SIGTERM, then waits for the exit; a server still there after 30 s is killed and the test
    /// fails (a hang would otherwise hold the whole suite).
    pub fn terminate(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        for _ in 0..300 {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("flotilla-server did not exit within 30 s of SIGTERM");
    }

    pub fn client(&self, key: &str) -> Client {
        Client { base: self.base.clone(), key: key.to_string(), http: reqwest::Client::new() }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny control-plane client: (status, JSON body).
pub struct Client {
    pub base: String,
    key: String,
    pub http: reqwest::Client,
}

impl Client {
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>, request_id: Option<&str>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(id) = request_id {
            req = req.header("X-Request-ID", id);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send("GET", path, None, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send("POST", path, Some(body), None).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send("DELETE", path, None, None).await
    }

    /// Creates a demo instance and returns its id.
    pub async fn make(&self, extra: Value) -> String {
        let mut body = json!({ "env_key": "helpdesk", "created_from": "sdk", "max_wait_seconds": 30 });
        body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
        let (status, v) = self.post("/v1/env/instances", body).await;
        assert_eq!(status, 200, "create failed: {v}");
        assert_eq!(v["status"], "running");
        v["instance_id"].as_str().unwrap().to_string()
    }

    pub async fn status_of(&self, id: &str) -> String {
        let (_, v) = self.get(&format!("/v1/env/instances/{id}")).await;
        v["status"].as_str().unwrap_or("?").to_string()
    }
}

/// Waits (polling, bounded) until `f` is true.
pub async fn eventually<F, Fut>(limit_ms: u64, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(limit_ms);
    while std::time::Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// How many processes have `marker` in their command line (Linux `/proc`).
pub fn processes_mentioning(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|cmd| String::from_utf8_lossy(cmd).contains(marker))
        .count()
}
