//! flotilla: the Fleet environment API for JavaScript, written in Rust and compiled to WebAssembly.
//!
//! The crate has two layers:
//! - [`core`]: sans-IO protocol logic (request building, response parsing, error mapping). It has
//!   no JavaScript dependency, so `cargo test` runs it natively.
//! - `edge` (wasm32 only): the `wasm-bindgen` exports that JavaScript calls. It sends the requests
//!   that `core` builds with the global `fetch` and turns `core` errors into JS `Error` subclasses.
pub mod core;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod edge;

#[cfg(target_arch = "wasm32")]
pub use edge::{Database, Env, Fleet, Task};
