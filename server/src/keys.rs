//! API keys: each maps to a team and a profile. They live in `<data-dir>/api-keys.json`, which an
//! operator may edit to add or remove keys while the server runs (it is read again within
//! [`RELOAD_EVERY`] of a change; a removed key stops working, with the sessions and runner tokens
//! it minted). On first start a dev key is generated there.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Who is calling: the team that owns the key and the key's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caller {
    pub team_id: String,
    pub team_name: String,
    pub profile_id: String,
    pub profile_name: String,
    /// How many instances the team may run at once.
    #[serde(default = "default_limit")]
    pub instance_limit: i64,
}

fn default_limit() -> i64 {
    10
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeyEntry {
    key: String,
    #[serde(flatten)]
    caller: Caller,
}

#[derive(Debug, Serialize, Deserialize)]
struct KeyFile {
    keys: Vec<KeyEntry>,
}

/// How often the key file is checked for changes.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// The loaded key table, read again when the file changes.
#[derive(Debug)]
pub struct Keys {
    table: RwLock<Table>,
    pub path: PathBuf,
}

#[derive(Debug)]
struct Table {
    by_key: HashMap<String, Caller>,
    /// A digest of the file's contents when it was read (a timestamp can miss a quick edit).
    version: Option<[u8; 32]>,
    checked: Instant,
}

fn version_of(path: &Path) -> Option<[u8; 32]> {
    use sha2::Digest;
    let bytes = std::fs::read(path).ok()?;
    Some(sha2::Sha256::digest(bytes).into())
}

fn read_table(path: &Path) -> Result<HashMap<String, Caller>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: KeyFile =
        serde_json::from_str(&text).map_err(|e| format!("{} is not a valid key file: {e}", path.display()))?;
    Ok(file.keys.into_iter().map(|e| (e.key, e.caller)).collect())
}

/// What loading found: the table, and the dev key if this start created it.
pub struct Loaded {
    pub keys: Keys,
    pub created_dev_key: Option<String>,
}

impl Keys {
    /// Reads the key file, creating it with one dev key when it does not exist.
    pub fn load_or_create(data_dir: &Path) -> Result<Loaded, String> {
        let path = data_dir.join("api-keys.json");
        let mut created_dev_key = None;
        if !path.exists() {
            let key = format!("flt_dev_{}", uuid::Uuid::new_v4().simple());
            let file = KeyFile {
                keys: vec![KeyEntry {
                    key: key.clone(),
                    caller: Caller {
                        team_id: "team_local".into(),
                        team_name: "Local Team".into(),
                        profile_id: "profile_dev".into(),
                        profile_name: "dev".into(),
                        instance_limit: default_limit(),
                    },
                }],
            };
            let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
            write_private(&path, &text)?;
            created_dev_key = Some(key);
        }
        let version = version_of(&path);
        let by_key = read_table(&path)?;
        let table = RwLock::new(Table { by_key, version, checked: Instant::now() });
        Ok(Loaded { keys: Keys { table, path }, created_dev_key })
    }

    /// Reads the file again if its contents changed since it was last read (checked at most
    /// every [`RELOAD_EVERY`]). A file that no longer parses, or is gone, is reported and the old
    /// table kept, so a typo does not lock every team out.
    fn refresh(&self) {
        let stale = self.table.read().unwrap_or_else(|p| p.into_inner()).checked.elapsed() >= RELOAD_EVERY;
        if !stale {
            return;
        }
        let mut table = self.table.write().unwrap_or_else(|p| p.into_inner());
        table.checked = Instant::now();
        let version = version_of(&self.path);
        if version == table.version {
            return;
        }
        table.version = version;
        match read_table(&self.path) {
            Ok(by_key) => {
                tracing::info!(keys = by_key.len(), "api-keys.json changed: keys reloaded");
                table.by_key = by_key;
            }
            Err(e) => tracing::warn!(error = %e, "api-keys.json changed but cannot be read: keeping the keys in use"),
        }
    }

    /// The caller a key belongs to.
    pub fn caller(&self, key: &str) -> Option<Caller> {
        self.refresh();
        self.table.read().unwrap_or_else(|p| p.into_inner()).by_key.get(key).cloned()
    }

    /// Every key in the file (to recognise the runner tokens they minted).
    pub fn all_keys(&self) -> Vec<String> {
        self.refresh();
        self.table.read().unwrap_or_else(|p| p.into_inner()).by_key.keys().cloned().collect()
    }

    /// Every distinct team in the file.
    pub fn teams(&self) -> Vec<Caller> {
        let table = self.table.read().unwrap_or_else(|p| p.into_inner());
        let mut seen = std::collections::BTreeMap::new();
        for caller in table.by_key.values() {
            seen.entry(caller.team_id.clone()).or_insert_with(|| caller.clone());
        }
        seen.into_values().collect()
    }
}

/// Writes a file readable by its owner only (it holds secrets).
pub fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_dev_key_once_and_reads_it_back() {
        let dir = std::env::temp_dir().join(format!("flotilla-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = Keys::load_or_create(&dir).unwrap();
        let key = first.created_dev_key.expect("a dev key on first start");
        assert_eq!(first.keys.caller(&key).unwrap().team_id, "team_local");
        let second = Keys::load_or_create(&dir).unwrap();
        assert!(second.created_dev_key.is_none());
        assert!(second.keys.caller(&key).is_some());
        assert!(second.keys.caller("wrong").is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
