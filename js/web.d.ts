// Types of the browser/worker entry (`flotilla/web`, or `flotilla` under a bundler's browser condition).
export { Fleet } from '../dist/web/flotilla.js';
export type { FleetOptions, LoadTasksOptions, Account, Task, VerifierRecord, JsonValue } from '../dist/web/flotilla.js';
export * from './errors.js';
/** Loads the WebAssembly module once; call (and await) before the first `new Fleet()`. */
export function init(wasm?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
