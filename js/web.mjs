// Browser and worker entry. WebAssembly must be loaded once before the first `new Fleet()`:
//
//   import { init, Fleet } from 'flotilla/web';   // bundlers also resolve 'flotilla' here
//   await init();                                  // fetches flotilla_bg.wasm next to the module
//   const fleet = new Fleet({ apiKey, baseUrl });
import initWasm, * as wasm from '../dist/web/flotilla.js';
import * as errors from './errors.mjs';
import { install } from './install.mjs';

let loading;

/**
 * Loads the WebAssembly module. Safe to call many times; later calls return the first promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [source] where to load
 *   the `.wasm` from, when a bundler moved it.
 */
export function init(source) {
  loading ??= initWasm(source === undefined ? undefined : { module_or_path: source }).then(() => install(wasm, errors));
  return loading;
}

export const {
  Fleet, Env, Task, Database, Session, EventStream, Mcp,
  configure, loadTasks, makeEnv, heartbeat, verifyDetailed, listInstances, closeAll, account, listRuns,
  job, listJobSessions, getSessionTranscript, evaluate,
} = wasm;
export * from './errors.mjs';
