//! The event log behind `GET /v1/flotilla/events`: one row per change, numbered per team (a
//! team's ids say nothing of other teams' activity), kept per team (the newest
//! [`KEEP_PER_TEAM`]) so a client can resume after a restart.
use rusqlite::{params, Connection};

use super::Store;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    payload    TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_team_seq ON events (team_id, seq);
";

/// A log made before events were numbered per team is dropped (it is only a replay buffer).
pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let has_seq: bool =
        conn.query_row("SELECT COUNT(*) > 0 FROM pragma_table_info('events') WHERE name = 'seq'", [], |r| r.get(0))?;
    if !has_seq {
        conn.execute_batch("DROP TABLE IF EXISTS events;")?;
        conn.execute_batch(SCHEMA)?;
    }
    Ok(())
}

/// Events kept per team; older ones are pruned (a client that was away longer starts from the
/// oldest kept).
pub const KEEP_PER_TEAM: i64 = 10_000;

/// One stored event: its number in its team's log and its JSON (without the number).
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: i64,
    pub payload: String,
}

impl Store {
    /// Appends an event to a team's log and answers its number there. Every 500th event of the
    /// server prunes every team's log to its newest [`KEEP_PER_TEAM`].
    pub fn insert_event(&self, team_id: &str, payload: &str) -> rusqlite::Result<i64> {
        let conn = self.conn();
        let seq: i64 = conn.query_row(
            "INSERT INTO events (team_id, seq, payload) VALUES \
             (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE team_id = ?1), ?2) RETURNING seq",
            params![team_id, payload],
            |r| r.get(0),
        )?;
        if conn.last_insert_rowid() % 500 == 0 {
            conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM (SELECT id, \
                 ROW_NUMBER() OVER (PARTITION BY team_id ORDER BY id DESC) AS newer FROM events) WHERE newer > ?1)",
                params![KEEP_PER_TEAM],
            )?;
        }
        Ok(seq)
    }

    /// A team's events after number `after`, oldest first, at most `limit`.
    pub fn events_after(&self, team_id: &str, after: i64, limit: i64) -> rusqlite::Result<Vec<EventRow>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT seq, payload FROM events WHERE team_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")?;
        let rows =
            stmt.query_map(params![team_id, after, limit], |r| Ok(EventRow { seq: r.get(0)?, payload: r.get(1)? }))?;
        rows.collect()
    }

    /// The number of a team's newest event (0 when it has none).
    pub fn latest_event(&self, team_id: &str) -> rusqlite::Result<i64> {
        self.conn().query_row("SELECT COALESCE(MAX(seq), 0) FROM events WHERE team_id = ?1", [team_id], |r| r.get(0))
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
