//! Server-side verification (protocol §7.3-7.5): bundles kept on disk per team by sha256, each
//! run on a warm worker from a bounded pool, in a sandbox (see [`sandbox`]), with a runner token
//! that reaches only its instance and only while it runs.
pub mod cgroup;
pub mod gate;
mod pool;
pub mod sandbox;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub use pool::PoolError;

/// How the server runs verifiers (`--verifier-*` flags).
pub struct Settings {
    pub python: String,
    /// bubblewrap, when verifiers run sandboxed.
    pub bwrap: Option<PathBuf>,
    pub workers: usize,
    pub queue: usize,
}

/// Runs verifiers.
pub struct Verifier {
    bundles: PathBuf,
    pool: Result<Arc<pool::Pool>, String>,
    /// Runner tokens of running verifications: token → (team, instance).
    tokens: Arc<Mutex<HashMap<String, (String, String)>>>,
}

/// A verifier run request, already checked and resolved.
pub struct Job<'a> {
    pub team_id: &'a str,
    pub sha256: &'a str,
    pub function_name: &'a str,
    pub args: &'a str,
    pub timeout: Duration,
    pub instance_id: &'a str,
}

/// The largest bundle (zip) accepted.
pub const MAX_BUNDLE_BYTES: usize = 4 << 20;
/// Bundles kept per team, by count and bytes; past either the least recently stored go (a
/// client re-uploads a bundle the server no longer has).
const MAX_BUNDLES_PER_TEAM: usize = 200;
const MAX_BUNDLE_BYTES_PER_TEAM: u64 = 64 << 20;

/// Whether `s` is a sha256 in hex.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Removes the oldest files of `dir` until at most `count` files of at most `bytes` remain.
fn evict_oldest(dir: &Path, count: usize, bytes: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut files: Vec<_> = entries
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    files.sort();
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    let mut left = files.len();
    for (_, len, path) in files {
        if left <= count && total <= bytes {
            break;
        }
        let _ = std::fs::remove_file(path);
        total -= len;
        left -= 1;
    }
}

impl Verifier {
    /// Prepares bundle storage and the worker pool (started by [`Verifier::warm_up`]). Without a
    /// usable Python the server still runs, and each verification answers why it cannot.
    pub fn new(data_dir: &Path, gate_dir: PathBuf, settings: &Settings) -> Result<Verifier, String> {
        let bundles = data_dir.join("bundles");
        let scratch = data_dir.join("verifier-runs");
        for dir in [&bundles, &scratch] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let bwrap = settings.bwrap.clone();
        let pool = sandbox::Runtime::probe(&settings.python).map(|runtime| {
            let cgroups = bwrap.as_ref().and_then(|_| cgroup::Cgroups::create());
            let launch = sandbox::Launch { bwrap, runtime, gate_dir, scratch, cgroups };
            pool::Pool::new(launch, settings.workers, settings.queue)
        });
        if let Err(e) = &pool {
            tracing::warn!(error = %e, "verifiers cannot run");
        }
        Ok(Verifier { bundles, pool, tokens: Arc::default() })
    }

    /// Starts the warm workers in the background.
    pub fn warm_up(&self) {
        if let Ok(pool) = &self.pool {
            pool.warm_up();
        }
    }

    /// A team's bundles live in their own directory, named by a digest of the team id.
    fn bundle_path(&self, team_id: &str, sha256: &str) -> PathBuf {
        let team = hex::encode(&Sha256::digest(team_id.as_bytes())[..16]);
        self.bundles.join(team).join(format!("{}.zip", sha256.to_ascii_lowercase()))
    }

    pub fn has_bundle(&self, team_id: &str, sha256: &str) -> bool {
        is_sha256(sha256) && self.bundle_path(team_id, sha256).exists()
    }

    /// Decodes and stores a team's bundle; its sha256 must match the one claimed.
    pub fn store_bundle(&self, team_id: &str, sha256: &str, base64_zip: &str) -> Result<(), String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_zip.trim())
            .map_err(|e| format!("bundle is not valid base64: {e}"))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if !actual.eq_ignore_ascii_case(sha256) {
            return Err(format!("bundle sha256 is {actual}, not {sha256}"));
        }
        let path = self.bundle_path(team_id, sha256);
        let dir = path.parent().unwrap_or(&self.bundles);
        let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir)
            .and_then(|_| std::fs::write(&tmp, &bytes))
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| e.to_string())?;
        evict_oldest(dir, MAX_BUNDLES_PER_TEAM, MAX_BUNDLE_BYTES_PER_TEAM);
        Ok(())
    }

    /// Whether `token` is the runner token of a verification running against `instance_id`.
    pub fn token_reaches(&self, token: &str, instance_id: &str) -> bool {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.get(token).is_some_and(|(_, instance)| instance == instance_id)
    }

    /// Runs the job. A full queue is an error (429); every other failure (no Python, crash,
    /// timeout) is a `success: false` answer.
    pub async fn execute(&self, job: Job<'_>) -> Result<Value, PoolError> {
        let started = Instant::now();
        let execution_id = format!("exec_{}", uuid::Uuid::new_v4().simple());
        let failure = |kind: &str, message: String| {
            json!({
                "success": false, "result": null, "stdout": "",
                "error": { "type": kind, "message": message, "traceback": "" },
            })
        };
        let mut answer = match self.run(&job).await {
            Ok(answer) => answer,
            Err(PoolError::Busy) => return Err(PoolError::Busy),
            Err(PoolError::Unavailable(m)) => failure("PythonUnavailable", m),
            Err(PoolError::Crashed(m)) => failure("VerifierCrashed", m),
            Err(PoolError::TimedOut) => failure(
                "TimeoutError",
                format!("verifier exceeded its {} s timeout and was stopped", job.timeout.as_secs()),
            ),
        };
        answer["execution_time_ms"] = json!(started.elapsed().as_millis() as u64);
        answer["execution_id"] = json!(execution_id);
        Ok(answer)
    }

    async fn run(&self, job: &Job<'_>) -> Result<Value, PoolError> {
        let pool = self.pool.as_ref().map_err(|e| PoolError::Unavailable(e.clone()))?;
        let bundle = std::fs::read(self.bundle_path(job.team_id, job.sha256))
            .map_err(|e| PoolError::Crashed(format!("the bundle could not be read: {e}")))?;
        let token = format!("rt_run_{}", uuid::Uuid::new_v4().simple());
        let line = json!({
            "bundle": base64::engine::general_purpose::STANDARD.encode(bundle),
            "function_name": job.function_name,
            "args": job.args,
            "manager_path": format!("/i/{}/api/v1/env", job.instance_id),
            "token": token,
            "timeout": job.timeout.as_secs(),
        });
        let scope = (job.team_id.to_string(), job.instance_id.to_string());
        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).insert(token.clone(), scope);
        // The run goes on even if the caller hangs up: the pool's counts and the token are given
        // back when it ends, not left to a dropped future.
        let (pool, tokens, team, timeout) = (pool.clone(), self.tokens.clone(), job.team_id.to_string(), job.timeout);
        let run = tokio::spawn(async move {
            let answer = pool.run(&team, &line, timeout).await;
            tokens.lock().unwrap_or_else(|p| p.into_inner()).remove(&token);
            answer
        });
        run.await.unwrap_or_else(|e| Err(PoolError::Crashed(format!("the verification task failed: {e}"))))
    }
}
