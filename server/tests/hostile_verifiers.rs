//! The worst verifier a team key can upload: it must not stop the server, reach another team's
//! data, or outlive its run. Each test here was written before its fix.
mod support;

use serde_json::json;
use support::verifiers::run_verifier;
use support::*;

async fn alive(server: &Server) {
    let (status, body) = server.client(KEY_A).get("/v1/account").await;
    assert_eq!(status, 200, "the server is still up: {body}");
}

#[tokio::test]
async fn a_verifier_that_replaces_its_answer_with_a_list_fails_alone() {
    let server = Server::start(&data_dir(), &[]);
    // It writes `[1]` into every pipe it holds (its answer channel among them) and exits at once.
    let code = "import os, stat\n\
def verify(env, final_answer=None):\n    \
for fd in range(3, 256):\n        \
try:\n            \
if stat.S_ISFIFO(os.fstat(fd).st_mode):\n                os.write(fd, b'[1]')\n        \
except OSError:\n            pass\n    \
os._exit(0)\n";
    let (status, body) = run_verifier(&server, "hostile-list-answer", code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(false), "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("not a JSON object"), "{body}");
    alive(&server).await;
}

#[tokio::test]
async fn a_panic_fails_its_own_request_with_a_json_500_and_the_server_goes_on() {
    let server = Server::start_with_env(&data_dir(), &[], &[("FLOTILLA_TEST_PANIC_ROUTE", "1")]);
    for _ in 0..3 {
        let (status, body) = server.client(KEY_A).get("/__test/panic").await;
        assert_eq!(status, 500);
        assert!(body["detail"].as_str().unwrap().contains("bug"), "{body}");
        alive(&server).await;
    }
    // Without the variable the hook does not exist.
    let plain = Server::start(&data_dir(), &[]);
    assert_eq!(plain.client(KEY_A).get("/__test/panic").await.0, 404);
}
