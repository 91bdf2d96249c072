//! Plain data descriptions of an HTTP exchange: what the core asks the edge to send, and what the
//! edge hands back. No I/O happens here.

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
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The `X-Request-ID` of this logical call (repeated on every retry); empty for runner calls.
    pub request_id: String,
    /// Whether sending it again after a failed attempt is harmless, so the transport may retry.
    pub replay_safe: bool,
}

// Hand-written so that `{:?}` (a failed assertion, a log line) never prints the bearer key.
impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    if k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("x-runner-token") {
                        "[redacted]"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("request_id", &self.request_id)
            .field("replay_safe", &self.replay_safe)
            .finish()
    }
}

impl HttpRequest {
    /// The value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}
