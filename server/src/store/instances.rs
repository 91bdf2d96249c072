//! Instance rows: lifecycle state, deadlines, and the `X-Request-ID` of the create.
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;

use super::Store;

/// A stored instance. Times are ISO strings for the wire and epoch seconds for deadlines.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub instance_id: String,
    pub team_id: String,
    pub profile_id: String,
    pub env_key: String,
    pub version: String,
    pub data_key: Option<String>,
    pub data_version: Option<String>,
    pub region: String,
    pub run_id: Option<String>,
    pub image_type: Option<String>,
    pub env_variables: Option<Value>,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub terminated_at: Option<String>,
    pub ttl_seconds: Option<i64>,
    pub heartbeat_interval: Option<i64>,
    pub last_heartbeat: Option<f64>,
    pub deadline: Option<f64>,
    pub created_epoch: f64,
    pub request_id: Option<String>,
}

/// `GET /v1/env/instances` filters.
#[derive(Debug, Default)]
pub struct InstanceFilter {
    pub status: Option<String>,
    pub region: Option<String>,
    pub run_id: Option<String>,
    pub profile_id: Option<String>,
}

/// Why an insert was refused.
#[derive(Debug, PartialEq)]
pub enum InsertRefused {
    /// The team already runs `running` of its `limit` instances.
    Limit { running: i64, limit: i64 },
    /// This `X-Request-ID` already created `instance_id`.
    Duplicate { instance_id: String },
}

/// One row of `GET /v1/env/runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub run_id: String,
    pub running_count: i64,
    pub total_count: i64,
    pub first_created_at: String,
    pub last_created_at: String,
    pub profile_id: Option<String>,
}

pub const LIVE: &str = "status IN ('pending', 'running')";

fn from_row(r: &Row) -> rusqlite::Result<InstanceRow> {
    Ok(InstanceRow {
        instance_id: r.get("instance_id")?,
        team_id: r.get("team_id")?,
        profile_id: r.get("profile_id")?,
        env_key: r.get("env_key")?,
        version: r.get("version")?,
        data_key: r.get("data_key")?,
        data_version: r.get("data_version")?,
        region: r.get("region")?,
        run_id: r.get("run_id")?,
        image_type: r.get("image_type")?,
        env_variables: r.get::<_, Option<String>>("env_variables")?.and_then(|t| serde_json::from_str(&t).ok()),
        status: r.get("status")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        terminated_at: r.get("terminated_at")?,
        ttl_seconds: r.get("ttl_seconds")?,
        heartbeat_interval: r.get("heartbeat_interval")?,
        last_heartbeat: r.get("last_heartbeat")?,
        deadline: r.get("deadline")?,
        created_epoch: r.get("created_epoch")?,
        request_id: r.get("request_id")?,
    })
}

impl Store {
    /// Inserts a new instance if the request id is new and the team is under its limit; both
    /// checks and the insert happen under one lock, so concurrent creates cannot overshoot.
    pub fn insert_instance(&self, row: &InstanceRow, limit: i64) -> rusqlite::Result<Result<(), InsertRefused>> {
        let conn = self.conn();
        if let Some(request_id) = &row.request_id {
            let existing: Option<String> = conn
                .query_row(
                    "SELECT instance_id FROM instances WHERE team_id = ?1 AND request_id = ?2",
                    params![row.team_id, request_id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(instance_id) = existing {
                return Ok(Err(InsertRefused::Duplicate { instance_id }));
            }
        }
        let running: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM instances WHERE team_id = ?1 AND {LIVE}"),
            params![row.team_id],
            |r| r.get(0),
        )?;
        if running >= limit {
            return Ok(Err(InsertRefused::Limit { running, limit }));
        }
        conn.execute(
            "INSERT INTO instances (instance_id, team_id, profile_id, env_key, version, data_key,
               data_version, region, run_id, image_type, env_variables, status, created_at, updated_at,
               terminated_at, ttl_seconds, heartbeat_interval, last_heartbeat, deadline, created_epoch, request_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
            params![
                row.instance_id,
                row.team_id,
                row.profile_id,
                row.env_key,
                row.version,
                row.data_key,
                row.data_version,
                row.region,
                row.run_id,
                row.image_type,
                row.env_variables.as_ref().map(Value::to_string),
                row.status,
                row.created_at,
                row.updated_at,
                row.terminated_at,
                row.ttl_seconds,
                row.heartbeat_interval,
                row.last_heartbeat,
                row.deadline,
                row.created_epoch,
                row.request_id
            ],
        )?;
        Ok(Ok(()))
    }

    /// One instance, of one team (`None` for another team's instance: isolation).
    pub fn get_instance(&self, team_id: &str, id: &str) -> rusqlite::Result<Option<InstanceRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT * FROM instances WHERE instance_id = ?1 AND team_id = ?2")?;
        stmt.query_row(params![id, team_id], from_row).optional()
    }

