use super::*;
use crate::core::traces::TaskSessions;

/// A job whose tasks passed `passed` of `total` sessions.
fn job(id: &str, tasks: &[(&str, i64, i64)]) -> JobSessions {
    let tasks = tasks
        .iter()
        .map(|(key, passed, total)| TaskSessions {
            task_id: Some(key.to_string()),
            total_sessions: *total,
            passed_sessions: *passed,
            ..TaskSessions::default()
        })
        .collect();
    JobSessions { job_id: id.into(), total_sessions: 0, tasks }
}

fn keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("t{i:02}")).collect()
}

fn run(base: &[(String, i64)], cand: &[(String, i64)]) -> Comparison {
    run_gated(base, cand, 0.0)
}

fn run_gated(base: &[(String, i64)], cand: &[(String, i64)], max_drop: f64) -> Comparison {
    let a: Vec<(&str, i64, i64)> = base.iter().map(|(k, p)| (k.as_str(), *p, 1)).collect();
    let b: Vec<(&str, i64, i64)> = cand.iter().map(|(k, p)| (k.as_str(), *p, 1)).collect();
    compare(&job("a", &a), &job("b", &b), &CompareOptions { max_drop: Some(max_drop), ..CompareOptions::default() })
        .unwrap()
}

#[test]
fn a_clearly_better_candidate_is_better_and_a_clearly_worse_one_worse() {
    let k = keys(20);
    let none: Vec<(String, i64)> = k.iter().map(|k| (k.clone(), 0)).collect();
    let most: Vec<(String, i64)> = k.iter().enumerate().map(|(i, k)| (k.clone(), i64::from(i % 10 != 0))).collect();
    let better = run(&none, &most);
    assert_eq!(better.verdict, "better");
    assert!(better.interval_low > 0.0 && better.change > 0.8, "{better:?}");
    assert_eq!(better.tasks.iter().filter(|t| t.flipped.as_deref() == Some("fail->pass")).count(), 18);
    let worse = run(&most, &none);
    assert_eq!(worse.verdict, "worse");
    assert!(worse.interval_high < 0.0);
    assert!(!run_gated(&most, &none, 1.0).gate_passed, "worse never passes the gate");
    assert!(better.gate_passed);
}

#[test]
fn equal_jobs_are_inconclusive_with_a_zero_interval_and_pass_the_gate() {
    let k = keys(8);
    let same: Vec<(String, i64)> = k.iter().enumerate().map(|(i, k)| (k.clone(), i64::from(i % 2 == 0))).collect();
    let c = run(&same, &same);
    assert_eq!((c.verdict.as_str(), c.change, c.interval_low, c.interval_high), ("inconclusive", 0.0, 0.0, 0.0));
    assert!(c.gate_passed);
}

#[test]
fn one_flip_among_many_is_inconclusive_but_a_drop_gate_catches_it() {
    let k = keys(10);
    let base: Vec<(String, i64)> = k.iter().map(|k| (k.clone(), 1)).collect();
    let mut cand = base.clone();
    cand[3].1 = 0;
    let c = run(&base, &cand);
    assert_eq!(c.verdict, "inconclusive");
    assert!((c.change + 0.1).abs() < 1e-12);
    assert_eq!(c.tasks[0].task_key, "t03", "the largest drop comes first");
    assert_eq!(c.tasks[0].flipped.as_deref(), Some("pass->fail"));
    assert!(!run_gated(&base, &cand, 0.05).gate_passed && run_gated(&base, &cand, 0.1).gate_passed);
}

#[test]
fn the_same_jobs_always_give_the_same_interval() {
    let k = keys(12);
    let a: Vec<(String, i64)> = k.iter().enumerate().map(|(i, k)| (k.clone(), i64::from(i % 3 == 0))).collect();
    let b: Vec<(String, i64)> = k.iter().enumerate().map(|(i, k)| (k.clone(), i64::from(i % 2 == 0))).collect();
    assert_eq!(run(&a, &b), run(&a, &b));
}

#[test]
fn tasks_in_one_job_only_are_listed_not_dropped_and_rates_count_sessions() {
    let a = job("a", &[("shared", 1, 2), ("old", 1, 1)]);
    let b = job("b", &[("shared", 2, 2), ("new", 0, 1)]);
    let c = compare(&a, &b, &CompareOptions::default()).unwrap();
    assert_eq!(
        (c.only_in_baseline.clone(), c.only_in_candidate.clone()),
        (vec!["old".to_string()], vec!["new".to_string()])
    );
    let old = c.tasks.iter().find(|t| t.task_key == "old").unwrap();
    assert_eq!(
        (old.candidate_pass_rate, old.flipped.as_deref()),
        (0.0, Some("pass->fail")),
        "a task left out counts as failed"
    );
    let shared = c.tasks.iter().find(|t| t.task_key == "shared").unwrap();
    assert_eq!((shared.baseline_pass_rate, shared.candidate_pass_rate), (0.5, 1.0));
    assert_eq!(c.tasks.len(), 2, "a task only the candidate ran is not in the sample");
    let left_out = compare(&job("a", &[("x", 1, 1)]), &job("b", &[("y", 1, 1)]), &CompareOptions::default()).unwrap();
    assert_eq!(left_out.change, -1.0, "the candidate never ran the baseline's task");
    let empty = compare(&job("a", &[]), &job("b", &[("y", 1, 1)]), &CompareOptions::default()).unwrap();
    assert_eq!(empty.verdict, "inconclusive");
}

#[test]
fn bad_options_are_refused() {
    let a = job("a", &[]);
    let bad = [
        CompareOptions { confidence: Some(1.0), ..CompareOptions::default() },
        CompareOptions { resamples: Some(5), ..CompareOptions::default() },
        CompareOptions { max_drop: Some(1.5), ..CompareOptions::default() },
    ];
    for o in bad {
        assert!(compare(&a, &a, &o).is_err());
    }
}
