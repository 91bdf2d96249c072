//! A JSON body extractor whose every failure is a 4xx with a JSON `detail` (axum's own answers
//! in plain text). An empty body reads as `{}`, since fleet-python sends `POST /reset` with none,
//! and the content type is not checked, as fleet-python's server peers do not.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large")
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, format!("Could not read the request body: {e}"))
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// A request body as `T`, by the rules of [`JsonBody`] (empty reads as `{}`; 422 naming what
/// did not fit), for handlers that must check something before reading it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(text).map_err(|e| {
        let what = if e.is_data() { "Invalid request body" } else { "Malformed JSON" };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{what}: {e}"))
    })
}
