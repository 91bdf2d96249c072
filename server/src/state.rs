//! Shared server state handed to every handler.
use std::sync::Arc;

use crate::keys::Keys;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub keys: Arc<Keys>,
    pub store: Arc<Store>,
}
