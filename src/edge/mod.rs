//! The wasm edge: `wasm-bindgen` exports, `fetch` transport, JS errors. It converts arguments and
//! results and knows nothing of the protocol, which lives in `crate::core`.
mod errors;
mod fleet;
mod options;
mod runtime;
mod transport;
mod types;

pub use fleet::Fleet;
