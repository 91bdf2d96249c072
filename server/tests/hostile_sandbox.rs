//! A verifier runs in a sandbox: it sees only the runtime, its bundle and a scratch dir, reaches
//! no network but its instance's manager API, lives within limits, and leaves nothing behind.
//! Each test here was written before the sandbox, and failed then.
mod support;

use std::io::Write;

use flotilla::core::verify::Bundle;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::verifiers::{execute_body, result_of, run_verifier, run_verifier_for};
use support::*;

async fn alive(server: &Server) {
    let (status, body) = server.client(KEY_A).get("/v1/account").await;
    assert_eq!(status, 200, "the server is still up: {body}");
}

#[tokio::test]
async fn the_data_dir_keys_and_the_servers_environment_are_out_of_sight() {
    let dir = data_dir();
    let server = Server::start_with_env(&dir, &[], &[("FLOTILLA_TEST_SECRET", "s3cr3t-marker-4417")]);
    let code = format!(
        "import os, glob\n\
def verify(env, final_answer=None):\n    \
seen = []\n    \
for p in ['{d}/api-keys.json', '{d}/flotilla.db', '{d}/bundles', '{d}']:\n        \
if os.path.exists(p):\n            seen.append(p)\n    \
for p in glob.glob('/proc/*/environ') + ['/proc/self/environ']:\n        \
try:\n            \
if b's3cr3t-marker' in open(p, 'rb').read():\n                seen.append(p)\n        \
except OSError:\n            pass\n    \
if 's3cr3t-marker-4417' in str(os.environ):\n        seen.append('os.environ')\n    \
return {{'score': 0 if seen else 1, 'seen': seen}}\n",
        d = dir.display()
    );
    let (status, body) = run_verifier(&server, "sandbox-secrets", &code).await;
    assert_eq!(result_of(status, &body)["seen"], json!([]), "{body}");
}

#[tokio::test]
async fn no_network_but_the_instances_manager_api() {
    let server = Server::start(&data_dir(), &[]);
    let authority = server.base.trim_start_matches("http://").to_string();
    let (host, port) = authority.split_once(':').unwrap();
    let code = format!(
        "import socket\n\
def verify(env, final_answer=None):\n    \
reached = []\n    \
for target in [('{host}', {port}), ('1.1.1.1', 53)]:\n        \
s = socket.socket()\n        \
s.settimeout(2)\n        \
try:\n            s.connect(target)\n            reached.append(target[0])\n        \
except OSError:\n            pass\n    \
tickets = env.db('current').table('tickets').count()\n    \
return {{'score': 1, 'reached': reached, 'tickets': tickets}}\n"
    );
    let (status, body) = run_verifier(&server, "sandbox-network", &code).await;
    let result = result_of(status, &body);
    assert_eq!(result["reached"], json!([]), "{body}");
    assert!(result["tickets"].as_i64().unwrap() > 0, "the manager API stays reachable: {body}");
}

#[tokio::test]
async fn at_timeout_the_whole_process_tree_dies_even_a_new_session() {
    let server = Server::start(&data_dir(), &[]);
    let code = "import subprocess, time\n\
def verify(env, final_answer=None):\n    \
subprocess.Popen(['sleep', '917.4417'], start_new_session=True)\n    \
time.sleep(60)\n    \
return 1\n";
    let (status, body) = run_verifier_for(&server, "sandbox-timeout", code, 2).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["error"]["type"], json!("TimeoutError"), "{body}");
    assert!(eventually(5_000, || async { processes_mentioning("917.4417") == 0 }).await, "the sleeper is gone");
    alive(&server).await;
}

#[tokio::test]
async fn a_finished_verifier_leaves_no_process_and_no_work_dir() {
    let server = Server::start(&data_dir(), &[]);
    let code = "import os, subprocess\n\
def verify(env, final_answer=None):\n    \
subprocess.Popen(['sleep', '918.4417'], start_new_session=True)\n    \
here = os.path.dirname(os.path.abspath(__file__))\n    \
open(os.path.join(here, 'left-behind.txt'), 'w').write('x')\n    \
return {'score': 1, 'here': here}\n";
    let (status, body) = run_verifier(&server, "sandbox-leftovers", code).await;
    let here = result_of(status, &body)["here"].as_str().unwrap().to_string();
    assert!(!std::path::Path::new(&here).join("left-behind.txt").exists(), "the work dir {here} is gone");
    assert!(eventually(5_000, || async { processes_mentioning("918.4417") == 0 }).await, "the daemon is gone");
}

#[tokio::test]
async fn stdout_and_result_are_capped_with_a_marker() {
    let server = Server::start(&data_dir(), &[]);
    let code = "def verify(env, final_answer=None):\n    \
print('x' * (20 * 1024 * 1024))\n    \
return 1\n";
    let (status, body) = run_verifier(&server, "sandbox-stdout", code).await;
    let stdout = body["stdout"].as_str().unwrap_or_default();
    assert_eq!(status, 200, "{body:.200}");
    assert!(stdout.len() < 1024 * 1024 + 200, "stdout is capped: {} bytes", stdout.len());
    let tail: String = stdout.chars().rev().take(100).collect::<Vec<_>>().into_iter().rev().collect();
    assert!(stdout.contains("[flotilla: stdout cut at"), "the cut is marked: {tail}");
    assert_eq!(body["result"], json!(1));

    let code = "def verify(env, final_answer=None):\n    \
return {'score': 1, 'blob': 'y' * (20 * 1024 * 1024)}\n";
    let (status, body) = run_verifier(&server, "sandbox-result", code).await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], json!(false), "{body:.300}");
    assert_eq!(body["error"]["type"], json!("ResultTooLarge"), "{body:.300}");
    alive(&server).await;
}

