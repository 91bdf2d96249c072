// Browser and worker entry. WebAssembly must be loaded once before the first `new Fleet()`:
//
//   import { init, Fleet } from 'flotilla';   // or 'flotilla/web'
//   await init();                              // fetches flotilla_bg.wasm next to this module
//   const fleet = new Fleet({ apiKey, baseUrl });
import initWasm, { Fleet, __registerErrorClasses } from '../dist/web/flotilla.js';
import * as errors from './errors.mjs';

let loading;

/**
 * Loads the WebAssembly module. Safe to call many times; later calls return the first promise.
 * @param {RequestInfo | URL | Response | BufferSource | WebAssembly.Module} [wasm] where to load
 *   the `.wasm` from, when a bundler moved it.
 */
export function init(wasm) {
  loading ??= initWasm(wasm === undefined ? undefined : { module_or_path: wasm }).then(() => {
    __registerErrorClasses(errors);
  });
  return loading;
}

export { Fleet };
export * from './errors.mjs';
