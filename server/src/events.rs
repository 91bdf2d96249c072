//! Live changes, per team: what `GET /v1/flotilla/events` streams (a flotilla endpoint; the
//! Fleet service has none). Every change is first written to the event log (so a client that
//! reconnects with `Last-Event-ID`, even after a restart, misses nothing), then the team's watch
//! channel wakes its open streams, which read their own team's rows: no stream ever sees (or is
//! even woken by) another team's.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::store::Store;
use crate::time::now_iso;

/// Open streams one team may hold at once; more are refused with 429.
pub const MAX_STREAMS_PER_TEAM: usize = 16;

/// What an event says. `kind` is its type (`instance.created`, `session.completed`, ...); the
/// other fields are those that apply, the rest left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
}

/// The longest text an event carries in one field: events hold ids and states, and a caller's
/// 15 MB task key must not become 15 MB in every stream of the team.
pub const MAX_FIELD_CHARS: usize = 256;

impl EventData {
    pub fn new(kind: &str) -> Self {
        EventData { kind: kind.to_string(), created_at: now_iso(), ..Default::default() }
    }

    /// A copy with every text field cut to [`MAX_FIELD_CHARS`] (a `…` marks a cut).
    fn clipped(&self) -> EventData {
        let clip = |field: &Option<String>| {
            field.as_ref().map(|text| match text.char_indices().nth(MAX_FIELD_CHARS) {
                Some((end, _)) => format!("{}…", &text[..end]),
                None => text.clone(),
            })
        };
        EventData {
            kind: self.kind.clone(),
            created_at: self.created_at.clone(),
            instance_id: clip(&self.instance_id),
            env_key: clip(&self.env_key),
            run_id: clip(&self.run_id),
            status: clip(&self.status),
            reason: clip(&self.reason),
            job_id: clip(&self.job_id),
            session_id: clip(&self.session_id),
            task_key: clip(&self.task_key),
            message_count: self.message_count,
            execution_id: clip(&self.execution_id),
            score: self.score,
            success: self.success,
        }
    }
}

/// The hub: publishes into the log and wakes the open streams of the event's team.
pub struct Events {
    store: Arc<Store>,
    closing: watch::Sender<bool>,
    /// Per team with open streams: how many, and the channel that wakes them.
    open: Mutex<HashMap<String, (usize, watch::Sender<i64>)>>,
}

/// One open stream's place in its team's count; dropping it frees the place.
pub struct StreamSlot {
    events: Arc<Events>,
    team_id: String,
    /// Wakes when the team has a new event.
    pub wake: watch::Receiver<i64>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.events.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((n, _)) = open.get_mut(&self.team_id) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.team_id);
            }
        }
    }
}

impl Events {
    pub fn new(store: Arc<Store>) -> Self {
        Events { store, closing: watch::Sender::new(false), open: Mutex::new(HashMap::new()) }
    }

    /// Records an event for a team and wakes its streams. A failure to record is logged, never
    /// the caller's failure: the change itself already happened.
    pub fn publish(&self, team_id: &str, data: &EventData) {
        let payload = match serde_json::to_string(&data.clipped()) {
            Ok(payload) => payload,
            Err(e) => return tracing::error!(error = %e, "could not encode an event"),
        };
        match self.store.insert_event(team_id, &payload) {
            Ok(seq) => {
                if let Some((_, wake)) = self.open.lock().unwrap_or_else(|p| p.into_inner()).get(team_id) {
                    wake.send_replace(seq);
                }
            }
            Err(e) => tracing::error!(error = %e, kind = %data.kind, "could not record an event"),
        }
    }

    /// The number of the team's newest event: where a stream without `Last-Event-ID` starts.
    pub fn latest(&self, team_id: &str) -> rusqlite::Result<i64> {
        self.store.latest_event(team_id)
    }

    /// A place for one more stream of `team_id`, or `None` when it has [`MAX_STREAMS_PER_TEAM`].
    pub fn open_stream(self: &Arc<Self>, team_id: &str) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let (n, wake) = open.entry(team_id.to_string()).or_insert_with(|| (0, watch::Sender::new(0)));
        if *n >= MAX_STREAMS_PER_TEAM {
            return None;
        }
        *n += 1;
        Some(StreamSlot { events: self.clone(), team_id: team_id.to_string(), wake: wake.subscribe() })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Wakes when the server shuts down (open streams end, so graceful shutdown does not wait).
    pub fn watch_closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn shut_down(&self) {
        self.closing.send_replace(true);
    }
}
