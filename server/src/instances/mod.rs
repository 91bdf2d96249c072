//! Environment instances: creating them (seed copy, app start, wait), stopping them (close, TTL,
//! missed heartbeats, shutdown), and the reaper that enforces deadlines.
pub mod lifecycle;
mod process;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use crate::catalog::{Catalog, Runtime};
use crate::error::ApiError;
use crate::events::{EventData, Events};
use crate::keys::Caller;
use crate::store::{InsertRefused, InstanceRow, Store};
use crate::time::{now_epoch, now_iso};
use lifecycle::CreateRequest;
use process::AppProcess;

/// Owns every live instance's app.
pub struct Instances {
    store: Arc<Store>,
    catalog: Arc<Catalog>,
    root: PathBuf,
    min_heartbeat_interval: i64,
    processes: Mutex<HashMap<String, AppProcess>>,
    events: Arc<Events>,
    /// bubblewrap, when command apps run sandboxed.
    bwrap: Option<PathBuf>,
}

impl Instances {
    pub fn new(
        store: Arc<Store>,
        catalog: Arc<Catalog>,
        events: Arc<Events>,
        data_dir: &Path,
        min_heartbeat_interval: i64,
        bwrap: Option<PathBuf>,
    ) -> Self {
        Instances {
            bwrap,
            events,
            store,
            catalog,
            root: data_dir.join("instances"),
            min_heartbeat_interval,
            processes: Mutex::new(HashMap::new()),
        }
    }

    /// The directory holding an instance's `seed.db`, `current.db` and `app.log`.
    pub fn dir(&self, instance_id: &str) -> PathBuf {
        self.root.join(instance_id)
    }

    /// The local port of a command instance's app, for the reverse proxy.
    pub fn app_port(&self, instance_id: &str) -> Option<u16> {
        self.processes.lock().unwrap_or_else(|p| p.into_inner()).get(instance_id).map(|p| p.port)
    }

