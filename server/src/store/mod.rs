//! Durable state in SQLite (WAL mode): tasks, instances (and so runs), team runner tokens, and
//! the evaluation record: jobs, sessions, messages, verifier executions; and the event log.
//! Verifier bundles live on disk, by sha256, beside the database.
mod events;
mod instances;
mod tasks;
mod traces;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub use events::EventRow;
pub use instances::{InsertRefused, InstanceFilter, InstanceRow};
pub use tasks::{TaskFilter, TaskRow};
pub use traces::{ExecutionRow, Ingest, IngestRefused, Ingested, JobRow, MessageRow, SessionRow};

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
CREATE TABLE IF NOT EXISTS instances (
    instance_id        TEXT PRIMARY KEY,
    team_id            TEXT NOT NULL,
    profile_id         TEXT NOT NULL,
    env_key            TEXT NOT NULL,
    version            TEXT NOT NULL,
    data_key           TEXT,
    data_version       TEXT,
    region             TEXT NOT NULL,
    run_id             TEXT,
    image_type         TEXT,
    env_variables      TEXT,
    status             TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    terminated_at      TEXT,
    ttl_seconds        INTEGER,
    heartbeat_interval INTEGER,
    last_heartbeat     REAL,
    deadline           REAL,
    created_epoch      REAL NOT NULL,
    request_id         TEXT,
    UNIQUE (team_id, request_id)
);
CREATE INDEX IF NOT EXISTS instances_by_team ON instances (team_id, status);
CREATE INDEX IF NOT EXISTS instances_by_deadline ON instances (status, deadline);
-- Permanent per-team runner tokens of earlier versions: they no longer open anything.
DROP TABLE IF EXISTS teams;
";

impl Store {
    /// Opens (creating if needed) `<data_dir>/flotilla.db`.
    pub fn open(data_dir: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(data_dir.join("flotilla.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(traces::SCHEMA)?;
        events::migrate(&conn)?;
        conn.execute_batch(events::SCHEMA)?;
        traces::migrate(&conn)?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: recover the guard.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
