//! Status + body -> typed error, following fleet-python's rules (protocol §3) minus its mistakes:
//! a "version not found" message that also names the environment is still `VersionNotFound`.
use serde::Deserialize;
use serde_json::Value;

use super::error::{ErrorDetails, ErrorInfo, ErrorKind, FleetError};
use super::io::{HttpResponse, JsonBody, ResponseBody};

/// An error body as FastAPI and Fleet write it: `{"detail": ...}`.
#[derive(Deserialize)]
struct ErrorBody {
    detail: Option<Value>,
}

/// A structured `detail` (instance limit, duplicate create, ...).
#[derive(Deserialize, Default)]
struct StructuredDetail {
    message: Option<String>,
    error_type: Option<String>,
    running_instances: Option<i64>,
    instance_limit: Option<i64>,
    instance_id: Option<String>,
}

/// Maps an error response (status >= 400) to a [`FleetError`].
pub fn classify_response<J: JsonBody>(response: &HttpResponse<J>) -> FleetError {
    let (parsed, text) = match &response.body {
        ResponseBody::Json(json) => (json.decode::<Value>().ok(), None),
        ResponseBody::Text(text) => (None, Some(text.as_str())),
    };
    classify(response.status, parsed, text.unwrap_or(""))
}

/// [`classify_response`] on a body already read: `parsed` when it was JSON, else `text`.
pub fn classify(status: u16, parsed: Option<Value>, text: &str) -> FleetError {
    let detail = parsed.as_ref().and_then(|body| ErrorBody::deserialize(body).ok()).and_then(|b| b.detail);
    let structured = detail.as_ref().and_then(|d| StructuredDetail::deserialize(d).ok()).unwrap_or_default();
    let message = message_of(detail.as_ref(), &structured, parsed.as_ref(), text, status);
    let lower = message.to_ascii_lowercase();
    let mut details = ErrorDetails::default();

    let kind = if structured.error_type.as_deref() == Some("instance_limit_exceeded") {
        details.running_instances = structured.running_instances;
        details.instance_limit = structured.instance_limit;
        ErrorKind::InstanceLimit
    } else {
        match status {
            401 => ErrorKind::Authentication,
            403 => classify_forbidden(&lower, &message, &mut details),
            400 => classify_bad_request(&lower, &message, &mut details),
            404 => ErrorKind::NotFound,
            409 => {
                details.instance_id = structured.instance_id;
                ErrorKind::Conflict
            }
            429 => ErrorKind::RateLimit,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Api,
        }
    };

    ErrorInfo { kind, message, status: Some(status), request_id: None, body: parsed, details }.into()
}

fn classify_forbidden(lower: &str, message: &str, details: &mut ErrorDetails) -> ErrorKind {
    if lower.contains("instance limit") {
        let numbers = numbers_in(message);
        details.running_instances = numbers.first().copied();
        details.instance_limit = numbers.get(1).copied();
        ErrorKind::InstanceLimit
    } else if lower.contains("team not found") {
        ErrorKind::TeamNotFound
    } else if lower.contains("does not have permission") && lower.contains("environment") {
        details.env_key = quoted(message).into_iter().next();
        ErrorKind::EnvironmentAccess
    } else {
        ErrorKind::Permission
    }
}

fn classify_bad_request(lower: &str, message: &str, details: &mut ErrorDetails) -> ErrorKind {
    let not_found = lower.contains("not found");
    if lower.contains("region") && (lower.contains("not supported") || lower.contains("unsupported")) {
        details.region = message
            .split_whitespace()
            .skip_while(|w| !w.eq_ignore_ascii_case("region"))
            .nth(1)
            .map(|w| w.trim_matches(|c: char| c == '\'' || c == '"').to_string());
        ErrorKind::Region
    } else if lower.contains("version") && not_found {
        let tokens = quoted(message);
        details.version = tokens.first().cloned();
        details.env_key = tokens.get(1).cloned();
        ErrorKind::VersionNotFound
    } else if lower.contains("environment") && not_found {
        details.env_key = quoted(message).into_iter().next();
        ErrorKind::EnvironmentNotFound
    } else {
        ErrorKind::BadRequest
    }
}

/// The message as fleet-python reads it (§3.1): `detail` string, `detail.message`, the detail
/// as JSON text, or the raw body.
fn message_of(
    detail: Option<&Value>,
    structured: &StructuredDetail,
    body: Option<&Value>,
    text: &str,
    status: u16,
) -> String {
    let text = match (detail, &structured.message) {
        (Some(Value::String(s)), _) => s.clone(),
        (Some(_), Some(m)) => m.clone(),
        (Some(other), None) => other.to_string(),
        (None, _) => body.map(Value::to_string).unwrap_or_else(|| text.trim().to_string()),
    };
    if text.is_empty() {
        format!("the server answered {status} with no detail")
    } else {
        text
    }
}

/// Every single-quoted token, in order.
fn quoted(message: &str) -> Vec<String> {
    message.split('\'').skip(1).step_by(2).map(str::to_string).collect()
}

