//! The worst web page a user might open while signed in to flotilla: it cannot call the API from
//! its own origin (CORS), post into an instance's app or MCP (Origin check), frame the dashboard,
//! or read what the app proxy was sent. Written before the fix.
mod support;

use serde_json::{json, Value};
use support::*;

const EVIL: &str = "http://evil.example";

fn repo_root() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().display().to_string()
}

#[tokio::test]
async fn only_listed_origins_get_cors() {
    let server = Server::start(&data_dir(), &["--cors-origin", "http://good.example"]);
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, format!("{}/v1/account", server.base))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let evil = preflight(EVIL).await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none(), "{:?}", evil.headers());
    let good = preflight("http://good.example").await.unwrap();
    assert_eq!(good.headers()["access-control-allow-origin"], "http://good.example");
    let plain = Server::start(&data_dir(), &[]);
    let r = http.get(format!("{}/v1/account", plain.base)).header("Origin", EVIL).bearer_auth(KEY_A).send().await;
    assert!(r.unwrap().headers().get("access-control-allow-origin").is_none(), "no origin is listed by default");
}

#[tokio::test]
async fn pages_send_security_headers_and_the_app_is_sandboxed_and_framable_only_here() {
    let server = Server::start(&data_dir(), &["--static-root", &repo_root()]);
    let http = reqwest::Client::new();
    let page = http.get(format!("{}/", server.base)).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let api = http.get(format!("{}/v1/account", server.base)).bearer_auth(KEY_A).send().await.unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    let id = server.client(KEY_A).make(json!({})).await;
    let app = http.get(format!("{}/i/{id}/app/", server.base)).send().await.unwrap();
    let csp = app.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("sandbox") && csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(!csp.contains("allow-same-origin"), "the app never shares the dashboard's origin: {csp}");
    let index = std::fs::read_to_string(format!("{}/www/index.html", repo_root())).unwrap();
    let frame = index.lines().find(|l| l.contains("id=\"app-frame\"")).unwrap();
    assert!(frame.contains("sandbox=\"") && !frame.contains("allow-same-origin"), "{frame}");
}

#[tokio::test]
async fn a_foreign_page_cannot_post_into_an_instance_app_or_mcp() {
    let server = Server::start(&data_dir(), &[]);
    let id = server.client(KEY_A).make(json!({})).await;
    let http = reqwest::Client::new();
    let post = |path: String, origin: Option<&'static str>, body: Value| {
        let mut r = http.post(format!("{}/i/{id}/{path}", server.base)).json(&body);
        if let Some(origin) = origin {
            r = r.header("Origin", origin);
        }
        r.send()
    };
    let patch = json!({ "status": "closed" });
    let mcp = json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/list" });
    for (path, body) in [("app/api/tickets/1".to_string(), patch.clone()), ("mcp".to_string(), mcp.clone())] {
        let r = post(path.clone(), Some(EVIL), body.clone()).await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
        let v: Value = r.json().await.unwrap();
        assert!(v["detail"].as_str().unwrap().contains("Origin"), "{v}");
        // Agents (no Origin), the server's own pages, and the sandboxed app itself ("null") may.
        for origin in [None, Some("null")] {
            let r = post(path.clone(), origin, body.clone()).await.unwrap();
            assert_ne!(r.status(), 403, "{path} {origin:?}");
        }
    }
    let own = server.base.clone();
    let r = http.post(format!("{own}/i/{id}/mcp")).header("Origin", own.as_str()).json(&mcp).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_proxy_never_passes_on_the_callers_authorization_and_gives_up_on_a_slow_app() {
    let dir = data_dir();
    // An app that answers with the headers it received, and never answers /slow.
    let script = "import http.server, sys, time\n\
class H(http.server.BaseHTTPRequestHandler):\n    \
def do_GET(self):\n        \
if self.path == '/slow': time.sleep(600)\n        \
body = str(dict(self.headers)).encode()\n        \
self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)\n\
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n";
    let app_dir = dir.join("catalog");
    std::fs::create_dir_all(&app_dir).unwrap();
    std::fs::write(app_dir.join("echo.py"), script).unwrap();
    let catalog = json!({ "environments": [{
        "env_key": "echo", "name": "Echo", "default_version": "v1",
        "versions": { "v1": { "kind": "command", "health_path": "/",
            "command": ["python3", app_dir.join("echo.py"), "{port}"],
            "seeds": { "empty:v1": "seed.db" }, "default_data": "empty:v1" } } }] });
    rusqlite::Connection::open(app_dir.join("seed.db")).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    std::fs::write(app_dir.join("envs.json"), catalog.to_string()).unwrap();
    let envs = app_dir.join("envs.json");
    let server = Server::start_with_env(
        &dir,
        &["--environments", envs.to_str().unwrap()],
        &[("FLOTILLA_PROXY_TIMEOUT_SECS", "2")],
    );
    let a = server.client(KEY_A);
    let (status, made) = a.post("/v1/env/instances", json!({ "env_key": "echo", "max_wait_seconds": 30 })).await;
    assert_eq!(status, 200, "{made}");
    let id = made["instance_id"].as_str().unwrap();
    let http = reqwest::Client::new();
    let echoed = http
        .get(format!("{}/i/{id}/app/headers", server.base))
        .bearer_auth("flt_secret_of_the_caller")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!echoed.to_lowercase().contains("authorization") && !echoed.contains("flt_secret"), "{echoed}");
    let slow = http.get(format!("{}/i/{id}/app/slow", server.base)).send().await.unwrap();
    assert_eq!(slow.status(), 504);
    let v: Value = slow.json().await.unwrap();
    assert!(v["detail"].as_str().unwrap().contains("did not answer"), "{v}");
}
