//! When to retry a call and how long to wait (protocol §2.7, minus retrying 404s).
//!
//! Retried: 408, 429 and 5xx answers, network errors and per-attempt timeouts, for every request
//! the core marked replay-safe ([`HttpRequest::replay_safe`](super::http::HttpRequest)). Never
//! retried: PUT (as fleet-python), runner writes (`db.exec`: nothing lets the runner de-duplicate
//! them), 404 (fleet-python wastes ~7 s there), other 4xx.
//! The wait is `Retry-After` (seconds or an HTTP date, capped at 120 s) when the server sends
//! one, else full jitter: `0.5 s × 2^n × U(0,1)` before retry n.
/// The most a `Retry-After` may make us wait.
pub const MAX_RETRY_AFTER_MS: f64 = 120_000.0;

/// How an attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<'a> {
    Status { status: u16, retry_after: Option<&'a str> },
    NetworkError,
    Timeout,
}

/// The retry budget of a client.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 3 }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based), or `None` to give up now.
    /// `random` is uniform in [0, 1); `now_ms` is the epoch time, for HTTP-date `Retry-After`.
    pub fn delay_ms(&self, replay_safe: bool, outcome: &Outcome, retry: u32, random: f64, now_ms: f64) -> Option<f64> {
        if retry > self.max_retries || !replay_safe {
            return None;
        }
        let retry_after = match outcome {
            Outcome::Status { status, retry_after }
                if *status == 408 || *status == 429 || (500..=599).contains(status) =>
            {
                *retry_after
            }
            Outcome::Status { .. } => return None,
            Outcome::NetworkError | Outcome::Timeout => None,
        };
        if let Some(ms) = retry_after.and_then(|h| parse_retry_after_ms(h, now_ms)) {
            return Some(ms.clamp(0.0, MAX_RETRY_AFTER_MS));
        }
        Some(500.0 * 2f64.powi(retry as i32) * random.clamp(0.0, 1.0))
    }
}

/// `Retry-After` as milliseconds from now: delta-seconds or an IMF-fixdate
/// (`Wed, 21 Oct 2015 07:28:00 GMT`).
pub fn parse_retry_after_ms(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    if let Some(seconds) = delta_seconds(value) {
        return Some(seconds * 1000.0);
    }
    let parts: Vec<&str> = value.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: i64 = parts[1].parse().ok()?;
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| *m == parts[2])? as i64
        + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<i64> = parts[4].split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    if hms.len() != 3 {
        return None;
    }
    let epoch_s = days_from_civil(year, month, day) * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
    Some((epoch_s as f64 * 1000.0 - now_ms).max(0.0))
}

/// `120` or `1.5` (delta-seconds; a fraction is tolerated), without a float parser in the wasm.
fn delta_seconds(value: &str) -> Option<f64> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || whole.len() > 9 {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction =
        fraction.bytes().take(3).enumerate().map(|(i, b)| f64::from(b - b'0') / 10f64.powi(i as i32 + 1)).sum::<f64>();
    Some(f64::from(whole) + fraction)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16) -> Outcome<'static> {
        Outcome::Status { status: s, retry_after: None }
    }

    #[test]
    fn retries_transient_failures_but_not_404_or_unsafe_replays() {
        let p = RetryPolicy::default();
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(p.delay_ms(true, &status(s), 1, 0.5, 0.0).is_some(), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422] {
            assert!(p.delay_ms(true, &status(s), 1, 0.5, 0.0).is_none(), "{s}");
        }
        assert!(p.delay_ms(false, &status(503), 1, 0.5, 0.0).is_none());
        assert!(p.delay_ms(true, &Outcome::NetworkError, 3, 0.5, 0.0).is_some());
        assert!(p.delay_ms(true, &Outcome::Timeout, 4, 0.5, 0.0).is_none(), "budget of 3 retries");
        assert!(RetryPolicy { max_retries: 0 }.delay_ms(true, &Outcome::NetworkError, 1, 0.5, 0.0).is_none());
    }

    #[test]
    fn full_jitter_grows_per_retry() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(true, &status(503), 1, 0.999, 0.0).unwrap().round(), 999.0);
        assert_eq!(p.delay_ms(true, &status(503), 3, 0.5, 0.0).unwrap(), 2000.0);
        assert_eq!(p.delay_ms(true, &status(503), 2, 0.0, 0.0).unwrap(), 0.0);
    }

    #[test]
    fn honours_retry_after_seconds_and_dates_capped_at_120_s() {
        let p = RetryPolicy::default();
        let with = |h: &'static str| Outcome::Status { status: 503, retry_after: Some(h) };
        assert_eq!(p.delay_ms(true, &with("2"), 1, 0.9, 0.0), Some(2000.0));
        assert_eq!(p.delay_ms(true, &with("9999"), 1, 0.9, 0.0), Some(120_000.0));
        // 2015-10-21T07:28:00Z is 1445412480 s.
        let now = 1_445_412_470_000.0;
        assert_eq!(p.delay_ms(true, &with("Wed, 21 Oct 2015 07:28:00 GMT"), 1, 0.9, now), Some(10_000.0));
        assert_eq!(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", now + 60_000.0), Some(0.0));
        assert_eq!(parse_retry_after_ms("soon", 0.0), None);
        assert_eq!(parse_retry_after_ms("1.5", 0.0), Some(1500.0));
        assert_eq!(parse_retry_after_ms("-1", 0.0), None);
        assert_eq!(parse_retry_after_ms("1e3", 0.0), None);
    }
}
