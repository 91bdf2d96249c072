//! The heartbeat schedule of every live env, as one state machine: which env beats next and
//! when, how failures back off, when to give up. No timers here: the edge arms a single JS timer
//! for [`Scheduler::next_due`], so thousands of envs cost one timer, not thousands.
//!
//! Rules: beat every interval (the server's `interval_seconds`), 0-10 % early so that many envs
//! started together drift apart. A failed beat is retried after 1 s, 2 s, 4 s ... capped at a
//! quarter interval, so an outage of up to about two intervals is bridged before the server's
//! deadline (three missed intervals). An expired instance leaves the schedule.
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::call::{Call, Client};
use super::error::{ErrorKind, FleetError};
use super::instances::{heartbeat_request, HeartbeatInfo};
use super::io::Io;

/// Scheduling state of one env, with the caller's `payload` (the edge keeps its env handle here).
#[derive(Debug, Clone, PartialEq)]
struct Entry<T> {
    id: u64,
    interval_ms: f64,
    next_due_ms: f64,
    failures: u32,
    in_flight: bool,
    /// Bumped whenever the entry is re-queued: queue items of older generations are stale.
    generation: u32,
    payload: T,
}

/// Every scheduled env, by the edge's handle id (ascending, as the edge hands them out), plus a
/// min-heap of due times, so the next beat costs O(log n) whatever the number of envs.
///
/// Removal is lazy: a queue item whose env is gone, beating, or re-queued since is skipped when it
/// surfaces, and the heap is rebuilt once stale items outnumber live ones.
#[derive(Debug)]
pub struct Scheduler<T> {
    entries: Vec<Entry<T>>,
    /// `(due time in whole ms, id, generation)`.
    queue: BinaryHeap<Reverse<(u64, u64, u32)>>,
}

impl<T> Default for Scheduler<T> {
    fn default() -> Self {
        Scheduler { entries: Vec::new(), queue: BinaryHeap::new() }
    }
}

fn slot(due_ms: f64) -> u64 {
    due_ms.max(0.0).ceil() as u64
}

impl<T> Scheduler<T> {
    fn position(&self, id: u64) -> Result<usize, usize> {
        self.entries.binary_search_by_key(&id, |e| e.id)
    }

    fn entry_mut(&mut self, id: u64) -> Option<&mut Entry<T>> {
        let at = self.position(id).ok()?;
        Some(&mut self.entries[at])
    }

    /// Schedules `id`'s first beat one interval from `now_ms`. `jitter` is uniform in [0, 1).
    pub fn add(&mut self, id: u64, payload: T, interval_s: f64, now_ms: f64, jitter: f64) {
        let interval_ms = interval_s.max(1.0) * 1000.0;
        let next_due_ms = now_ms + interval_ms * (1.0 - 0.1 * jitter);
        let entry = Entry { id, interval_ms, next_due_ms, failures: 0, in_flight: false, generation: 0, payload };
        let generation = match self.position(id) {
            Ok(at) => {
                let generation = self.entries[at].generation.wrapping_add(1);
                self.entries[at] = Entry { generation, ..entry };
                generation
            }
            Err(at) => {
                self.entries.insert(at, entry);
                0
            }
        };
        self.enqueue((slot(next_due_ms), id, generation));
    }

    fn enqueue(&mut self, item: (u64, u64, u32)) {
        self.queue.push(Reverse(item));
        if self.queue.len() > 2 * self.entries.len() + 64 {
            self.rebuild_queue();
        }
    }

    pub fn remove(&mut self, id: u64) -> Option<T> {
        let at = self.position(id).ok()?;
        let payload = self.entries.remove(at).payload;
        if self.queue.len() > 2 * self.entries.len() + 64 {
            self.rebuild_queue();
        }
        Some(payload)
    }

    fn rebuild_queue(&mut self) {
        let live =
            self.entries.iter().filter(|e| !e.in_flight).map(|e| Reverse((slot(e.next_due_ms), e.id, e.generation)));
        self.queue = live.collect();
    }

    pub fn get(&self, id: u64) -> Option<&T> {
        self.position(id).ok().map(|at| &self.entries[at].payload)
    }

    pub fn contains(&self, id: u64) -> bool {
        self.position(id).is_ok()
    }

    /// Every scheduled payload, by ascending id.
    pub fn payloads(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|e| &e.payload)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a queue item still stands for a waiting entry.
    fn is_live(&self, (_, id, generation): (u64, u64, u32)) -> bool {
        self.position(id).is_ok_and(|at| !self.entries[at].in_flight && self.entries[at].generation == generation)
    }

    /// Drops stale items from the top of the queue.
    fn settle(&mut self) {
        while let Some(&Reverse(item)) = self.queue.peek() {
            if self.is_live(item) {
                return;
            }
            self.queue.pop();
        }
    }

