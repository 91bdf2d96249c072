//! The event log behind `GET /v1/flotilla/events`: one row per change, numbered across the
//! server, kept per team (the newest [`KEEP_PER_TEAM`]) so a client can resume after a restart.
use rusqlite::params;

use super::Store;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL,
    payload    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_team ON events (team_id, id);
";

/// Events kept per team; older ones are pruned (a client that was away longer starts from the
/// oldest kept).
pub const KEEP_PER_TEAM: i64 = 10_000;

/// One stored event: its number and its JSON (without the number).
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: i64,
    pub payload: String,
}

impl Store {
    /// Appends an event and answers its number. Every 500th event prunes every team's log to
    /// its newest [`KEEP_PER_TEAM`].
    pub fn insert_event(&self, team_id: &str, payload: &str) -> rusqlite::Result<i64> {
        let conn = self.conn();
        conn.execute("INSERT INTO events (team_id, payload) VALUES (?1, ?2)", params![team_id, payload])?;
        let id = conn.last_insert_rowid();
        if id % 500 == 0 {
            conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM (SELECT id, \
                 ROW_NUMBER() OVER (PARTITION BY team_id ORDER BY id DESC) AS newer FROM events) WHERE newer > ?1)",
                params![KEEP_PER_TEAM],
            )?;
        }
        Ok(id)
    }

    /// A team's events after `after`, oldest first, at most `limit`.
    pub fn events_after(&self, team_id: &str, after: i64, limit: i64) -> rusqlite::Result<Vec<EventRow>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT id, payload FROM events WHERE team_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3")?;
        let rows =
            stmt.query_map(params![team_id, after, limit], |r| Ok(EventRow { id: r.get(0)?, payload: r.get(1)? }))?;
        rows.collect()
    }

    /// The number of the newest event of any team (0 when there is none).
    pub fn latest_event_id(&self) -> rusqlite::Result<i64> {
        self.conn().query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_team_is_pruned_to_its_newest_events_whoever_writes() {
        let dir = std::env::temp_dir().join(format!("flotilla-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).unwrap();
        // Two teams taking turns: the pruning insert (every 500th) is always the same team's.
        for n in 0..(2 * KEEP_PER_TEAM + 2000) {
            store.insert_event(if n % 2 == 0 { "a" } else { "b" }, "{}").unwrap();
        }
        for team in ["a", "b"] {
            let kept = store.events_after(team, 0, 1_000_000).unwrap();
            assert!(kept.len() as i64 <= KEEP_PER_TEAM + 500, "{team}: {}", kept.len());
            assert!(kept.len() as i64 >= KEEP_PER_TEAM, "{team}: {}", kept.len());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
