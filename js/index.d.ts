// Types of the `flotilla` package (Node entries). The models are declared in Rust and generated
// by wasm-bindgen; the error classes in ./errors.d.ts.
export { Fleet } from '../dist/node/flotilla.js';
export type { FleetOptions, LoadTasksOptions, Account, Task, VerifierRecord, JsonValue } from '../dist/node/flotilla.js';
export * from './errors.js';
