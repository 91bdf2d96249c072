//! The wasm edge: `wasm-bindgen` exports, `fetch` transport, JS timers and errors. It converts
//! arguments and results and knows nothing of the protocol, which lives in `crate::core`.
pub(crate) mod client;
mod compare;
mod database;
mod env;
mod errors;
mod evaluate;
mod events;
mod fleet;
mod heartbeat;
mod io;
mod mcp;
mod module;
mod options;
mod runtime;
mod task;
mod task_files;
mod timers;
mod traces;
mod types;

pub use database::Database;
pub use env::Env;
pub use fleet::Fleet;
pub use mcp::Mcp;
pub use task::Task;
pub use traces::Session;
