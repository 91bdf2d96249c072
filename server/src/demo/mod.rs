//! The built-in demo: a small help desk ("helpdesk"), its seed data and tasks.
pub mod app;
pub mod helpdesk;
mod mcp;
mod pages;
mod proxy;
pub mod seed;
pub mod tasks;

/// The demo environment's key.
pub const ENV_KEY: &str = "helpdesk";
/// Its only version.
pub const ENV_VERSION: &str = "v1";
/// The seed data set and its version.
pub const DATA_ID: &str = "support";
pub const DATA_VERSION: &str = "v1";