fn numbers_in(message: &str) -> Vec<i64> {
    message.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response as the edge hands it over: JSON when the body parses, else text.
    fn classify_response(status: u16, body: &str, request_id: Option<&str>) -> FleetError {
        let body = match serde_json::from_str(body) {
            Ok(json) => ResponseBody::Json::<Value>(json),
            Err(_) => ResponseBody::Text(body.to_string()),
        };
        let mut e = super::classify_response(&HttpResponse { status, retry_after: None, body });
        e.request_id = request_id.map(str::to_string);
        e
    }

    fn kind(status: u16, body: &str) -> ErrorKind {
        classify_response(status, body, None).kind
    }

    #[test]
    fn maps_statuses_to_kinds() {
        assert_eq!(kind(401, r#"{"detail":"Invalid API key"}"#), ErrorKind::Authentication);
        assert_eq!(kind(404, r#"{"detail":"Instance not found"}"#), ErrorKind::NotFound);
        assert_eq!(kind(429, "slow down"), ErrorKind::RateLimit);
        assert_eq!(kind(503, "<html>"), ErrorKind::Server);
        assert_eq!(kind(422, r#"{"detail":[{"loc":["body"]}]}"#), ErrorKind::Api);
        assert_eq!(kind(403, r#"{"detail":"Team not found"}"#), ErrorKind::TeamNotFound);
        assert_eq!(kind(403, r#"{"detail":"nope"}"#), ErrorKind::Permission);
    }

    #[test]
    fn structured_instance_limit_wins_for_any_status() {
        let body = r#"{"detail":{"error_type":"instance_limit_exceeded","message":"Instance limit reached","running_instances":10,"instance_limit":10}}"#;
        let e = classify_response(429, body, Some("rid"));
        assert_eq!(e.kind, ErrorKind::InstanceLimit);
        assert_eq!(e.details.running_instances, Some(10));
        assert_eq!(e.details.instance_limit, Some(10));
        assert_eq!(e.message, "Instance limit reached");
        assert_eq!(e.request_id.as_deref(), Some("rid"));
    }

    #[test]
    fn textual_instance_limit_parses_counts() {
        let body = r#"{"detail":"Instance limit: You have 3 running instances out of a maximum of 5."}"#;
        let e = classify_response(403, body, None);
        assert_eq!(e.kind, ErrorKind::InstanceLimit);
        assert_eq!((e.details.running_instances, e.details.instance_limit), (Some(3), Some(5)));
    }

    #[test]
    fn version_not_found_naming_the_environment_is_still_a_version_error() {
        let e = classify_response(400, r#"{"detail":"Version 'v9' not found for environment 'helpdesk'"}"#, None);
        assert_eq!(e.kind, ErrorKind::VersionNotFound);
        assert_eq!(e.details.version.as_deref(), Some("v9"));
        assert_eq!(e.details.env_key.as_deref(), Some("helpdesk"));
        let e = classify_response(400, r#"{"detail":"Environment 'nope' not found"}"#, None);
        assert_eq!(e.kind, ErrorKind::EnvironmentNotFound);
        assert_eq!(e.details.env_key.as_deref(), Some("nope"));
    }

    #[test]
    fn conflict_carries_the_instance_id() {
        let body = r#"{"detail":{"error":"duplicate_request_id","message":"dup","instance_id":"inst-1"}}"#;
        let e = classify_response(409, body, None);
        assert_eq!(e.kind, ErrorKind::Conflict);
        assert_eq!(e.details.instance_id.as_deref(), Some("inst-1"));
    }

    #[test]
    fn region_and_access_errors() {
        let e = classify_response(400, r#"{"detail":"Region mars-1 not supported. Please use ['us-west-1']"}"#, None);
        assert_eq!(e.kind, ErrorKind::Region);
        assert_eq!(e.details.region.as_deref(), Some("mars-1"));
        let e =
            classify_response(403, r#"{"detail":"Team does not have permission to use environment 'secret'"}"#, None);
        assert_eq!(e.kind, ErrorKind::EnvironmentAccess);
        assert_eq!(e.details.env_key.as_deref(), Some("secret"));
    }

    #[test]
    fn message_falls_back_to_body_text_and_never_is_empty() {
        assert_eq!(classify_response(502, "Bad Gateway", None).message, "Bad Gateway");
        assert_eq!(classify_response(500, "", None).message, "the server answered 500 with no detail");
    }

    #[test]
    fn retryable_statuses() {
        assert!(classify_response(503, "", None).retryable());
        assert!(classify_response(429, "", None).retryable());
        assert!(classify_response(408, "", None).retryable());
        assert!(!classify_response(404, "", None).retryable());
        assert!(!classify_response(401, "", None).retryable());
    }

    #[test]
    fn redaction_removes_the_key_from_message_and_body() {
        let e = classify_response(401, r#"{"detail":"bad key sk_live_123"}"#, None).redact("sk_live_123");
        assert!(!e.message.contains("sk_live_123"));
        assert!(!e.body.as_ref().unwrap().to_string().contains("sk_live_123"));
    }
}
