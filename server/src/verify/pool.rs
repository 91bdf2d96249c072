//! A bounded pool of warm verifier workers (`worker.py`, fleet-python already imported). A job
//! takes an idle worker, or waits for one in a bounded queue; past the queue, or past its team's
//! share of workers and queue (so one team cannot lock the others out), it is refused
//! ([`PoolError::Busy`], answered 429). A worker that times out, crashes or answers anything
//! but its answer to this job (checked by a nonce) is killed with its whole sandbox and replaced
//! in the background.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::Semaphore;

use super::sandbox::{Launch, MAX_RESULT, MAX_STDOUT};

const WORKER: &str = include_str!("worker.py");
/// How long a new worker may take to import fleet-python and say it is ready.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest answer line read from a worker: a capped result and stdout, JSON-escaped.
const MAX_ANSWER_LINE: u64 = ((MAX_RESULT + MAX_STDOUT) * 6 + (1 << 20)) as u64;

/// Why a job got no answer from a worker.
#[derive(Debug)]
pub enum PoolError {
    /// Every worker is busy and the queue is full.
    Busy,
    /// No worker could be started (no Python, no fleet-python, bwrap failing).
    Unavailable(String),
    /// The job ran past its timeout; its sandbox was killed.
    TimedOut,
    /// The worker died or answered something that is not a JSON object.
    Crashed(String),
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    cgroups: Vec<PathBuf>,
    /// The team whose jobs it has run. A worker serves one team only: the memory it forks each
    /// job from may still hold bytes of that team's earlier jobs.
    team: Option<String>,
}

