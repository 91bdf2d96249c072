//! The demo help desk's seed database ("support:v1").
use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// Schema and rows of the seed. Five tickets are open; Globex has two open and one pending.
pub const SEED_SQL: &str = "
CREATE TABLE customers (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    plan  TEXT NOT NULL DEFAULT 'standard'
);
CREATE TABLE agents (
    username  TEXT PRIMARY KEY,
    full_name TEXT NOT NULL
);
CREATE TABLE tickets (
    id          INTEGER PRIMARY KEY,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    assignee    TEXT REFERENCES agents(username),
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    priority    TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO customers (id, name, email, plan) VALUES
    (1, 'Acme Corp', 'it@acme.example', 'enterprise'),
    (2, 'Globex', 'support@globex.example', 'standard'),
    (3, 'Initech', 'help@initech.example', 'standard'),
    (4, 'Umbrella', 'contact@umbrella.example', 'free');
INSERT INTO agents (username, full_name) VALUES
    ('maria', 'Maria Lopez'), ('dev', 'Dev Patel'), ('sam', 'Sam Okafor');
INSERT INTO tickets (id, subject, body, customer_id, assignee, status, priority, created_at, updated_at) VALUES
    (1, 'Cannot log in to the portal', 'Password reset emails never arrive.', 1, 'dev', 'open', 'normal', '2026-11-01T09:00:00Z', '2026-11-01T09:00:00Z'),
    (2, 'Printer on floor 3 is jammed', 'Paper jam error E-203 since this morning.', 3, NULL, 'open', 'low', '2026-11-02T10:30:00Z', '2026-11-02T10:30:00Z'),
    (3, 'VPN drops every hour', 'The VPN disconnects roughly every 60 minutes.', 2, NULL, 'open', 'high', '2026-11-03T08:15:00Z', '2026-11-03T08:15:00Z'),
    (4, 'Invoice shows wrong amount', 'October invoice is 10% higher than the quote.', 2, 'sam', 'pending', 'normal', '2026-11-04T14:00:00Z', '2026-11-05T11:00:00Z'),
    (5, 'WIN A FREE CRUISE!!!', 'Click here to claim your prize.', 4, NULL, 'open', 'low', '2026-11-05T03:33:00Z', '2026-11-05T03:33:00Z'),
    (6, 'Request for new laptop', 'New hire starts Monday.', 1, 'maria', 'resolved', 'normal', '2026-11-06T09:45:00Z', '2026-11-07T16:20:00Z'),
    (7, 'Email bounces from partner domain', 'Mail to partner.example bounces with 550.', 2, 'dev', 'open', 'normal', '2026-11-08T12:00:00Z', '2026-11-08T12:00:00Z');
INSERT INTO comments (id, ticket_id, author, body, created_at) VALUES
    (1, 1, 'dev', 'Checking the mail relay logs.', '2026-11-01T10:00:00Z'),
    (2, 4, 'sam', 'Asked finance for the quote.', '2026-11-05T11:00:00Z');
";

/// Writes the seed database under `dir` if it is not there yet, and returns its path.
pub fn ensure_seed(dir: &Path) -> Result<PathBuf, String> {
    build_seed(dir, "helpdesk-support-v1.db", SEED_SQL)
}

/// Builds the SQLite file `name` under `dir` from `sql` unless it exists (written aside, then
/// renamed: never half a seed), and returns its path.
pub fn build_seed(dir: &Path, name: &str, sql: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(name);
    if path.exists() {
        return Ok(path);
    }
    let tmp = dir.join(format!(".{name}-{}", uuid::Uuid::new_v4().simple()));
    let conn = Connection::open(&tmp).map_err(|e| e.to_string())?;
    conn.execute_batch(sql).map_err(|e| format!("seed {name}: {e}"))?;
    drop(conn);
    std::fs::rename(&tmp, &path).map_err(|e| e.to_string())?;
    Ok(path)
}
