//! Task rows.
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;

use super::Store;

/// A stored task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub team_id: String,
    pub key: String,
    pub prompt: String,
    pub environment_id: String,
    pub version: Option<String>,
    pub data_id: Option<String>,
    pub data_version: Option<String>,
    pub project_key: Option<String>,
    pub env_variables: Option<Value>,
    pub metadata: Option<Value>,
    pub output_json_schema: Option<Value>,
    pub verifier_code: Option<String>,
    pub verifier_id: Option<String>,
    pub verifier_version: i64,
    pub created_at: String,
}

/// A project: the tasks of a team imported under one `project_key`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRow {
    pub project_key: String,
    pub created_at: String,
    pub task_count: i64,
}

/// `GET /v1/tasks` filters; `None` means "any".
#[derive(Debug, Default)]
pub struct TaskFilter {
    pub keys: Vec<String>,
    pub env_key: Option<String>,
    pub project_key: Option<String>,
    pub data_id: Option<String>,
    pub data_version: Option<String>,
}

fn json_text(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(Value::to_string)
}

fn json_value(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn from_row(r: &Row) -> rusqlite::Result<TaskRow> {
    Ok(TaskRow {
        team_id: r.get("team_id")?,
        key: r.get("key")?,
        prompt: r.get("prompt")?,
        environment_id: r.get("environment_id")?,
        version: r.get("version")?,
        data_id: r.get("data_id")?,
        data_version: r.get("data_version")?,
        project_key: r.get("project_key")?,
        env_variables: json_value(r.get("env_variables")?),
        metadata: json_value(r.get("metadata")?),
        output_json_schema: json_value(r.get("output_json_schema")?),
        verifier_code: r.get("verifier_code")?,
        verifier_id: r.get("verifier_id")?,
        verifier_version: r.get("verifier_version")?,
        created_at: r.get("created_at")?,
    })
}

impl Store {
    /// Inserts a task unless the team already has one with that key; returns whether it did.
    pub fn insert_task_if_absent(&self, t: &TaskRow) -> rusqlite::Result<bool> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO tasks (team_id, key, prompt, environment_id, version, data_id,
               data_version, project_key, env_variables, metadata, output_json_schema,
               verifier_code, verifier_id, verifier_version, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                t.team_id,
                t.key,
                t.prompt,
                t.environment_id,
                t.version,
                t.data_id,
                t.data_version,
                t.project_key,
                json_text(&t.env_variables),
                json_text(&t.metadata),
                json_text(&t.output_json_schema),
                t.verifier_code,
                t.verifier_id,
                t.verifier_version,
                t.created_at
            ],
        )?;
        Ok(n == 1)
    }

    /// One team's tasks matching the filter, in the order they were added.
    pub fn list_tasks(&self, team_id: &str, f: &TaskFilter) -> rusqlite::Result<Vec<TaskRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT * FROM tasks WHERE team_id = ?1
               AND (?2 IS NULL OR environment_id = ?2)
               AND (?3 IS NULL OR project_key = ?3)
               AND (?4 IS NULL OR data_id = ?4)
               AND (?5 IS NULL OR data_version = ?5)
             ORDER BY rowid",
        )?;
        let rows = stmt.query_map(params![team_id, f.env_key, f.project_key, f.data_id, f.data_version], from_row)?;
        let mut out = Vec::new();
        for row in rows {
            let row = row?;
            if f.keys.is_empty() || f.keys.contains(&row.key) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// One task of a team.
    pub fn get_task(&self, team_id: &str, key: &str) -> rusqlite::Result<Option<TaskRow>> {
        self.conn()
            .query_row("SELECT * FROM tasks WHERE team_id = ?1 AND key = ?2", params![team_id, key], from_row)
            .optional()
    }
}

impl Store {
    /// Inserts or replaces a task (an import of an existing key replaces it and bumps the
    /// verifier version).
    pub fn upsert_task(&self, t: &TaskRow) -> rusqlite::Result<()> {
        self.conn().execute(
            "INSERT INTO tasks (team_id, key, prompt, environment_id, version, data_id, data_version,
               project_key, env_variables, metadata, output_json_schema, verifier_code, verifier_id,
               verifier_version, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14)
             ON CONFLICT (team_id, key) DO UPDATE SET prompt = excluded.prompt,
               environment_id = excluded.environment_id, version = excluded.version,
               data_id = excluded.data_id, data_version = excluded.data_version,
               project_key = COALESCE(excluded.project_key, tasks.project_key), env_variables = excluded.env_variables,
               metadata = excluded.metadata, output_json_schema = excluded.output_json_schema,
               verifier_version = verifier_version + (verifier_code IS NOT excluded.verifier_code),
               verifier_code = excluded.verifier_code, verifier_id = excluded.verifier_id",
            params![
                t.team_id,
                t.key,
                t.prompt,
                t.environment_id,
                t.version,
                t.data_id,
                t.data_version,
                t.project_key,
                json_text(&t.env_variables),
                json_text(&t.metadata),
                json_text(&t.output_json_schema),
                t.verifier_code,
                t.verifier_id,
                t.created_at
            ],
        )?;
        Ok(())
    }

    /// The team's projects: each `project_key` its tasks carry, with the earliest task's
    /// `created_at` and the number of tasks, ordered by key.
    pub fn list_projects(&self, team_id: &str) -> rusqlite::Result<Vec<ProjectRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT project_key, MIN(created_at), COUNT(*) FROM tasks
             WHERE team_id = ?1 AND project_key IS NOT NULL GROUP BY project_key ORDER BY project_key",
        )?;
        let rows = stmt.query_map(params![team_id], |r| {
            Ok(ProjectRow { project_key: r.get(0)?, created_at: r.get(1)?, task_count: r.get(2)? })
        })?;
        rows.collect()
    }

    /// How many tasks a team holds.
    pub fn count_tasks(&self, team_id: &str) -> rusqlite::Result<i64> {
        self.conn().query_row("SELECT COUNT(*) FROM tasks WHERE team_id = ?1", params![team_id], |r| r.get(0))
    }

    /// Changes a task's prompt, verifier code or metadata; returns whether the task exists.
    pub fn update_task(
        &self,
        team_id: &str,
        key: &str,
        prompt: Option<&str>,
        verifier_code: Option<&str>,
        metadata: Option<&Value>,
    ) -> rusqlite::Result<bool> {
        let n = self.conn().execute(
            "UPDATE tasks SET prompt = COALESCE(?3, prompt),
               verifier_version = verifier_version + (?4 IS NOT NULL AND ?4 IS NOT verifier_code),
               verifier_code = COALESCE(?4, verifier_code),
               metadata = COALESCE(?5, metadata)
             WHERE team_id = ?1 AND key = ?2",
            params![team_id, key, prompt, verifier_code, metadata.map(Value::to_string)],
        )?;
        Ok(n == 1)
    }
}
