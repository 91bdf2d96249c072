//! Forwards `/i/{id}/app/...` to a command instance's own HTTP server on loopback.
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use std::time::Duration;

use crate::error::ApiError;
use crate::state::AppState;

/// How long an app may take to answer one request (`FLOTILLA_PROXY_TIMEOUT_SECS`, for tests).
fn proxy_timeout() -> Duration {
    let secs = std::env::var("FLOTILLA_PROXY_TIMEOUT_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

/// One client for every forwarded request, with the timeout; it follows no redirect.
fn client() -> Option<&'static reqwest::Client> {
    static CLIENT: OnceLock<Option<reqwest::Client>> = OnceLock::new();
    // Redirects go back to the browser (with their `Location`), as from any server: following
    // them here would turn a form's 303 into the next page served at the form's URL.
    CLIENT
        .get_or_init(|| {
            let builder = reqwest::Client::builder().timeout(proxy_timeout());
            builder.redirect(reqwest::redirect::Policy::none()).build().ok()
        })
        .as_ref()
}

/// Request headers passed on. Never `Authorization` (the caller's Fleet key or session token is
/// not the app's business) nor hop-by-hop headers; the app's own cookies pass (the dashboard sets
/// none).
const FORWARDED: &[&str] = &["content-type", "accept", "accept-language", "cookie"];
const RETURNED: &[&str] = &["content-type", "location", "set-cookie", "cache-control"];

pub async fn forward(
    state: &AppState,
    id: &str,
    rest: &str,
    method: Method,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(port) = state.instances.app_port(id) else {
        return ApiError::new(StatusCode::BAD_GATEWAY, format!("Instance '{id}' has no running app")).into_response();
    };
    let url = match query {
        Some(q) => format!("http://127.0.0.1:{port}/{rest}?{q}"),
        None => format!("http://127.0.0.1:{port}/{rest}"),
    };
    let Some(client) = client() else {
        return ApiError::new(StatusCode::BAD_GATEWAY, "The app proxy could not start an HTTP client").into_response();
    };
    // The app's pages link and redirect under the prefix it is served at.
    let mut request = client.request(method, &url).header("x-forwarded-prefix", format!("/i/{id}/app")).body(body);
    for name in FORWARDED {
        if let Some(v) = headers.get(*name) {
            request = request.header(*name, v);
        }
    }
    match request.send().await {
        Ok(upstream) => {
            let status = upstream.status();
            let mut out = HeaderMap::new();
            for name in RETURNED {
                if let Some(v) = upstream.headers().get(*name) {
                    out.insert(*name, v.clone());
                }
            }
            let bytes = upstream.bytes().await.unwrap_or_default();
            (status, out, bytes).into_response()
        }
        Err(e) if e.is_timeout() => {
            let limit = proxy_timeout().as_secs();
            ApiError::new(StatusCode::GATEWAY_TIMEOUT, format!("Instance app did not answer within {limit} s"))
                .into_response()
        }
        Err(e) => ApiError::new(StatusCode::BAD_GATEWAY, format!("Instance app did not answer: {e}")).into_response(),
    }
}
