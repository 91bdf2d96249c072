//! Security headers on every answer. The dashboard and the API may not be framed by anyone, load
//! nothing from elsewhere, and are never sniffed as another type. An instance's app (the demo
//! help desk, or a command app behind the proxy) runs sandboxed in an opaque origin (CSP
//! `sandbox` without `allow-same-origin`), so an app page cannot read the dashboard's session
//! token, and only this server's own pages may frame it (the playground does).
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

const DASHBOARD_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src 'self' blob:; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; \
    frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
const APP_POLICY: &str = "sandbox allow-forms allow-scripts allow-popups; frame-ancestors 'self'";
/// The playground's agent workers (a worker is governed by its own script's policy). A
/// model-driven agent calls its provider, so both may connect to https origins and loopback;
/// only the worker for a user's own agent module (`agent-worker-url.js`) may also load scripts
/// from them. They hold the session token only; the page and the API keep the dashboard's policy.
const AGENT_WORKER_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    connect-src 'self' https: http://127.0.0.1:* http://localhost:*; base-uri 'none'; object-src 'none'";
const MODULE_AGENT_WORKER_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'wasm-unsafe-eval' https: http://127.0.0.1:* http://localhost:*; \
    connect-src 'self' https: http://127.0.0.1:* http://localhost:*; base-uri 'none'; object-src 'none'";

/// Whether a path is an instance's app (`/i/{id}/app...`).
fn is_app(path: &str) -> bool {
    path.strip_prefix("/i/").and_then(|rest| rest.split_once('/')).is_some_and(|(_, after)| after.starts_with("app"))
}

pub async fn security_headers(request: Request, next: Next) -> Response {
    let app = is_app(request.uri().path());
    let worker = match request.uri().path() {
        "/www/agent-worker.js" => Some(AGENT_WORKER_POLICY),
        "/www/agent-worker-url.js" => Some(MODULE_AGENT_WORKER_POLICY),
        _ => None,
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if app {
        // Appended: a command app's own policy (if any) still holds too.
        headers.append(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(APP_POLICY));
    } else {
        let policy = worker.unwrap_or(DASHBOARD_POLICY);
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// The most bytes of a plain-text error that are kept when it is turned into JSON.
const MAX_PLAIN_ERROR: usize = 4096;

/// Marks an answer an instance's app gave (passed on as it is).
#[derive(Clone, Copy)]
pub struct AppAnswer;

/// Every error answer as JSON with a `detail` (for the API and the manager socket alike): one
/// that is not JSON (an extractor's rejection, a layer's 413) becomes `{"detail": <its text>}`.
/// An app's own answers ([`AppAnswer`]) pass untouched; this server's own, on an app's paths too,
/// do not.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.extensions().get::<AppAnswer>().is_some() || !response.status().is_client_error() {
        return response;
    }
    json_error(response).await
}

async fn json_error(response: Response) -> Response {
    let is_json =
        response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_PLAIN_ERROR).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let detail =
        if text.is_empty() { parts.status.canonical_reason().unwrap_or("Bad request").to_string() } else { text };
    let body = serde_json::json!({ "detail": detail }).to_string();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn app_paths_are_told_apart() {
        assert!(super::is_app("/i/inst_1/app/"));
        assert!(super::is_app("/i/inst_1/app/tickets/2"));
        assert!(!super::is_app("/i/inst_1/mcp"));
        assert!(!super::is_app("/i/inst_1/api/v1/env/resources"));
        assert!(!super::is_app("/www/app.js"));
    }
}
