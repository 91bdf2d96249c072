//! Server-side verification (protocol §7.3-7.5): bundles cached on disk by sha256, each run in a
//! Python subprocess (the venv with fleet-python) with a timeout enforced by killing it.
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

const RUNNER: &str = include_str!("runner.py");

/// Runs verifiers.
pub struct Verifier {
    bundles: PathBuf,
    scratch: PathBuf,
    python: String,
}

/// A verifier run request, already checked and resolved.
pub struct Job<'a> {
    pub sha256: &'a str,
    pub function_name: &'a str,
    pub args: &'a str,
    pub timeout: Duration,
    pub manager_url: String,
    pub runner_token: String,
    pub base_url: &'a str,
}

/// Whether `s` is a sha256 in hex.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Verifier {
    pub fn new(data_dir: &Path, python: String) -> std::io::Result<Verifier> {
        let bundles = data_dir.join("bundles");
        let scratch = data_dir.join("verifier-runs");
        std::fs::create_dir_all(&bundles)?;
        std::fs::create_dir_all(&scratch)?;
        Ok(Verifier { bundles, scratch, python })
    }

    fn bundle_path(&self, sha256: &str) -> PathBuf {
        self.bundles.join(format!("{}.zip", sha256.to_ascii_lowercase()))
    }

    pub fn has_bundle(&self, sha256: &str) -> bool {
        is_sha256(sha256) && self.bundle_path(sha256).exists()
    }

    /// Decodes and stores a bundle; its sha256 must match the one claimed.
    pub fn store_bundle(&self, sha256: &str, base64_zip: &str) -> Result<(), String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_zip.trim())
            .map_err(|e| format!("bundle is not valid base64: {e}"))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if !actual.eq_ignore_ascii_case(sha256) {
            return Err(format!("bundle sha256 is {actual}, not {sha256}"));
        }
        let tmp = self.bundles.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
        std::fs::write(&tmp, &bytes)
            .and_then(|_| std::fs::rename(&tmp, self.bundle_path(sha256)))
            .map_err(|e| e.to_string())
    }

    /// Runs the job; every failure (no Python, crash, timeout) is a `success: false` answer.
    pub async fn execute(&self, job: Job<'_>) -> Value {
        let started = Instant::now();
        let execution_id = format!("exec_{}", uuid::Uuid::new_v4().simple());
        let result_path = self.scratch.join(format!("{execution_id}.json"));
        let stderr_path = self.scratch.join(format!("{execution_id}.err"));
        let outcome = self.run_python(&job, &result_path, &stderr_path).await;
        let _ = std::fs::remove_file(&result_path);
        let _ = std::fs::remove_file(&stderr_path);
        let elapsed = started.elapsed().as_millis() as u64;
        let mut answer = match outcome {
            Ok(v) => v,
            Err((kind, message)) => json!({
                "success": false, "result": null, "stdout": "",
                "error": { "type": kind, "message": message, "traceback": "" },
            }),
        };
        answer["execution_time_ms"] = json!(elapsed);
        answer["execution_id"] = json!(execution_id);
        answer
    }

    async fn run_python(
        &self,
        job: &Job<'_>,
        result_path: &Path,
        stderr_path: &Path,
    ) -> Result<Value, (&'static str, String)> {
        let stderr = std::fs::File::create(stderr_path).map_err(|e| ("VerifierCrashed", e.to_string()))?;
        let mut child = tokio::process::Command::new(&self.python)
            .arg("-c")
            .arg(RUNNER)
            .env("RUNNER_AUTH_TOKEN", &job.runner_token)
            .env("FLEET_BASE_URL", job.base_url)
            .env_remove("FLEET_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ("PythonUnavailable", format!("could not start {}: {e}", self.python)))?;
        let input = json!({
            "bundle_path": self.bundle_path(job.sha256), "function_name": job.function_name,
            "args": job.args, "manager_url": job.manager_url, "base_url": job.base_url,
            "api_key": "flotilla-runner", "result_path": result_path,
        });
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.to_string().as_bytes()).await;
        }
        let status = match tokio::time::timeout(job.timeout, child.wait()).await {
            Ok(status) => status.map_err(|e| ("VerifierCrashed", e.to_string()))?,
            Err(_) => {
                let _ = child.kill().await;
                return Err((
                    "TimeoutError",
                    format!("verifier exceeded its {} s timeout and was stopped", job.timeout.as_secs()),
                ));
            }
        };
        let text = std::fs::read_to_string(result_path).map_err(|_| {
            let stderr = std::fs::read_to_string(stderr_path).unwrap_or_default();
            let tail: String =
                stderr.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            ("VerifierCrashed", format!("the verifier process exited ({status}) without a result. {tail}"))
        })?;
        match serde_json::from_str(&text) {
            // The runner writes an object; anything else means the verifier tampered with it.
            Ok(answer @ Value::Object(_)) => Ok(answer),
            Ok(_) => Err(("VerifierCrashed", "the verifier's answer was not a JSON object".into())),
            Err(e) => Err(("VerifierCrashed", format!("unreadable verifier result: {e}"))),
        }
    }
}
