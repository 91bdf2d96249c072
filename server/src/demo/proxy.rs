//! Forwards `/i/{id}/app/...` to a command instance's own HTTP server on loopback.
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

const FORWARDED: &[&str] = &["content-type", "accept", "cookie", "authorization"];
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
    let client = reqwest::Client::new();
    let mut request = client.request(method, &url).body(body);
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
        Err(e) => ApiError::new(StatusCode::BAD_GATEWAY, format!("Instance app did not answer: {e}")).into_response(),
    }
}
