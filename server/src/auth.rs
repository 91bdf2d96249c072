//! `Authorization: Bearer <key or session token>` -> [`Caller`]. Keys are never logged or echoed.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::error::ApiError;
use crate::keys::Caller;
use crate::state::AppState;

/// The key or token of an `Authorization: Bearer <value>` header, if there is a non-empty one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let header = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let value = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer "))?.trim();
    (!value.is_empty()).then_some(value)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
            return Err(ApiError::unauthorized("Missing API key: send Authorization: Bearer <key>"));
        }
        let key = bearer(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("Malformed Authorization header: expected Bearer <key>"))?;
        if key.starts_with(crate::sessions::PREFIX) {
            return state.sessions.caller(key).ok_or_else(|| ApiError::unauthorized("Session expired: sign in again"));
        }
        state.keys.caller(key).cloned().ok_or_else(|| ApiError::unauthorized("Invalid API key"))
    }
}
