//! `GET /v1/account` (protocol §5.3): the caller's team, profile and instance usage.
use serde::{Deserialize, Serialize};

use super::client::{CallContext, ClientConfig};
use super::http::{HttpRequest, Method};

/// The team behind an API key (`Account` in TypeScript).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct Account {
    pub team_id: String,
    pub team_name: String,
    pub instance_limit: i64,
    pub instance_count: i64,
    pub profile_id: Option<String>,
    pub profile_name: Option<String>,
}

pub fn request(config: &ClientConfig, ctx: &CallContext) -> HttpRequest {
    config.request(Method::Get, "/v1/account", None, ctx)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::core::io::JsonBody;

    #[test]
    fn reads_the_wire_shape_and_writes_camel_case() {
        let wire = json!({ "team_id": "t1", "team_name": "Dev", "instance_limit": 10, "instance_count": 2,
            "profile_id": "p1", "extra": true });
        let account: Account = wire.decode().unwrap();
        assert_eq!(
            serde_json::to_value(&account).unwrap(),
            json!({ "teamId": "t1", "teamName": "Dev", "instanceLimit": 10, "instanceCount": 2,
                "profileId": "p1", "profileName": null })
        );
        let e = json!({ "team_id": "t1" }).decode::<Account>().unwrap_err();
        assert!(e.contains("missing field `team_name`"), "{e}");
    }

    #[test]
    fn request_is_a_get_with_no_body() {
        let config = ClientConfig::new(Some("k".into()), Some("http://h".into())).unwrap();
        let ctx = CallContext { request_id: "r".into(), timestamp_ms: 1 };
        let req = request(&config, &ctx);
        assert_eq!((req.method, req.url.as_str(), req.body.is_none()), (Method::Get, "http://h/v1/account", true));
    }
}
