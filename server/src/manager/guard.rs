//! The fence around SQL a caller sends to an instance's databases (`/resources/sqlite/...`):
//! a time limit per statement, caps on what one answer holds, and an authorizer that keeps every
//! statement inside the instance's own database file. A runner token is not trust.
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::Connection;

/// How long one statement may run before it is interrupted.
pub const STATEMENT_TIME_LIMIT: Duration = Duration::from_secs(5);
/// The most rows one query answers.
pub const MAX_ROWS: usize = 10_000;
/// The most bytes (of values, roughly as JSON) one query answers.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// The longest string or blob a statement may make (`randomblob(1e9)` fails at once).
const MAX_VALUE_BYTES: i32 = 16 * 1024 * 1024;
/// The longest SQL text.
const MAX_SQL_BYTES: i32 = 1024 * 1024;

/// Set when the server shuts down: running statements stop at once instead of at their limit.
pub static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// Pragmas that only read (with no `= value`): schema introspection and checks.
const READ_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
    "user_version",
    "schema_version",
    "page_count",
    "page_size",
    "encoding",
    "collation_list",
];

/// Functions that reach outside the database (or change how SQLite parses).
const DENIED_FUNCTIONS: &[&str] = &["load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"];

fn authorize(context: AuthContext<'_>) -> Authorization {
    match context.action {
        // VACUUM INTO attaches its target too, so this also stops writing a copy anywhere.
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Pragma { pragma_name, pragma_value } => {
            let name = pragma_name.to_ascii_lowercase();
            // `table_info(t)` takes its table as a value; any other value is a write.
            let takes_a_name = ["table_", "index_", "foreign_key"].iter().any(|p| name.starts_with(p));
            if READ_PRAGMAS.contains(&name.as_str()) && (pragma_value.is_none() || takes_a_name) {
                Authorization::Allow
            } else {
                Authorization::Deny
            }
        }
        AuthAction::Function { function_name }
            if DENIED_FUNCTIONS.contains(&function_name.to_ascii_lowercase().as_str()) =>
        {
            Authorization::Deny
        }
        AuthAction::CreateVtable { .. } | AuthAction::DropVtable { .. } => Authorization::Deny,
        _ => Authorization::Allow,
    }
}

/// Fences a connection opened for a caller's SQL.
pub fn fence(conn: &Connection) -> rusqlite::Result<()> {
    // Before the authorizer, which refuses writing pragmas to the caller.
    let page_size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
    let pages = max_database_bytes() / page_size.max(512);
    conn.pragma_update(None, "max_page_count", pages)?;
    // TEMP tables live in their own database, with their own cap.
    conn.pragma_update(Some("temp"), "max_page_count", pages)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)?;
    conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)?;
    conn.authorizer(Some(authorize));
    let deadline = Instant::now() + STATEMENT_TIME_LIMIT;
    conn.progress_handler(10_000, Some(move || SHUTTING_DOWN.load(Ordering::Relaxed) || Instant::now() > deadline));
    Ok(())
}

/// The most bytes an instance's database may grow to: `$FLOTILLA_MAX_DB_BYTES`, default 256 MiB.
/// A write past it fails (413), and the database stays usable.
pub fn max_database_bytes() -> i64 {
    static MAX: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| std::env::var("FLOTILLA_MAX_DB_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(256 << 20))
}

/// Whether an error is the progress handler's interrupt.
pub fn interrupted(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::OperationInterrupted)
}
