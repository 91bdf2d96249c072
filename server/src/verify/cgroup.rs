//! A cgroup per verifier worker, where the machine lets the server make one: a job's processes
//! together get at most [`MAX_PROCESSES`] pids (a fork bomb stops there, which `RLIMIT_NPROC`
//! cannot do for a server running as root), [`MAX_WORKER_MEMORY`] of memory (`RLIMIT_AS` bounds
//! each process only) and one CPU core. cgroup v1 (a hierarchy per controller) and a delegated
//! v2 tree are both used; a controller the server may not write is left out, and the README says
//! what then bounds a verifier.
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::sandbox::MAX_PROCESSES;

/// The most memory all of one worker's processes may use together.
pub const MAX_WORKER_MEMORY: u64 = 2 << 30;

/// One hierarchy the server made its own group in, and the limits each worker's group gets.
struct Hierarchy {
    root: PathBuf,
    limits: Vec<(&'static str, String)>,
}

/// The server's own cgroup directories, under which each worker gets one.
pub struct Cgroups {
    hierarchies: Vec<Hierarchy>,
    next: AtomicU64,
}

/// A worker's groups: their directories (to remove once it is gone) and their `cgroup.procs`,
/// which must stay open until the worker is spawned.
pub struct WorkerGroups {
    pub dirs: Vec<PathBuf>,
    procs: Vec<std::fs::File>,
}

impl WorkerGroups {
    pub fn procs_fds(&self) -> Vec<RawFd> {
        self.procs.iter().map(AsRawFd::as_raw_fd).collect()
    }
}

impl Cgroups {
    /// Makes `flotilla-<pid>` in each hierarchy the server may write; `None` if there is none.
    pub fn create() -> Option<Cgroups> {
        let pids = ("pids.max", MAX_PROCESSES.to_string());
        let candidates: Vec<(&str, Vec<(&'static str, String)>)> =
            if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
                let v2 = vec![pids, ("memory.max", MAX_WORKER_MEMORY.to_string()), ("cpu.max", "100000 100000".into())];
                vec![("/sys/fs/cgroup", v2)]
            } else {
                vec![
                    ("/sys/fs/cgroup/pids", vec![pids]),
                    ("/sys/fs/cgroup/memory", vec![("memory.limit_in_bytes", MAX_WORKER_MEMORY.to_string())]),
                    (
                        "/sys/fs/cgroup/cpu",
                        vec![("cpu.cfs_period_us", "100000".into()), ("cpu.cfs_quota_us", "100000".into())],
                    ),
                ]
            };
        let hierarchies: Vec<Hierarchy> = candidates
            .into_iter()
            .filter_map(|(base, limits)| {
                let base = Path::new(base);
                remove_stale(base);
                let root = base.join(format!("flotilla-{}", std::process::id()));
                std::fs::create_dir(&root).ok()?;
                // cgroup v2: a group's children get only the controllers it hands down.
                let _ = std::fs::write(root.join("cgroup.subtree_control"), "+pids +memory +cpu");
                let limits: Vec<_> = limits.into_iter().filter(|(file, _)| root.join(file).exists()).collect();
                if limits.is_empty() {
                    let _ = std::fs::remove_dir(&root);
                    return None;
                }
                Some(Hierarchy { root, limits })
            })
            .collect();
        (!hierarchies.is_empty()).then(|| Cgroups { hierarchies, next: AtomicU64::new(0) })
    }

    /// New groups for one worker, with their limits, and their `cgroup.procs` opened for writing.
    pub fn make_one(&self) -> WorkerGroups {
        let name = format!("w{}", self.next.fetch_add(1, Ordering::Relaxed));
        let mut groups = WorkerGroups { dirs: Vec::new(), procs: Vec::new() };
        for hierarchy in &self.hierarchies {
            let dir = hierarchy.root.join(&name);
            if std::fs::create_dir(&dir).is_err() {
                continue;
            }
            let limited = hierarchy
                .limits
                .iter()
                .all(|(file, value)| std::fs::write(dir.join(file), value).is_ok() || !dir.join(file).exists());
            match std::fs::OpenOptions::new().write(true).open(dir.join("cgroup.procs")) {
                Ok(procs) if limited => {
                    groups.dirs.push(dir);
                    groups.procs.push(procs);
                }
                _ => {
                    let _ = std::fs::remove_dir(&dir);
                }
            }
        }
        groups
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        for hierarchy in &self.hierarchies {
            let _ = std::fs::remove_dir(&hierarchy.root);
        }
    }
}

/// Removes `flotilla-<pid>` groups under `base` whose server is gone (only empty ones can go).
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("flotilla-")) else { continue };
        if Path::new("/proc").join(pid).exists() {
            continue;
        }
        if let Ok(workers) = std::fs::read_dir(entry.path()) {
            for worker in workers.flatten().filter(|w| w.path().is_dir()) {
                let _ = std::fs::remove_dir(worker.path());
            }
        }
        let _ = std::fs::remove_dir(entry.path());
    }
}
