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
        let session = key.starts_with(crate::sessions::PREFIX);
        resolve(state, key).ok_or_else(|| {
            ApiError::unauthorized(if session { "Session expired: sign in again" } else { "Invalid API key" })
        })
    }
}

/// The caller an API key or session token acts for, while it holds: a key while it is in
/// `api-keys.json`, a session until it ends or its key is removed.
pub fn resolve(state: &AppState, credential: &str) -> Option<Caller> {
    if credential.starts_with(crate::sessions::PREFIX) {
        let (caller, key) = state.sessions.caller(credential)?;
        state.keys.caller(&key).filter(|k| k.team_id == caller.team_id).map(|_| caller)
    } else {
        state.keys.caller(credential)
    }
}

/// The team whose runner token `token` is, while the key or session that minted it holds.
pub fn runner_team(state: &AppState, token: &str) -> Option<String> {
    let credential = state.runner_tokens.credential_of(token, &state.keys)?;
    resolve(state, &credential).map(|caller| caller.team_id)
}
