//! The manager-only socket: a Unix socket serving just the instance manager API (`/i/{id}/api/v1/
//! env/...`), the one way out of a verifier's sandbox. A call still needs a runner token of the
//! instance, which a verifier is given for its own instance and run only.
use std::path::{Path, PathBuf};

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::UnixListener;

/// The socket's directory: `<data-dir>/run`, or a private temporary one when that path is too
/// long for a Unix socket address (108 bytes).
pub fn directory(data_dir: &Path) -> std::io::Result<PathBuf> {
    let preferred = std::path::absolute(data_dir)?.join("run");
    let dir = if preferred.join("manager.sock").as_os_str().len() < 100 {
        preferred
    } else {
        std::env::temp_dir().join(format!("flotilla-gate-{}", uuid::Uuid::new_v4().simple()))
    };
    std::fs::create_dir_all(&dir)?;
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(dir)
}

/// The most connections the socket holds at once (the relay inside each worker holds 32);
/// more are closed at accept, so no job can take the server's file descriptors.
const MAX_CONNECTIONS: usize = 128;

/// Binds `<dir>/manager.sock` and serves `manager` on it until the process ends.
pub fn spawn(dir: &Path, manager: Router) -> std::io::Result<()> {
    let path = dir.join("manager.sock");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let builder = crate::serve::http1_builder();
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else { continue };
            let service = TowerToHyperService::new(manager.clone());
            let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
            tokio::spawn(async move {
                let _ = connection.await;
                drop(slot);
            });
        }
    });
    Ok(())
}
