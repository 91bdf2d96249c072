//! The wasm boundary, run by wasm-bindgen-test in Node and in headless Chromium against a real
//! flotilla-server. scripts/test starts the server and compiles its URL and key in.
#![cfg(target_arch = "wasm32")]

use flotilla::Fleet;
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn server() -> (&'static str, &'static str) {
    // Compiled in by scripts/test; a build without them (clippy) still compiles, and fails here.
    match (option_env!("FLOTILLA_TEST_BASE_URL"), option_env!("FLOTILLA_TEST_API_KEY")) {
        (Some(url), Some(key)) => (url, key),
        _ => panic!("FLOTILLA_TEST_BASE_URL and FLOTILLA_TEST_API_KEY must be set when the tests are built"),
    }
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v)).unwrap();
    }
    o
}

fn client() -> Fleet {
    let (url, key) = server();
    Fleet::new(Some(options(&[("apiKey", key), ("baseUrl", url)]))).unwrap()
}

#[wasm_bindgen_test]
async fn account_reads_the_dev_team() {
    let account = settle(client().account(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&account, "teamId").as_string().unwrap(), "team_local");
    assert!(get(&account, "instanceLimit").as_f64().unwrap() >= 1.0);
    assert!(get(&account, "team_id").is_undefined(), "models are camelCase");
}

#[wasm_bindgen_test]
async fn make_query_verify_and_close_an_env() {
    let fleet = client();
    let tasks: Array =
        settle(fleet.load_tasks(options(&[]).into(), JsValue::UNDEFINED)).await.unwrap().dyn_into().unwrap();
    let task = tasks.iter().find(|t| get(t, "key").as_string().as_deref() == Some("helpdesk-close-printer")).unwrap();
    let make_env: js_sys::Function = get(&task, "makeEnv").dyn_into().unwrap();
    let env = settle(
        make_env.call2(&task, &options(&[("runId", "wasm-test")]), &JsValue::UNDEFINED).unwrap().dyn_into().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(get(&env, "status").as_string().unwrap(), "running");
    let call = |target: &JsValue, method: &str, args: &[JsValue]| -> Promise {
        let f: js_sys::Function = get(target, method).dyn_into().unwrap();
        f.apply(target, &args.iter().collect::<Array>()).unwrap().dyn_into().unwrap()
    };
    let db = call_sync(&env, "db", &[]);
    let sql = "UPDATE tickets SET status = 'closed' WHERE id = 2";
    let changed = settle(call(&db, "exec", &[sql.into(), JsValue::UNDEFINED])).await.unwrap();
    assert_eq!(get(&changed, "rowsAffected").as_f64(), Some(1.0));
    let score = settle(call(&task, "verify", &[env.clone(), JsValue::UNDEFINED])).await.unwrap();
    assert_eq!(score.as_f64(), Some(1.0));
    let closed = settle(call(&env, "close", &[])).await.unwrap();
    assert_eq!(get(&closed, "status").as_string().unwrap(), "stopped");
}

fn call_sync(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let f: js_sys::Function = get(target, method).dyn_into().unwrap();
    f.apply(target, &args.iter().collect::<Array>()).unwrap()
}

#[wasm_bindgen_test]
async fn load_tasks_filters_by_key_and_environment() {
    let keys = Array::of2(&"helpdesk-count-open".into(), &"helpdesk-assign-vpn".into());
    let opts = Object::new();
    Reflect::set(&opts, &"keys".into(), &keys).unwrap();
    Reflect::set(&opts, &"envKey".into(), &"helpdesk".into()).unwrap();
    let tasks: Array = settle(client().load_tasks(opts.into(), JsValue::UNDEFINED)).await.unwrap().dyn_into().unwrap();
    assert_eq!(tasks.length(), 2);
    let first = tasks.get(0);
    assert_eq!(get(&first, "envKey").as_string().unwrap(), "helpdesk:v1");
    assert_eq!(get(&first, "dataKey").as_string().unwrap(), "support:v1");
    assert!(get(&get(&first, "verifier"), "code").as_string().unwrap().contains("def verify"));
    assert!(get(&first, "makeEnv").is_function(), "tasks are Task objects with methods");
}

#[wasm_bindgen_test]
async fn all_demo_tasks_load_without_filters() {
    let tasks: Array =
        settle(client().load_tasks(JsValue::UNDEFINED, JsValue::UNDEFINED)).await.unwrap().dyn_into().unwrap();
    assert!(tasks.length() >= 8, "expected the demo tasks, got {}", tasks.length());
}

#[wasm_bindgen_test]
async fn a_wrong_key_rejects_with_an_authentication_error() {
    let (url, _) = server();
    let fleet = Fleet::new(Some(options(&[("apiKey", "flt_wrong_key_123"), ("baseUrl", url)]))).unwrap();
    let error = settle(fleet.account(JsValue::UNDEFINED)).await.unwrap_err();
    assert!(error.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&error, "name").as_string().unwrap(), "AuthenticationError");
    assert_eq!(get(&error, "code").as_string().unwrap(), "authentication_error");
    assert_eq!(get(&error, "status").as_f64().unwrap(), 401.0);
    assert_eq!(get(&error, "requestId").as_string().unwrap().len(), 36);
    let message = get(&error, "message").as_string().unwrap();
    assert!(!message.contains("flt_wrong_key_123"), "the key leaked into {message}");
}