#[tokio::test]
async fn a_zip_bomb_is_refused_before_it_fills_a_disk() {
    let server = Server::start(&data_dir(), &[]);
    let code = "def verify(env, final_answer=None):\n    return 1\n";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("verifier.py", deflate).unwrap();
    zip.write_all(code.as_bytes()).unwrap();
    zip.start_file("padding.bin", deflate.large_file(true)).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..300 {
        zip.write_all(&zeros).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 2 << 20, "a small upload: {} bytes", bytes.len());
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let bundle = Bundle { zip: bytes, sha256, function_name: "verify".into() };
    let a = server.client(KEY_A);
    let instance = a.make(json!({})).await;
    let (status, body) = a.post("/v1/verifiers/execute", execute_body(&server, "bomb", &bundle, &instance, 30)).await;
    assert!(status == 200 || status == 413, "{body}");
    let message = format!("{}{}", body["detail"], body["error"]["message"]);
    assert!(message.contains("expands past"), "{body}");
    alive(&server).await;
}

#[tokio::test]
async fn memory_and_processes_are_limited() {
    let server = Server::start(&data_dir(), &[]);
    let code = "def verify(env, final_answer=None):\n    \
blob = b'x' * (3 * 1024 * 1024 * 1024)\n    \
return len(blob)\n";
    let (status, body) = run_verifier(&server, "sandbox-memory", code).await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], json!(false), "{body}");
    assert_eq!(body["error"]["type"], json!("MemoryError"), "{body}");

    let code = "import subprocess\n\
def verify(env, final_answer=None):\n    \
started = []\n    \
try:\n        \
for _ in range(400):\n            started.append(subprocess.Popen(['sleep', '919.4417']))\n    \
except OSError:\n        pass\n    \
for p in started:\n        p.kill()\n    \
return {'score': 1, 'started': len(started)}\n";
    let (status, body) = run_verifier(&server, "sandbox-processes", code).await;
    let started = result_of(status, &body)["started"].as_i64().unwrap();
    assert!(started < 400, "a verifier cannot start 400 processes: {body}");
    alive(&server).await;
}

#[tokio::test]
async fn bundles_belong_to_the_team_that_uploaded_them() {
    let server = Server::start(&data_dir(), &[]);
    let code = "def verify(env, final_answer=None):\n    return 1\n";
    let (status, body) = run_verifier(&server, "sandbox-owned", code).await;
    assert_eq!(result_of(status, &body), &json!(1));
    let sha = Bundle::new(code).unwrap().sha256;
    let a = server.client(KEY_A);
    let b = server.client(KEY_B);
    assert_eq!(a.get(&format!("/v1/verifiers/check?sha256={sha}")).await.1["success"], json!(true));
    assert_eq!(b.get(&format!("/v1/verifiers/check?sha256={sha}")).await.1["success"], json!(false));
    let instance = b.make(json!({})).await;
    let mut body = execute_body(&server, "sandbox-owned", &Bundle::new(code).unwrap(), &instance, 30);
    body.as_object_mut().unwrap().remove("bundle");
    let (status, answer) = b.post("/v1/verifiers/execute", body).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("Bundle not found"), "{answer}");
}

#[tokio::test]
async fn a_full_pool_queues_and_a_full_queue_answers_429() {
    let server = Server::start(&data_dir(), &["--verifier-workers", "1", "--verifier-queue", "1"]);
    let code = "import time\ndef verify(env, final_answer=None):\n    time.sleep(3)\n    return 1\n";
    let bundle = Bundle::new(code).unwrap();
    let (a, b) = (server.client(KEY_A), server.client(KEY_B));
    let (a_instance, b_instance) = (a.make(json!({})).await, b.make(json!({})).await);
    let a_body = execute_body(&server, "sandbox-slow", &bundle, &a_instance, 30);
    let b_body = execute_body(&server, "sandbox-slow", &bundle, &b_instance, 30);
    let send = |key: &'static str, body: &Value| {
        a.http.post(format!("{}/v1/verifiers/execute", server.base)).bearer_auth(key).json(body).send()
    };
    // Team A takes the worker and the one place in the queue; team B then finds the queue full.
    let late = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        send(KEY_B, &b_body).await
    };
    let (one, two, refused) = tokio::join!(send(KEY_A, &a_body), send(KEY_A, &a_body), late);
    let refused = refused.unwrap();
    assert_eq!(refused.status().as_u16(), 429, "the queue is full");
    assert!(refused.headers().get("retry-after").is_some());
    let v: Value = refused.json().await.unwrap();
    assert!(v["detail"].as_str().unwrap().contains("busy"), "{v}");
    for answer in [one.unwrap(), two.unwrap()] {
        assert_eq!(answer.status().as_u16(), 200, "running and queued both finish");
        assert_eq!(answer.json::<Value>().await.unwrap()["result"], json!(1));
    }
}
