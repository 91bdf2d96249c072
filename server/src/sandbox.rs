//! bubblewrap (`bwrap`, Debian's `bubblewrap`) sandboxes, shared by verifier workers and command
//! apps. Each sandbox gets its own user (uid 65534), pid, IPC and UTS namespaces, no capabilities,
//! none of the server's environment, a fresh `/proc` and `/dev`, `/usr` and the top-level links
//! to it read-only, and dies with the server; the caller adds what its process may see. Without
//! bwrap (`--sandbox off`, or `auto` where it is not installed) processes run unsandboxed, and
//! the server says so at start.
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// The fd on which bwrap finds the seccomp program ([`crate::sandbox_seccomp`]).
const SECCOMP_FD: i32 = 9;

/// `--sandbox`: `auto` (bwrap when installed), `bwrap` (required) or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Bwrap,
    Off,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode, String> {
        match s {
            "auto" => Ok(Mode::Auto),
            "bwrap" => Ok(Mode::Bwrap),
            "off" => Ok(Mode::Off),
            _ => Err(format!("--sandbox must be auto, bwrap or off, got {s}")),
        }
    }

    /// The bwrap to use, if any; an error when `bwrap` is required and missing.
    pub fn resolve(self) -> Result<Option<PathBuf>, String> {
        let found = match self {
            Mode::Off => None,
            Mode::Auto => find_bwrap(),
            Mode::Bwrap => Some(find_bwrap().ok_or("--sandbox bwrap: bwrap is not installed (Debian: bubblewrap)")?),
        };
        if found.is_none() {
            tracing::warn!("verifiers and command apps run WITHOUT a sandbox (install bubblewrap, or see --sandbox)");
        }
        Ok(found)
    }
}

/// Finds `bwrap` on PATH.
fn find_bwrap() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("bwrap")).find(|p| p.is_file())
}

/// The arguments every sandbox starts with (the network namespace is the caller's choice).
pub fn base_args() -> Vec<String> {
    let mut args: Vec<String> = [
        "--unshare-user",
        // No user namespaces inside: each would count against the host user's quota.
        "--disable-userns",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    .map(String::from)
    .to_vec();
    for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64"] {
        match std::fs::read_link(top) {
            Ok(target) => args.extend(["--symlink".into(), target.display().to_string(), top.into()]),
            Err(_) if Path::new(top).is_dir() => ro_bind(&mut args, Path::new(top)),
            Err(_) => {}
        }
    }
    args.extend(["--proc", "/proc", "--dev", "/dev"].map(String::from));
    if crate::sandbox_seccomp::program().is_some() {
        args.extend(["--seccomp".into(), SECCOMP_FD.to_string()]);
    }
    args
}

/// Puts the seccomp program on [`SECCOMP_FD`] of the bwrap that `cmd` starts (a pipe holding
/// it); the returned end must stay open until the spawn returns.
pub fn pass_seccomp(cmd: &mut tokio::process::Command) -> std::io::Result<Option<OwnedFd>> {
    let Some(program) = crate::sandbox_seccomp::program() else { return Ok(None) };
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two-element array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both fds were just created by pipe2 and are owned here alone.
    let (read_end, write_end) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // The program (80 bytes) fits in the pipe's buffer; the write end closes when dropped.
    std::io::Write::write_all(&mut std::fs::File::from(write_end), &program)?;
    let fd = read_end.as_raw_fd();
    // SAFETY: between fork and exec only dup2(2), which allocates nothing and takes no lock; the
    // copy on SECCOMP_FD is not close-on-exec, so bwrap inherits it.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(fd, SECCOMP_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(Some(read_end))
}

/// Binds `path` read-only at the same place.
pub fn ro_bind(args: &mut Vec<String>, path: &Path) {
    let p = path.display().to_string();
    args.extend(["--ro-bind".into(), p.clone(), p]);
}

/// A tmpfs of `bytes` at `dest`.
pub fn tmpfs(args: &mut Vec<String>, bytes: u64, dest: &str) {
    args.extend(["--size".into(), bytes.to_string(), "--tmpfs".into(), dest.into()]);
}

/// Ends the arguments: `/` and `/dev` become read-only, so only the caller's binds and tmpfs
/// mounts can be written.
pub fn seal(args: &mut Vec<String>) {
    args.extend(["--remount-ro", "/dev", "--remount-ro", "/"].map(String::from));
}
