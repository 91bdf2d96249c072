//! The instance manager ("runner") API (protocol §8), relative to `urls.manager.api`, and the
//! runner-token fetch (§2.5).
use crate::core::json::Value;

use super::body::Body;
use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, HttpResponse, Method};
use super::model::{convert, convert_list, opt, req, Field, Kind};
use super::query::escape;
use super::{SDK_LANGUAGE, SDK_VERSION};

static RESOURCE: [Field; 4] = [
    req("name", "name", Kind::Str),
    req("type", "type", Kind::Str),
    req("mode", "mode", Kind::Str),
    opt("label", "label", Kind::Str),
];

static QUERY_RESULT: [Field; 7] = [
    req("success", "success", Kind::Bool),
    req("message", "message", Kind::Str),
    opt("columns", "columns", Kind::StrList),
    opt("rows", "rows", Kind::Any),
    opt("rows_affected", "rowsAffected", Kind::Int),
    opt("last_insert_id", "lastInsertId", Kind::Int),
    opt("error", "error", Kind::Str),
];

static COLUMN: [Field; 5] = [
    req("name", "name", Kind::Str),
    opt("type", "type", Kind::Str),
    opt("notnull", "notNull", Kind::Any),
    opt("default_value", "defaultValue", Kind::Any),
    opt("pk", "primaryKey", Kind::Any),
];

static TABLE: [Field; 3] = [req("name", "name", Kind::Str), opt("sql", "sql", Kind::Str), opt("columns", "columns", Kind::ObjList(&COLUMN))];

static DESCRIBE: [Field; 5] = [
    req("success", "success", Kind::Bool),
    req("resource_name", "resourceName", Kind::Str),
    req("message", "message", Kind::Str),
    opt("tables", "tables", Kind::ObjList(&TABLE)),
    opt("error", "error", Kind::Str),
];

static RESET: [Field; 2] = [req("success", "success", Kind::Bool), req("message", "message", Kind::Str)];

static HEALTH: [Field; 3] = [req("status", "status", Kind::Str), req("timestamp", "timestamp", Kind::Str), req("service", "service", Kind::Str)];

/// Where an instance's runner lives and the token it wants.
#[derive(Debug, Clone, PartialEq)]
pub struct Runner {
    /// `urls.manager.api`, without a trailing slash.
    pub base: String,
    pub token: Option<String>,
}

impl Runner {
    /// A runner request: SDK headers and the runner token; no Fleet credentials (§2.4).
    /// `replay_safe`: false for a write, which the runner could not tell from a second one.
    fn request(&self, method: Method, path: &str, body: Option<Body>, replay_safe: bool) -> HttpRequest {
        let mut headers = vec![
            ("X-Fleet-SDK-Language".to_string(), SDK_LANGUAGE.to_string()),
            ("X-Fleet-SDK-Version".to_string(), SDK_VERSION.to_string()),
        ];
        if let Some(token) = &self.token {
            headers.push(("X-Runner-Token".to_string(), token.clone()));
        }
        if body.is_some() {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        HttpRequest {
            method,
            url: format!("{}{path}", self.base.trim_end_matches('/')),
            headers,
            body: body.map(Body::finish),
            request_id: String::new(),
            replay_safe,
        }
    }

    pub fn resources(&self) -> HttpRequest {
        self.request(Method::Get, "/resources", None, true)
    }

    /// `query()` sends `read_only: true`, `exec()` sends `false` (§8.2).
    pub fn query(&self, db: &str, sql: &str, args: Option<&Value>, read_only: bool) -> Result<HttpRequest, FleetError> {
        if sql.trim().is_empty() {
            return Err(FleetError::validation("the SQL must not be empty"));
        }
        if let Some(args) = args.filter(|a| !a.is_null()) {
            if !args.is_array() {
                return Err(FleetError::validation("SQL arguments must be an array (for `?` placeholders)"));
            }
        }
        let body = Body::new().push("query", sql).push("args", args.cloned().unwrap_or(Value::Null)).push("read_only", read_only);
        Ok(self.request(Method::Post, &format!("/resources/sqlite/{}/query", escape(db)), Some(body), read_only))
    }

    pub fn describe(&self, db: &str) -> HttpRequest {
        self.request(Method::Get, &format!("/resources/sqlite/{}/describe", escape(db)), None, true)
    }

    pub fn reset(&self) -> HttpRequest {
        self.request(Method::Post, "/reset", Some(Body::new().push("timestamp", Value::Null).push("seed", Value::Null)), true)
    }

    pub fn health(&self) -> HttpRequest {
        self.request(Method::Get, "/health", None, true)
    }

    pub fn diff(&self) -> HttpRequest {
        self.request(Method::Post, "/diff/structured", Some(Body::new()), true)
    }
}

/// `GET /v1/runner-auth/token`: control-plane auth headers but no `X-Request-ID` (§2.5).
pub fn token_request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    let mut req = config.request(Method::Get, "/v1/runner-auth/token", None, ctx);
    req.headers.retain(|(k, _)| k != "X-Request-ID");
    req
}

