//! Per-team runner tokens (`GET /v1/runner-auth/token`, checked as `X-Runner-Token`).
use rusqlite::{params, OptionalExtension};

use super::Store;

impl Store {
    /// The team's runner token, created on first use.
    pub fn runner_token(&self, team_id: &str) -> rusqlite::Result<String> {
        let conn = self.conn();
        let existing: Option<String> = conn
            .query_row("SELECT runner_token FROM teams WHERE team_id = ?1", params![team_id], |r| r.get(0))
            .optional()?;
        if let Some(token) = existing {
            return Ok(token);
        }
        let token = format!("rt_{}", uuid::Uuid::new_v4().simple());
        conn.execute("INSERT INTO teams (team_id, runner_token) VALUES (?1, ?2)", params![team_id, token])?;
        Ok(token)
    }
}
