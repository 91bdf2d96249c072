//! The SDK's one error type. Every failure has a [`ErrorKind`] with a stable `code` (what programs
//! match on) and a JS class name (what `instanceof` checks at the edge).
use serde_json::Value;

pub use super::classify::classify_response;

/// What went wrong, one variant per JS error class or distinct code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A bad argument, caught before any request was sent.
    Validation,
    Authentication,
    Permission,
    InstanceLimit,
    TeamNotFound,
    EnvironmentAccess,
    BadRequest,
    Region,
    EnvironmentNotFound,
    VersionNotFound,
    NotFound,
    Conflict,
    RateLimit,
    Server,
    /// Any other status >= 400 (e.g. 408, 422).
    Api,
    /// A 2xx body that is not what the protocol promises.
    InvalidResponse,
    /// The request never got a response (DNS, refused, reset, CORS).
    Connection,
    /// The per-call timeout ran out.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Abort,
    /// A verifier ran and reported failure.
    Verification,
}

impl ErrorKind {
    /// The stable, documented code: `error.code` in JavaScript.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation_error",
            ErrorKind::Authentication => "authentication_error",
            ErrorKind::Permission => "permission_denied",
            ErrorKind::InstanceLimit => "instance_limit_exceeded",
            ErrorKind::TeamNotFound => "team_not_found",
            ErrorKind::EnvironmentAccess => "environment_access_denied",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Region => "region_not_supported",
            ErrorKind::EnvironmentNotFound => "environment_not_found",
            ErrorKind::VersionNotFound => "version_not_found",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimit => "rate_limited",
            ErrorKind::Server => "server_error",
            ErrorKind::Api => "api_error",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::Connection => "connection_error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Abort => "aborted",
            ErrorKind::Verification => "verification_failed",
        }
    }

    /// The JavaScript class the edge throws: `error.name` in JavaScript.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Validation => "ValidationError",
            ErrorKind::Authentication => "AuthenticationError",
            ErrorKind::Permission => "PermissionError",
            ErrorKind::InstanceLimit => "InstanceLimitError",
            ErrorKind::TeamNotFound => "TeamNotFoundError",
            ErrorKind::EnvironmentAccess => "EnvironmentAccessError",
            ErrorKind::BadRequest => "BadRequestError",
            ErrorKind::Region => "RegionError",
            ErrorKind::EnvironmentNotFound => "EnvironmentNotFoundError",
            ErrorKind::VersionNotFound => "VersionNotFoundError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Conflict => "ConflictError",
            ErrorKind::RateLimit => "RateLimitError",
            ErrorKind::Server => "ServerError",
            ErrorKind::Api | ErrorKind::InvalidResponse => "APIError",
            ErrorKind::Connection => "ConnectionError",
            ErrorKind::Timeout => "TimeoutError",
            ErrorKind::Abort => "AbortError",
            ErrorKind::Verification => "VerificationError",
        }
    }
}

/// Facts pulled out of an error body, exposed as properties on the JS error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorDetails {
    pub running_instances: Option<i64>,
    pub instance_limit: Option<i64>,
    pub env_key: Option<String>,
    pub version: Option<String>,
    pub region: Option<String>,
    pub instance_id: Option<String>,
}

/// A failed call, with everything a caller needs to decide what to do next. Boxed: errors are
/// rare, and a small `Result` keeps every future and return value (and the wasm) small.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetError(Box<ErrorInfo>);

/// The fields of a [`FleetError`] (reached through `Deref`: `error.kind`, `error.message`...).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    pub message: String,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The `X-Request-ID` of the call, to quote when reporting a problem.
    pub request_id: Option<String>,
    /// The parsed response body, when it was JSON.
    pub body: Option<Value>,
    pub details: ErrorDetails,
}

impl std::ops::Deref for FleetError {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for FleetError {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

impl From<ErrorInfo> for FleetError {
    fn from(info: ErrorInfo) -> Self {
        FleetError(Box::new(info))
    }
}

impl FleetError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorInfo {
            kind,
            message: message.into(),
            status: None,
            request_id: None,
            body: None,
            details: ErrorDetails::default(),
        }
        .into()
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    pub fn invalid_response(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidResponse, message)
    }

    pub fn with_request_id(mut self, request_id: &str) -> Self {
        self.request_id = Some(request_id.to_string());
        self
    }

    /// Whether trying the same call again may succeed (408, 429, 5xx, network, timeout).
    pub fn retryable(&self) -> bool {
        match self.kind {
            ErrorKind::RateLimit | ErrorKind::Server | ErrorKind::Connection | ErrorKind::Timeout => true,
            ErrorKind::Api => self.status == Some(408),
            _ => false,
        }
    }

    /// Removes a secret (the API key) from the message and body, whatever the server echoed.
    pub fn redact(mut self, secret: &str) -> Self {
        if secret.len() < 4 {
            return self;
        }
        if self.message.contains(secret) {
            self.message = self.message.replace(secret, "[redacted]");
        }
        if let Some(body) = self.body.as_mut() {
            redact_value(body, secret);
        }
        self
    }
}

/// Replaces `secret` in every string (keys included) of a JSON value.
fn redact_value(value: &mut Value, secret: &str) {
    match value {
        Value::String(s) if s.contains(secret) => *s = s.replace(secret, "[redacted]"),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, secret)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                redact_value(&mut v, secret);
                map.insert(key.replace(secret, "[redacted]"), v);
            }
        }
        _ => {}
    }
}

impl std::fmt::Display for FleetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.class_name(), self.message)
    }
}

impl std::error::Error for FleetError {}
