//! Shared server state handed to every handler.
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::events::Events;
use crate::instances::Instances;
use crate::keys::Keys;
use crate::sessions::Sessions;
use crate::store::Store;
use crate::verify::Verifier;

#[derive(Clone)]
pub struct AppState {
    pub keys: Arc<Keys>,
    pub store: Arc<Store>,
    pub catalog: Arc<Catalog>,
    pub instances: Arc<Instances>,
    pub verifier: Arc<Verifier>,
    pub runner_tokens: Arc<crate::runner_tokens::RunnerTokens>,
    pub sessions: Arc<Sessions>,
    /// Live changes per team (`GET /v1/flotilla/events`).
    pub events: Arc<Events>,
    /// The repository root whose `www/`, `js/` and `dist/web/` are served, if any.
    pub static_root: Option<std::path::PathBuf>,
    /// `http://host:port` as clients reach this server; instance URLs start with it.
    pub base_url: String,
    /// Other origins allowed to call the API from a browser (`--cors-origin`).
    pub cors_origins: Arc<Vec<String>>,
}