impl Worker {
    async fn start(launch: &Launch) -> Result<Worker, String> {
        let mut cmd = launch.command(WORKER);
        let confined = launch.confine(&mut cmd);
        let seccomp = match launch.bwrap {
            Some(_) => crate::sandbox::pass_seccomp(&mut cmd).map_err(|e| format!("seccomp: {e}"))?,
            None => None,
        };
        let spawned = cmd.spawn();
        drop(seccomp);
        let cgroups = confined.map(|groups| groups.dirs).unwrap_or_default();
        let mut child = spawned.map_err(|e| format!("could not start a verifier worker: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("a verifier worker has no pipes".into());
        };
        let mut worker = Worker { child, stdin, stdout: BufReader::new(stdout), cgroups, team: None };
        match tokio::time::timeout(STARTUP_TIMEOUT, worker.read_line()).await {
            Ok(Ok(Value::Object(ready))) if ready.get("ready") == Some(&Value::Bool(true)) => Ok(worker),
            _ => {
                worker.retire().await;
                Err("a verifier worker did not start (is bwrap working, and fleet-python installed?)".into())
            }
        }
    }

    /// One answer line, at most [`MAX_ANSWER_LINE`] bytes.
    async fn read_line(&mut self) -> Result<Value, String> {
        let mut line = Vec::new();
        (&mut self.stdout).take(MAX_ANSWER_LINE).read_until(b'\n', &mut line).await.map_err(|e| e.to_string())?;
        if line.last() != Some(&b'\n') {
            return Err("the verifier worker stopped, or its answer was too long".into());
        }
        serde_json::from_slice(&line).map_err(|e| format!("unreadable answer from the verifier worker: {e}"))
    }

    async fn run(&mut self, job: &Value, timeout: Duration) -> Result<Value, PoolError> {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let mut job = job.clone();
        job["nonce"] = Value::String(nonce.clone());
        let mut line = job.to_string().into_bytes();
        line.push(b'\n');
        let exchange = async {
            self.stdin.write_all(&line).await.map_err(|e| e.to_string())?;
            self.stdin.flush().await.map_err(|e| e.to_string())?;
            self.read_line().await
        };
        match tokio::time::timeout(timeout, exchange).await {
            Err(_) => Err(PoolError::TimedOut),
            Ok(Err(e)) => Err(PoolError::Crashed(e)),
            Ok(Ok(line)) if line.get("nonce").and_then(Value::as_str) != Some(nonce.as_str()) => {
                Err(PoolError::Crashed("the verifier worker answered out of turn; it was replaced".into()))
            }
            Ok(Ok(mut line)) => match line["answer"].take() {
                answer @ Value::Object(_) => Ok(answer),
                // The worker writes an object; anything else means the verifier tampered with it.
                _ => Err(PoolError::Crashed("the verifier's answer was not a JSON object".into())),
            },
        }
    }

    /// Whether the worker process is still there (a parked one may have been killed).
    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the worker (and with it its sandbox and every process in it) and removes its cgroups.
    async fn retire(mut self) {
        let _ = self.child.kill().await;
        for dir in std::mem::take(&mut self.cgroups) {
            // A cgroup empties once the sandbox's processes are reaped; wait for that briefly.
            for _ in 0..50 {
                if std::fs::remove_dir(&dir).is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Counts a job waiting for a worker while it lives (so a dropped wait gives its place back).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The warm pool.
pub struct Pool {
    launch: Launch,
    size: usize,
    queue_limit: usize,
    idle: Mutex<Vec<Worker>>,
    slots: Semaphore,
    waiting: AtomicUsize,
    /// Jobs running or waiting, per team.
    per_team: Mutex<HashMap<String, usize>>,
}

/// Holds a team's place in the pool; gives it back when dropped.
struct TeamShare<'a> {
    pool: &'a Pool,
    team: String,
}

impl Drop for TeamShare<'_> {
    fn drop(&mut self) {
        let mut per_team = self.pool.per_team.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = per_team.get_mut(&self.team) {
            *n -= 1;
            if *n == 0 {
                per_team.remove(&self.team);
            }
        }
    }
}

impl Pool {
    pub fn new(launch: Launch, size: usize, queue_limit: usize) -> Arc<Pool> {
        let size = size.max(1);
        Arc::new(Pool {
            launch,
            size,
            queue_limit,
            idle: Mutex::new(Vec::new()),
            slots: Semaphore::new(size),
            waiting: AtomicUsize::new(0),
            per_team: Mutex::new(HashMap::new()),
        })
    }

    /// How many jobs one team may have running or waiting: the workers and half the queue.
    fn team_share(&self) -> usize {
        self.size + self.queue_limit.div_ceil(2)
    }

    fn join_team(&self, team: &str) -> Option<TeamShare<'_>> {
        let mut per_team = self.per_team.lock().unwrap_or_else(|p| p.into_inner());
        let n = per_team.entry(team.to_string()).or_insert(0);
        if *n >= self.team_share() {
            return None;
        }
        *n += 1;
        Some(TeamShare { pool: self, team: team.to_string() })
    }

    /// Starts the pool's workers in the background.
    pub fn warm_up(self: &Arc<Self>) {
        for _ in 0..self.size {
            self.replace_in_background();
        }
    }

    fn replace_in_background(self: &Arc<Self>) {
        let pool = self.clone();
        tokio::spawn(async move {
            match Worker::start(&pool.launch).await {
                Ok(worker) => pool.park(worker).await,
                Err(e) => tracing::warn!(error = %e, "verifier worker"),
            }
        });
    }

    /// Keeps `worker` idle. With the pool full, a worker that has served a team (warm for it)
    /// takes the place of one that has served none; otherwise the newcomer goes.
    async fn park(&self, worker: Worker) {
        let extra = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < self.size {
                idle.push(worker);
                None
            } else if let Some(i) = idle.iter().position(|w| w.team.is_none()).filter(|_| worker.team.is_some()) {
                Some(std::mem::replace(&mut idle[i], worker))
            } else {
                Some(worker)
            }
        };
        if let Some(worker) = extra {
            worker.retire().await;
        }
    }

    /// An idle worker that served `team` before, else a fresh one; a worker of another team is
    /// retired (and replaced), never reused. Workers that died while parked are dropped.
    async fn worker_for(self: &Arc<Self>, team: &str) -> Result<Worker, PoolError> {
        let (chosen, other_team, dead) = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            let dead: Vec<Worker> = extract(&mut idle, |w| !w.alive());
            let position = idle
                .iter()
                .position(|w| w.team.as_deref() == Some(team))
                .or_else(|| idle.iter().position(|w| w.team.is_none()));
            let chosen = position.map(|i| idle.swap_remove(i));
            let other_team = if chosen.is_none() { idle.pop() } else { None };
            (chosen, other_team, dead)
        };
        for worker in dead.into_iter().chain(other_team) {
            tokio::spawn(worker.retire());
            self.replace_in_background();
        }
        match chosen {
            Some(worker) => Ok(worker),
            None => Worker::start(&self.launch).await.map_err(PoolError::Unavailable),
        }
    }

    /// Runs `team`'s `job` on a warm worker, waiting at most `timeout` for its answer.
    pub async fn run(self: &Arc<Self>, team: &str, job: &Value, timeout: Duration) -> Result<Value, PoolError> {
        let _share = self.join_team(team).ok_or(PoolError::Busy)?;
        let _slot = match self.slots.try_acquire() {
            Ok(slot) => slot,
            Err(_) => {
                let waiting = Waiting(&self.waiting);
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue_limit {
                    return Err(PoolError::Busy);
                }
                let slot = self.slots.acquire().await;
                drop(waiting);
                slot.map_err(|_| PoolError::Unavailable("the verifier pool is closed".into()))?
            }
        };
        let mut worker = self.worker_for(team).await?;
        worker.team = Some(team.to_string());
        let answer = worker.run(job, timeout).await;
        if answer.is_ok() {
            self.park(worker).await;
        } else {
            tokio::spawn(worker.retire());
            self.replace_in_background();
        }
        answer
    }
}

/// Removes and returns the workers for which `matches` holds.
fn extract(workers: &mut Vec<Worker>, mut matches: impl FnMut(&mut Worker) -> bool) -> Vec<Worker> {
    let mut taken = Vec::new();
    let mut i = 0;
    while i < workers.len() {
        if matches(&mut workers[i]) {
            taken.push(workers.swap_remove(i));
        } else {
            i += 1;
        }
    }
    taken
}
