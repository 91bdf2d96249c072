//! Jobs, sessions, their messages, and verifier executions (protocol §9), per team.
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;

use super::Store;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    job_id     TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_team ON jobs (team_id, created_at);
CREATE TABLE IF NOT EXISTS sessions (
    session_id            TEXT PRIMARY KEY,
    team_id               TEXT NOT NULL,
    job_id                TEXT,
    model                 TEXT,
    task_key              TEXT,
    instance_id           TEXT,
    status                TEXT NOT NULL,
    config                TEXT,
    metadata              TEXT,
    created_at            TEXT NOT NULL,
    started_at            TEXT,
    ended_at              TEXT,
    verifier_execution_id TEXT,
    message_count         INTEGER NOT NULL DEFAULT 0,
    byte_count            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_by_job ON sessions (team_id, job_id);
CREATE INDEX IF NOT EXISTS sessions_by_team ON sessions (team_id, byte_count);
CREATE TABLE IF NOT EXISTS messages (
    session_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    role         TEXT NOT NULL,
    content      TEXT,
    thinking     TEXT,
    tool_calls   TEXT,
    tool_call_id TEXT,
    timestamp    TEXT,
    tokens       INTEGER,
    metadata     TEXT,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE IF NOT EXISTS verifier_executions (
    execution_id      TEXT PRIMARY KEY,
    team_id           TEXT NOT NULL,
    task_key          TEXT,
    instance_id       TEXT,
    success           INTEGER NOT NULL,
    score             REAL,
    stdout            TEXT,
    execution_time_ms INTEGER NOT NULL,
    result            TEXT,
    created_at        TEXT NOT NULL,
    error             TEXT
);
";

/// Brings a database made by an older flotilla-server up to [`SCHEMA`]: verifier executions
/// gained `error`.
pub fn migrate(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let has_error: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('verifier_executions') WHERE name = 'error'",
        [],
        |r| r.get(0),
    )?;
    if !has_error {
        conn.execute_batch("ALTER TABLE verifier_executions ADD COLUMN error TEXT")?;
    }
    Ok(())
}

/// A job (made by `POST /v1/traces/jobs` or listed by `GET /v1/jobs`).
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub job_id: String,
    pub team_id: String,
    pub name: String,
    pub created_at: String,
}

/// A session and what it ended with.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub session_id: String,
    pub job_id: Option<String>,
    pub model: Option<String>,
    pub task_key: Option<String>,
    pub instance_id: Option<String>,
    pub status: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub verifier_execution_id: Option<String>,
    pub message_count: i64,
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MessageRow {
    pub role: String,
    pub content: Option<Value>,
    pub thinking: Option<String>,
    pub tool_calls: Option<Value>,
    pub tool_call_id: Option<String>,
    pub timestamp: Option<String>,
    pub tokens: Option<i64>,
    pub metadata: Option<Value>,
}

impl MessageRow {
    /// About how many bytes the message takes stored (its text and JSON parts).
    pub fn size(&self) -> usize {
        let json = |v: &Option<Value>| v.as_ref().map_or(0, |v| v.to_string().len());
        let text = |v: &Option<String>| v.as_ref().map_or(0, String::len);
        self.role.len()
            + json(&self.content)
            + json(&self.tool_calls)
            + json(&self.metadata)
            + text(&self.thinking)
            + text(&self.tool_call_id)
            + text(&self.timestamp)
    }
}

/// A recorded verifier run.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRow {
    pub execution_id: String,
    pub team_id: String,
    pub task_key: Option<String>,
    pub instance_id: Option<String>,
    pub success: bool,
    pub score: Option<f64>,
    pub stdout: Option<String>,
    pub execution_time_ms: i64,
    pub result: Option<Value>,
    pub created_at: String,
    /// Why a failed run failed (`{type, message, traceback}`); `None` when it succeeded.
    pub error: Option<Value>,
}

/// What one ingest call asks for; absent fields leave the session as it is.
#[derive(Debug, Clone, Default)]
pub struct Ingest {
    pub session_id: Option<String>,
    pub job_id: Option<String>,
    pub model: Option<String>,
    pub task_key: Option<String>,
    pub instance_id: Option<String>,
    pub status: Option<String>,
    pub config: Option<Value>,
    pub metadata: Option<Value>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub verifier_execution_id: Option<String>,
    pub messages: Vec<MessageRow>,
}

