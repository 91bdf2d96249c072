//! The environment catalog: which environments exist, their versions, how an instance of each
//! version runs, and which seed databases it can start from. Loaded from `--environments FILE`
//! (JSON) or built in (the demo help desk).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::demo;

/// How an instance's app runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Runtime {
    /// The built-in help desk app, served in-process over the instance's `current.db`.
    Demo,
    /// An external program, started in its instance's directory. In `command` and `env` values,
    /// `{port}` is replaced by the port it must listen on and `{root}` by the catalog file's
    /// directory (`["python3", "{root}/app.py", "{port}"]`); it also gets `PORT`,
    /// `DATABASE_PATH` (its `current.db`) and `SEED_DATABASE_PATH`.
    Command {
        command: Vec<String>,
        #[serde(default)]
        env: BTreeMap<String, String>,
        /// Polled until it answers 2xx; the instance is `running` from then on.
        #[serde(default = "default_health_path")]
        health_path: String,
        /// The catalog file's directory: in a sandbox the app sees it read-only (its code lives
        /// there), besides its instance dir. Set when the catalog is loaded.
        #[serde(skip)]
        root: PathBuf,
    },
}

fn default_health_path() -> String {
    "/health".into()
}

/// One version of an environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSpec {
    #[serde(flatten)]
    pub runtime: Runtime,
    /// `data_key` or `data_key:version` -> SQLite seed file (relative to the catalog file).
    #[serde(default)]
    pub seeds: BTreeMap<String, PathBuf>,
    /// The seed used when a create names no data key.
    #[serde(default)]
    pub default_data: Option<String>,
}

/// One environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentSpec {
    pub env_key: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub default_version: String,
    pub versions: BTreeMap<String, VersionSpec>,
}

#[derive(Debug, Deserialize)]
struct CatalogFile {
    environments: Vec<EnvironmentSpec>,
}

/// Every environment the server offers.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub environments: Vec<EnvironmentSpec>,
}

impl Catalog {
    /// The built-in catalog: the demo help desk, seeded from `seed_path`, and `others` (the shop).
    pub fn builtin(seed_path: &Path, others: Vec<EnvironmentSpec>) -> Catalog {
        let mut seeds = BTreeMap::new();
        seeds.insert(format!("{}:{}", demo::DATA_ID, demo::DATA_VERSION), seed_path.to_path_buf());
        let version = VersionSpec {
            runtime: Runtime::Demo,
            seeds,
            default_data: Some(format!("{}:{}", demo::DATA_ID, demo::DATA_VERSION)),
        };
        let helpdesk = EnvironmentSpec {
            env_key: demo::ENV_KEY.into(),
            name: "Help desk (demo)".into(),
            description: Some("A small help desk: tickets, customers, comments. Web UI, JSON API and MCP.".into()),
            default_version: demo::ENV_VERSION.into(),
            versions: BTreeMap::from([(demo::ENV_VERSION.to_string(), version)]),
        };
        Catalog { environments: std::iter::once(helpdesk).chain(others).collect() }
    }

    /// Reads a catalog file; relative seed paths are resolved against the file's directory. Each
    /// built-in environment is added unless the file defines one with its key. Command apps see
    /// the file's directory, so it must not hold the data dir (its keys).
    pub fn load(path: &Path, builtin: Catalog, data_dir: &Path) -> Result<Catalog, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: CatalogFile =
            serde_json::from_str(&text).map_err(|e| format!("{} is not a valid catalog: {e}", path.display()))?;
        let base = std::path::absolute(path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let base = base.canonicalize().unwrap_or(base);
        let data = std::path::absolute(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
        let data = data.canonicalize().unwrap_or(data);
        let mut environments = file.environments;
        for env in &mut environments {
            if !env.versions.contains_key(&env.default_version) {
                return Err(format!(
                    "environment {}: default_version {} is not among its versions",
                    env.env_key, env.default_version
                ));
            }
            for version in env.versions.values_mut() {
                if let Runtime::Command { root, .. } = &mut version.runtime {
                    if data.starts_with(&base) {
                        return Err(format!(
                            "environment {}: command apps see the catalog's directory {}, which holds the data \
                             dir {} (every team's key): keep the catalog in a directory of its own",
                            env.env_key,
                            base.display(),
                            data.display()
                        ));
                    }
                    root.clone_from(&base);
                }
                for seed in version.seeds.values_mut() {
                    if seed.is_relative() {
                        *seed = base.join(&*seed);
                    }
                }
            }
        }
        let defined: Vec<String> = environments.iter().map(|e| e.env_key.clone()).collect();
        environments.extend(builtin.environments.into_iter().filter(|e| !defined.contains(&e.env_key)));
        Ok(Catalog { environments })
    }

    pub fn get(&self, env_key: &str) -> Option<&EnvironmentSpec> {
        self.environments.iter().find(|e| e.env_key == env_key)
    }
}

impl VersionSpec {
    /// A short description of how this version runs, shown as the value in `versions`.
    pub fn label(&self) -> String {
        match &self.runtime {
            Runtime::Demo => "builtin:helpdesk".into(),
            Runtime::Command { command, .. } => format!("command:{}", command.first().cloned().unwrap_or_default()),
        }
    }

    /// The seed file for a data key (`name` or `name:version`), or the default one.
    pub fn seed_for(&self, data_key: Option<&str>) -> Option<(String, &PathBuf)> {
        let key = data_key.map(str::to_string).or_else(|| self.default_data.clone())?;
        if let Some(path) = self.seeds.get(&key) {
            return Some((key, path));
        }
        // `name` alone matches the only `name:*` entry.
        let prefix = format!("{key}:");
        let mut matches = self.seeds.iter().filter(|(k, _)| k.starts_with(&prefix));
        match (matches.next(), matches.next()) {
            (Some((k, p)), None) => Some((k.clone(), p)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_offers_the_demo_with_its_seed() {
        let c = Catalog::builtin(Path::new("/tmp/seed.db"), vec![]);
        let env = c.get("helpdesk").unwrap();
        let v = &env.versions["v1"];
        assert_eq!(v.seed_for(None).unwrap().0, "support:v1");
        assert_eq!(v.seed_for(Some("support")).unwrap().0, "support:v1");
        assert!(v.seed_for(Some("nope")).is_none());
    }

    #[test]
    fn parses_a_command_environment() {
        let json = r#"{"environments":[{"env_key":"notes","name":"Notes","default_version":"v1",
          "versions":{"v1":{"kind":"command","command":["python3","app.py","{port}"],"seeds":{"empty:v1":"empty.db"}}}}]}"#;
        let dir = std::env::temp_dir().join(format!("flotilla-cat-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("c.json"), json).unwrap();
        let builtin = Catalog::builtin(Path::new("/tmp/s.db"), vec![]);
        let c = Catalog::load(&dir.join("c.json"), builtin, Path::new("/nonexistent/data")).unwrap();
        let v = &c.get("notes").unwrap().versions["v1"];
        assert!(matches!(&v.runtime, Runtime::Command { health_path, .. } if health_path == "/health"));
        assert_eq!(v.seed_for(Some("empty")).unwrap().1, &dir.join("empty.db"));
        assert!(c.get("helpdesk").is_some(), "the demo stays available");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
