// Types of the browser/worker entry (`flotilla/web`, or `flotilla` under a bundler's browser condition).
export {
  Fleet, Env, Task, Database, Session, configure, loadTasks, makeEnv, heartbeat, verifyDetailed, listInstances, closeAll,
  account, listRuns, job, listJobSessions, getSessionTranscript, evaluate,
} from '../dist/web/flotilla.js';
export type * from '../dist/web/flotilla.js';
export * from './errors.js';
/** Loads the WebAssembly module once; call (and await) before the first `new Fleet()`. */
export function init(source?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<void>;
