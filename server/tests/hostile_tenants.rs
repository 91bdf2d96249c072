//! One team's verifier against the teams whose jobs run after it on the same warm worker: it
//! cannot reach into the worker, leave anything behind, outgrow its share of memory, or lock the
//! pool. Found by an attack on the first sandbox; each test was red before its fix.
mod support;

use flotilla::core::verify::Bundle;
use serde_json::{json, Value};
use support::verifiers::{execute_body, result_of, run_verifier};
use support::*;

#[tokio::test]
async fn a_job_cannot_reach_into_its_worker() {
    let server = Server::start(&data_dir(), &["--verifier-workers", "1"]);
    let code = "import ctypes, os\n\
def verify(env, final_answer=None):\n    \
worker = os.getppid()\n    \
reached = []\n    \
for name, mode in [('mem', 'rb'), ('fd/0', 'rb'), ('fd/1', 'wb'), ('environ', 'rb')]:\n        \
try:\n            \
with open(f'/proc/{worker}/{name}', mode):\n                reached.append(name)\n        \
except OSError:\n            pass\n    \
libc = ctypes.CDLL(None, use_errno=True)\n    \
if libc.ptrace(16, worker, 0, 0) == 0:\n        reached.append('ptrace')\n    \
return {'score': 1, 'reached': reached}\n";
    let (status, body) = run_verifier(&server, "tenant-reach", code).await;
    assert_eq!(result_of(status, &body)["reached"], json!([]), "{body}");
}

#[tokio::test]
async fn nothing_a_job_writes_reaches_the_next_job() {
    let server = Server::start(&data_dir(), &["--verifier-workers", "1"]);
    let plant = "import os\n\
def verify(env, final_answer=None):\n    \
written = []\n    \
for d in ['/', '/run', '/root', '/dev', '/dev/shm', '/tmp', '/usr']:\n        \
try:\n            \
open(os.path.join(d, 'planted-by-a'), 'w').write('a')\n            written.append(d)\n        \
except OSError:\n            pass\n    \
return {'score': 1, 'written': written}\n";
    let (status, body) = run_verifier(&server, "tenant-plant", plant).await;
    assert_eq!(result_of(status, &body)["written"], json!(["/dev/shm", "/tmp"]), "only the scratch dirs: {body}");
    let look = "import os\n\
def verify(env, final_answer=None):\n    \
found = [d for d in ['/', '/run', '/root', '/dev', '/dev/shm', '/tmp'] if os.path.exists(os.path.join(d, 'planted-by-a'))]\n    \
return {'score': 1, 'found': found, 'shm': os.listdir('/dev/shm')}\n";
    let (status, body) = run_verifier(&server, "tenant-look", look).await;
    let result = result_of(status, &body);
    assert_eq!(result["found"], json!([]), "{body}");
    assert_eq!(result["shm"], json!([]), "{body}");
}

#[tokio::test]
async fn a_jobs_processes_share_one_memory_limit() {
    let server = Server::start(&data_dir(), &[]);
    // Four processes of 700 MB each: each is under the per-process limit, together they are not.
    let code = "import subprocess, sys\n\
def verify(env, final_answer=None):\n    \
hog = \"b = b'x' * (700 << 20); import sys, time; print('held', flush=True); time.sleep(4)\"\n    \
procs = [subprocess.Popen([sys.executable, '-c', hog], stdout=subprocess.PIPE) for _ in range(4)]\n    \
held = sum(1 for p in procs if p.communicate()[0].strip() == b'held' and p.returncode == 0)\n    \
return {'score': 1, 'held': held}\n";
    let (status, body) = run_verifier(&server, "tenant-memory", code).await;
    assert_eq!(status, 200, "{body}");
    let all_held = body["success"] == json!(true) && body["result"]["held"] == json!(4);
    assert!(!all_held, "2.8 GB across four processes must not fit: {body}");
    assert_eq!(server.client(KEY_A).get("/v1/account").await.0, 200);
}

#[tokio::test]
async fn one_team_cannot_lock_another_out_of_verification() {
    let server = Server::start(&data_dir(), &["--verifier-workers", "1", "--verifier-queue", "2"]);
    let code = "import time\ndef verify(env, final_answer=None):\n    time.sleep(2)\n    return 1\n";
    let bundle = Bundle::new(code).unwrap();
    let (a, b) = (server.client(KEY_A), server.client(KEY_B));
    let (a_instance, b_instance) = (a.make(json!({})).await, b.make(json!({})).await);
    let a_body = execute_body(&server, "slow", &bundle, &a_instance, 30);
    let b_body = execute_body(&server, "slow", &bundle, &b_instance, 30);
    let send = |key: &'static str, body: &Value| {
        a.http.post(format!("{}/v1/verifiers/execute", server.base)).bearer_auth(key).json(body).send()
    };
    let flood = futures_util::future::join_all((0..4).map(|_| send(KEY_A, &a_body)));
    let late = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        send(KEY_B, &b_body).await
    };
    let (flood, late) = tokio::join!(flood, late);
    let a_refused = flood.iter().filter(|r| r.as_ref().unwrap().status() == 429).count();
    assert_eq!(a_refused, 2, "team A gets the worker and half the queue");
    let late = late.unwrap();
    assert_eq!(late.status().as_u16(), 200, "team B still gets its turn");
    assert_eq!(late.json::<Value>().await.unwrap()["result"], json!(1));
}

