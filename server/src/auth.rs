//! `Authorization: Bearer <key or session token>` -> [`Caller`]. Keys are never logged or echoed.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::keys::Caller;
use crate::state::AppState;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::unauthorized("Missing API key: send Authorization: Bearer <key>"))?;
        let key = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Malformed Authorization header: expected Bearer <key>"))?;
        if key.starts_with(crate::sessions::PREFIX) {
            return state.sessions.caller(key).ok_or_else(|| ApiError::unauthorized("Session expired: sign in again"));
        }
        state.keys.caller(key).cloned().ok_or_else(|| ApiError::unauthorized("Invalid API key"))
    }
}
