//! How a verifier worker is started: in a bubblewrap sandbox ([`crate::sandbox`]) when there is
//! one, else as a plain child process.
//!
//! In the sandbox a worker also has its own network namespace; it sees
//! `/usr`, the Python runtime (read-only), a fresh `/proc` and `/dev`, a size-capped tmpfs `/tmp`
//! as its scratch dir, and the manager socket: no data dir, no home, no other team's bundles, and
//! no network (its only way out is the manager-only socket). Every capability is dropped and the
//! environment is cleared; only the capped `/tmp` and `/dev/shm` are writable. Where cgroups can
//! be created, each worker gets its own (see [`crate::verify::cgroup`]).
use std::path::PathBuf;
use std::process::Stdio;

/// The most memory (address space) a verifier may map.
pub const MAX_MEMORY: u64 = 1 << 30;
/// The most processes and threads one worker may hold (pids cgroup), or start (RLIMIT_NPROC).
pub const MAX_PROCESSES: u64 = 128;
/// The most bytes a bundle may expand to, and the largest file a verifier may write.
pub const MAX_EXTRACTED: u64 = 64 << 20;
/// The size of a sandboxed worker's scratch tmpfs, and of its /dev/shm.
const SCRATCH_BYTES: u64 = 160 << 20;
const SHM_BYTES: u64 = 16 << 20;
/// Stdout characters kept per run, and JSON bytes of a result.
pub const MAX_STDOUT: usize = 1 << 20;
pub const MAX_RESULT: usize = 1 << 20;

/// The Python a worker runs and the directories it needs, found once at start.
#[derive(Clone, Debug)]
pub struct Runtime {
    pub python: PathBuf,
    pub prefixes: Vec<PathBuf>,
}

impl Runtime {
    /// Asks `python` where it lives, and checks that fleet-python imports.
    pub fn probe(python: &str) -> Result<Runtime, String> {
        let script = "import sys, json, fleet; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix]))";
        let out = std::process::Command::new(python)
            .args(["-I", "-c", script])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("could not start {python}: {e}"))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().last().unwrap_or_default().to_string();
            return Err(format!("{python} cannot import fleet-python: {last}"));
        }
        let paths: Vec<PathBuf> = serde_json::from_slice(&out.stdout).map_err(|e| format!("{python}: {e}"))?;
        let (python, prefixes) = paths.split_first().ok_or("python printed no paths")?;
        Ok(Runtime { python: python.clone(), prefixes: prefixes.to_vec() })
    }
}

/// What a worker is started with.
pub struct Launch {
    pub bwrap: Option<PathBuf>,
    pub runtime: Runtime,
    /// The directory holding the manager socket, on the host.
    pub gate_dir: PathBuf,
    /// Where an unsandboxed worker makes its work dirs.
    pub scratch: PathBuf,
    pub cgroups: Option<crate::verify::cgroup::Cgroups>,
}

/// Where the manager socket appears inside the sandbox.
const GATE_IN_SANDBOX: &str = "/run/flotilla";

impl Launch {
    /// The command for one worker running `worker_source`.
    pub fn command(&self, worker_source: &str) -> tokio::process::Command {
        let limits = [
            ("FLOTILLA_MAX_STDOUT", MAX_STDOUT.to_string()),
            ("FLOTILLA_MAX_RESULT", MAX_RESULT.to_string()),
            ("FLOTILLA_MAX_EXTRACTED", MAX_EXTRACTED.to_string()),
            ("FLOTILLA_MAX_MEMORY", MAX_MEMORY.to_string()),
            ("FLOTILLA_MAX_PROCESSES", MAX_PROCESSES.to_string()),
        ];
        let mut cmd = match &self.bwrap {
            Some(bwrap) => {
                let mut cmd = tokio::process::Command::new(bwrap);
                cmd.args(self.bwrap_args());
                for (name, value) in &limits {
                    cmd.args(["--setenv", name, value]);
                }
                cmd.args(["--setenv", "FLOTILLA_MANAGER_SOCKET", &format!("{GATE_IN_SANDBOX}/manager.sock")]);
                cmd.args(["--setenv", "FLOTILLA_SCRATCH", "/tmp", "--setenv", "FLOTILLA_SANDBOXED", "1"]);
                cmd.arg("--").arg(&self.runtime.python);
                cmd
            }
            None => tokio::process::Command::new(&self.runtime.python),
        };
        // Nothing of the server's environment (keys, tokens) reaches bwrap or the worker.
        cmd.env_clear();
        if self.bwrap.is_none() {
            cmd.envs(limits.iter().map(|(k, v)| (*k, v.as_str())));
            cmd.env("FLOTILLA_MANAGER_SOCKET", self.gate_dir.join("manager.sock"));
            cmd.env("FLOTILLA_SCRATCH", &self.scratch).env("HOME", &self.scratch);
            cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin");
        }
        cmd.args(["-I", "-c", worker_source]);
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null()).kill_on_drop(true);
        cmd
    }

    fn bwrap_args(&self) -> Vec<String> {
        let mut args = crate::sandbox::base_args();
        args.extend(["--unshare-net", "--clearenv"].map(String::from));
        for prefix in &self.runtime.prefixes {
            if !prefix.starts_with("/usr") && prefix.is_dir() {
                crate::sandbox::ro_bind(&mut args, prefix);
            }
        }
        crate::sandbox::tmpfs(&mut args, SHM_BYTES, "/dev/shm");
        crate::sandbox::tmpfs(&mut args, SCRATCH_BYTES, "/tmp");
        let gate = self.gate_dir.display().to_string();
        args.extend(["--ro-bind".into(), gate, GATE_IN_SANDBOX.into()]);
        // Nothing but /tmp and /dev/shm (both capped, both emptied after each job) is writable.
        crate::sandbox::seal(&mut args);
        args.extend(["--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/tmp"].map(String::from));
        args.extend(["--chdir", "/tmp"].map(String::from));
        args
    }

    /// Puts the worker `cmd` will start into its own cgroups, if there are any (see
    /// [`crate::verify::cgroup`]); the groups must outlive the spawn.
    pub fn confine(&self, cmd: &mut tokio::process::Command) -> Option<crate::verify::cgroup::WorkerGroups> {
        let groups = self.cgroups.as_ref()?.make_one();
        let fds = groups.procs_fds();
        // SAFETY: between fork and exec only write(2) on fds opened before the fork runs; it
        // allocates nothing and takes no lock. The fds stay open until the spawn returns. A
        // failed write leaves the worker outside that group rather than failing the spawn.
        unsafe {
            cmd.pre_exec(move || {
                let zero = b"0\n";
                for &fd in &fds {
                    libc::write(fd, zero.as_ptr().cast(), zero.len());
                }
                Ok(())
            });
        }
        Some(groups)
    }
}
