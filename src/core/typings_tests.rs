//! The TypeScript declarations (`src/edge/types.rs`, which land in the package's `.d.ts`) and
//! the Rust models they describe must agree field by field: this test fails when a field is
//! added, removed, renamed or made nullable on one side only.
use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::account::Account;
use super::call::ClientOptions;
use super::compare::{CompareOptions, Comparison, TaskChange};
use super::envs::{Environment, ListRunsOptions, Run};
use super::evaluate::{AttemptResult, EvaluateOptions, Evaluation, Progress};
use super::events::{EventsOptions, FleetEvent};
use super::heartbeat::StartOptions;
use super::instances::{
    AttachOptions, HeartbeatInfo, HeartbeatOptions, Instance, InstanceUrls, ListInstancesOptions, MakeOptions,
    ManagerUrls, WaitOptions,
};
use super::mcp::{AnthropicMcpServer, McpTool, OpenAiMcpTool};
use super::projects::Project;
use super::runner::{
    Column, DescribeResult, HealthResult, QueryResult, ResetOptions, ResetResult, Resource, StructuredDiff, Table,
};
use super::session::{AppendOptions, CompleteOptions, CreateSessionOptions, EndOptions, SessionOptions};
use super::task_files::FileTask;
use super::tasks::{ImportTaskInput, ImportTaskOptions, LoadTasksOptions, Task, UpdateTaskInput, VerifierRecord};
use super::traces::{
    CreateJobOptions, CreatedJob, IngestResult, Job, JobSessions, SessionInfo, SessionInstance, SessionMessage,
    SessionTask, SessionTranscript, TaskSessions, TranscriptMessage, VerifierExecution,
};
use super::verify::{ExecutionResult, VerifyOptions};

const TYPES: &str = include_str!("../edge/types.rs");

/// One declared field: its name and whether its type admits `null`.
type Fields = BTreeMap<String, bool>;

/// Every `export interface` of the declarations, with `extends` resolved.
fn interfaces() -> BTreeMap<String, Fields> {
    let mut found: BTreeMap<String, (Option<String>, Fields)> = BTreeMap::new();
    let mut current: Option<(String, Option<String>, Fields)> = None;
    for line in TYPES.lines() {
        if let Some(head) = line.strip_prefix("export interface ") {
            let head = head.trim_end_matches('{').trim();
            let (name, parent) = match head.split_once(" extends ") {
                Some((name, parent)) => (name.trim(), Some(parent.trim().to_string())),
                None => (head, None),
            };
            current = Some((name.to_string(), parent, Fields::new()));
        } else if line == "}" {
            if let Some((name, parent, fields)) = current.take() {
                found.insert(name, (parent, fields));
            }
        } else if let Some((_, _, fields)) = current.as_mut() {
            let Some(member) = line.strip_prefix("  ").filter(|m| m.starts_with(|c: char| c.is_ascii_alphabetic()))
            else {
                continue;
            };
            let Some((name, ty)) = member.split_once(':') else { continue };
            let nullable = ty.contains("null") || ty.trim_start().starts_with("JsonValue");
            fields.insert(name.trim_end_matches('?').to_string(), nullable);
        }
    }
    let resolved = |name: &str| {
        let (parent, fields) = &found[name];
        let mut all = parent.as_ref().map(|p| found[p].1.clone()).unwrap_or_default();
        all.extend(fields.clone());
        all
    };
    found.keys().map(|name| (name.clone(), resolved(name))).collect()
}

/// What a model hands to JavaScript: its keys, and which are null when absent.
fn output<T: Serialize + Default>() -> Fields {
    match serde_json::to_value(T::default()).unwrap() {
        serde_json::Value::Object(map) => map.into_iter().map(|(k, v)| (k, v.is_null())).collect(),
        other => panic!("not an object: {other}"),
    }
}

/// The keys an options struct accepts from JavaScript.
fn input<T: DeserializeOwned>() -> BTreeSet<String> {
    super::options::field_names::<T>().iter().map(|f| f.to_string()).collect()
}

fn outputs() -> Vec<(&'static str, Fields)> {
    vec![
        ("Account", output::<Account>()),
        ("VerifierRecord", output::<VerifierRecord>()),
        ("TaskInfo", output::<Task>()),
        ("Environment", output::<Environment>()),
        ("ManagerUrls", output::<ManagerUrls>()),
        ("InstanceUrls", output::<InstanceUrls>()),
        ("InstanceInfo", output::<Instance>()),
        ("Run", output::<Run>()),
        ("HeartbeatInfo", output::<HeartbeatInfo>()),
        ("Resource", output::<Resource>()),
        ("QueryResult", output::<QueryResult>()),
        ("DescribedColumn", output::<Column>()),
        ("DescribedTable", output::<Table>()),
        ("DescribeResult", output::<DescribeResult>()),
        ("ResetResult", output::<ResetResult>()),
        ("HealthResult", output::<HealthResult>()),
        ("StructuredDiff", output::<StructuredDiff>()),
        ("VerificationResult", output::<ExecutionResult>()),
        ("SessionIngestResult", output::<IngestResult>()),
        ("JobInfo", output::<Job>()),
        ("CreatedJob", output::<CreatedJob>()),
        ("VerifierExecution", output::<VerifierExecution>()),
        ("SessionTask", output::<SessionTask>()),
        ("SessionInstance", output::<SessionInstance>()),
        ("SessionInfo", output::<SessionInfo>()),
        ("TaskSessions", output::<TaskSessions>()),
        ("JobSessions", output::<JobSessions>()),
        ("TranscriptMessage", output::<TranscriptMessage>()),
        ("SessionTranscript", output::<SessionTranscript>()),
        ("TaskChange", output::<TaskChange>()),
        ("Comparison", output::<Comparison>()),
        ("EvaluationResult", output::<AttemptResult>()),
        ("Evaluation", output::<Evaluation>()),
        ("EvaluationProgress", output::<Progress>()),
        ("FleetEvent", output::<FleetEvent>()),
        ("TaskFileEntry", output::<ImportTaskInput>()),
        ("Project", output::<Project>()),
        ("McpTool", output::<McpTool>()),
        ("OpenAiMcpTool", output::<OpenAiMcpTool>()),
        ("AnthropicMcpServer", output::<AnthropicMcpServer>()),
    ]
}

