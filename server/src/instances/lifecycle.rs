//! Pure lifecycle rules: deadlines and create-request validation. No I/O, so unit tests cover it.
use serde::Deserialize;
use serde_json::{Map, Value};

/// Regions this server accepts. They all run here; Fleet's names are accepted so that code
/// written for the Fleet service (and fleet-python's hard-coded `us-west-1`) works unchanged.
pub const REGIONS: &[&str] = &["local", "us-west-1", "us-east-1", "eu-west-2"];
pub const DEFAULT_REGION: &str = "local";
/// The longest TTL accepted: one week.
pub const MAX_TTL_SECONDS: i64 = 7 * 24 * 3600;
pub const MAX_HEARTBEAT_INTERVAL: i64 = 3600;
/// How many heartbeat intervals may be missed before the instance is stopped.
pub const MISSED_BEATS_ALLOWED: f64 = 3.0;

/// `POST /v1/env/instances` body (protocol §5.1). Unknown keys are ignored, as Fleet does.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreateRequest {
    pub env_key: String,
    #[serde(default)]
    pub env_version: Option<String>,
    #[serde(default)]
    pub data_key: Option<String>,
    #[serde(default)]
    pub data_version: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub env_variables: Option<Map<String, Value>>,
    #[serde(default)]
    pub image_type: Option<String>,
    #[serde(default)]
    pub ttl_seconds: Option<i64>,
    #[serde(default)]
    pub heartbeat_interval: Option<i64>,
    #[serde(default)]
    pub max_wait_seconds: Option<i64>,
}

/// When a live instance must stop. Heartbeats take precedence over the TTL: an instance with a
/// heartbeat interval lives as long as beats arrive (three missed intervals stop it).
pub fn deadline(created_epoch: f64, ttl: Option<i64>, interval: Option<i64>, last_beat: Option<f64>) -> Option<f64> {
    match (interval, ttl) {
        (Some(i), _) => Some(last_beat.unwrap_or(created_epoch) + MISSED_BEATS_ALLOWED * i as f64),
        (None, Some(ttl)) => Some(created_epoch + ttl as f64),
        (None, None) => None,
    }
}

/// `name:version` split with fleet-python's rule: a version starting with a digit gets a `v`.
pub fn split_versioned(key: &str) -> (String, Option<String>) {
    match key.split_once(':') {
        Some((name, version)) if !version.is_empty() => {
            let version = if version.starts_with(|c: char| c.is_ascii_digit()) {
                format!("v{version}")
            } else {
                version.to_string()
            };
            (name.to_string(), Some(version))
        }
        _ => (key.trim_end_matches(':').to_string(), None),
    }
}

/// Variables the server sets for a command app itself: an instance cannot override them.
pub const SERVER_VARIABLES: &[&str] = &["PORT", "DATABASE_PATH", "SEED_DATABASE_PATH"];
/// Variables that change what runs or what a runtime loads (exact names, then prefixes).
const RUNTIME_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "SHELL",
    "IFS",
    "ENV",
    "BASH_ENV",
    "NODE_OPTIONS",
    "NODE_PATH",
    "PERL5LIB",
    "PERL5OPT",
    "RUBYOPT",
    "RUBYLIB",
    "CLASSPATH",
    "JAVA_TOOL_OPTIONS",
    "TMPDIR",
    "LANG",
    "LANGUAGE",
    "LOCPATH",
    "NLSPATH",
];
const RUNTIME_PREFIXES: &[&str] = &["LD_", "DYLD_", "PYTHON", "GCONV_", "MALLOC_", "GLIBC_", "LC_"];
const MAX_VARIABLES: usize = 64;
const MAX_VARIABLE_BYTES: usize = 4096;