    /// Creates an instance and waits until it runs or `max_wait_seconds` pass.
    pub async fn create(
        &self,
        caller: &Caller,
        req: CreateRequest,
        request_id: Option<String>,
    ) -> Result<InstanceRow, ApiError> {
        lifecycle::check_fields(&req, self.min_heartbeat_interval).map_err(ApiError::bad_request)?;
        let (env_key, key_version) = lifecycle::split_versioned(req.env_key.trim());
        let env = self
            .catalog
            .get(&env_key)
            .ok_or_else(|| ApiError::bad_request(format!("Environment '{env_key}' not found")))?;
        let version = req.env_version.clone().or(key_version).unwrap_or_else(|| env.default_version.clone());
        let version = if version.starts_with(|c: char| c.is_ascii_digit()) { format!("v{version}") } else { version };
        // Worded without "environment" so that fleet-python raises FleetVersionNotFoundError.
        let spec = env
            .versions
            .get(&version)
            .ok_or_else(|| ApiError::bad_request(format!("Version '{version}' not found for '{env_key}'")))?;
        let requested_data = match (&req.data_key, &req.data_version) {
            (Some(k), Some(v)) => Some(format!("{k}:{v}")),
            (Some(k), None) => Some(k.clone()),
            (None, _) => None,
        };
        let (data, seed_path) = spec.seed_for(requested_data.as_deref()).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Data key '{}' not found for '{env_key}:{version}'. Known: {:?}",
                requested_data.clone().unwrap_or_default(),
                spec.seeds.keys().collect::<Vec<_>>()
            ))
        })?;
        let (data_key, data_version) = lifecycle::split_versioned(&data);

        let now = now_iso();
        let created = now_epoch();
        let id = format!("inst_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        let row = InstanceRow {
            instance_id: id.clone(),
            team_id: caller.team_id.clone(),
            profile_id: caller.profile_id.clone(),
            env_key: env_key.clone(),
            version,
            data_key: Some(data_key),
            data_version,
            region: req.region.clone().unwrap_or_else(|| lifecycle::DEFAULT_REGION.into()),
            run_id: req.run_id.clone(),
            image_type: req.image_type.clone(),
            env_variables: req.env_variables.clone().map(serde_json::Value::Object),
            status: "pending".into(),
            created_at: now.clone(),
            updated_at: now,
            terminated_at: None,
            ttl_seconds: req.ttl_seconds,
            heartbeat_interval: req.heartbeat_interval,
            last_heartbeat: None,
            deadline: lifecycle::deadline(created, req.ttl_seconds, req.heartbeat_interval, None),
            created_epoch: created,
            request_id,
        };
        match self.store.insert_instance(&row, caller.instance_limit)? {
            Ok(()) => {}
            Err(InsertRefused::Limit { running, limit }) => {
                return Err(ApiError::structured(
                    StatusCode::FORBIDDEN,
                    json!({
                        "error_type": "instance_limit_exceeded",
                        "message": format!("Instance limit reached. You have {running} running instances out of a maximum of {limit}."),
                        "running_instances": running,
                        "instance_limit": limit,
                    }),
                ))
            }
            Err(InsertRefused::Duplicate { instance_id }) => {
                return Err(ApiError::structured(
                    StatusCode::CONFLICT,
                    json!({
                        "error": "duplicate_request_id",
                        "message": "An instance was already created for this X-Request-ID",
                        "instance_id": instance_id,
                    }),
                ))
            }
        }

        self.announce(&row, "instance.created", None);
        if let Err(e) = self.prepare_dir(&id, seed_path) {
            self.set_status(&id, "error", "instance.stopped", Some("failed"))?;
            return Err(ApiError::internal("could not prepare the instance", e));
        }
        match &spec.runtime {
            Runtime::Demo => self.set_status(&id, "running", "instance.running", None)?,
            Runtime::Command { command, env, health_path, root } => {
                let dir = self.dir(&id);
                let sandbox = self.bwrap.as_deref().map(|bwrap| process::Sandbox { bwrap, app_root: root });
                match process::spawn(command, env, &dir, req.env_variables.as_ref(), root, sandbox) {
                    Ok(app) => {
                        let port = app.port;
                        self.processes.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), app);
                        let wait = Duration::from_secs(req.max_wait_seconds.unwrap_or(870).max(0) as u64);
                        self.await_health(&id, port, health_path.clone(), wait).await?;
                    }
                    Err(e) => {
                        tracing::warn!(instance = %id, error = %e, "app failed to start");
                        self.set_status(&id, "error", "instance.stopped", Some("failed"))?;
                    }
                }
            }
        }
        tracing::info!(instance = %id, env = %env_key, team = %caller.team_id, "instance created");
        Ok(self.store.get_instance_any_team(&id)?.unwrap_or(row))
    }

    /// Records a status and tells the team's event streams.
    fn set_status(&self, id: &str, status: &str, kind: &str, reason: Option<&str>) -> Result<(), ApiError> {
        self.store.set_status(id, status, &now_iso())?;
        if let Some(row) = self.store.get_instance_any_team(id)? {
            self.announce(&row, kind, reason);
        }
        Ok(())
    }

    fn announce(&self, row: &InstanceRow, kind: &str, reason: Option<&str>) {
        let mut event = EventData::new(kind);
        event.instance_id = Some(row.instance_id.clone());
        event.env_key = Some(row.env_key.clone());
        event.run_id = row.run_id.clone();
        event.status = Some(row.status.clone());
        event.reason = reason.map(str::to_string);
        self.events.publish(&row.team_id, &event);
    }

    /// Copies the seed into the instance directory: `seed.db` (read-only) and `current.db`.
    fn prepare_dir(&self, id: &str, seed: &Path) -> std::io::Result<()> {
        let dir = self.dir(id);
        std::fs::create_dir_all(&dir)?;
        std::fs::copy(seed, dir.join("current.db"))?;
        let seed_copy = dir.join("seed.db");
        std::fs::copy(seed, &seed_copy)?;
        let mut perms = std::fs::metadata(&seed_copy)?.permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&seed_copy, perms)
    }

    /// Polls the app's health path until it answers, then marks the instance running. If the
    /// wait runs out first, the instance stays `pending` and polling goes on in the background.
    async fn await_health(&self, id: &str, port: u16, path: String, wait: Duration) -> Result<(), ApiError> {
        let poll = process::wait_healthy(port, path, Duration::from_secs(120));
        match tokio::time::timeout(wait, poll).await {
            Ok(true) => self.set_status(id, "running", "instance.running", None)?,
            Ok(false) => {
                tracing::warn!(instance = %id, "app never became healthy");
                self.stop(id, "error", "unhealthy").await?;
            }
            Err(_) => tracing::info!(instance = %id, "still starting when max_wait_seconds ran out"),
        }
        Ok(())
    }

    /// Stops an instance: kills its app, records the final status, and removes its files
    /// (kept for `error` instances, whose app.log explains what happened). `reason` goes into
    /// the `instance.stopped` event: `closed`, `ttl_expired`, `heartbeat_missed`, `shutdown`...
    pub async fn stop(&self, id: &str, status: &str, reason: &str) -> Result<(), ApiError> {
        let app = self.processes.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
        if let Some(app) = app {
            app.stop().await;
        }
        self.set_status(id, status, "instance.stopped", Some(reason))?;
        if status == "stopped" {
            let _ = std::fs::remove_dir_all(self.dir(id));
        }
        Ok(())
    }

    /// Stops every instance whose deadline passed (TTL or three missed heartbeats).
    pub async fn reap(&self) {
        let overdue = match self.store.overdue_instances(now_epoch()) {
            Ok(ids) => ids,
            Err(e) => return tracing::error!(error = %e, "reaper could not read deadlines"),
        };
        for id in overdue {
            tracing::info!(instance = %id, "deadline passed: stopping");
            let row = self.store.get_instance_any_team(&id).ok().flatten();
            let missed_beats = row.as_ref().is_some_and(|r| r.heartbeat_interval.is_some());
            if let (Some(row), true) = (&row, missed_beats) {
                self.announce(row, "instance.heartbeat_missed", Some("heartbeat_missed"));
            }
            let reason = if missed_beats { "heartbeat_missed" } else { "ttl_expired" };
            if let Err(e) = self.stop(&id, "stopped", reason).await {
                tracing::error!(instance = %id, detail = ?e.detail, "could not stop");
            }
        }
    }

    /// After a restart: demo instances come back (their app is in-process and their database on
    /// disk); command instances lost their process, so they are reported stopped.
    pub fn revive(&self) -> Result<(), ApiError> {
        for row in self.store.live_instances()? {
            let runtime = self.catalog.get(&row.env_key).and_then(|e| e.versions.get(&row.version)).map(|v| &v.runtime);
            let alive =
                matches!(runtime, Some(Runtime::Demo)) && self.dir(&row.instance_id).join("current.db").exists();
            if alive {
                self.set_status(&row.instance_id, "running", "instance.running", None)?;
            } else {
                tracing::info!(instance = %row.instance_id, "its app did not survive the restart: stopped");
                self.set_status(&row.instance_id, "stopped", "instance.stopped", Some("restart"))?;
            }
        }
        Ok(())
    }

    /// Graceful shutdown: stop every live instance.
    pub async fn shutdown(&self) {
        let live = self.store.live_instances().unwrap_or_default();
        for row in live {
            let _ = self.stop(&row.instance_id, "stopped", "shutdown").await;
        }
    }
}
