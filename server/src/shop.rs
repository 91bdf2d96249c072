//! The second built-in environment, `shop`: a small online shop (products, customers, orders,
//! coupons) whose app is a Python program in `server/environments/shop/`. Unlike the help desk,
//! it runs as a command app, exactly as an environment a user adds with `--environments` does
//! (docs/environments.md uses it as the worked example): its files are written under the data
//! dir at start, its seed database is built from `seed.sql`, and its task pack is `tasks.json`
//! in fleet-python's file format.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::catalog::{EnvironmentSpec, Runtime, VersionSpec};
use crate::routes::tasks::ImportRequest;
use crate::store::TaskRow;

pub const ENV_KEY: &str = "shop";
pub const ENV_VERSION: &str = "v1";
/// The seed data set, `data_id:data_version`.
pub const DATA_KEY: &str = "store:v1";
/// The project its tasks are filed under.
pub const PROJECT_KEY: &str = "shop";

/// The app's files, written to `<data>/environments/shop/` at every start (so an upgraded
/// server runs its own version).
const APP_FILES: &[(&str, &str)] = &[
    ("app.py", include_str!("../environments/shop/app.py")),
    ("shop_db.py", include_str!("../environments/shop/shop_db.py")),
    ("shop_pages.py", include_str!("../environments/shop/shop_pages.py")),
];
const SEED_SQL: &str = include_str!("../environments/shop/seed.sql");
const TASKS_JSON: &str = include_str!("../environments/shop/tasks.json");

/// Where the shop lives once installed.
pub struct Installed {
    pub root: PathBuf,
    pub seed: PathBuf,
}

/// Writes the app and (once per version of `seed.sql`) its seed database under `data_dir`.
pub fn install(data_dir: &Path) -> Result<Installed, String> {
    let root = data_dir.join("environments").join(ENV_KEY);
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    for (name, text) in APP_FILES {
        let path = root.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let digest = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(SEED_SQL.as_bytes())[..6]);
    let seed = crate::demo::seed::build_seed(&data_dir.join("seeds"), &format!("shop-store-v1-{digest}.db"), SEED_SQL)?;
    Ok(Installed { root, seed })
}

/// The catalog entry: `python3 {root}/app.py {port}`, seeded with `store:v1`.
pub fn spec(installed: &Installed) -> EnvironmentSpec {
    let version = VersionSpec {
        runtime: Runtime::Command {
            command: vec!["python3".into(), "{root}/app.py".into(), "{port}".into()],
            env: BTreeMap::new(),
            health_path: "/health".into(),
            root: installed.root.clone(),
        },
        seeds: BTreeMap::from([(DATA_KEY.to_string(), installed.seed.clone())]),
        default_data: Some(DATA_KEY.into()),
    };
    EnvironmentSpec {
        env_key: ENV_KEY.into(),
        name: "Online shop (demo)".into(),
        description: Some(
            "A small online shop: products, customers, orders, coupons. Web UI, JSON API and MCP; a command app."
                .into(),
        ),
        default_version: ENV_VERSION.into(),
        versions: BTreeMap::from([(ENV_VERSION.to_string(), version)]),
    }
}

/// The shop's tasks as rows for one team.
pub fn tasks(team_id: &str, created_at: &str) -> Result<Vec<TaskRow>, String> {
    let pack: Vec<ImportRequest> = serde_json::from_str(TASKS_JSON).map_err(|e| format!("shop tasks.json: {e}"))?;
    Ok(pack
        .into_iter()
        .map(|t| t.into_row(team_id, ENV_KEY.into(), Some(PROJECT_KEY.into()), || created_at.to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pack_is_the_shops_and_every_task_has_a_verifier() {
        let rows = tasks("t", "2026-01-01T00:00:00Z").unwrap();
        assert!(rows.len() >= 8, "{} tasks", rows.len());
        for row in &rows {
            assert!(row.key.starts_with("shop-"), "{}", row.key);
            assert!(row.verifier_code.as_deref().is_some_and(|c| c.contains("def verify")), "{}", row.key);
            assert_eq!((row.version.as_deref(), row.data_id.as_deref()), (Some(ENV_VERSION), Some("store")));
        }
        let pack: Vec<serde_json::Value> = serde_json::from_str(TASKS_JSON).unwrap();
        assert!(pack.iter().all(|t| t["env_id"] == ENV_KEY));
    }

    #[test]
    fn install_writes_the_app_and_a_seed_with_the_shops_tables() {
        let dir = std::env::temp_dir().join(format!("flotilla-shop-{}", uuid::Uuid::new_v4().simple()));
        let installed = install(&dir).unwrap();
        assert!(installed.root.join("app.py").exists());
        let conn = rusqlite::Connection::open(&installed.seed).unwrap();
        let orders: i64 = conn.query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0)).unwrap();
        assert!(orders > 0);
        assert_eq!(install(&dir).unwrap().seed, installed.seed, "a second start reuses the seed");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
