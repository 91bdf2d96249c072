//! Client configuration and the control-plane request builder (protocol §2).
use super::error::FleetError;
use super::http::{HttpRequest, Method};
use super::{DEFAULT_BASE_URL, SDK_LANGUAGE, SDK_VERSION};

/// What a client needs to address the control plane.
#[derive(Clone, PartialEq)]
pub struct ClientConfig {
    api_key: String,
    base_url: String,
    extra_headers: Vec<(String, String)>,
}

// Hand-written so that `{:?}` can never print the key.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig").field("api_key", &"[redacted]").field("base_url", &self.base_url).finish()
    }
}

/// The identity of one logical call: the same values go out on every retry, so the server can
/// de-duplicate (protocol §2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct CallContext {
    pub request_id: String,
    pub timestamp_ms: u64,
}

impl ClientConfig {
    /// Validates the key and base URL. `base_url` defaults to Fleet's control plane; a trailing
    /// slash is tolerated (fleet-python would produce `//v1/...`).
    pub fn new(api_key: Option<String>, base_url: Option<String>) -> Result<Self, FleetError> {
        let api_key = api_key.map(|k| k.trim().to_string()).unwrap_or_default();
        if api_key.is_empty() {
            return Err(FleetError::validation(
                "No API key: pass `apiKey` to new Fleet({ apiKey }) or, in Node, set FLEET_API_KEY",
            ));
        }
        if !api_key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FleetError::validation("The API key may hold visible ASCII characters only"));
        }
        let base_url = base_url
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(FleetError::validation(format!(
                "`baseUrl` must start with http:// or https://, got `{base_url}`"
            )));
        }
        Ok(ClientConfig { api_key, base_url: base_url.trim_end_matches('/').to_string(), extra_headers: Vec::new() })
    }

    /// Adds headers sent on every control-plane call (after the protocol's own). Names must be
    /// tokens, not the protocol's own, and values visible ASCII (as every `fetch` accepts).
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Result<Self, FleetError> {
        for (name, value) in &headers {
            let token =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
            if !token || !header_value_ok(value) {
                return Err(FleetError::validation(format!(
                    "header `{}` is not a valid HTTP header",
                    name.escape_debug()
                )));
            }
            if RESERVED_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                return Err(FleetError::validation(format!("header `{name}` is set by the SDK itself")));
            }
        }
        self.extra_headers = headers;
        Ok(self)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// A control-plane request with a JSON body (keys in the struct's declaration order, which is
    /// the protocol's).
    pub fn request_json(
        &self,
        method: Method,
        path_and_query: &str,
        body: &impl serde::Serialize,
        ctx: &CallContext,
    ) -> HttpRequest {
        self.request(method, path_and_query, Some(to_json(body)), ctx)
    }

    /// Builds a control-plane request. `path_and_query` starts with `/`.
    pub fn request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<String>,
        ctx: &CallContext,
    ) -> HttpRequest {
        let mut headers = vec![
            ("X-Fleet-SDK-Language".to_string(), SDK_LANGUAGE.to_string()),
            ("X-Fleet-SDK-Version".to_string(), SDK_VERSION.to_string()),
            ("Authorization".to_string(), format!("Bearer {}", self.api_key)),
            ("X-Request-ID".to_string(), ctx.request_id.clone()),
            ("X-Request-Timestamp".to_string(), ctx.timestamp_ms.to_string()),
        ];
        if body.is_some() {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        headers.extend(self.extra_headers.iter().cloned());
        HttpRequest {
            method,
            url: format!("{}{}", self.base_url, path_and_query),
            headers,
            body,
            request_id: ctx.request_id.clone(),
            // Creates are de-duplicated by X-Request-ID; PUT is never replayed (as fleet-python).
            replay_safe: method != Method::Put,
        }
    }
}

/// Headers the protocol sets on every call: a caller's value would contradict them.
const RESERVED_HEADERS: [&str; 6] = [
    "Authorization",
    "X-Request-ID",
    "X-Request-Timestamp",
    "X-Fleet-SDK-Language",
    "X-Fleet-SDK-Version",
    "Content-Type",
];

/// Visible ASCII and spaces only: what every `fetch` accepts in a header value, and never a line
/// break (the edge hands headers to JS as `name\nvalue` lines).
pub fn header_value_ok(value: &str) -> bool {
    value.bytes().all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
}

/// Compact JSON text of a request body, as httpx writes it. Serializing our own body structs
/// cannot fail (string keys, finite numbers from JS or the core).
pub fn to_json(body: &impl serde::Serialize) -> String {
    serde_json::to_string(body).unwrap_or_else(|_| String::from("{}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    fn ctx() -> CallContext {
        CallContext { request_id: "rid-1".into(), timestamp_ms: 1_700_000_000_123 }
    }

    #[test]
    fn requires_a_key() {
        let e = ClientConfig::new(None, None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Validation);
        assert!(e.message.contains("FLEET_API_KEY"));
        assert!(ClientConfig::new(Some("  ".into()), None).is_err());
    }

    #[test]
    fn defaults_and_trims_the_base_url() {
        let c = ClientConfig::new(Some("k".into()), None).unwrap();
        assert_eq!(c.base_url(), "https://orchestrator.fleetai.com");
        let c = ClientConfig::new(Some("k".into()), Some("http://127.0.0.1:8000/".into())).unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:8000");
        assert!(ClientConfig::new(Some("k".into()), Some("ftp://x".into())).is_err());
    }

    #[test]
    fn sends_protocol_headers_in_order() {
        let c = ClientConfig::new(Some("secret".into()), Some("http://h".into())).unwrap();
        let r = c.request(Method::Get, "/v1/account", None, &ctx());
        assert_eq!(r.url, "http://h/v1/account");
        let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["X-Fleet-SDK-Language", "X-Fleet-SDK-Version", "Authorization", "X-Request-ID", "X-Request-Timestamp"]
        );
        assert_eq!(r.header("x-fleet-sdk-language"), Some("JavaScript"));
        assert_eq!(r.header("authorization"), Some("Bearer secret"));
        assert_eq!(r.header("x-request-timestamp"), Some("1700000000123"));
        let r = c.request(Method::Post, "/v1/x", Some("{}".into()), &ctx());
        assert_eq!(r.header("content-type"), Some("application/json"));
    }

    #[test]
    fn debug_output_hides_the_key() {
        let c = ClientConfig::new(Some("topsecret".into()), None).unwrap();
        assert!(!format!("{c:?}").contains("topsecret"));
        let request = c.request(Method::Get, "/v1/account", None, &ctx());
        let printed = format!("{request:?}");
        assert!(!printed.contains("topsecret") && printed.contains("/v1/account"), "{printed}");
    }
}