/// Why an ingest was refused (nothing was written).
#[derive(Debug, Clone, PartialEq)]
pub enum IngestRefused {
    SessionNotFound(String),
    JobNotFound(String),
    ExecutionNotFound(String),
    /// The execution already scores another session.
    ExecutionTaken(String),
    InstanceNotFound(String),
    /// The team's transcripts together would pass their cap.
    TeamFull {
        limit: i64,
    },
    TooManyMessages {
        limit: i64,
    },
    TooManyBytes {
        limit: i64,
    },
    /// The session belongs to another job, or the execution scored another task.
    Mismatch(String),
}

/// The outcome of an ingest: the session, its message count, whether it is new.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    pub session_id: String,
    pub message_count: i64,
    pub created_new_session: bool,
}

fn json_text(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(Value::to_string)
}

fn json_value(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn job(r: &Row) -> rusqlite::Result<JobRow> {
    Ok(JobRow { job_id: r.get(0)?, team_id: r.get(1)?, name: r.get(2)?, created_at: r.get(3)? })
}

const SESSION_COLUMNS: &str = "session_id, job_id, model, task_key, instance_id, status, created_at, started_at, \
     ended_at, verifier_execution_id, message_count";

fn session(r: &Row) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        session_id: r.get(0)?,
        job_id: r.get(1)?,
        model: r.get(2)?,
        task_key: r.get(3)?,
        instance_id: r.get(4)?,
        status: r.get(5)?,
        created_at: r.get(6)?,
        started_at: r.get(7)?,
        ended_at: r.get(8)?,
        verifier_execution_id: r.get(9)?,
        message_count: r.get(10)?,
    })
}

fn execution(r: &Row) -> rusqlite::Result<ExecutionRow> {
    Ok(ExecutionRow {
        execution_id: r.get(0)?,
        team_id: r.get(1)?,
        task_key: r.get(2)?,
        instance_id: r.get(3)?,
        success: r.get(4)?,
        score: r.get(5)?,
        stdout: r.get(6)?,
        execution_time_ms: r.get(7)?,
        result: json_value(r.get(8)?),
        created_at: r.get(9)?,
        error: json_value(r.get(10)?),
    })
}

impl Store {
    pub fn create_job(&self, job: &JobRow) -> rusqlite::Result<()> {
        self.conn().execute(
            "INSERT INTO jobs (job_id, team_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![job.job_id, job.team_id, job.name, job.created_at],
        )?;
        Ok(())
    }

    pub fn get_job(&self, team_id: &str, job_id: &str) -> rusqlite::Result<Option<JobRow>> {
        let conn = self.conn();
        let sql = "SELECT job_id, team_id, name, created_at FROM jobs WHERE team_id = ?1 AND job_id = ?2";
        conn.query_row(sql, params![team_id, job_id], job).optional()
    }

    /// The team's jobs, newest first.
    pub fn list_jobs(&self, team_id: &str) -> rusqlite::Result<Vec<JobRow>> {
        let conn = self.conn();
        let sql = "SELECT job_id, team_id, name, created_at FROM jobs WHERE team_id = ?1 ORDER BY created_at DESC, rowid DESC";
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map(params![team_id], job)?.collect();
        rows
    }

