//! A pids cgroup per verifier worker, where the machine lets the server make one: bounds how many
//! processes and threads a verifier can start (a fork bomb stops at [`MAX_PROCESSES`]), which
//! `RLIMIT_NPROC` cannot do for a server running as root.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::sandbox::MAX_PROCESSES;

/// The server's own cgroup directory, under which each worker gets one.
pub struct PidsCgroups {
    root: PathBuf,
    next: AtomicU64,
}

impl PidsCgroups {
    /// Makes `flotilla-<pid>` in the first pids hierarchy the server may write (cgroup v1's
    /// `pids`, or the v2 root); none where neither allows it. Empty groups left by servers
    /// that were killed are removed.
    pub fn create() -> Option<PidsCgroups> {
        ["/sys/fs/cgroup/pids", "/sys/fs/cgroup"].iter().map(Path::new).find_map(|base| {
            remove_stale(base);
            let root = base.join(format!("flotilla-{}", std::process::id()));
            std::fs::create_dir(&root).ok()?;
            if root.join("pids.max").exists() {
                Some(PidsCgroups { root, next: AtomicU64::new(0) })
            } else {
                let _ = std::fs::remove_dir(&root);
                None
            }
        })
    }

    /// A new cgroup for one worker, limited to [`MAX_PROCESSES`], and its `cgroup.procs` opened
    /// for writing.
    pub fn make_one(&self) -> Option<(PathBuf, std::fs::File)> {
        let dir = self.root.join(format!("w{}", self.next.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir(&dir).ok()?;
        let limited = std::fs::write(dir.join("pids.max"), MAX_PROCESSES.to_string()).is_ok();
        match std::fs::OpenOptions::new().write(true).open(dir.join("cgroup.procs")) {
            Ok(procs) if limited => Some((dir, procs)),
            _ => {
                let _ = std::fs::remove_dir(&dir);
                None
            }
        }
    }
}

impl Drop for PidsCgroups {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.root);
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
