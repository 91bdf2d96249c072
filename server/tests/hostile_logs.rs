//! What a caller sends cannot forge or garble the server's log: control characters are escaped,
//! one event stays one line. Written before the fix, red then.
mod support;

use serde_json::json;
use support::verifiers::execute_body;
use support::*;

#[tokio::test]
async fn control_characters_from_a_caller_are_escaped_in_the_log() {
    let dir = data_dir();
    let log = dir.join("server.log");
    let server = Server::start_logging(&dir, &log);
    let a = server.client(KEY_A);
    let instance = a.make(json!({})).await;
    let code = "def verify(env, final_answer=None):\n    return 1\n";
    let bundle = flotilla::core::verify::Bundle::new(code).unwrap();
    let hostile = "evil\nFAKE-LOG-LINE level=ERROR\r\u{1b}[2J\u{7}";
    let (status, body) = a.post("/v1/verifiers/execute", execute_body(&server, hostile, &bundle, &instance, 30)).await;
    assert_eq!(status, 200, "{body}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("verifier ran"), "the run was logged: {text}");
    assert!(!text.lines().any(|l| l.starts_with("FAKE-LOG-LINE")), "no forged line: {text}");
    assert!(!text.contains(['\r', '\u{1b}', '\u{7}']), "no raw control characters: {text:?}");
    assert!(text.contains("FAKE-LOG-LINE"), "the value is still there, escaped: {text}");
}
