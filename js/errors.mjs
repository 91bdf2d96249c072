// The error classes every flotilla call rejects with. The Rust core decides which class and
// `code` apply; these classes make `instanceof` and `error.name` work in JavaScript.
//
//   FleetError
//   ├─ APIError                  (the server answered with an error status)
//   │  ├─ AuthenticationError    401
//   │  ├─ PermissionError        403
//   │  │  ├─ InstanceLimitError  (runningInstances, instanceLimit)
//   │  │  ├─ TeamNotFoundError
//   │  │  └─ EnvironmentAccessError
//   │  ├─ BadRequestError        400
//   │  │  ├─ RegionError
//   │  │  ├─ EnvironmentNotFoundError
//   │  │  └─ VersionNotFoundError
//   │  ├─ NotFoundError          404
//   │  ├─ ConflictError          409 (instanceId)
//   │  ├─ RateLimitError         429
//   │  └─ ServerError            5xx
//   ├─ ConnectionError           no response (network, DNS, CORS)
//   ├─ TimeoutError              the per-call timeout ran out
//   ├─ AbortError                the caller's AbortSignal fired
//   ├─ ValidationError           a bad argument; nothing was sent
//   └─ VerificationError         a verifier ran and reported failure

/** Base class of every flotilla error. `code` is stable; match on it or on the class. */
export class FleetError extends Error {
  constructor(message, props = {}) {
    super(message, props.cause === undefined ? undefined : { cause: props.cause });
    /** Stable machine-readable code, e.g. `"authentication_error"`. */
    this.code = 'fleet_error';
    /** HTTP status, when a response arrived. */
    this.status = null;
    /** The call's `X-Request-ID`: quote it when reporting a problem. */
    this.requestId = null;
    /** Whether the same call may succeed if tried again. */
    this.retryable = false;
    /** The parsed error body, when the server sent JSON. */
    this.body = null;
    for (const [key, value] of Object.entries(props)) {
      if (key !== 'cause') this[key] = value;
    }
  }
}
export class APIError extends FleetError {}
export class AuthenticationError extends APIError {}
export class PermissionError extends APIError {}
export class InstanceLimitError extends PermissionError {}
export class TeamNotFoundError extends PermissionError {}
export class EnvironmentAccessError extends PermissionError {}
export class BadRequestError extends APIError {}
export class RegionError extends BadRequestError {}
export class EnvironmentNotFoundError extends BadRequestError {}
export class VersionNotFoundError extends BadRequestError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class RateLimitError extends APIError {}
export class ServerError extends APIError {}
export class ConnectionError extends FleetError {}
export class TimeoutError extends FleetError {}
export class AbortError extends FleetError {}
export class ValidationError extends FleetError {}
export class VerificationError extends FleetError {}

// `error.name` is the class name, set on the prototype so that minifiers cannot change it.
for (const [name, cls] of Object.entries({
  FleetError, APIError, AuthenticationError, PermissionError, InstanceLimitError, TeamNotFoundError,
  EnvironmentAccessError, BadRequestError, RegionError, EnvironmentNotFoundError, VersionNotFoundError,
  NotFoundError, ConflictError, RateLimitError, ServerError, ConnectionError, TimeoutError, AbortError,
  ValidationError, VerificationError,
})) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}
