//! `GET /v1/account` (protocol §5.3): the caller's team, profile and instance usage.
use serde::{Deserialize, Serialize};

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, HttpResponse, Method};

/// The team behind the API key and its instance usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Account {
    pub team_id: String,
    pub team_name: String,
    /// How many instances the team may run at once.
    pub instance_limit: i64,
    /// How many it runs now.
    pub instance_count: i64,
    #[serde(default)]
    pub profile_id: Option<String>,
    #[serde(default)]
    pub profile_name: Option<String>,
}

pub fn request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/account", None, ctx)
}

pub fn parse(response: &HttpResponse, request_id: &str) -> Result<Account, FleetError> {
    response.parse(request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_wire_shape_and_serializes_camel_case() {
        let body = r#"{"team_id":"t1","team_name":"Dev","instance_limit":10,"instance_count":2,"profile_id":"p1","extra":true}"#;
        let resp = HttpResponse { status: 200, body: body.into(), retry_after: None };
        let account = parse(&resp, "r").unwrap();
        assert_eq!(account.instance_limit, 10);
        assert_eq!(account.profile_name, None);
        let js = serde_json::to_value(&account).unwrap();
        assert_eq!(js["teamId"], "t1");
        assert_eq!(js["instanceCount"], 2);
    }

    #[test]
    fn request_is_a_get_with_no_body() {
        let config = ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap();
        let ctx = CallContext { request_id: "r".into(), timestamp_ms: 1 };
        let req = request(&config, &ctx);
        assert_eq!((req.method, req.url.as_str(), req.body.is_none()), (Method::Get, "http://h/v1/account", true));
    }
}
