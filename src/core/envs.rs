//! The catalog (§4), regions, and runs (§5.3).
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, Method};
use super::options::{non_empty, require_id};
use super::query::{self, escape};

/// An environment of the catalog (`Environment`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Environment {
    pub env_key: String,
    pub name: String,
    pub description: Option<String>,
    pub default_version: Option<String>,
    /// Version name -> details, as the service describes them.
    pub versions: Map<String, Value>,
}

/// Instances grouped by `runId` (`Run`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Run {
    pub run_id: String,
    pub running_count: i64,
    pub total_count: i64,
    pub first_created_at: String,
    pub last_created_at: String,
    pub profile_id: Option<String>,
}

/// `GET /v1/env/` (with the trailing slash: the server must not redirect).
pub fn list_request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/env/", None, ctx)
}

pub fn get_request(config: &ClientConfig, env_key: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(env_key, "envKey")?;
    Ok(config.request(Method::Get, &format!("/v1/env/{}", escape(env_key)), None, ctx))
}

pub fn regions_request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/regions", None, ctx)
}

/// Filters of `listRuns` (`ListRunsOptions`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListRunsOptions {
    /// `active` (default), `inactive` or `all`.
    pub status: Option<String>,
    pub profile_id: Option<String>,
}

/// `GET /v1/env/runs?profile_id=&active=<status>`: the query key is `active` (§5.3).
pub fn runs_request(config: &ClientConfig, o: &ListRunsOptions, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    let status = o.status.as_deref().unwrap_or("active");
    if !matches!(status, "active" | "inactive" | "all") {
        return Err(FleetError::validation("listRuns: `status` must be \"active\", \"inactive\" or \"all\""));
    }
    non_empty(&o.profile_id, "listRuns filters", "profileId")?;
    let q = query::encode(&[("profile_id", o.profile_id.as_deref()), ("active", Some(status))]);
    Ok(config.request(Method::Get, &format!("/v1/env/runs{q}"), None, ctx))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::io::JsonBody;
    use crate::core::options::parse;

    fn config() -> ClientConfig {
        ClientConfig::new(Some("k".into()), Some("http://h/".into())).unwrap()
    }

    fn ctx() -> CallContext {
        CallContext { request_id: "r".into(), timestamp_ms: 1 }
    }

    #[test]
    fn catalog_keeps_the_trailing_slash_and_runs_use_the_active_key() {
        assert_eq!(list_request(&config(), &ctx()).url, "http://h/v1/env/");
        let runs = |v: Value| runs_request(&config(), &parse(v, "listRuns filters")?, &ctx());
        assert_eq!(
            runs(json!({ "status": "all", "profileId": "p" })).unwrap().url,
            "http://h/v1/env/runs?profile_id=p&active=all"
        );
        assert_eq!(runs(Value::Null).unwrap().url, "http://h/v1/env/runs?active=active");
        assert!(runs(json!({ "status": "live" })).is_err());
        assert!(runs(json!({ "active": "all" })).is_err());
    }

    #[test]
    fn environments_need_their_required_fields() {
        let ok = json!([{ "env_key": "e", "name": "E", "description": null, "default_version": "v1", "versions": { "v1": "x" } }]);
        let list: Vec<Environment> = ok.decode().unwrap();
        assert_eq!(serde_json::to_value(&list[0]).unwrap()["defaultVersion"], "v1");
        assert!(json!([{ "env_key": "e" }]).decode::<Vec<Environment>>().is_err());
        assert!(json!(["us-west-1", 5]).decode::<Vec<String>>().is_err());
    }
}
