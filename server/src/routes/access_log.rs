//! The access log: one line per request on the log (target `access`, level info), with the
//! method, path and the query's parameter names (not their values), status, time taken, and a fingerprint of the credential instead of the
//! credential (`auth=sha256:1a2b3c4d`: the first 8 hex digits of the SHA-256 of the bearer key or
//! runner token), so an operator can tell callers apart and nobody can read a key off the log.
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

/// `sha256:` and the first 8 hex digits of the credential's digest, or `-`.
pub fn fingerprint(credential: Option<&str>) -> String {
    match credential {
        Some(c) => format!("sha256:{}", &hex::encode(Sha256::digest(c.as_bytes()))[..8]),
        None => "-".into(),
    }
}

/// The path, and the query's parameter names only (a value could be anything a caller typed,
/// a key included), with characters that could fake or reorder a line written as `\u{..}`.
fn loggable(uri: &axum::http::Uri) -> String {
    let mut text = uri.path().to_string();
    if let Some(query) = uri.query() {
        let names: Vec<&str> = query.split('&').map(|pair| pair.split('=').next().unwrap_or_default()).collect();
        text.push('?');
        text.push_str(&names.join("&"));
    }
    escape_tricky(&text)
}

/// Control characters, line and paragraph separators and direction marks, as `\u{..}`.
fn escape_tricky(text: &str) -> String {
    text.chars()
        .map(|c| {
            let tricky = c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if tricky {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub async fn access_log(request: Request, next: Next) -> Response {
    if !tracing::enabled!(target: "access", tracing::Level::INFO) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let uri = loggable(request.uri());
    let credential = crate::auth::bearer(request.headers())
        .or_else(|| request.headers().get("x-runner-token").and_then(|v| v.to_str().ok()))
        .map(str::to_string);
    let response = next.run(request).await;
    tracing::info!(
        target: "access",
        "{method} {uri} {} {}ms auth={}",
        response.status().as_u16(),
        started.elapsed().as_millis(),
        fingerprint(credential.as_deref())
    );
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fingerprint_is_not_the_key() {
        let f = super::fingerprint(Some("flt_secret_key"));
        assert!(f.starts_with("sha256:") && f.len() == 15 && !f.contains("secret"));
        assert_eq!(super::fingerprint(None), "-");
    }

    #[test]
    fn query_values_and_tricky_characters_stay_out_of_a_line() {
        let uri: axum::http::Uri = "/v1/tasks?api_key=flt_secret&task_keys=a".parse().unwrap();
        assert_eq!(super::loggable(&uri), "/v1/tasks?api_key&task_keys");
        assert_eq!(super::escape_tricky("/x\u{2028}y\u{202e}z\n"), "/x\\u{2028}y\\u{202e}z\\u{a}");
    }
}
