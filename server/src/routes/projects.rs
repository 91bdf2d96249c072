//! `GET /v1/tasks/projects` (protocol §6.4): what Fleet's CLI lists with `flt projects list`.
use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::error::ApiResult;
use crate::keys::Caller;
use crate::state::AppState;

/// One project: the tasks a team imported under one `project_key`.
#[derive(Serialize)]
pub struct ProjectResponse {
    project_key: String,
    /// How an agent works the project's tasks. Every environment flotilla-server runs is driven
    /// through its JSON API and MCP tools, so this is always `tool_use` here.
    task_modality: &'static str,
    /// When its first task was imported.
    created_at: String,
    /// How many tasks it holds (a flotilla addition; Fleet's CLI ignores it).
    task_count: i64,
}

#[derive(Serialize)]
pub struct ProjectListResponse {
    projects: Vec<ProjectResponse>,
}

pub async fn list_projects(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<ProjectListResponse>> {
    let projects = state
        .store
        .list_projects(&caller.team_id)?
        .into_iter()
        .map(|p| ProjectResponse {
            project_key: p.project_key,
            task_modality: "tool_use",
            created_at: p.created_at,
            task_count: p.task_count,
        })
        .collect();
    Ok(Json(ProjectListResponse { projects }))
}