/// An instance's `env_variables` (for a command app): names a shell would take, none that the
/// server sets or that changes what runs, values without NUL, bounded in number and size.
fn check_env_variables(vars: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
    if vars.len() > MAX_VARIABLES {
        return Err(format!("env_variables: at most {MAX_VARIABLES} variables"));
    }
    for (name, value) in vars {
        let shaped = !name.is_empty()
            && name.len() <= 128
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !shaped {
            return Err(format!(
                "env_variables: `{}` is not a variable name (letters, digits, _)",
                name.escape_debug()
            ));
        }
        let upper = name.to_ascii_uppercase();
        if SERVER_VARIABLES.contains(&upper.as_str()) {
            return Err(format!("env_variables: {name} is set by the server and cannot be overridden"));
        }
        if RUNTIME_VARIABLES.contains(&upper.as_str()) || RUNTIME_PREFIXES.iter().any(|p| upper.starts_with(p)) {
            return Err(format!("env_variables: {name} would change what runs, and is refused"));
        }
        let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
        if text.contains('\0') || text.len() > MAX_VARIABLE_BYTES {
            return Err(format!("env_variables: {name} must be under {MAX_VARIABLE_BYTES} bytes, without NUL"));
        }
    }
    Ok(())
}

/// Checks the numeric and free-text fields; the catalog checks come later.
pub fn check_fields(req: &CreateRequest, min_interval: i64) -> Result<(), String> {
    if req.env_key.trim().is_empty() {
        return Err("env_key must not be empty".into());
    }
    if let Some(ttl) = req.ttl_seconds {
        if !(1..=MAX_TTL_SECONDS).contains(&ttl) {
            return Err(format!("ttl_seconds must be between 1 and {MAX_TTL_SECONDS}, got {ttl}"));
        }
    }
    if let Some(i) = req.heartbeat_interval {
        if !(min_interval..=MAX_HEARTBEAT_INTERVAL).contains(&i) {
            return Err(format!(
                "heartbeat_interval must be between {min_interval} and {MAX_HEARTBEAT_INTERVAL} seconds, got {i}"
            ));
        }
    }
    if let Some(w) = req.max_wait_seconds {
        if !(0..=3600).contains(&w) {
            return Err(format!("max_wait_seconds must be between 0 and 3600, got {w}"));
        }
    }
    if let Some(run_id) = &req.run_id {
        if run_id.is_empty() || run_id.len() > 200 || run_id.chars().any(char::is_control) {
            return Err("run_id must be 1-200 printable characters".into());
        }
    }
    if let Some(vars) = &req.env_variables {
        check_env_variables(vars)?;
    }
    if let Some(region) = &req.region {
        if !REGIONS.contains(&region.as_str()) {
            return Err(format!("Region {region} not supported. Please use {REGIONS:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_take_precedence_over_the_ttl() {
        assert_eq!(deadline(100.0, Some(10), None, None), Some(110.0));
        assert_eq!(deadline(100.0, Some(10), Some(30), None), Some(190.0));
        assert_eq!(deadline(100.0, Some(10), Some(30), Some(500.0)), Some(590.0));
        assert_eq!(deadline(100.0, None, None, None), None);
    }

    #[test]
    fn splits_versions_like_fleet_python() {
        assert_eq!(split_versioned("fira:1.2.3"), ("fira".into(), Some("v1.2.3".into())));
        assert_eq!(split_versioned("fira:v2"), ("fira".into(), Some("v2".into())));
        assert_eq!(split_versioned("fira"), ("fira".into(), None));
    }

    #[test]
    fn rejects_bad_numbers_and_regions() {
        let ok = CreateRequest { env_key: "helpdesk".into(), ..Default::default() };
        assert!(check_fields(&ok, 30).is_ok());
        let bad = |f: fn(&mut CreateRequest)| {
            let mut r = ok.clone();
            f(&mut r);
            check_fields(&r, 30).unwrap_err()
        };
        assert!(bad(|r| r.ttl_seconds = Some(-5)).contains("ttl_seconds"));
        assert!(bad(|r| r.ttl_seconds = Some(MAX_TTL_SECONDS + 1)).contains("ttl_seconds"));
        assert!(bad(|r| r.heartbeat_interval = Some(5)).contains("heartbeat_interval"));
        assert!(bad(|r| r.region = Some("mars-1".into())).contains("not supported"));
        assert!(bad(|r| r.env_key = " ".into()).contains("env_key"));
        assert!(bad(|r| r.run_id = Some("".into())).contains("run_id"));
    }
}