    pub fn record_execution(&self, e: &ExecutionRow) -> rusqlite::Result<()> {
        self.conn().execute(
            "INSERT INTO verifier_executions (execution_id, team_id, task_key, instance_id, success, score, stdout, \
             execution_time_ms, result, created_at, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                e.execution_id,
                e.team_id,
                e.task_key,
                e.instance_id,
                e.success,
                e.score,
                e.stdout,
                e.execution_time_ms,
                json_text(&e.result),
                e.created_at,
                json_text(&e.error)
            ],
        )?;
        Ok(())
    }

    pub fn get_execution(&self, team_id: &str, id: &str) -> rusqlite::Result<Option<ExecutionRow>> {
        let conn = self.conn();
        let sql = "SELECT execution_id, team_id, task_key, instance_id, success, score, stdout, execution_time_ms, \
                   result, created_at, error FROM verifier_executions WHERE team_id = ?1 AND execution_id = ?2";
        conn.query_row(sql, params![team_id, id], execution).optional()
    }

    pub fn get_session(&self, team_id: &str, id: &str) -> rusqlite::Result<Option<SessionRow>> {
        let conn = self.conn();
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE team_id = ?1 AND session_id = ?2");
        conn.query_row(&sql, params![team_id, id], session).optional()
    }

    /// A job's sessions, oldest first.
    pub fn job_sessions(&self, team_id: &str, job_id: &str) -> rusqlite::Result<Vec<SessionRow>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE team_id = ?1 AND job_id = ?2 ORDER BY created_at, rowid"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![team_id, job_id], session)?.collect();
        rows
    }

    /// How many assistant messages (the agent's steps) a session holds.
    pub fn step_count(&self, session_id: &str) -> rusqlite::Result<i64> {
        self.conn().query_row(
            "SELECT COUNT(*) FROM messages WHERE session_id = ?1 AND role = 'assistant'",
            params![session_id],
            |r| r.get(0),
        )
    }

    /// A session's messages in order.
    pub fn messages(&self, session_id: &str) -> rusqlite::Result<Vec<MessageRow>> {
        let conn = self.conn();
        let sql = "SELECT role, content, thinking, tool_calls, tool_call_id, timestamp, tokens, metadata \
                   FROM messages WHERE session_id = ?1 ORDER BY seq";
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt
            .query_map(params![session_id], |r| {
                Ok(MessageRow {
                    role: r.get(0)?,
                    content: json_value(r.get(1)?),
                    thinking: r.get(2)?,
                    tool_calls: json_value(r.get(3)?),
                    tool_call_id: r.get(4)?,
                    timestamp: r.get(5)?,
                    tokens: r.get(6)?,
                    metadata: json_value(r.get(7)?),
                })
            })?
            .collect();
        rows
    }

    /// Creates or updates a session and appends messages, in one transaction: a refused ingest
    /// writes nothing. `max_messages` bounds a session's transcript.
    pub fn ingest(
        &self,
        team_id: &str,
        new_session_id: &str,
        now: &str,
        input: &Ingest,
        limits: (i64, i64, i64),
    ) -> rusqlite::Result<Result<Ingested, IngestRefused>> {
        let (max_messages, max_bytes, max_team_bytes) = limits;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // (message count, byte count, job, task) of the session being appended to.
        let current: Option<(i64, i64, Option<String>, Option<String>)> = match &input.session_id {
            Some(id) => {
                let row = tx
                    .query_row(
                        "SELECT message_count, byte_count, job_id, task_key FROM sessions \
                         WHERE team_id = ?1 AND session_id = ?2",
                        params![team_id, id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                match row {
                    Some(row) => Some(row),
                    None => return Ok(Err(IngestRefused::SessionNotFound(id.clone()))),
                }
            }
            None => None,
        };
        let existing = current.as_ref().map(|c| c.0);
        if let (Some((_, _, Some(job), _)), Some(asked)) = (&current, &input.job_id) {
            if job != asked {
                return Ok(Err(IngestRefused::Mismatch(format!("the session belongs to job '{job}'"))));
            }
        }
        if let Some(job_id) = &input.job_id {
            let found: Option<i64> = tx
                .query_row("SELECT 1 FROM jobs WHERE team_id = ?1 AND job_id = ?2", params![team_id, job_id], |r| {
                    r.get(0)
                })
                .optional()?;
            if found.is_none() {
                return Ok(Err(IngestRefused::JobNotFound(job_id.clone())));
            }
        }
        if let Some(execution_id) = &input.verifier_execution_id {
            let found: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM verifier_executions WHERE team_id = ?1 AND execution_id = ?2",
                    params![team_id, execution_id],
                    |r| r.get(0),
                )
                .optional()?;
            if found.is_none() {
                return Ok(Err(IngestRefused::ExecutionNotFound(execution_id.clone())));
            }
        }
        if let Some(execution_id) = &input.verifier_execution_id {
            let other: Option<String> = tx
                .query_row(
                    "SELECT session_id FROM sessions WHERE team_id = ?1 AND verifier_execution_id = ?2",
                    params![team_id, execution_id],
                    |r| r.get(0),
                )
                .optional()?;
            if other.is_some_and(|other| Some(&other) != input.session_id.as_ref()) {
                return Ok(Err(IngestRefused::ExecutionTaken(execution_id.clone())));
            }
            let scored: Option<String> = tx.query_row(
                "SELECT task_key FROM verifier_executions WHERE execution_id = ?1",
                params![execution_id],
                |r| r.get(0),
            )?;
            let task = input.task_key.clone().or_else(|| current.as_ref().and_then(|c| c.3.clone()));
            if let (Some(scored), Some(task)) = (scored, task) {
                if scored != task {
                    let why = format!("verifier execution '{execution_id}' scored task '{scored}', not '{task}'");
                    return Ok(Err(IngestRefused::Mismatch(why)));
                }
            }
        }
        if let Some(instance_id) = &input.instance_id {
            let found: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM instances WHERE team_id = ?1 AND instance_id = ?2",
                    params![team_id, instance_id],
                    |r| r.get(0),
                )
                .optional()?;
            if found.is_none() {
                return Ok(Err(IngestRefused::InstanceNotFound(instance_id.clone())));
            }
        }
        let before = existing.unwrap_or(0);
        let after = before + input.messages.len() as i64;
        if after > max_messages {
            return Ok(Err(IngestRefused::TooManyMessages { limit: max_messages }));
        }
        let added: usize = input.messages.iter().map(MessageRow::size).sum();
        let bytes = current.as_ref().map_or(0, |c| c.1) + added as i64;
        if bytes > max_bytes {
            return Ok(Err(IngestRefused::TooManyBytes { limit: max_bytes }));
        }
        let team_bytes: i64 = tx.query_row(
            "SELECT COALESCE(SUM(byte_count), 0) FROM sessions WHERE team_id = ?1",
            params![team_id],
            |r| r.get(0),
        )?;
        if team_bytes + added as i64 > max_team_bytes {
            return Ok(Err(IngestRefused::TeamFull { limit: max_team_bytes }));
        }
        let session_id = input.session_id.clone().unwrap_or_else(|| new_session_id.to_string());
        if existing.is_none() {
            tx.execute(
                "INSERT INTO sessions (session_id, team_id, status, created_at, started_at) VALUES (?1, ?2, 'running', ?3, ?3)",
                params![session_id, team_id, now],
            )?;
        }
        tx.execute(
            "UPDATE sessions SET job_id = COALESCE(?2, job_id), model = COALESCE(?3, model), \
             task_key = COALESCE(?4, task_key), instance_id = COALESCE(?5, instance_id), \
             status = COALESCE(?6, status), config = COALESCE(?7, config), metadata = COALESCE(?8, metadata), \
             started_at = COALESCE(?9, started_at), ended_at = COALESCE(?10, ended_at), \
             verifier_execution_id = COALESCE(?11, verifier_execution_id), message_count = ?12, \
             byte_count = ?13 WHERE session_id = ?1",
            params![
                session_id,
                input.job_id,
                input.model,
                input.task_key,
                input.instance_id,
                input.status,
                json_text(&input.config),
                json_text(&input.metadata),
                input.started_at,
                input.ended_at,
                input.verifier_execution_id,
                after,
                bytes
            ],
        )?;
        for (offset, m) in input.messages.iter().enumerate() {
            tx.execute(
                "INSERT INTO messages (session_id, seq, role, content, thinking, tool_calls, tool_call_id, timestamp, \
                 tokens, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    session_id,
                    before + offset as i64,
                    m.role,
                    json_text(&m.content),
                    m.thinking,
                    json_text(&m.tool_calls),
                    m.tool_call_id,
                    m.timestamp,
                    m.tokens,
                    json_text(&m.metadata)
                ],
            )?;
        }
        tx.commit()?;
        Ok(Ok(Ingested { session_id, message_count: after, created_new_session: existing.is_none() }))
    }
}
