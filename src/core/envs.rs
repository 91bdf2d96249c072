//! The catalog (§4), regions, and runs (§5.3).
use crate::core::json::Value;

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, HttpResponse, Method};
use super::model::{convert, convert_list, opt, req, Field, Kind};
use super::options::{require_id, Options};
use super::query::{self, escape};

pub static ENVIRONMENT: [Field; 5] = [
    req("env_key", "envKey", Kind::Str),
    req("name", "name", Kind::Str),
    opt("description", "description", Kind::Str),
    opt("default_version", "defaultVersion", Kind::Str),
    req("versions", "versions", Kind::Any),
];

pub static RUN: [Field; 6] = [
    req("run_id", "runId", Kind::Str),
    req("running_count", "runningCount", Kind::Int),
    req("total_count", "totalCount", Kind::Int),
    req("first_created_at", "firstCreatedAt", Kind::Str),
    req("last_created_at", "lastCreatedAt", Kind::Str),
    opt("profile_id", "profileId", Kind::Str),
];

/// `GET /v1/env/` (with the trailing slash: the server must not redirect).
pub fn list_request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/env/", None, ctx)
}

pub fn parse_list(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| convert_list(&v, &ENVIRONMENT))
}

pub fn get_request(config: &ClientConfig, env_key: &str, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    require_id(env_key, "envKey")?;
    Ok(config.request(Method::Get, &format!("/v1/env/{}", escape(env_key)), None, ctx))
}

pub fn parse_one(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| convert(&v, &ENVIRONMENT))
}

pub fn regions_request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/regions", None, ctx)
}

pub fn parse_regions(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| match v.as_array() {
        Some(items) if items.iter().all(Value::is_string) => Ok(v),
        _ => Err(FleetError::invalid_response("unexpected response: regions must be an array of strings")),
    })
}

/// `GET /v1/env/runs?profile_id=&active=<status>`: the query key is `active` (§5.3).
pub fn runs_request(config: &ClientConfig, filters: &Value, ctx: &CallContext) -> Result<HttpRequest, FleetError> {
    let o = Options::new(filters, "listRuns filters", &["status", "profileId"])?;
    let status = o.string("status", true)?.unwrap_or_else(|| "active".into());
    if !matches!(status.as_str(), "active" | "inactive" | "all") {
        return Err(FleetError::validation("listRuns: `status` must be \"active\", \"inactive\" or \"all\""));
    }
    let profile_id = o.string("profileId", true)?;
    let q = query::encode(&[("profile_id", profile_id.as_deref()), ("active", Some(&status))]);
    Ok(config.request(Method::Get, &format!("/v1/env/runs{q}"), None, ctx))
}

pub fn parse_runs(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| convert_list(&v, &RUN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::json;

    fn config() -> ClientConfig {
        ClientConfig::new(Some("k".into()), Some("http://h/".into())).unwrap()
    }

    fn ctx() -> CallContext {
        CallContext { request_id: "r".into(), timestamp_ms: 1 }
    }

    #[test]
    fn catalog_keeps_the_trailing_slash_and_runs_use_the_active_key() {
        assert_eq!(list_request(&config(), &ctx()).url, "http://h/v1/env/");
        let req = runs_request(&config(), &json!({ "status": "all", "profileId": "p" }), &ctx()).unwrap();
        assert_eq!(req.url, "http://h/v1/env/runs?profile_id=p&active=all");
        assert_eq!(runs_request(&config(), &Value::Null, &ctx()).unwrap().url, "http://h/v1/env/runs?active=active");
        assert!(runs_request(&config(), &json!({ "status": "live" }), &ctx()).is_err());
    }

    #[test]
    fn environments_need_their_required_fields() {
        let ok = HttpResponse { status: 200, body: r#"[{"env_key":"e","name":"E","description":null,"default_version":"v1","versions":{"v1":"x"}}]"#.into(), retry_after: None };
        assert_eq!(parse_list(&ok, "r").unwrap()[0]["defaultVersion"], "v1");
        let bad = HttpResponse { status: 200, body: r#"[{"env_key":"e"}]"#.into(), retry_after: None };
        assert!(parse_list(&bad, "r").is_err());
    }
}
