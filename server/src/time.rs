//! Timestamps as the protocol writes them: ISO-8601 UTC with microseconds and a `Z`.
use chrono::{SecondsFormat, Utc};

pub fn now_iso() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}