    /// When the next beat is due (epoch ms), among envs not already beating.
    pub fn next_due(&mut self) -> Option<f64> {
        self.settle();
        self.queue.peek().map(|Reverse((due, _, _))| *due as f64)
    }

    /// The envs due at `now_ms`, marked as beating.
    pub fn take_due(&mut self, now_ms: f64) -> Vec<u64> {
        let mut due = Vec::new();
        while let Some(at) = self.next_due() {
            if at > now_ms {
                break;
            }
            let Some(Reverse((_, id, _))) = self.queue.pop() else { break };
            if let Some(e) = self.entry_mut(id) {
                e.in_flight = true;
                due.push(id);
            }
        }
        due
    }

    fn requeue(&mut self, id: u64, next_due_ms: f64) {
        if let Some(e) = self.entry_mut(id) {
            e.next_due_ms = next_due_ms;
            e.in_flight = false;
            e.generation = e.generation.wrapping_add(1);
            let item = (slot(next_due_ms), id, e.generation);
            self.enqueue(item);
        }
    }

    /// A beat succeeded; the server may have changed the interval.
    pub fn on_success(&mut self, id: u64, interval_s: Option<f64>, now_ms: f64, jitter: f64) {
        let Some(e) = self.entry_mut(id) else { return };
        if let Some(s) = interval_s.filter(|s| *s >= 1.0) {
            e.interval_ms = s * 1000.0;
        }
        e.failures = 0;
        let next = now_ms + e.interval_ms * (1.0 - 0.1 * jitter);
        self.requeue(id, next);
    }

    /// A beat failed in a way worth retrying; returns the delay before the retry (ms).
    pub fn on_failure(&mut self, id: u64, now_ms: f64) -> Option<f64> {
        let e = self.entry_mut(id)?;
        e.failures += 1;
        let delay = (1000.0 * 2f64.powi(e.failures as i32 - 1)).min(e.interval_ms / 4.0).max(250.0);
        self.requeue(id, now_ms + delay);
        Some(delay)
    }

    /// How many beats in a row have failed for `id`.
    pub fn failures(&self, id: u64) -> u32 {
        self.position(id).map_or(0, |at| self.entries[at].failures)
    }
}

/// Options of `env.startHeartbeat` (`StartHeartbeatOptions`).
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartOptions {
    /// 1-3600 s; default: the instance's `heartbeatInterval`.
    pub interval_seconds: Option<u32>,
}

impl StartOptions {
    /// The interval to beat at: the one asked for, else the instance's.
    pub fn interval(&self, instance_interval: Option<u32>) -> Result<f64, FleetError> {
        super::options::in_range(self.interval_seconds, 1, 3600, "startHeartbeat options", "intervalSeconds")?;
        self.interval_seconds
            .or(instance_interval)
            .map(f64::from)
            .ok_or_else(|| FleetError::validation("this instance has no heartbeat interval: pass { intervalSeconds }"))
    }
}

/// How one beat of the loop ended.
#[derive(Debug)]
pub enum BeatOutcome {
    /// The server took it (maybe with a new interval).
    Beat(HeartbeatInfo),
    /// The instance is gone (404, or 410 for a stopped one): the loop stops for good.
    Expired(FleetError),
    /// Anything else: retried on the backoff schedule.
    Failed(FleetError),
}

