//! Durable state in SQLite (WAL mode): tasks now; instances, runs and bundles as they arrive.
mod tasks;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub use tasks::{TaskFilter, TaskRow};

/// The server's database. Calls are short, so one connection behind a mutex is enough.
pub struct Store {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tasks (
    team_id            TEXT NOT NULL,
    key                TEXT NOT NULL,
    prompt             TEXT NOT NULL,
    environment_id     TEXT NOT NULL,
    version            TEXT,
    data_id            TEXT,
    data_version       TEXT,
    project_key        TEXT,
    env_variables      TEXT,
    metadata           TEXT,
    output_json_schema TEXT,
    verifier_code      TEXT,
    verifier_id        TEXT,
    verifier_version   INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    PRIMARY KEY (team_id, key)
);
";

impl Store {
    /// Opens (creating if needed) `<data_dir>/flotilla.db`.
    pub fn open(data_dir: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(data_dir.join("flotilla.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: recover the guard.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
