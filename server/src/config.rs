//! Command-line flags.
use std::path::PathBuf;

/// How the server was asked to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; loopback unless the operator asks otherwise.
    pub host: String,
    /// Port to bind; 0 picks a free one (the chosen port is printed).
    pub port: u16,
    /// Where the database, API keys and instance directories live.
    pub data_dir: PathBuf,
    /// The environment catalog file (JSON); the built-in demo catalog when absent.
    pub environments: Option<PathBuf>,
    /// The smallest `heartbeat_interval` accepted (30 in production; tests lower it).
    pub min_heartbeat_interval: i64,
    /// The Python that runs verifiers (needs fleet-python installed).
    pub python: Option<String>,
    /// Serve the playground: `www/` at `/`, the SDK's web build at `/sdk/`, from this root.
    pub static_root: Option<PathBuf>,
    /// Other origins whose pages may call the API (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// How verifiers and command apps are isolated (`auto`: bubblewrap when installed).
    pub sandbox: crate::sandbox::Mode,
    /// Warm verifier workers, and verifications that may wait for one.
    pub verifier_workers: usize,
    pub verifier_queue: usize,
}

pub const USAGE: &str = "\
flotilla-server: a local Fleet-compatible server

USAGE: flotilla-server [--host HOST] [--port PORT] [--data-dir DIR] [--environments FILE]
                       [--min-heartbeat-interval SECONDS] [--python PATH] [--static-root DIR]
                       [--cors-origin ORIGIN]... [--sandbox auto|bwrap|off]
                       [--verifier-workers N] [--verifier-queue N]

  --host HOST                  address to bind (default 127.0.0.1)
  --port PORT                  port to bind, 0 for any free port (default 8700)
  --data-dir DIR               state directory (default ./.flotilla)
  --environments FILE          environment catalog (JSON); default: the built-in demo help desk
  --min-heartbeat-interval S   smallest heartbeat_interval accepted (default 30; for tests)
  --python PATH                Python with fleet-python, for verifiers (default: $FLOTILLA_PYTHON,
                               else ~/.cache/flotilla/venv/bin/python, else python3)
  --static-root DIR            serve the playground (DIR/www at /, DIR/js and DIR/dist/web at /sdk/)
  --cors-origin ORIGIN         let pages of ORIGIN (e.g. http://localhost:5173) call the API;
                               repeat for more (default: none but this server's own pages)
  --sandbox MODE               auto: run verifiers and command apps in bubblewrap when it is
                               installed (default); bwrap: refuse to start without it;
                               off: no sandbox (trusted use only)
  --verifier-workers N         warm verifier workers, 1-64 (default 2)
  --verifier-queue N           verifications that may wait for a worker before 429 (default 32)
";

impl Config {
    /// Parses flags (`--flag value` or `--flag=value`).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut config = Config {
            host: "127.0.0.1".into(),
            port: 8700,
            data_dir: PathBuf::from(".flotilla"),
            environments: None,
            min_heartbeat_interval: 30,
            python: None,
            static_root: None,
            cors_origins: Vec::new(),
            sandbox: crate::sandbox::Mode::Auto,
            verifier_workers: 2,
            verifier_queue: 32,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            if flag == "--help" || flag == "-h" {
                return Err(String::new());
            }
            let mut value = || inline.clone().or_else(|| args.next()).ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--host" => config.host = value()?,
                "--port" => config.port = value()?.parse().map_err(|_| "--port must be a number 0-65535")?,
                "--data-dir" => config.data_dir = PathBuf::from(value()?),
                "--environments" => config.environments = Some(PathBuf::from(value()?)),
                "--python" => config.python = Some(value()?),
                "--static-root" => config.static_root = Some(PathBuf::from(value()?)),
                "--cors-origin" => {
                    let origin = value()?.trim_end_matches('/').to_string();
                    let host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
                    let shaped = host.is_some_and(|h| !h.is_empty() && h.is_ascii() && !h.contains('/'))
                        && origin.parse::<axum::http::HeaderValue>().is_ok();
                    if !shaped {
                        return Err(format!(
                            "--cors-origin must be an origin like http://localhost:5173, got {origin}"
                        ));
                    }
                    config.cors_origins.push(origin)
                }
                "--sandbox" => config.sandbox = crate::sandbox::Mode::parse(&value()?)?,
                "--verifier-workers" => config.verifier_workers = number_in(&flag, &value()?, 1, 64)?,
                "--verifier-queue" => config.verifier_queue = number_in(&flag, &value()?, 0, 10_000)?,
                "--min-heartbeat-interval" => config.min_heartbeat_interval = number_in(&flag, &value()?, 1, 3600)?,
                other => return Err(format!("unknown flag {other}")),
            }
        }
        Ok(config)
    }
}

/// `value` as a number from `low` to `high`, or an error naming `flag` and the range.
fn number_in<N: std::str::FromStr + PartialOrd + std::fmt::Display>(
    flag: &str,
    value: &str,
    low: N,
    high: N,
) -> Result<N, String> {
    value.parse().ok().filter(|n| *n >= low && *n <= high).ok_or(format!("{flag} must be {low}-{high}"))
}

impl Config {
    /// The Python for verifiers: the flag, `$FLOTILLA_PYTHON`, the setup script's venv, python3.
    pub fn python(&self) -> String {
        if let Some(p) = self.python.clone().or_else(|| std::env::var("FLOTILLA_PYTHON").ok()) {
            return p;
        }
        let venv = std::env::var("FLOTILLA_VENV")
            .map(PathBuf::from)
            .ok()
            .or_else(|| std::env::var("HOME").ok().map(|h| PathBuf::from(h).join(".cache/flotilla/venv")));
        match venv.map(|v| v.join("bin/python")) {
            Some(p) if p.exists() => p.display().to_string(),
            _ => "python3".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_to_loopback() {
        let c = parse(&[]).unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 8700));
    }

    #[test]
    fn reads_both_flag_forms_and_rejects_junk() {
        let c = parse(&["--port=0", "--data-dir", "/tmp/x", "--host", "::1"]).unwrap();
        assert_eq!((c.port, c.host.as_str()), (0, "::1"));
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--port"]).is_err());
    }
}

#[cfg(test)]
mod cors_origin_tests {
    use super::Config;

    #[test]
    fn cors_origins_are_checked_without_slicing_surprises() {
        let parse = |origin: &str| Config::from_args(["--cors-origin".to_string(), origin.to_string()]);
        assert_eq!(parse("http://localhost:5173").unwrap().cors_origins, ["http://localhost:5173"]);
        for bad in ["http://", "https://", "http://é", "http://a/b", "ftp://x", "x"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
