//! Timestamps as the protocol writes them: ISO-8601 UTC with microseconds and a `Z`.
use chrono::{SecondsFormat, Utc};

pub fn now_iso() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Seconds since the Unix epoch, as used for deadlines.
pub fn now_epoch() -> f64 {
    Utc::now().timestamp_micros() as f64 / 1e6
}

/// An epoch time as an ISO string.
pub fn iso_from_epoch(epoch: f64) -> String {
    chrono::DateTime::from_timestamp_micros((epoch * 1e6) as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}
