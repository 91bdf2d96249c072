//! Sans-IO protocol core: models, request building, response decoding, error mapping, and the
//! protocol flows (duplicate-create recovery, verification, runner tokens, heartbeat expiry)
//! as plain async functions over the [`io::Io`] trait, so `cargo test` runs all of it natively.
//!
//! Data flows one way: a flow asks a resource module (`instances`, `tasks`...) for an
//! [`http::HttpRequest`], sends it through [`call::Call`] (retries included), and decodes the
//! answer into a typed model or a typed [`error::FleetError`].
pub mod account;
pub mod beat;
pub mod call;
pub mod classify;
pub mod client;
pub mod compare;
pub mod envs;
pub mod error;
pub mod evaluate;
pub mod events;
#[cfg(test)]
mod events_tests;
pub mod heartbeat;
pub mod http;
pub mod ids;
pub mod instances;
pub mod io;
pub mod mcp;
pub mod options;
pub mod projects;
pub mod query;
pub mod retry;
pub mod runner;
pub mod session;
pub mod task_files;
pub mod tasks;
pub mod traces;
pub mod verify;

#[cfg(test)]
pub mod testing;
#[cfg(test)]
mod typings_tests;

/// The SDK version, sent as `X-Fleet-SDK-Version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The value of `X-Fleet-SDK-Language`.
pub const SDK_LANGUAGE: &str = "JavaScript";
/// Fleet's public control plane, used when no base URL is configured.
pub const DEFAULT_BASE_URL: &str = "https://orchestrator.fleetai.com";
