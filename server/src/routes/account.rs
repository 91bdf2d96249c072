//! `GET /v1/account` (protocol §5.3).
use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::error::ApiResult;
use crate::keys::Caller;
use crate::state::AppState;

#[derive(Serialize)]
pub struct AccountResponse {
    team_id: String,
    team_name: String,
    instance_limit: i64,
    instance_count: i64,
    profile_id: String,
    profile_name: String,
}

pub async fn get_account(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<AccountResponse>> {
    Ok(Json(AccountResponse {
        instance_count: state.store.count_live(&caller.team_id)?,
        instance_limit: caller.instance_limit,
        team_id: caller.team_id,
        team_name: caller.team_name,
        profile_id: caller.profile_id,
        profile_name: caller.profile_name,
    }))
}