#[wasm_bindgen_test]
fn a_missing_key_is_a_validation_error_at_construction() {
    // scripts/test runs this suite with FLEET_API_KEY unset.
    let error = match Fleet::new(Some(options(&[("baseUrl", "http://127.0.0.1:9")]))) {
        Ok(_) => panic!("constructed a client without a key"),
        Err(e) => e,
    };
    assert_eq!(get(&error, "name").as_string().unwrap(), "ValidationError");
    assert!(get(&error, "message").as_string().unwrap().contains("apiKey"));
}

#[wasm_bindgen_test]
async fn bad_options_are_rejected_before_sending() {
    let opts = options(&[("envKey", "helpdesk"), ("unknownFilter", "x")]);
    let error = settle(client().load_tasks(opts.into(), JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(get(&error, "code").as_string().unwrap(), "validation_error");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_connection_error() {
    let opts = options(&[("apiKey", "k_12345"), ("baseUrl", "http://127.0.0.1:9")]);
    Reflect::set(&opts, &"maxRetries".into(), &JsValue::from(0)).unwrap();
    let fleet = Fleet::new(Some(opts)).unwrap();
    let error = settle(fleet.account(JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(get(&error, "name").as_string().unwrap(), "ConnectionError");
    assert_eq!(get(&error, "retryable").as_bool(), Some(true));
}

/// Jobs and sessions from the wasm, in Node and in Chromium: record a session, read it back.
#[wasm_bindgen_test]
async fn a_session_is_recorded_and_read_back() {
    let fleet = client();
    let job_id = settle(fleet.job("wasm job".into(), JsValue::UNDEFINED)).await.unwrap().as_string().unwrap();
    let session =
        fleet.session(options(&[("jobId", &job_id), ("model", "wasm"), ("taskKey", "helpdesk-count-open")]).into());
    let session = session.unwrap();
    let history: Array =
        [options(&[("role", "user"), ("content", "<img src=x onerror=alert(1)>")])].into_iter().collect();
    let logged = settle(session.log(history.into(), "4".into(), JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&logged, "messageCount").as_f64(), Some(2.0));
    let session_id = session.session_id().as_string().unwrap();
    settle(session.fail(JsValue::UNDEFINED, JsValue::UNDEFINED)).await.unwrap();
    let record = settle(fleet.list_job_sessions(job_id.clone().into(), JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&record, "totalSessions").as_f64(), Some(1.0));
    let transcript = settle(fleet.get_session_transcript(session_id.into(), JsValue::UNDEFINED)).await.unwrap();
    let messages: Array = get(&transcript, "transcript").dyn_into().unwrap();
    assert_eq!(get(&messages.get(0), "content").as_string().unwrap(), "<img src=x onerror=alert(1)>");
    assert_eq!(get(&messages.get(1), "role").as_string().unwrap(), "assistant");
}
