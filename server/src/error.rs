//! Every error answer is a JSON object with `detail`, worded so that fleet-python raises the
//! matching exception class (protocol §3).
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// An error answer: a status and the `detail` value.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: Value,
    /// A full body to send instead of `{"detail": detail}` (it must contain `detail`).
    pub body: Option<Value>,
    /// Seconds for a `Retry-After` header (busy answers).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError { status, detail: Value::String(detail.into()), body: None, retry_after: None }
    }
    /// An error with a structured `detail` object.
    pub fn structured(status: StatusCode, detail: Value) -> Self {
        ApiError { status, detail, body: None, retry_after: None }
    }
    /// An error whose body carries more than `detail` (e.g. a `QueryResponse` for fleet-python).
    pub fn with_body(status: StatusCode, body: Value) -> Self {
        ApiError {
            status,
            detail: body.get("detail").cloned().unwrap_or(Value::Null),
            body: Some(body),
            retry_after: None,
        }
    }
    /// A 429 that asks the client to come back in `seconds`.
    pub fn busy(detail: impl Into<String>, seconds: u32) -> Self {
        ApiError { retry_after: Some(seconds), ..Self::new(StatusCode::TOO_MANY_REQUESTS, detail) }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
    /// A failure of ours (storage): logged, answered 503 so a client may retry, never a 500.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "{context}");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, format!("{context}: temporarily unavailable"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body.unwrap_or_else(|| json!({ "detail": self.detail }));
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        ApiError::internal("database error", err)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
