//! A heartbeat by id (`POST /v1/env/instances/{id}/heartbeat`, protocol §5.3): its options and
//! its request.
use serde::{Deserialize, Serialize};

use super::client::{CallContext, ClientConfig};
use super::error::FleetError;
use super::http::{HttpRequest, Method};
use super::options::{non_empty, require_id};
use super::query::escape;

/// Options of `fleet.heartbeat(id, options)` besides `signal` and `timeoutMs`
/// (`HeartbeatOptions`): the region to send, as fleet-python's `heartbeat(id, region)`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeartbeatOptions {
    pub region: Option<String>,
}

impl HeartbeatOptions {
    /// The region to send; an empty one is refused (a caller who names a region means one).
    pub fn region(self) -> Result<Option<String>, FleetError> {
        non_empty(&self.region, "heartbeat options", "region")?;
        Ok(self.region)
    }
}

/// The body of a heartbeat: `{}` or `{"region": r}`.
#[derive(Serialize)]
struct HeartbeatBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
}

/// `POST /v1/env/instances/{id}/heartbeat`.
pub fn heartbeat_request(
    config: &ClientConfig,
    id: &str,
    region: Option<&str>,
    ctx: &CallContext,
) -> Result<HttpRequest, FleetError> {
    require_id(id, "instance id")?;
    // An empty region is no region, as fleet-python's `if self.heartbeat_region:`.
    let region = region.filter(|r| !r.trim().is_empty());
    let path = format!("/v1/env/instances/{}/heartbeat", escape(id));
    Ok(config.request_json(Method::Post, &path, &HeartbeatBody { region }, ctx))
}
