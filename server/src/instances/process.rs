//! Command-backed apps: one child process per instance, on its own loopback port, with its logs
//! in `app.log`, leading its own process group. Children die with the server (kill on drop, and
//! PR_SET_PDEATHSIG on Linux for a `kill -9` of the server); close kills the whole group.
//!
//! An app gets none of the server's environment: only its catalog `env`, the instance's
//! `env_variables`, `PORT`, the database paths, `PATH`, `HOME` (its instance dir) and `LANG`. In a
//! bubblewrap sandbox ([`crate::sandbox`]) it also sees only `/usr`, a few files of `/etc` (name
//! resolution, certificates, users), its catalog's directory (read-only) and its instance dir, in
//! a pid namespace of its own (close kills every process in it). It shares the host's network,
//! since the server reaches it on a loopback port.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::process::{Child, Command};

/// How to sandbox an app: bubblewrap, and the directory holding the app's code.
pub struct Sandbox<'a> {
    pub bwrap: &'a Path,
    pub app_root: &'a Path,
}

/// The files of `/etc` an app may read: name resolution, TLS certificates, users, time zone.
const ETC_FILES: [&str; 9] = [
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/localtime",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/mime.types",
];
/// The size of an app's `/tmp`.
const APP_TMP_BYTES: u64 = 64 << 20;

impl Sandbox<'_> {
    /// `bwrap` and its arguments, for an app in `instance_dir` running `program args...`.
    fn command(&self, instance_dir: &Path, program: String, args: Vec<String>) -> Command {
        let mut bwrap_args = crate::sandbox::base_args();
        // First, so that the binds below (often under /tmp themselves) land on top of it.
        crate::sandbox::tmpfs(&mut bwrap_args, APP_TMP_BYTES, "/tmp");
        for file in ETC_FILES.iter().map(Path::new).filter(|f| f.exists()) {
            crate::sandbox::ro_bind(&mut bwrap_args, file);
        }
        crate::sandbox::ro_bind(&mut bwrap_args, self.app_root);
        let dir = instance_dir.display().to_string();
        bwrap_args.extend(["--bind".into(), dir.clone(), dir.clone()]);
        crate::sandbox::seal(&mut bwrap_args);
        bwrap_args.extend(["--chdir".into(), dir, "--".into(), program]);
        let mut cmd = Command::new(self.bwrap);
        cmd.args(bwrap_args).args(args);
        cmd
    }
}

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

/// Starts `command` in `dir` with `{port}` (the port to listen on) and `{root}` (the catalog's
/// directory, where the app's code lives) filled in, and the instance's variables set.
pub fn spawn(
    command: &[String],
    env: &BTreeMap<String, String>,
    dir: &Path,
    instance_vars: Option<&Map<String, Value>>,
    app_root: &Path,
    sandbox: Option<Sandbox>,
) -> std::io::Result<AppProcess> {
    let port = free_port()?;
    let root = app_root.display().to_string();
    let fill = |s: &str| s.replace("{port}", &port.to_string()).replace("{root}", &root);
    let (program, args) =
        command.split_first().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"))?;
    let log = std::fs::File::create(dir.join("app.log"))?;
    let args: Vec<String> = args.iter().map(|a| fill(a)).collect();
    // In a sandbox only the system's programs exist; outside one, the server's PATH finds the
    // operator's (a Node or Python of their own).
    let sandboxed = sandbox.is_some();
    let (mut cmd, path) = match sandbox {
        Some(sandbox) => (sandbox.command(dir, fill(program), args), "/usr/local/bin:/usr/bin:/bin".into()),
        None => {
            let mut cmd = Command::new(fill(program));
            cmd.args(args);
            (cmd, std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()))
        }
    };
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("LANG", "C.UTF-8")
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
    let seccomp = if sandboxed { crate::sandbox::pass_seccomp(&mut cmd)? } else { None };
    let child = cmd.spawn()?;
    drop(seccomp);
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
