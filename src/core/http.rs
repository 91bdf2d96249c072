//! Plain data descriptions of an HTTP exchange: what the core asks the edge to send, and what the
//! edge hands back. No I/O happens here.
use serde::de::DeserializeOwned;

use super::error::{classify_response, FleetError};

/// An HTTP method the Fleet protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A request ready to be sent: absolute URL, headers in protocol order, optional JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The `X-Request-ID` of this logical call (repeated on every retry).
    pub request_id: String,
}

impl HttpRequest {
    /// The value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response as the edge received it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: String,
    /// The `Retry-After` header, when present.
    pub retry_after: Option<String>,
}

impl HttpResponse {
    /// Parses a successful response body into `T`, or maps an error status to a [`FleetError`].
    ///
    /// As in fleet-python, any status below 400 counts as success.
    pub fn parse<T: DeserializeOwned>(&self, request_id: &str) -> Result<T, FleetError> {
        if self.status >= 400 {
            return Err(classify_response(self.status, &self.body, Some(request_id)));
        }
        serde_json::from_str(&self.body).map_err(|e| {
            FleetError::invalid_response(format!(
                "the server's {} response could not be read: {e}",
                self.status
            ))
            .with_request_id(request_id)
        })
    }
}