/// One beat of the loop: a single attempt bounded by half an interval (1-30 s), because the
/// scheduler does the retrying on its own schedule.
pub async fn beat<I: Io>(
    client: &Client,
    io: &I,
    instance_id: &str,
    region: Option<&str>,
    interval_s: f64,
) -> BeatOutcome {
    let call =
        Call { client, io, timeout_ms: Some((interval_s * 500.0).clamp(1000.0, 30_000.0)), single_attempt: true };
    match call.fetch(|c, ctx| heartbeat_request(c, instance_id, region, ctx)).await {
        Ok(info) => BeatOutcome::Beat(info),
        Err(e) if e.kind == ErrorKind::NotFound || e.status == Some(410) => BeatOutcome::Expired(e),
        Err(e) => BeatOutcome::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_timer_serves_many_envs_in_due_order() {
        let mut s = Scheduler::<()>::default();
        s.add(1, (), 30.0, 0.0, 0.0);
        s.add(2, (), 10.0, 0.0, 0.0);
        assert_eq!(s.next_due(), Some(10_000.0));
        assert!(s.take_due(9_999.0).is_empty());
        assert_eq!(s.take_due(10_000.0), vec![2]);
        assert_eq!(s.next_due(), Some(30_000.0), "a beating env is not due again");
        s.on_success(2, None, 10_500.0, 0.0);
        assert_eq!(s.next_due(), Some(20_500.0));
    }

    #[test]
    fn jitter_makes_beats_up_to_ten_percent_early() {
        let mut s = Scheduler::<()>::default();
        s.add(1, (), 30.0, 0.0, 0.999);
        let due = s.next_due().unwrap();
        assert!((27_000.0..30_000.0).contains(&due), "{due}");
    }

    #[test]
    fn the_server_interval_wins() {
        let mut s = Scheduler::<()>::default();
        s.add(1, (), 30.0, 0.0, 0.0);
        s.take_due(30_000.0);
        s.on_success(1, Some(60.0), 30_000.0, 0.0);
        assert_eq!(s.next_due(), Some(90_000.0));
    }

    /// With a fake clock: a 50 s outage (under two 30 s intervals) is bridged by retries, and
    /// the first success lands before the server's deadline of three intervals.
    #[test]
    fn retries_bridge_an_outage_shorter_than_two_intervals() {
        let mut s = Scheduler::<()>::default();
        let interval = 30.0;
        s.add(1, (), interval, 0.0, 0.0);
        let mut now = 0.0;
        let mut last_success = 0.0;
        let outage = 31_000.0..81_000.0;
        while now < 200_000.0 {
            now = s.next_due().unwrap();
            assert_eq!(s.take_due(now), vec![1]);
            if outage.contains(&now) {
                let delay = s.on_failure(1, now).unwrap();
                assert!(delay <= interval * 1000.0 / 4.0);
            } else {
                assert!(now - last_success < 3.0 * interval * 1000.0, "missed the deadline at {now}");
                last_success = now;
                s.on_success(1, None, now, 0.5);
            }
        }
        assert_eq!(s.failures(1), 0);
    }

    #[test]
    fn removed_envs_are_never_due() {
        let mut s = Scheduler::<()>::default();
        s.add(7, (), 30.0, 0.0, 0.0);
        s.remove(7);
        assert_eq!(s.next_due(), None);
        assert!(s.on_failure(7, 0.0).is_none());
        assert!(s.is_empty());
    }

    #[test]
    fn re_adding_or_removing_leaves_no_stale_beat() {
        let mut s = Scheduler::<&str>::default();
        s.add(1, "a", 10.0, 0.0, 0.0);
        s.add(2, "b", 20.0, 0.0, 0.0);
        s.add(1, "a2", 30.0, 0.0, 0.0);
        assert_eq!(s.get(1), Some(&"a2"));
        assert_eq!(s.next_due(), Some(20_000.0), "the first schedule of 1 was replaced");
        assert_eq!(s.remove(2), Some("b"));
        assert_eq!(s.take_due(25_000.0), Vec::<u64>::new());
        assert_eq!(s.take_due(30_000.0), vec![1]);
        assert_eq!(s.payloads().collect::<Vec<_>>(), vec![&"a2"]);
    }

    /// Lazily removed items never pile up: the heap is rebuilt from the live entries.
    #[test]
    fn churn_keeps_the_queue_bounded() {
        let mut s = Scheduler::<()>::default();
        for id in 0..10_000u64 {
            s.add(id, (), 30.0, 0.0, 0.0);
            if id >= 10 {
                s.remove(id - 10);
            }
        }
        assert_eq!(s.len(), 10);
        assert!(s.queue.len() <= 2 * s.len() + 64, "{}", s.queue.len());
        assert_eq!(s.take_due(30_000.0).len(), 10);
    }

    #[test]
    fn a_404_or_410_expires_the_env_and_anything_else_is_retried() {
        use crate::core::io::Failure;
        use crate::core::testing::{client, run, FakeIo, Reply};
        use serde_json::json;
        let client = client();
        let answer =
            json!({ "success": true, "instance_id": "i", "interval_seconds": 60, "deadline_timestamp": 1.5e9 });
        let io = FakeIo::new([
            Reply::Json(200, answer),
            Reply::Json(404, json!({ "detail": "Instance not found" })),
            Reply::Json(410, json!({ "detail": "Instance is stopped" })),
            Reply::Text(503, "busy"),
            Reply::Fail(Failure::Network("reset".into())),
        ]);
        let beat_once = || run(beat(&client, &io, "i", None, 30.0));
        assert!(matches!(beat_once(), BeatOutcome::Beat(info) if info.interval_seconds == Some(60)));
        assert!(matches!(beat_once(), BeatOutcome::Expired(e) if e.kind == ErrorKind::NotFound));
        assert!(matches!(beat_once(), BeatOutcome::Expired(e) if e.status == Some(410)));
        assert!(matches!(beat_once(), BeatOutcome::Failed(e) if e.kind == ErrorKind::Server));
        assert!(matches!(beat_once(), BeatOutcome::Failed(e) if e.kind == ErrorKind::Connection));
        assert_eq!(io.sent.borrow().len(), 5, "one attempt per beat: the scheduler retries");
    }
}
