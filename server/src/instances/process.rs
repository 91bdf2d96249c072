//! Command-backed apps: one child process per instance, on its own loopback port, with its logs
//! in `app.log`, leading its own process group. Children die with the server (kill on drop, and
//! PR_SET_PDEATHSIG on Linux for a `kill -9` of the server); close kills the whole group.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::process::{Child, Command};

pub struct AppProcess {
    pub port: u16,
    child: Child,
}

impl AppProcess {
    /// Ends the app and everything it started: the app leads its own process group, and the
    /// whole group gets SIGKILL.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: kill(2) on a process group id we created; no memory is involved.
            unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
        }
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `command` in `dir` with `{port}` filled in and the instance's variables set.
pub fn spawn(
    command: &[String],
    env: &BTreeMap<String, String>,
    dir: &Path,
    instance_vars: Option<&Map<String, Value>>,
) -> std::io::Result<AppProcess> {
    let port = free_port()?;
    let fill = |s: &str| s.replace("{port}", &port.to_string());
    let (program, args) =
        command.split_first().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"))?;
    let log = std::fs::File::create(dir.join("app.log"))?;
    let mut cmd = Command::new(fill(program));
    cmd.args(args.iter().map(|a| fill(a)))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    // The instance's variables first, then the catalog's, then the server's own: later wins, so
    // nothing an instance sends overrides what the operator or the server set (and the names
    // that would are refused at create).
    for (k, v) in instance_vars.into_iter().flatten() {
        let value = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        cmd.env(k, value);
    }
    for (k, v) in env {
        cmd.env(k, fill(v));
    }
    cmd.env("PORT", port.to_string())
        .env("DATABASE_PATH", dir.join("current.db"))
        .env("SEED_DATABASE_PATH", dir.join("seed.db"))
        // Its own process group, so that close ends its children too.
        .process_group(0);
    #[cfg(target_os = "linux")]
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    Ok(AppProcess { port, child })
}

/// Polls `http://127.0.0.1:{port}{path}` until it answers 2xx (true) or `limit` passes (false).
pub async fn wait_healthy(port: u16, path: String, limit: Duration) -> bool {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build();
    let Ok(client) = client else { return false };
    let url = format!("http://127.0.0.1:{port}{path}");
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if let Ok(r) = client.get(&url).send().await {
            if r.status().is_success() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
