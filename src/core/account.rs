//! `GET /v1/account` (protocol §5.3): the caller's team, profile and instance usage.
use crate::core::json::Value;

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, HttpResponse, Method};
use super::model::{convert, opt, req, Field, Kind};

/// `Account`: `teamId`, `teamName`, `instanceLimit`, `instanceCount`, `profileId`, `profileName`.
pub static ACCOUNT: [Field; 6] = [
    req("team_id", "teamId", Kind::Str),
    req("team_name", "teamName", Kind::Str),
    req("instance_limit", "instanceLimit", Kind::Int),
    req("instance_count", "instanceCount", Kind::Int),
    opt("profile_id", "profileId", Kind::Str),
    opt("profile_name", "profileName", Kind::Str),
];

pub fn request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/account", None, ctx)
}

pub fn parse(response: &HttpResponse, request_id: &str) -> Result<Value, FleetError> {
    response.parse_with(request_id, |v| convert(&v, &ACCOUNT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_wire_shape_into_camel_case() {
        let body = r#"{"team_id":"t1","team_name":"Dev","instance_limit":10,"instance_count":2,"profile_id":"p1","extra":true}"#;
        let resp = HttpResponse { status: 200, body: body.into(), retry_after: None };
        let account = parse(&resp, "r").unwrap();
        assert_eq!(account["teamId"], "t1");
        assert_eq!(account["instanceCount"], 2);
        assert_eq!(account["profileName"], Value::Null);
        assert!(account.get("extra").is_none());
    }

    #[test]
    fn request_is_a_get_with_no_body() {
        let config = ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap();
        let ctx = CallContext { request_id: "r".into(), timestamp_ms: 1 };
        let req = request(&config, &ctx);
        assert_eq!((req.method, req.url.as_str(), req.body.is_none()), (Method::Get, "http://h/v1/account", true));
    }
}
