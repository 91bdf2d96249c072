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
}

pub const USAGE: &str = "\
flotilla-server: a local Fleet-compatible server

USAGE: flotilla-server [--host HOST] [--port PORT] [--data-dir DIR]

  --host HOST       address to bind (default 127.0.0.1)
  --port PORT       port to bind, 0 for any free port (default 8700)
  --data-dir DIR    state directory (default ./.flotilla)
";

impl Config {
    /// Parses flags (`--flag value` or `--flag=value`).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut config = Config { host: "127.0.0.1".into(), port: 8700, data_dir: PathBuf::from(".flotilla") };
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
                other => return Err(format!("unknown flag {other}")),
            }
        }
        Ok(config)
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