#[tokio::test]
async fn a_bundle_is_kept_only_for_a_run_against_a_real_instance() {
    let server = Server::start(&data_dir(), &[]);
    let code = "def verify(env, final_answer=None):\n    return 1\n";
    let bundle = Bundle::new(code).unwrap();
    let a = server.client(KEY_A);
    let (status, _) = a.post("/v1/verifiers/execute", execute_body(&server, "k", &bundle, "no-such-instance", 5)).await;
    assert_eq!(status, 404);
    let check = a.get(&format!("/v1/verifiers/check?sha256={}", bundle.sha256)).await.1;
    assert_eq!(check["success"], json!(false), "nothing was stored");
}

#[tokio::test]
async fn a_warm_worker_serves_one_team_only() {
    // The memory a worker forks each job from may hold bytes of its earlier jobs: another team
    // must never get that worker. (A worker is told apart by the port of its relay.)
    let server = Server::start(&data_dir(), &["--verifier-workers", "1"]);
    let code = "def verify(env, final_answer=None):\n    return {'score': 1, 'worker': env.instance.base_url.split('/i/')[0]}\n";
    let bundle = Bundle::new(code).unwrap();
    let worker_of = |key: &'static str| {
        let server = &server;
        let bundle = &bundle;
        async move {
            let client = server.client(key);
            let instance = client.make(json!({})).await;
            let (status, body) =
                client.post("/v1/verifiers/execute", execute_body(server, "which", bundle, &instance, 30)).await;
            client.delete(&format!("/v1/env/instances/{instance}")).await;
            result_of(status, &body)["worker"].as_str().unwrap().to_string()
        }
    };
    worker_of(KEY_A).await; // settles the start-up race between the pool's warm-up and this job
    let a1 = worker_of(KEY_A).await;
    let a2 = worker_of(KEY_A).await;
    assert_eq!(a1, a2, "the same team keeps its warm worker");
    let b = worker_of(KEY_B).await;
    assert_ne!(a1, b, "another team gets a fresh worker");
}

#[tokio::test]
async fn no_keyring_and_no_ipc_object_outlives_a_job() {
    let server = Server::start(&data_dir(), &["--verifier-workers", "1"]);
    // The keyring belongs to the host user the sandbox maps to: it must be out of reach.
    let keyring = "import ctypes\n\
def verify(env, final_answer=None):\n    \
libc = ctypes.CDLL(None, use_errno=True)\n    \
key = libc.syscall(248, b'user', b'flotilla-planted', b'x', 1, -3)\n    \
return {'score': 1, 'added': key >= 0, 'errno': ctypes.get_errno()}\n";
    let (status, body) = run_verifier(&server, "tenant-keyring", keyring).await;
    assert_eq!(result_of(status, &body)["added"], json!(false), "{body}");
    // SysV objects a job leaves would hold the worker's memory for the jobs after it.
    let plant = "import ctypes\n\
def verify(env, final_answer=None):\n    \
libc = ctypes.CDLL(None, use_errno=True)\n    \
made = [libc.shmget(0, 1 << 20, 0o1600), libc.msgget(0, 0o1600), libc.semget(0, 1, 0o1600)]\n    \
return {'score': 1, 'made': made}\n";
    let (status, body) = run_verifier(&server, "tenant-ipc", plant).await;
    let made = result_of(status, &body)["made"].as_array().unwrap().clone();
    assert!(made.iter().all(|id| id.as_i64().unwrap() >= 0), "the objects were made: {body}");
    let look = "import os\n\
def verify(env, final_answer=None):\n    \
left = {k: len(open(f'/proc/sysvipc/{k}').readlines()) - 1 for k in ('shm', 'msg', 'sem')}\n    \
return {'score': 1, 'left': left}\n";
    let (status, body) = run_verifier(&server, "tenant-ipc-look", look).await;
    assert_eq!(result_of(status, &body)["left"], json!({ "shm": 0, "msg": 0, "sem": 0 }), "{body}");
}

#[tokio::test]
async fn no_nested_user_namespace_no_locked_leftovers_and_a_bounded_manager_socket() {
    let server = Server::start(&data_dir(), &["--verifier-workers", "1"]);
    let code = "import ctypes, os, socket\n\
def verify(env, final_answer=None):\n    \
libc = ctypes.CDLL(None, use_errno=True)\n    \
userns = libc.unshare(0x10000000) == 0\n    \
os.makedirs('/tmp/locked/inner')\n    \
open('/tmp/locked/inner/f', 'w').write('x')\n    \
os.chmod('/tmp/locked/inner', 0o500)\n    \
os.chmod('/tmp/locked', 0o500)\n    \
held, served = [], 0\n    \
for _ in range(200):\n        \
s = socket.socket(socket.AF_UNIX)\n        \
s.settimeout(2)\n        \
try:\n            s.connect('/run/flotilla/manager.sock')\n        \
except OSError:\n            break\n        \
held.append(s)\n    \
for s in held:\n        \
try:\n            \
s.sendall(b'GET /i/x/api/v1/env/health HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')\n            \
served += bool(s.recv(12))\n        \
except OSError:\n            pass\n    \
return {'score': 1, 'userns': userns, 'served': served}\n";
    let (status, body) = run_verifier(&server, "tenant-misc", code).await;
    let result = result_of(status, &body);
    assert_eq!(result["userns"], json!(false), "{body}");
    assert!(result["served"].as_i64().unwrap() <= 128, "the manager socket holds 128 connections at most: {body}");
    let look = "import os\n\
def verify(env, final_answer=None):\n    \
own = os.path.basename(os.getcwd())\n    \
return {'score': 1, 'tmp': [n for n in os.listdir('/tmp') if n != own]}\n";
    let (status, body) = run_verifier(&server, "tenant-misc-look", look).await;
    assert_eq!(result_of(status, &body)["tmp"], json!([]), "read-only leftovers are removed too: {body}");
}
