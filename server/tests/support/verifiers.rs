//! Runs a verifier through the protocol's execute call, as fleet-python and the SDK send it.
use flotilla::core::client::{CallContext, ClientConfig};
use flotilla::core::verify::{self, Bundle, Execution};
use serde_json::{json, Value};

use super::{Server, KEY_A};

fn ctx() -> CallContext {
    CallContext { request_id: uuid::Uuid::new_v4().to_string(), timestamp_ms: 1 }
}

/// The execute request body for `bundle` against `instance`, uploading the bundle.
pub fn execute_body(server: &Server, key: &str, bundle: &Bundle, instance: &str, timeout_s: u32) -> Value {
    let config = ClientConfig::new(Some(KEY_A.into()), Some(server.base.clone())).unwrap();
    let run = Execution { key, instance_id: instance, args: &[], kwargs: &[], timeout_s, region: "local" };
    let request = verify::execute_request(&config, bundle, &run, true, &ctx());
    serde_json::from_str(request.body.as_deref().unwrap()).unwrap()
}

/// Imports `code` as the verifier of task `key` of team A, makes an instance, runs the verifier
/// with a `timeout_s` timeout, closes the instance, and answers (status, body).
pub async fn run_verifier_for(server: &Server, key: &str, code: &str, timeout_s: u32) -> (u16, Value) {
    let a = server.client(KEY_A);
    let task = json!({ "key": key, "prompt": "p", "env_id": "helpdesk", "verifier_func": code });
    let (status, body) = a.post("/v1/tasks", task).await;
    assert_eq!(status, 200, "{body}");
    let instance = a.make(json!({})).await;
    let body = execute_body(server, key, &Bundle::new(code).unwrap(), &instance, timeout_s);
    let answer = a.post("/v1/verifiers/execute", body).await;
    a.delete(&format!("/v1/env/instances/{instance}")).await;
    answer
}

/// [`run_verifier_for`] with a 30 s timeout.
pub async fn run_verifier(server: &Server, key: &str, code: &str) -> (u16, Value) {
    run_verifier_for(server, key, code, 30).await
}

/// The verifier's own result, after checking that the run itself succeeded.
pub fn result_of(status: u16, body: &Value) -> &Value {
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true), "{body}");
    &body["result"]
}
