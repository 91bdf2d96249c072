//! Is the candidate better than the baseline? One module computes it, for the CLI
//! (`flotilla compare`), the dashboard and the tests: per task, both pass rates and the change;
//! the tasks that flipped; the overall change with a **paired bootstrap confidence interval over
//! tasks**; and a verdict.
//!
//! Method: the baseline's tasks are the sample; a task the candidate did not run (or never
//! recorded) counts as failed by it, so a candidate cannot look better by leaving tasks out.
//! Tasks only the candidate ran are listed and left out. The overall change is the mean, over
//! the sample, of (candidate pass rate - baseline pass rate). The interval resamples the tasks with
//! replacement `resamples` times (default 10,000) with a fixed seed, so the same two jobs always
//! give the same interval, and takes the two-sided percentile interval at `confidence` (default
//! 0.95). Verdict: `better` when the whole interval is above 0, `worse` when it is below 0,
//! `inconclusive` otherwise. A task "passes" in a job when at least half its sessions passed.
use serde::{Deserialize, Serialize};

use super::error::FleetError;
use super::traces::JobSessions;

/// The seed of every bootstrap.
pub const SEED: u64 = 0x5EED_F1E7;

/// Options of a comparison (`CompareOptions`).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompareOptions {
    /// In (0, 1); default 0.95.
    pub confidence: Option<f64>,
    /// 100 to 100,000; default 10,000.
    pub resamples: Option<u32>,
    /// The largest pass-rate drop the gate lets through, 0 to 1; default 0.
    pub max_drop: Option<f64>,
}

impl CompareOptions {
    /// `(confidence, resamples, max_drop)`, checked, with their defaults.
    pub fn resolve(&self) -> Result<(f64, u32, f64), FleetError> {
        let confidence = self.confidence.unwrap_or(0.95);
        if !(confidence > 0.0 && confidence < 1.0) {
            return Err(FleetError::validation("compare: `confidence` must be between 0 and 1, e.g. 0.95"));
        }
        let resamples = self.resamples.unwrap_or(10_000);
        if !(100..=100_000).contains(&resamples) {
            return Err(FleetError::validation("compare: `resamples` must be from 100 to 100000"));
        }
        let max_drop = self.max_drop.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&max_drop) {
            return Err(FleetError::validation("compare: `maxDrop` must be from 0 to 1"));
        }
        Ok((confidence, resamples, max_drop))
    }
}

/// One task in both jobs (`TaskChange`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskChange {
    pub task_key: String,
    pub baseline_pass_rate: f64,
    pub candidate_pass_rate: f64,
    pub change: f64,
    /// `pass->fail`, `fail->pass`, or null.
    pub flipped: Option<String>,
}

/// The comparison of two jobs (`Comparison`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub baseline_job_id: String,
    pub candidate_job_id: String,
    /// The baseline's tasks (a task the candidate did not run counts as failed), the largest
    /// drop first.
    pub tasks: Vec<TaskChange>,
    pub only_in_baseline: Vec<String>,
    pub only_in_candidate: Vec<String>,
    /// Mean pass rate over the shared tasks.
    pub baseline_pass_rate: f64,
    pub candidate_pass_rate: f64,
    pub change: f64,
    pub interval_low: f64,
    pub interval_high: f64,
    pub confidence: f64,
    pub resamples: u32,
    /// `better`, `worse` or `inconclusive`.
    pub verdict: String,
    pub max_drop: f64,
    /// The CI gate: not `worse`, and the pass rate did not drop by more than `maxDrop`.
    pub gate_passed: bool,
}

/// task key -> pass rate, for tasks with sessions.
fn rates(job: &JobSessions) -> Vec<(String, f64)> {
    let mut rates: Vec<(String, f64)> = job
        .tasks
        .iter()
        .filter(|t| t.total_sessions > 0)
        .map(|t| (t.task_id.clone().unwrap_or_default(), t.passed_sessions as f64 / t.total_sessions as f64))
        .collect();
    rates.sort_by(|a, b| a.0.cmp(&b.0));
    rates
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// The value at quantile `q` of sorted values (linear interpolation between ranks).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (at.floor() as usize, at.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (at - low as f64)
}

/// Compares a candidate job with a baseline job.
pub fn compare(baseline: &JobSessions, candidate: &JobSessions, o: &CompareOptions) -> Result<Comparison, FleetError> {
    let (confidence, resamples, max_drop) = o.resolve()?;
    let (base, cand) = (rates(baseline), rates(candidate));
    let lookup = |list: &[(String, f64)], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, r)| *r);
    let mut tasks: Vec<TaskChange> = base
        .iter()
        .map(|(key, b)| {
            let c = lookup(&cand, key).unwrap_or(0.0);
            let flipped = match (*b >= 0.5, c >= 0.5) {
                (true, false) => Some("pass->fail".to_string()),
                (false, true) => Some("fail->pass".to_string()),
                _ => None,
            };
            TaskChange { task_key: key.clone(), baseline_pass_rate: *b, candidate_pass_rate: c, change: c - b, flipped }
        })
        .collect();
    let diffs: Vec<f64> = tasks.iter().map(|t| t.change).collect();
    let mut means = Vec::with_capacity(resamples as usize);
    if !diffs.is_empty() {
        let mut rng = fastrand::Rng::with_seed(SEED);
        for _ in 0..resamples {
            means.push(mean((0..diffs.len()).map(|_| diffs[rng.usize(..diffs.len())])));
        }
    }
    means.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    let (low, high) = (quantile(&means, tail), quantile(&means, 1.0 - tail));
    let verdict = if diffs.is_empty() {
        "inconclusive"
    } else if low > 0.0 {
        "better"
    } else if high < 0.0 {
        "worse"
    } else {
        "inconclusive"
    };
    let only = |a: &[(String, f64)], b: &[(String, f64)]| -> Vec<String> {
        a.iter().filter(|(k, _)| lookup(b, k).is_none()).map(|(k, _)| k.clone()).collect()
    };
    let comparison = Comparison {
        baseline_job_id: baseline.job_id.clone(),
        candidate_job_id: candidate.job_id.clone(),
        only_in_baseline: only(&base, &cand),
        only_in_candidate: only(&cand, &base),
        baseline_pass_rate: mean(tasks.iter().map(|t| t.baseline_pass_rate)),
        candidate_pass_rate: mean(tasks.iter().map(|t| t.candidate_pass_rate)),
        change: mean(diffs.iter().copied()),
        interval_low: low,
        interval_high: high,
        confidence,
        resamples,
        verdict: verdict.to_string(),
        max_drop,
        gate_passed: false,
        tasks: Vec::new(),
    };
    tasks.sort_by(|a, b| a.change.total_cmp(&b.change).then_with(|| a.task_key.cmp(&b.task_key)));
    let gate_passed = comparison.verdict != "worse" && -comparison.change <= max_drop + 1e-12;
    Ok(Comparison { tasks, gate_passed, ..comparison })
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