    /// One instance, whatever its team (for the runner routes and the reaper).
    pub fn get_instance_any_team(&self, id: &str) -> rusqlite::Result<Option<InstanceRow>> {
        self.conn().query_row("SELECT * FROM instances WHERE instance_id = ?1", params![id], from_row).optional()
    }

    /// A team's instances matching the filter, newest first.
    pub fn list_instances(&self, team_id: &str, f: &InstanceFilter) -> rusqlite::Result<Vec<InstanceRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT * FROM instances WHERE team_id = ?1
               AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR region = ?3)
               AND (?4 IS NULL OR run_id = ?4) AND (?5 IS NULL OR profile_id = ?5)
             ORDER BY created_epoch DESC",
        )?;
        let rows = stmt.query_map(params![team_id, f.status, f.region, f.run_id, f.profile_id], from_row)?;
        rows.collect()
    }

    /// Moves an instance to a new status; a terminal status also sets `terminated_at`.
    pub fn set_status(&self, id: &str, status: &str, now: &str) -> rusqlite::Result<()> {
        let terminal = matches!(status, "stopped" | "error");
        self.conn().execute(
            "UPDATE instances SET status = ?2, updated_at = ?3,
               terminated_at = CASE WHEN ?4 THEN COALESCE(terminated_at, ?3) ELSE terminated_at END,
               deadline = CASE WHEN ?4 THEN NULL ELSE deadline END
             WHERE instance_id = ?1",
            params![id, status, now, terminal],
        )?;
        Ok(())
    }

    /// Records a heartbeat and the new deadline, if the instance is still live. Returns whether it was.
    pub fn record_heartbeat(&self, id: &str, at: f64, deadline: Option<f64>, now: &str) -> rusqlite::Result<bool> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "UPDATE instances SET last_heartbeat = ?2, deadline = ?3, updated_at = ?4 WHERE instance_id = ?1 AND {LIVE}"
        ))?;
        let n = stmt.execute(params![id, at, deadline, now])?;
        Ok(n == 1)
    }

    /// Live instances whose deadline has passed.
    pub fn overdue_instances(&self, now_epoch: f64) -> rusqlite::Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT instance_id FROM instances WHERE {LIVE} AND deadline IS NOT NULL AND deadline <= ?1"
        ))?;
        let ids = stmt.query_map(params![now_epoch], |r| r.get(0))?;
        ids.collect()
    }

    /// Every live instance of every team (for start-up and shutdown).
    pub fn live_instances(&self) -> rusqlite::Result<Vec<InstanceRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT * FROM instances WHERE {LIVE}"))?;
        let rows = stmt.query_map([], from_row)?;
        rows.collect()
    }

    /// How many instances a team runs now.
    pub fn count_live(&self, team_id: &str) -> rusqlite::Result<i64> {
        self.conn().query_row(
            &format!("SELECT COUNT(*) FROM instances WHERE team_id = ?1 AND {LIVE}"),
            params![team_id],
            |r| r.get(0),
        )
    }

    /// Runs of a team (instances grouped by `run_id`), filtered by activity and profile.
    pub fn runs(&self, team_id: &str, profile_id: Option<&str>, active: &str) -> rusqlite::Result<Vec<RunRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT run_id, SUM(CASE WHEN {LIVE} THEN 1 ELSE 0 END) AS running, COUNT(*) AS total,
                    MIN(created_at), MAX(created_at), MIN(profile_id)
             FROM instances WHERE team_id = ?1 AND run_id IS NOT NULL AND (?2 IS NULL OR profile_id = ?2)
             GROUP BY run_id ORDER BY MAX(created_epoch) DESC"
        ))?;
        let rows = stmt.query_map(params![team_id, profile_id], |r| {
            Ok(RunRow {
                run_id: r.get(0)?,
                running_count: r.get(1)?,
                total_count: r.get(2)?,
                first_created_at: r.get(3)?,
                last_created_at: r.get(4)?,
                profile_id: r.get(5)?,
            })
        })?;
        let keep = |run: &RunRow| match active {
            "active" => run.running_count > 0,
            "inactive" => run.running_count == 0,
            _ => true,
        };
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().filter(keep).collect())
    }
}
