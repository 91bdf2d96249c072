//! `GET /v1/account` (protocol §5.3).
use axum::Json;
use serde::Serialize;

use crate::keys::Caller;

#[derive(Serialize)]
pub struct AccountResponse {
    team_id: String,
    team_name: String,
    instance_limit: i64,
    instance_count: i64,
    profile_id: String,
    profile_name: String,
}

pub async fn get_account(caller: Caller) -> Json<AccountResponse> {
    Json(AccountResponse {
        instance_count: 0,
        instance_limit: caller.instance_limit,
        team_id: caller.team_id,
        team_name: caller.team_name,
        profile_id: caller.profile_id,
        profile_name: caller.profile_name,
    })
}
