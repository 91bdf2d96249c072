//! `evaluate()`: run an agent on tasks and record it as a job. The pure parts live here: the
//! options, the plan (every task × every attempt), what one attempt's outcome is, and the
//! summary. The edge runs the plan: it calls the agent (a JS function) and the SDK's calls.
use serde::{Deserialize, Serialize};

use super::error::FleetError;
use super::options::{in_range, non_empty};

/// The JSON part of `evaluate`'s options (`agent`, `tasks`, `signal`, `onProgress` and `fleet`
/// are JS values the edge reads itself).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluateOptions {
    pub task_keys: Option<Vec<String>>,
    pub env_key: Option<String>,
    pub project_key: Option<String>,
    /// Recorded as the sessions' model (default `agent`).
    pub model: Option<String>,
    pub job_name: Option<String>,
    /// Records into this existing job instead of starting one (not with `jobName`).
    pub job_id: Option<String>,
    /// Attempts at once, 1-64 (default 4).
    pub concurrency: Option<u32>,
    /// Attempts per task, 1-100 (default 1).
    pub pass_k: Option<u32>,
    /// How long one agent run may take (default 600000 ms).
    pub task_timeout_ms: Option<u32>,
    /// Each env's heartbeat interval, 30-3600 s (default: none). With one, the SDK beats for the
    /// env while the run lives, and the server stops it soon after the process (or tab) dies.
    pub heartbeat_interval: Option<u32>,
    // The JS-only keys, listed so that they are known keys.
    pub agent: Option<serde::de::IgnoredAny>,
    pub tasks: Option<serde::de::IgnoredAny>,
    pub signal: Option<serde::de::IgnoredAny>,
    pub on_progress: Option<serde::de::IgnoredAny>,
    pub fleet: Option<serde::de::IgnoredAny>,
}

/// `EvaluateOptions`, checked, with defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub model: String,
    pub job_name: Option<String>,
    pub job_id: Option<String>,
    pub concurrency: usize,
    pub pass_k: u32,
    pub task_timeout_ms: f64,
    pub heartbeat_interval: Option<u32>,
}

impl EvaluateOptions {
    pub fn plan(&self) -> Result<Plan, FleetError> {
        const WHAT: &str = "evaluate options";
        for (key, value) in [
            ("envKey", &self.env_key),
            ("projectKey", &self.project_key),
            ("model", &self.model),
            ("jobName", &self.job_name),
            ("jobId", &self.job_id),
        ] {
            non_empty(value, WHAT, key)?;
        }
        if self.job_id.is_some() && self.job_name.is_some() {
            return Err(FleetError::validation(format!(
                "{WHAT}: give `jobName` (a new job) or `jobId` (an existing one)"
            )));
        }
        in_range(self.concurrency, 1, 64, WHAT, "concurrency")?;
        in_range(self.pass_k, 1, 100, WHAT, "passK")?;
        in_range(self.task_timeout_ms, 1, i64::from(i32::MAX), WHAT, "taskTimeoutMs")?;
        in_range(self.heartbeat_interval, 30, 3600, WHAT, "heartbeatInterval")?;
        Ok(Plan {
            model: self.model.clone().unwrap_or_else(|| "agent".into()),
            job_name: self.job_name.clone(),
            job_id: self.job_id.clone(),
            concurrency: self.concurrency.unwrap_or(4) as usize,
            pass_k: self.pass_k.unwrap_or(1),
            task_timeout_ms: f64::from(self.task_timeout_ms.unwrap_or(600_000)),
            heartbeat_interval: self.heartbeat_interval,
        })
    }
}

/// Every attempt to make: `(task index, attempt number from 1)`, task by task.
pub fn attempts(tasks: usize, pass_k: u32) -> Vec<(usize, u32)> {
    (0..tasks).flat_map(|t| (1..=pass_k).map(move |a| (t, a))).collect()
}

/// One attempt's outcome (`EvaluationResult`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptResult {
    pub task_key: String,
    pub attempt: u32,
    /// The verifier's score; null when the agent failed before verification.
    pub score: Option<f64>,
    /// Scored 1 (as the server counts a passed session).
    pub passed: bool,
    pub session_id: Option<String>,
    pub instance_id: Option<String>,
    /// Why the attempt failed (the agent threw, timed out, was aborted; a call failed).
    pub error: Option<String>,
    pub seconds: f64,
}

impl AttemptResult {
    /// Sets the score, and `passed` as the server counts it (a score of 1).
    pub fn scored(&mut self, score: f64) {
        self.score = Some(score);
        self.passed = score >= 1.0 - 1e-9;
    }
}

/// What `evaluate` resolves to (`Evaluation`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub job_id: String,
    /// Passed attempts / attempts.
    pub pass_rate: f64,
    pub results: Vec<AttemptResult>,
    /// Whether the caller's signal stopped the run (attempts not started are not in `results`).
    pub aborted: bool,
}

impl Evaluation {
    pub fn new(job_id: String, mut results: Vec<AttemptResult>, aborted: bool) -> Evaluation {
        results.sort_by(|a, b| a.task_key.cmp(&b.task_key).then(a.attempt.cmp(&b.attempt)));
        let passed = results.iter().filter(|r| r.passed).count();
        let pass_rate = if results.is_empty() { 0.0 } else { passed as f64 / results.len() as f64 };
        Evaluation { job_id, pass_rate, results, aborted }
    }
}

/// What `onProgress` receives after each attempt (`EvaluationProgress`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub job_id: String,
    pub done: usize,
    pub total: usize,
    pub passed: usize,
    pub result: AttemptResult,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::options::parse;

    #[test]
    fn plans_every_attempt_of_every_task_with_checked_defaults() {
        assert_eq!(attempts(2, 2), [(0, 1), (0, 2), (1, 1), (1, 2)]);
        let plan =
            parse::<EvaluateOptions>(json!({ "envKey": "helpdesk", "agent": "f" }), "o").unwrap().plan().unwrap();
        assert_eq!(
            (plan.concurrency, plan.pass_k, plan.task_timeout_ms, plan.model.as_str()),
            (4, 1, 600_000.0, "agent")
        );
        for bad in [
            json!({ "concurrency": 0 }),
            json!({ "passK": 101 }),
            json!({ "model": "" }),
            json!({ "jobId": "" }),
            json!({ "jobId": "job_1", "jobName": "both" }),
            json!({ "taskTimeoutMs": 0 }),
        ] {
            assert!(parse::<EvaluateOptions>(bad.clone(), "o").unwrap().plan().is_err(), "{bad}");
        }
        assert!(parse::<EvaluateOptions>(json!({ "concurency": 2 }), "o").is_err(), "a typo is caught");
    }

    #[test]
    fn the_pass_rate_counts_attempts_that_scored_1() {
        let mut a = AttemptResult { task_key: "b".into(), attempt: 1, ..AttemptResult::default() };
        a.scored(1.0);
        let mut b = AttemptResult { task_key: "a".into(), attempt: 1, ..AttemptResult::default() };
        b.scored(0.5);
        let failed =
            AttemptResult { task_key: "a".into(), attempt: 2, error: Some("threw".into()), ..AttemptResult::default() };
        let e = Evaluation::new("j".into(), vec![a, b, failed], false);
        assert_eq!(e.pass_rate, 1.0 / 3.0);
        assert_eq!(
            e.results.iter().map(|r| (r.task_key.as_str(), r.attempt)).collect::<Vec<_>>(),
            [("a", 1), ("a", 2), ("b", 1)]
        );
        assert_eq!(Evaluation::new("j".into(), vec![], true).pass_rate, 0.0);
    }
}
