//! Projects (protocol §6.4): `GET /v1/tasks/projects`, which Fleet's own CLI reads.
use serde::{Deserialize, Serialize};

use super::client::{CallContext, ClientConfig};
use super::http::{HttpRequest, Method};

/// A project: the tasks a team imported under one `projectKey` (`Project`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Project {
    pub project_key: String,
    /// `tool_use` or `computer_use`.
    pub task_modality: Option<String>,
    pub created_at: Option<String>,
    /// How many tasks it holds (flotilla-server says; Fleet's CLI does not read it).
    pub task_count: Option<i64>,
}

/// `{"projects": [...]}`.
#[derive(Debug, Deserialize)]
pub struct ProjectList {
    pub projects: Vec<Project>,
}

pub fn list_request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/tasks/projects", None, ctx)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::io::JsonBody;

    #[test]
    fn projects_read_fleets_fields_and_the_task_count() {
        let list: ProjectList = json!({ "projects": [
            { "project_key": "demo", "task_modality": "tool_use", "created_at": "2026-01-01T00:00:00Z", "task_count": 8 },
            { "project_key": "bare" }
        ] })
        .decode()
        .unwrap();
        let js = serde_json::to_value(&list.projects).unwrap();
        assert_eq!(
            js[0],
            json!({ "projectKey": "demo", "taskModality": "tool_use", "createdAt": "2026-01-01T00:00:00Z", "taskCount": 8 })
        );
        assert_eq!(js[1], json!({ "projectKey": "bare", "taskModality": null, "createdAt": null, "taskCount": null }));
        let ctx = CallContext { request_id: "r".into(), timestamp_ms: 1 };
        let req = list_request(&ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap(), &ctx);
        assert_eq!(req.url, "http://h/v1/tasks/projects");
    }
}
