//! The heartbeat schedule of every live env, as one state machine: which env beats next and
//! when, how failures back off, when to give up. No timers here: the edge arms a single JS timer
//! for [`Scheduler::next_due`], so thousands of envs cost one timer, not thousands.
//!
//! Rules: beat every interval (the server's `interval_seconds`), 0-10 % early so that many envs
//! started together drift apart. A failed beat is retried after 1 s, 2 s, 4 s ... capped at a
//! quarter interval, so an outage of up to about two intervals is bridged before the server's
//! deadline (three missed intervals). An expired instance leaves the schedule.
use std::collections::{BTreeMap, BTreeSet};

/// Scheduling state of one env.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    interval_ms: f64,
    next_due_ms: f64,
    failures: u32,
    in_flight: bool,
}

/// Every scheduled env, by the edge's handle id, plus a queue ordered by due time, so finding
/// the next beat costs O(log n) whatever the number of envs.
#[derive(Debug, Default)]
pub struct Scheduler {
    entries: BTreeMap<u64, Entry>,
    /// `(due time in whole ms, id)` of every env not currently beating.
    queue: BTreeSet<(u64, u64)>,
}

fn slot(due_ms: f64) -> u64 {
    due_ms.max(0.0).ceil() as u64
}

impl Scheduler {
    /// Schedules `id`'s first beat one interval from `now_ms`. `jitter` is uniform in [0, 1).
    pub fn add(&mut self, id: u64, interval_s: f64, now_ms: f64, jitter: f64) {
        let interval_ms = interval_s.max(1.0) * 1000.0;
        let next_due_ms = now_ms + interval_ms * (1.0 - 0.1 * jitter);
        self.remove(id);
        self.entries.insert(id, Entry { interval_ms, next_due_ms, failures: 0, in_flight: false });
        self.queue.insert((slot(next_due_ms), id));
    }

    pub fn remove(&mut self, id: u64) {
        if let Some(e) = self.entries.remove(&id) {
            self.queue.remove(&(slot(e.next_due_ms), id));
        }
    }

    pub fn contains(&self, id: u64) -> bool {
        self.entries.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// When the next beat is due (epoch ms), among envs not already beating.
    pub fn next_due(&self) -> Option<f64> {
        self.queue.first().map(|(due, _)| *due as f64)
    }

    /// The envs due at `now_ms`, marked as beating.
    pub fn take_due(&mut self, now_ms: f64) -> Vec<u64> {
        let mut due = Vec::new();
        while let Some(&(at, id)) = self.queue.first() {
            if at as f64 > now_ms {
                break;
            }
            self.queue.pop_first();
            if let Some(e) = self.entries.get_mut(&id) {
                e.in_flight = true;
                due.push(id);
            }
        }
        due
    }

    fn requeue(&mut self, id: u64, next_due_ms: f64) {
        if let Some(e) = self.entries.get_mut(&id) {
            self.queue.remove(&(slot(e.next_due_ms), id));
            e.next_due_ms = next_due_ms;
            e.in_flight = false;
            self.queue.insert((slot(next_due_ms), id));
        }
    }

    /// A beat succeeded; the server may have changed the interval.
    pub fn on_success(&mut self, id: u64, interval_s: Option<f64>, now_ms: f64, jitter: f64) {
        let Some(e) = self.entries.get_mut(&id) else { return };
        if let Some(s) = interval_s.filter(|s| *s >= 1.0) {
            e.interval_ms = s * 1000.0;
        }
        e.failures = 0;
        let next = now_ms + e.interval_ms * (1.0 - 0.1 * jitter);
        self.requeue(id, next);
    }

    /// A beat failed in a way worth retrying; returns the delay before the retry (ms).
    pub fn on_failure(&mut self, id: u64, now_ms: f64) -> Option<f64> {
        let e = self.entries.get_mut(&id)?;
        e.failures += 1;
        let delay = (1000.0 * 2f64.powi(e.failures as i32 - 1)).min(e.interval_ms / 4.0).max(250.0);
        self.requeue(id, now_ms + delay);
        Some(delay)
    }

    /// How many beats in a row have failed for `id`.
    pub fn failures(&self, id: u64) -> u32 {
        self.entries.get(&id).map(|e| e.failures).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_timer_serves_many_envs_in_due_order() {
        let mut s = Scheduler::default();
        s.add(1, 30.0, 0.0, 0.0);
        s.add(2, 10.0, 0.0, 0.0);
        assert_eq!(s.next_due(), Some(10_000.0));
        assert!(s.take_due(9_999.0).is_empty());
        assert_eq!(s.take_due(10_000.0), vec![2]);
        assert_eq!(s.next_due(), Some(30_000.0), "a beating env is not due again");
        s.on_success(2, None, 10_500.0, 0.0);
        assert_eq!(s.next_due(), Some(20_500.0));
    }

    #[test]
    fn jitter_makes_beats_up_to_ten_percent_early() {
        let mut s = Scheduler::default();
        s.add(1, 30.0, 0.0, 0.999);
        let due = s.next_due().unwrap();
        assert!((27_000.0..30_000.0).contains(&due), "{due}");
    }

    #[test]
    fn the_server_interval_wins() {
        let mut s = Scheduler::default();
        s.add(1, 30.0, 0.0, 0.0);
        s.take_due(30_000.0);
        s.on_success(1, Some(60.0), 30_000.0, 0.0);
        assert_eq!(s.next_due(), Some(90_000.0));
    }

    /// With a fake clock: a 50 s outage (under two 30 s intervals) is bridged by retries, and
    /// the first success lands before the server's deadline of three intervals.
    #[test]
    fn retries_bridge_an_outage_shorter_than_two_intervals() {
        let mut s = Scheduler::default();
        let interval = 30.0;
        s.add(1, interval, 0.0, 0.0);
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
        let mut s = Scheduler::default();
        s.add(7, 30.0, 0.0, 0.0);
        s.remove(7);
        assert_eq!(s.next_due(), None);
        assert!(s.on_failure(7, 0.0).is_none());
        assert!(s.is_empty());
    }
}