fn inputs() -> Vec<(&'static str, BTreeSet<String>)> {
    vec![
        ("FleetOptions", input::<ClientOptions>()),
        ("LoadTasksOptions", input::<LoadTasksOptions>()),
        ("ImportTaskInput", input::<ImportTaskInput>()),
        ("ImportTaskOptions", input::<ImportTaskOptions>()),
        ("UpdateTaskInput", input::<UpdateTaskInput>()),
        ("InstanceOptions", input::<AttachOptions>()),
        ("MakeOptions", input::<MakeOptions>()),
        ("ListInstancesOptions", input::<ListInstancesOptions>()),
        ("ListRunsOptions", input::<ListRunsOptions>()),
        // `signal` is read by the edge (an AbortSignal is not JSON).
        ("WaitOptions", input::<WaitOptions>().into_iter().chain(["signal".to_string()]).collect()),
        ("VerifyOptions", input::<VerifyOptions>()),
        ("StartHeartbeatOptions", input::<StartOptions>()),
        ("SessionOptions", input::<SessionOptions>()),
        ("EndSessionOptions", input::<EndOptions>()),
        ("SessionMessage", input::<SessionMessage>()),
        ("CreateSessionOptions", input::<CreateSessionOptions>()),
        ("AppendMessageOptions", input::<AppendOptions>()),
        ("CompleteSessionOptions", input::<CompleteOptions>()),
        ("CreateJobOptions", input::<CreateJobOptions>()),
        ("CompareOptions", input::<CompareOptions>()),
        ("EvaluateOptions", input::<EvaluateOptions>()),
        ("EventsOptions", input::<EventsOptions>()),
        ("ResetOptions", input::<ResetOptions>()),
        ("HeartbeatOptions", input::<HeartbeatOptions>()),
        ("TaskFileInput", input::<FileTask>()),
    ]
}

/// Interfaces that describe no Rust model: the logger, call options, the class augmentations.
const NOT_MODELS: [&str; 4] = ["Logger", "CallOptions", "Env", "EventStream"];

#[test]
fn every_model_agrees_with_its_typescript_interface() {
    let declared = interfaces();
    let mut problems = Vec::new();
    for (name, rust) in outputs() {
        let Some(ts) = declared.get(name) else {
            problems.push(format!("{name}: no TypeScript interface"));
            continue;
        };
        if ts.keys().collect::<Vec<_>>() != rust.keys().collect::<Vec<_>>() {
            problems.push(format!("{name}: TypeScript has {:?}, Rust has {:?}", ts.keys(), rust.keys()));
        }
        for (field, rust_null) in &rust {
            if ts.get(field).is_some_and(|ts_null| ts_null != rust_null) {
                problems.push(format!("{name}.{field}: null in Rust {rust_null}, in TypeScript {}", !rust_null));
            }
        }
    }
    for (name, rust) in inputs() {
        match declared.get(name) {
            Some(ts) if ts.keys().cloned().collect::<BTreeSet<_>>() == rust => {}
            Some(ts) => problems.push(format!("{name}: TypeScript has {:?}, Rust accepts {rust:?}", ts.keys())),
            None => problems.push(format!("{name}: no TypeScript interface")),
        }
    }
    let covered: BTreeSet<&str> = outputs().iter().map(|(n, _)| *n).chain(inputs().iter().map(|(n, _)| *n)).collect();
    for name in declared.keys() {
        if !covered.contains(name.as_str()) && !NOT_MODELS.contains(&name.as_str()) {
            problems.push(format!("{name}: declared in TypeScript but tied to no Rust type"));
        }
    }
    assert!(problems.is_empty(), "TypeScript and Rust disagree:\n{}", problems.join("\n"));
}

/// The check itself can fail: a renamed field is caught.
#[test]
fn a_renamed_field_is_caught() {
    #[derive(Serialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Renamed {
        team_ident: String,
        team_name: String,
        instance_limit: i64,
        instance_count: i64,
        profile_id: Option<String>,
        profile_name: Option<String>,
    }
    assert_ne!(interfaces()["Account"], output::<Renamed>());
    assert_eq!(interfaces()["Account"], output::<Account>());
    assert!(input::<MakeOptions>().contains("keepProcessAlive"));
}
