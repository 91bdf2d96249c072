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
    // It finds where the runner writes its answer and overwrites it (at exit) with `[1]`.
    let code = "import atexit, inspect\n\
def verify(env, final_answer=None):\n    \
f = inspect.currentframe()\n    \
while f is not None and 'job' not in f.f_locals:\n        f = f.f_back\n    \
path = f.f_locals['job']['result_path']\n    \
atexit.register(lambda: open(path, 'w').write('[1]'))\n    \
return 1\n";
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