/// The token, or `None` (any failure means "send no token", as fleet-python does).
pub fn parse_token(response: &HttpResponse) -> Option<String> {
    if response.status != 200 {
        return None;
    }
    let v: Value = crate::core::json::parse(&response.body).ok()?;
    v.get("token")?.as_str().map(str::to_string)
}

pub fn parse_resources(r: &HttpResponse) -> Result<Value, FleetError> {
    r.parse_with("", |v| {
        let list = v.get("resources").cloned().unwrap_or(v);
        convert_list(&list, &RESOURCE)
    })
}

/// A query answer; `success: false` becomes an error (a 4xx already is one).
pub fn parse_query(r: &HttpResponse) -> Result<Value, FleetError> {
    let v = r.parse_with("", |v| convert(&v, &QUERY_RESULT))?;
    if v["success"] == false {
        let message = v["error"].as_str().or(v["message"].as_str()).unwrap_or("query failed");
        return Err(FleetError::new(super::error::ErrorKind::BadRequest, message.to_string()));
    }
    Ok(v)
}

pub fn parse_describe(r: &HttpResponse) -> Result<Value, FleetError> {
    r.parse_with("", |v| convert(&v, &DESCRIBE))
}

pub fn parse_reset(r: &HttpResponse) -> Result<Value, FleetError> {
    r.parse_with("", |v| convert(&v, &RESET))
}

pub fn parse_health(r: &HttpResponse) -> Result<Value, FleetError> {
    r.parse_with("", |v| convert(&v, &HEALTH))
}

/// The structured diff is user data (table names as keys): passed through as-is.
pub fn parse_diff(r: &HttpResponse) -> Result<Value, FleetError> {
    r.parse_with("", |v| match v.get("diff") {
        Some(d) if d.is_object() => Ok(v),
        _ => Err(FleetError::invalid_response("unexpected response: `diff` is missing")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::json;

    fn runner() -> Runner {
        Runner { base: "http://h/i/x/api/v1/env/".into(), token: Some("rt".into()) }
    }

    #[test]
    fn runner_requests_carry_sdk_headers_and_the_token_only() {
        let req = runner().query("current", "SELECT ?", Some(&json!([1])), true).unwrap();
        assert_eq!(req.url, "http://h/i/x/api/v1/env/resources/sqlite/current/query");
        assert_eq!(req.body.as_deref(), Some(r#"{"query":"SELECT ?","args":[1],"read_only":true}"#));
        assert_eq!(req.header("x-runner-token"), Some("rt"));
        assert_eq!(req.header("authorization"), None);
        assert_eq!(req.header("x-request-id"), None);
        assert!(runner().query("current", " ", None, true).is_err());
        assert!(runner().query("current", "SELECT 1", Some(&json!({ "a": 1 })), true).is_err());
        assert_eq!(runner().reset().body.as_deref(), Some(r#"{"timestamp":null,"seed":null}"#));
    }

    /// A write carries no id the runner could de-duplicate, so it is never sent twice.
    #[test]
    fn only_writes_are_unsafe_to_replay() {
        assert!(runner().query("current", "SELECT 1", None, true).unwrap().replay_safe);
        assert!(!runner().query("current", "INSERT INTO t VALUES (1)", None, false).unwrap().replay_safe);
        assert!(runner().reset().replay_safe && runner().diff().replay_safe && runner().describe("current").replay_safe);
    }

    #[test]
    fn token_request_has_no_request_id_and_failures_mean_no_token() {
        let config = ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap();
        let req = token_request(&config, &CallContext { request_id: "r".into(), timestamp_ms: 1 });
        assert_eq!(req.header("x-request-id"), None);
        assert_eq!(req.header("authorization"), Some("Bearer k"));
        let ok = HttpResponse { status: 200, body: r#"{"token":"t"}"#.into(), retry_after: None };
        assert_eq!(parse_token(&ok).as_deref(), Some("t"));
        assert_eq!(parse_token(&HttpResponse { status: 404, body: "{}".into(), retry_after: None }), None);
    }

    #[test]
    fn a_refused_query_is_an_error_with_the_servers_words() {
        let r = HttpResponse { status: 403, body: r#"{"detail":"Write refused: read_only is set","success":false,"message":"m"}"#.into(), retry_after: None };
        let e = parse_query(&r).unwrap_err();
        assert!(e.message.contains("Write refused"));
        let ok = HttpResponse { status: 200, body: r#"{"success":true,"message":"1 rows","columns":["n"],"rows":[[1]]}"#.into(), retry_after: None };
        assert_eq!(parse_query(&ok).unwrap()["rows"], json!([[1]]));
    }
}
