/** Base class of every flotilla error. `code` is stable; match on it or on the class. */
export class FleetError extends Error {
  constructor(message: string, props?: Partial<FleetErrorFields> & { cause?: unknown });
  /** Stable machine-readable code, e.g. `"authentication_error"`. */
  code: string;
  /** HTTP status, when a response arrived. */
  status: number | null;
  /** The call's `X-Request-ID`: quote it when reporting a problem. */
  requestId: string | null;
  /** Whether the same call may succeed if tried again. */
  retryable: boolean;
  /** The parsed error body, when the server sent JSON. */
  body: unknown;
}
/** The fields every {@link FleetError} carries. */
export interface FleetErrorFields {
  code: string;
  status: number | null;
  requestId: string | null;
  retryable: boolean;
  body: unknown;
}
/** The server answered with an error status. */
export class APIError extends FleetError {}
/** 401: the API key is missing or wrong. */
export class AuthenticationError extends APIError {}
/** 403. */
export class PermissionError extends APIError {}
/** The team runs as many instances as it may. */
export class InstanceLimitError extends PermissionError {
  runningInstances?: number;
  instanceLimit?: number;
}
export class TeamNotFoundError extends PermissionError {}
export class EnvironmentAccessError extends PermissionError {
  envKey?: string;
}
/** 400. */
export class BadRequestError extends APIError {}
export class RegionError extends BadRequestError {
  region?: string;
}
export class EnvironmentNotFoundError extends BadRequestError {
  envKey?: string;
}
export class VersionNotFoundError extends BadRequestError {
  version?: string;
  envKey?: string;
}
/** 404. */
export class NotFoundError extends APIError {}
/** 409; `instanceId` is set when a create was a duplicate of an earlier one. */
export class ConflictError extends APIError {
  instanceId?: string;
}
/** 429. */
export class RateLimitError extends APIError {}
/** 5xx. */
export class ServerError extends APIError {}
/** No response arrived (network, DNS, CORS). */
export class ConnectionError extends FleetError {}
/** The per-call timeout ran out. */
export class TimeoutError extends FleetError {}
/** The caller's AbortSignal fired. */
export class AbortError extends FleetError {}
/** A bad argument: nothing was sent. */
export class ValidationError extends FleetError {}
/** A verifier ran and reported failure. */
export class VerificationError extends FleetError {}
