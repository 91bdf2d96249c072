//! Every request body is read whole within a deadline (and up to the body limit) before a
//! handler runs: a caller who trickles a body a byte at a time cannot hold a connection (and a
//! share of the server's connection cap) for longer than that. The API takes JSON bodies only, so
//! nothing here streams.
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// How long a whole request body may take to arrive: 30 s (`$FLOTILLA_BODY_DEADLINE_SECS`, for
/// tests).
fn body_deadline_limit() -> Duration {
    static LIMIT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let secs = std::env::var("FLOTILLA_BODY_DEADLINE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
        Duration::from_secs(secs)
    })
}

pub async fn body_deadline(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let limit = body_deadline_limit();
    match tokio::time::timeout(limit, to_bytes(body, super::MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(Err(_)) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large").into_response(),
        Err(_) => {
            let why = format!("The request body did not arrive within {} s", limit.as_secs());
            ApiError::new(StatusCode::REQUEST_TIMEOUT, why).into_response()
        }
    }
}
