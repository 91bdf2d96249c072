//! The access log: one line per request on the log (target `access`, level info), with the
//! method, path and query, status, time taken, and a fingerprint of the credential instead of the
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

pub async fn access_log(request: Request, next: Next) -> Response {
    if !tracing::enabled!(target: "access", tracing::Level::INFO) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
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
}
