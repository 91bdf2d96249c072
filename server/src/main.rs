//! flotilla-server: a local Fleet-compatible server.
//!
//! Binds 127.0.0.1 by default. On first start it creates `<data-dir>/api-keys.json` with a dev
//! key and prints that key once, with the base URL. Logs go to stderr and never contain keys.
// ApiError carries a JSON detail; boxing it would buy nothing on a native server.
#![allow(clippy::result_large_err)]

mod auth;
mod body;
mod catalog;
mod config;
mod demo;
mod error;
mod events;
mod instances;
mod keys;
mod logging;
mod manager;
mod routes;
mod runner_tokens;
mod sandbox;
mod sandbox_seccomp;
mod serve;
mod sessions;
mod shop;
mod state;
mod store;
mod time;
mod verify;

use std::io::Write;
use std::sync::Arc;

use config::Config;
use state::AppState;

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("flotilla-server: {message}");
    std::process::exit(2);
}

#[tokio::main]
async fn main() {
    let config = match Config::from_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            print!("{}", config::USAGE);
            return;
        }
        Err(e) => fail(format!("{e}\n\n{}", config::USAGE)),
    };
    logging::init();

    // Everything the server writes (keys, database, bundles, instance files) is its own alone:
    // files 0600 in 0700 directories. Apps and verifiers inherit the mask.
    // SAFETY: umask(2) only sets the process's file mode mask; it cannot fail.
    unsafe { libc::umask(0o077) };
    std::fs::create_dir_all(&config.data_dir)
        .and_then(|()| std::fs::set_permissions(&config.data_dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)))
        .unwrap_or_else(|e| fail(format!("cannot create {}: {e}", config.data_dir.display())));
    let loaded = keys::Keys::load_or_create(&config.data_dir).unwrap_or_else(|e| fail(e));
    let store = Arc::new(store::Store::open(&config.data_dir).unwrap_or_else(|e| fail(format!("database: {e}"))));
    let demo_seed = demo::seed::ensure_seed(&config.data_dir.join("seeds")).unwrap_or_else(|e| fail(e));
    let shop = shop::install(&config.data_dir).unwrap_or_else(|e| fail(e));
    let builtin = catalog::Catalog::builtin(&demo_seed, vec![shop::spec(&shop)]);
    let builtin_helpdesk = builtin.get(demo::ENV_KEY).cloned();
    let catalog = Arc::new(match &config.environments {
        Some(path) => catalog::Catalog::load(path, builtin, &config.data_dir).unwrap_or_else(|e| fail(e)),
        None => builtin,
    });
    let events = Arc::new(events::Events::new(store.clone()));
    let bwrap = config.sandbox.resolve().unwrap_or_else(|e| fail(e));
    let instances = Arc::new(instances::Instances::new(
        store.clone(),
        catalog.clone(),
        events.clone(),
        &config.data_dir,
        config.min_heartbeat_interval,
        bwrap.clone(),
    ));
    instances.revive().unwrap_or_else(|e| fail(format!("reviving instances: {:?}", e.detail)));
    let gate_dir = verify::gate::directory(&config.data_dir).unwrap_or_else(|e| fail(format!("manager socket: {e}")));
    let settings = verify::Settings {
        python: config.python(),
        bwrap: bwrap.clone(),
        workers: config.verifier_workers,
        queue: config.verifier_queue,
    };
    let verifier = Arc::new(
        verify::Verifier::new(&config.data_dir, gate_dir.clone(), &settings)
            .unwrap_or_else(|e| fail(format!("verifiers: {e}"))),
    );
    // The built-in tasks, for each built-in environment a catalog file did not replace.
    let now = time::now_iso();
    let runs = |key: &str, builtin: Option<&catalog::EnvironmentSpec>| builtin.is_some() && catalog.get(key) == builtin;
    let helpdesk_builtin = runs(demo::ENV_KEY, builtin_helpdesk.as_ref());
    let shop_builtin = runs(shop::ENV_KEY, Some(&shop::spec(&shop)));
    for team in loaded.keys.teams() {
        let mut tasks = Vec::new();
        if helpdesk_builtin {
            tasks.extend(demo::tasks::demo_tasks(&team.team_id, &now));
        }
        if shop_builtin {
            tasks.extend(shop::tasks(&team.team_id, &now).unwrap_or_else(|e| fail(e)));
        }
        for task in tasks {
            store.insert_task_if_absent(&task).unwrap_or_else(|e| fail(format!("seeding tasks: {e}")));
        }
    }

    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
        .await
        .unwrap_or_else(|e| fail(format!("cannot bind {}:{}: {e}", config.host, config.port)));
    let addr = listener.local_addr().unwrap_or_else(|e| fail(e));
    let base_url = format!("http://{addr}");
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "flotilla-server listening on {base_url}");
        match &loaded.created_dev_key {
            Some(key) => {
                let _ = writeln!(out, "Created a dev API key (stored in {}):", loaded.keys.path.display());
                let _ = writeln!(out, "  export FLEET_BASE_URL={base_url} FLEET_API_KEY={key}");
            }
            None => {
                let _ = writeln!(out, "API keys: {}", loaded.keys.path.display());
            }
        }
        let _ = out.flush();
    }
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "started");

    let state = AppState {
        keys: Arc::new(loaded.keys),
        store,
        catalog,
        instances: instances.clone(),
        verifier,
        runner_tokens: Arc::new(
            runner_tokens::RunnerTokens::load_or_create(&config.data_dir).unwrap_or_else(|e| fail(e)),
        ),
        sessions: Arc::new(sessions::Sessions::default()),
        events: events.clone(),
        static_root: config.static_root.clone(),
        base_url,
        cors_origins: Arc::new(config.cors_origins.clone()),
    };
    let manager_only =
        manager::router().with_state(state.clone()).layer(axum::middleware::from_fn(routes::headers::json_errors));
    verify::gate::spawn(&gate_dir, manager_only)
        .unwrap_or_else(|e| fail(format!("manager socket {}: {e}", gate_dir.display())));
    state.verifier.warm_up();
    let reaper = {
        let instances = instances.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
            loop {
                tick.tick().await;
                instances.reap().await;
            }
        })
    };
    serve::serve(listener, routes::router(state), async move {
        shutdown_signal().await;
        // Open event streams end now, or graceful shutdown would wait for them; running SQL
        // statements stop now rather than at their time limit.
        events.shut_down();
        manager::guard::SHUTTING_DOWN.store(true, std::sync::atomic::Ordering::Relaxed);
    })
    .await;
    reaper.abort();
    instances.shutdown().await;
    tracing::info!("stopped; every instance was stopped");
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
