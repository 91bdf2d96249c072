//! Sans-IO protocol core: everything that can be decided without touching the network.
//!
//! Data flows one way: the edge asks a resource module (`account`, `tasks`) for an
//! [`http::HttpRequest`], sends it, and hands the [`http::HttpResponse`] back to the same module,
//! which returns a model or a typed [`error::FleetError`].
pub mod account;
pub mod body;
pub mod classify;
pub mod envs;
pub mod heartbeat;
pub mod instances;
pub mod model;
pub mod options;
pub mod retry;
pub mod runner;
pub mod verify;
pub mod client;
pub mod error;
pub mod http;
pub mod ids;
pub mod json;
pub mod query;
pub mod tasks;

/// The SDK version, sent as `X-Fleet-SDK-Version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The value of `X-Fleet-SDK-Language`.
pub const SDK_LANGUAGE: &str = "JavaScript";
/// Fleet's public control plane, used when no base URL is configured.
pub const DEFAULT_BASE_URL: &str = "https://orchestrator.fleetai.com";
