// Node entry (import). Re-exports the CommonJS entry so that `import` and `require` in one
// process share the same classes (no dual-package hazard for `instanceof`).
import flotilla from './node.cjs';

export const {
  Fleet, Env, Task, Database, Session, EventStream, Mcp,
  configure, loadTasks, makeEnv, heartbeat, verifyDetailed, listInstances, closeAll, account, listRuns,
  job, listJobSessions, getSessionTranscript, evaluate,
  FleetError, APIError, AuthenticationError, PermissionError, InstanceLimitError, TeamNotFoundError,
  EnvironmentAccessError, BadRequestError, RegionError, EnvironmentNotFoundError, VersionNotFoundError,
  NotFoundError, ConflictError, RateLimitError, ServerError, ConnectionError, TimeoutError, AbortError,
  ValidationError, VerificationError,
} = flotilla;
export default flotilla;
