//! flotilla-server and the SDK cannot drift apart: every kind of answer the server gives is read
//! by the SDK's own decoders (the typed serde models of `flotilla::core`), and the requests are
//! built by the SDK's own request builders. A field renamed, dropped or retyped on either side
//! fails here.
mod support;

use flotilla::core::account::{self, Account};
use flotilla::core::client::{CallContext, ClientConfig};
use flotilla::core::envs::{self, Environment, ListRunsOptions, Run};
use flotilla::core::error::ErrorKind;
use flotilla::core::http::{HttpRequest, Method};
use flotilla::core::instances::{self, HeartbeatInfo, Instance, ListInstancesOptions, MakeOptions};
use flotilla::core::io::{decode, HttpResponse, ResponseBody};
use flotilla::core::mcp::McpTool;
use flotilla::core::projects::{self, ProjectList};
use flotilla::core::runner::{
    self, DescribeResult, HealthResult, QueryResult, ResetOptions, ResetResult, ResourceList, Runner, StructuredDiff,
};
use flotilla::core::tasks::{self, LoadTasksOptions, Task, TaskList, TaskRef};
use flotilla::core::verify::{self, Bundle, Execution, ExecutionResult};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use support::*;

/// Sends a request the SDK core built, as the edge would, and returns the raw answer.
async fn send(http: &reqwest::Client, request: &HttpRequest) -> HttpResponse<Value> {
    let method = match request.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut builder = http.request(method, &request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let response = builder.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = match serde_json::from_str(&text) {
        Ok(json) => ResponseBody::Json(json),
        Err(_) => ResponseBody::Text(text),
    };
    HttpResponse { status, retry_after: None, body }
}

/// Sends and decodes with the SDK's decoder; a decode failure names what did not fit. An object
/// answer must also carry exactly the model's fields: none missing (an optional field the server
/// dropped or renamed would otherwise read as absent) and none unknown to the SDK.
async fn read<T: DeserializeOwned>(http: &reqwest::Client, request: &HttpRequest) -> T {
    let response = send(http, request).await;
    if let ResponseBody::Json(Value::Object(answer)) = &response.body {
        let fields = flotilla::core::options::field_names::<T>();
        if !fields.is_empty() {
            let missing: Vec<&&str> = fields.iter().filter(|f| !answer.contains_key(**f)).collect();
            let unknown: Vec<&String> = answer.keys().filter(|k| !fields.contains(&k.as_str())).collect();
            assert!(
                missing.is_empty() && unknown.is_empty(),
                "{} {}: the SDK's model lacks {unknown:?}, the server's answer lacks {missing:?}",
                request.method.as_str(),
                request.url
            );
        }
    }
    decode::<T, Value>(&response, "")
        .unwrap_or_else(|e| panic!("{} {}: {}", request.method.as_str(), request.url, e.message))
}

fn ctx() -> CallContext {
    CallContext { request_id: uuid::Uuid::new_v4().to_string(), timestamp_ms: 1 }
}

#[tokio::test]
async fn every_control_plane_answer_fits_the_sdk_models() {
    let server = Server::start(&data_dir(), &[]);
    let config = ClientConfig::new(Some(KEY_A.into()), Some(server.base.clone())).unwrap();
    let http = reqwest::Client::new();

    let account: Account = read(&http, &account::request(&config, &ctx())).await;
    assert_eq!(account.team_id, "team_a");
    let catalog: Vec<Environment> = read(&http, &envs::list_request(&config, &ctx())).await;
    assert!(catalog.iter().any(|e| e.env_key == "helpdesk"));
    let one: Environment = read(&http, &envs::get_request(&config, "helpdesk", &ctx()).unwrap()).await;
    assert_eq!(one.env_key, "helpdesk");
    let regions: Vec<String> = read(&http, &envs::regions_request(&config, &ctx())).await;
    assert!(!regions.is_empty());

    let filters = LoadTasksOptions { env_key: Some("helpdesk".into()), ..LoadTasksOptions::default() };
    let list: TaskList = read(&http, &tasks::load_request(&config, &filters, &ctx()).unwrap()).await;
    let all = tasks::finish_load(list, &filters);
    assert!(all.len() >= 8, "the demo tasks");
    let task: Task = read(&http, &tasks::get_request(&config, &all[0].key, &ctx()).unwrap()).await;
    let task = task.complete();
    assert!(task.verifier_func.is_some() && !task.env_key.is_empty());

    let options =
        MakeOptions { env_key: Some("helpdesk".into()), heartbeat_interval: Some(60), ..MakeOptions::default() };
    let made: Instance = read(&http, &instances::make_request(&config, &options, 60_000.0, &ctx()).unwrap()).await;
    let made = made.complete();
    let id = made.instance_id.clone();
    assert_eq!((made.status.as_str(), made.heartbeat_interval), ("running", Some(60)));
    let got: Instance = read(&http, &instances::get_request(&config, &id, &ctx()).unwrap()).await;
    assert!(got.complete().urls.unwrap().mcp.unwrap().ends_with("mcp"));
    let listed: Vec<Instance> =
        read(&http, &instances::list_request(&config, &ListInstancesOptions::default(), &ctx()).unwrap()).await;
    assert!(listed.iter().any(|i| i.instance_id == id));
    let beat: HeartbeatInfo = read(&http, &instances::heartbeat_request(&config, &id, None, &ctx()).unwrap()).await;
    let in_region = instances::heartbeat_request(&config, &id, Some("local"), &ctx()).unwrap();
    assert_eq!(in_region.body.as_deref(), Some(r#"{"region":"local"}"#));
    let _: HeartbeatInfo = read(&http, &in_region).await;
    assert!(beat.success && beat.interval_seconds == Some(60));
    let runs: Vec<Run> = read(&http, &envs::runs_request(&config, &ListRunsOptions::default(), &ctx()).unwrap()).await;
    assert!(runs.iter().all(|r| r.total_count >= r.running_count));

    // Verification, with the SDK's own bundle and pickled arguments.
    let task_ref = TaskRef::from(&task);
    let bundle = Bundle::new(task_ref.verifier_func.as_deref().unwrap()).unwrap();
    let run = Execution { key: &task.key, instance_id: &id, args: &[], kwargs: &[], timeout_s: 30, region: "local" };
    let result: ExecutionResult = read(&http, &verify::execute_request(&config, &bundle, &run, true, &ctx())).await;
    assert!(result.success, "{:?}", result.error);
    assert!(result.execution_id.is_some(), "the server names the execution");

    // The runner (§8), with the token the control plane hands out.
    let token: Value = match send(&http, &runner::token_request(&config, &ctx())).await.body {
        ResponseBody::Json(v) => v,
        ResponseBody::Text(t) => panic!("token: {t}"),
    };
    let urls = made.urls.unwrap();
    let mcp_url = urls.mcp.clone().expect("an MCP URL");
    let runner = Runner { base: urls.manager.api, token: token["token"].as_str().map(str::to_string) };
    let resources: ResourceList = read(&http, &runner.resources()).await;
    assert!(resources.into_vec().iter().any(|r| r.name == "current"));
    let rows: QueryResult = read(&http, &runner.query("current", "SELECT 1 AS n", None, true).unwrap()).await;
    assert_eq!(rows.rows.unwrap()[0][0], json!(1));
    let changed: QueryResult = read(
        &http,
        &runner.query("current", "UPDATE tickets SET status = 'closed' WHERE id = 1", None, false).unwrap(),
    )
    .await;
    assert_eq!(changed.rows_affected, Some(1));
    let described: DescribeResult = read(&http, &runner.describe("current")).await;
    assert!(described.tables.unwrap().iter().any(|t| t.name == "tickets"));
    let diff: StructuredDiff = read(&http, &runner.diff()).await;
    assert!(diff.diff.contains_key("tickets"));
    let seeded = ResetOptions { seed: Some(42), timestamp: Some(1_767_225_600) };
    let reset: ResetResult = read(&http, &runner.reset(&seeded)).await;
    assert!(reset.success && reset.message.contains("seed 42"), "{}", reset.message);
    let _: ResetResult = read(&http, &runner.reset(&ResetOptions::default())).await;
    // MCP (§8.9): the tools, as `env.mcp.listTools()` reads them.
    let tools = match send(&http, &flotilla::core::mcp::list_tools_request(&mcp_url)).await.body {
        ResponseBody::Json(v) => v,
        ResponseBody::Text(t) => panic!("tools/list: {t}"),
    };
    let listed: Vec<McpTool> = serde_json::from_value(tools["result"]["tools"].clone()).unwrap();
    assert!(listed.iter().all(|t| t.description.is_some() && t.input_schema.is_some()));
    assert!(listed.iter().any(|t| t.name == "update_ticket"));
    // Projects (§6.4) and a heartbeat naming its region (§5.3).
    let projects: ProjectList = read(&http, &projects::list_request(&config, &ctx())).await;
    assert!(projects
        .projects
        .iter()
        .any(|p| p.project_key == "demo" && p.task_modality.as_deref() == Some("tool_use")));
    let _: HealthResult = read(&http, &runner.health()).await;

    let closed: Instance = read(&http, &instances::close_request(&config, &id, &ctx()).unwrap()).await;
    assert_eq!(closed.status, "stopped");
    let gone = send(&http, &instances::heartbeat_request(&config, &id, None, &ctx()).unwrap()).await;
    let e = decode::<HeartbeatInfo, Value>(&gone, "").unwrap_err();
    assert!(e.kind == ErrorKind::NotFound || e.status == Some(410), "{e:?}");
    let missing = send(&http, &tasks::get_request(&config, "no-such-task", &ctx()).unwrap()).await;
    assert_eq!(decode::<Task, Value>(&missing, "").unwrap_err().kind, ErrorKind::NotFound);
}

/// The event stream, read by the SDK's own SSE parser and `FleetEvent` model: every field the
/// server sends is one the SDK knows, and every kind of change the server announces decodes.
#[tokio::test]
async fn every_event_fits_the_sdk_event_model() {
    use flotilla::core::events::{self as sdk_events, FleetEvent, SseParser};
    let server = Server::start(&data_dir(), &[]);
    let a = server.client(KEY_A);
    let instance = a.make(json!({ "heartbeat_interval": 30 })).await;
    let (_, job) = a.post("/v1/traces/jobs", json!({ "name": "events" })).await;
    let job_id = job["job_id"].as_str().unwrap().to_string();
    let messages = json!([{ "role": "user", "content": "hi" }]);
    let (_, session) =
        a.post("/v1/sessions/ingest", json!({ "job_id": job_id, "instance_id": instance, "messages": messages })).await;
    let session_id = session["session_id"].as_str().unwrap().to_string();
    let more = json!({ "session_id": session_id, "messages": messages });
    a.post("/v1/sessions/ingest", more).await;
    let done = json!({ "session_id": session_id, "status": "completed", "messages": messages });
    a.post("/v1/sessions/ingest", done).await;
    a.delete(&format!("/v1/env/instances/{instance}")).await;

    let config = ClientConfig::new(Some(KEY_A.into()), Some(server.base.clone())).unwrap();
    let request = sdk_events::request(&config, Some("0"), &ctx());
    let http = reqwest::Client::new();
    let mut builder = http.get(&request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let mut response = builder.send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let (mut parser, mut events) = (SseParser::default(), Vec::new());
    let fields = flotilla::core::options::field_names::<FleetEvent>();
    while events.len() < 7 {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk()).await;
        let chunk = chunk.expect("the events came").unwrap().expect("the stream stays open");
        for frame in parser.push(&chunk) {
            let data: Value = serde_json::from_str(&frame.data).unwrap();
            let unknown: Vec<&String> =
                data.as_object().unwrap().keys().filter(|k| !fields.contains(&k.as_str())).collect();
            assert!(unknown.is_empty(), "the SDK's FleetEvent lacks {unknown:?}");
            let event: FleetEvent = serde_json::from_value(data).unwrap();
            events.push((frame.id.unwrap(), event));
        }
    }
    let kinds: Vec<&str> = events.iter().map(|(_, e)| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "instance.created",
            "instance.running",
            "job.created",
            "session.created",
            "session.updated",
            "session.completed",
            "instance.stopped"
        ]
    );
    let ids: Vec<i64> = events.iter().map(|(id, _)| id.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    let completed = &events[5].1;
    assert_eq!((completed.session_id.as_deref(), completed.job_id.as_deref()), (Some(&*session_id), Some(&*job_id)));
    assert_eq!(completed.message_count, Some(3));
    assert_eq!(events[6].1.reason.as_deref(), Some("closed"));
}
