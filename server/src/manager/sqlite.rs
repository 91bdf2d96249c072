//! SQL against an instance's `seed` (read-only) and `current` (read-write) databases.
use std::path::Path;

use axum::http::StatusCode;
use base64::Engine;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags};
use serde::Deserialize;
use serde_json::{json, Value};

use super::guard::{self, MAX_ANSWER_BYTES, MAX_ROWS, STATEMENT_TIME_LIMIT};
use crate::error::{ApiError, ApiResult};

/// Which of the instance's databases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resource {
    Seed,
    Current,
}

impl Resource {
    /// Only `seed` and `current` exist; any other name (`../x`, `main`) is a 404.
    pub fn parse(name: &str) -> ApiResult<Resource> {
        match name {
            "seed" => Ok(Resource::Seed),
            "current" => Ok(Resource::Current),
            _ => Err(ApiError::not_found(format!("Resource '{name}' not found: use 'seed' or 'current'"))),
        }
    }

    fn file(self) -> &'static str {
        match self {
            Resource::Seed => "seed.db",
            Resource::Current => "current.db",
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct QueryRequest {
    pub query: String,
    #[serde(default)]
    pub args: Option<Vec<Value>>,
    #[serde(default)]
    pub read_only: bool,
}

pub fn open(dir: &Path, db: Resource) -> ApiResult<Connection> {
    let flags = match db {
        Resource::Seed => OpenFlags::SQLITE_OPEN_READ_ONLY,
        Resource::Current => OpenFlags::SQLITE_OPEN_READ_WRITE,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(dir.join(db.file()), flags)
        .map_err(|e| ApiError::internal("could not open the instance database", e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    guard::fence(&conn)?;
    Ok(conn)
}

/// A failed statement as the caller's 4xx: past the time limit, refused by the fence, or bad SQL.
fn sql_error(e: rusqlite::Error) -> ApiError {
    if guard::interrupted(&e) {
        let limit = STATEMENT_TIME_LIMIT.as_secs();
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("The statement ran past the {limit} s time limit and was stopped"),
        );
    }
    let text = e.to_string();
    if text.contains("not authorized") || text.contains("too many attached databases") {
        return refuse(
            StatusCode::FORBIDDEN,
            format!("Refused: the statement reaches outside the instance's database ({text})"),
        );
    }
    if matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull) {
        let cap = guard::max_database_bytes() >> 20;
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("The instance database is full (its cap is {cap} MiB)"));
    }
    if text.contains("string or blob too big") {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("A value passed the size limit ({text})"));
    }
    refuse(StatusCode::BAD_REQUEST, format!("SQL error: {text}"))
}

/// Roughly how many bytes a value adds to the JSON answer.
fn size_of(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 2,
        _ => 8,
    }
}

/// A failed query: a 4xx whose body is both `{detail}` and a `QueryResponse`.
fn refuse(status: StatusCode, message: String) -> ApiError {
    ApiError::with_body(status, json!({ "detail": message, "success": false, "message": message, "error": message }))
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(*b as i64),
        Value::Number(n) => {
            n.as_i64().map(SqlValue::Integer).unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(0.0)))
        }
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// A SQLite value as JSON (blobs as base64).
pub fn to_json(v: ValueRef) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
    }
}

pub fn run_query(dir: &Path, db: Resource, req: &QueryRequest) -> ApiResult<Value> {
    let conn = open(dir, db)?;
    let mut stmt = conn.prepare(&req.query).map_err(sql_error)?;
    if !stmt.readonly() && (req.read_only || db == Resource::Seed) {
        let why = if db == Resource::Seed { "the seed database is read-only" } else { "read_only is set" };
        return Err(refuse(StatusCode::FORBIDDEN, format!("Write refused: {why}")));
    }
    let args: Vec<SqlValue> = req.args.iter().flatten().map(to_sql).collect();
    let params = rusqlite::params_from_iter(args.iter());
    let bad = sql_error;
    if stmt.column_count() == 0 {
        let affected = stmt.execute(params).map_err(bad)?;
        return Ok(json!({
            "success": true, "message": format!("{affected} rows affected"), "columns": null, "rows": null,
            "rows_affected": affected, "last_insert_id": conn.last_insert_rowid(), "error": null,
        }));
    }
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let width = columns.len();
    let mut rows = Vec::new();
    let mut bytes = 0;
    let mut cursor = stmt.query(params).map_err(bad)?;
    while let Some(row) = cursor.next().map_err(bad)? {
        if rows.len() == MAX_ROWS {
            let why = format!("The answer passed {MAX_ROWS} rows; narrow the query (WHERE, LIMIT)");
            return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, why));
        }
        let values: Vec<Value> = (0..width).map(|i| row.get_ref(i).map(to_json).unwrap_or(Value::Null)).collect();
        bytes += values.iter().map(size_of).sum::<usize>();
        if bytes > MAX_ANSWER_BYTES {
            let why = format!("The answer passed {} MiB; narrow the query", MAX_ANSWER_BYTES / 1024 / 1024);
            return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, why));
        }
        rows.push(Value::Array(values));
    }
    Ok(json!({
        "success": true, "message": format!("{} rows", rows.len()), "columns": columns, "rows": rows,
        "rows_affected": null, "last_insert_id": null, "error": null,
    }))
}

/// The user tables of a database: `(name, sql)`.
pub fn tables(conn: &Connection) -> ApiResult<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One column of a table, as `PRAGMA table_info` describes it.
pub struct Column {
    pub name: String,
    pub sql_type: String,
    pub not_null: bool,
    pub default: Value,
    /// Position in the primary key (1-based), 0 when not part of it.
    pub pk: i64,
}

pub fn columns(conn: &Connection, table: &str) -> ApiResult<Vec<Column>> {
    let mut stmt = conn.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1)")?;
    let rows = stmt.query_map([table], |r| {
        Ok(Column {
            name: r.get(0)?,
            sql_type: r.get(1)?,
            not_null: r.get::<_, i64>(2)? != 0,
            default: to_json(r.get_ref(3)?),
            pk: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn describe(dir: &Path, db: Resource) -> ApiResult<Value> {
    let conn = open(dir, db)?;
    let mut out = Vec::new();
    for (name, sql) in tables(&conn)? {
        let cols: Vec<Value> = columns(&conn, &name)?
            .into_iter()
            .map(|c| {
                json!({ "name": c.name, "type": c.sql_type, "notnull": c.not_null, "default_value": c.default, "pk": c.pk, "primary_key": c.pk > 0 })
            })
            .collect();
        out.push(json!({ "name": name, "sql": sql, "columns": cols }));
    }
    let name = match db {
        Resource::Seed => "seed",
        Resource::Current => "current",
    };
    Ok(
        json!({ "success": true, "resource_name": name, "message": format!("{} tables", out.len()), "tables": out, "error": null }),
    )
}

/// Puts `current` back to the seed with SQLite's online backup, so apps holding it open are fine.
pub fn reset(dir: &Path) -> ApiResult<()> {
    let mut conn = open(dir, Resource::Current)?;
    conn.restore(rusqlite::MAIN_DB, dir.join("seed.db"), None::<fn(rusqlite::backup::Progress)>)
        .map_err(|e| ApiError::internal("could not reset the database", e))
}
