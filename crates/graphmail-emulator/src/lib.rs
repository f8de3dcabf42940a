//! A loopback emulator of the Microsoft identity platform (v2.0) and Graph mail.
//!
//! It puts on the wire what the real services do, so every flow of graphmail can be exercised
//! without reaching Microsoft: integration tests, benchmarks and `graphmail demo` run on it.
//! Test hooks live only under `/_emulator/`.
//!
//! Start it in-process with [`start`] (port 0 picks a free port):
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let running = graphmail_emulator::start(graphmail_emulator::EmulatorConfig::default()).await?;
//! println!("token endpoint: {}/{}/oauth2/v2.0/token", running.login_url, running.state.tenant.tenant.id);
//! running.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Note for HTTP clients talking to it: reqwest is built with `rustls-no-provider`, so call
//! `let _ = rustls::crypto::ring::default_provider().install_default();` once before building a
//! `reqwest::Client` (tests included), or reqwest panics.

pub mod claims;
pub mod faults;
pub mod graph;
pub mod identity;
pub mod tenant;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use claims::{AccessClaims, TokenRejection, TokenSigner};
pub use identity::{IdentitySettings, MfaErrorStyle};

/// Everything the running emulator knows. Shared by the handlers as `Arc<Emulator>`;
/// each part keeps its own interior locks.
pub struct Emulator {
    /// `http://127.0.0.1:PORT` (the identity platform's base; `/{tenant}/oauth2/v2.0/...` follows).
    pub login_url: String,
    /// `http://127.0.0.1:PORT/v1.0`.
    pub graph_url: String,
    pub tenant: tenant::TenantSeed,
    pub signer: TokenSigner,
    /// Authorization codes, device codes, refresh tokens.
    pub identity: identity::IdentityState,
    /// Mailboxes, sent mail, throttling.
    pub mail: graph::MailState,
    /// Injected latency, errors and dropped connections.
    pub faults: faults::Faults,
}

impl Emulator {
    /// The demo data as one JSON object: URLs, tenant, apps (with secrets) and users (with
    /// passwords). These are demo credentials, printed by `graphmail emulator --json`.
    pub fn summary(&self) -> serde_json::Value {
        let apps: Vec<_> = self
            .tenant
            .apps
            .iter()
            .map(|a| {
                let mut app = json!({
                    "client_id": a.client_id,
                    "name": a.name,
                    "kind": a.kind,
                    "redirect_uris": a.redirect_uris,
                    "delegated": a.delegated,
                    "application": a.application,
                });
                if let Some(secret) = &a.secret {
                    app["secret"] = json!(secret);
                }
                app
            })
            .collect();
        let users: Vec<_> = self
            .tenant
            .users
            .iter()
            .map(|u| {
                json!({
                    "upn": u.upn,
                    "display_name": u.display_name,
                    "password": u.password,
                    "mfa": u.mfa,
                    "admin": u.admin,
                })
            })
            .collect();
        json!({
            "login_url": self.login_url,
            "graph_url": self.graph_url,
            "tenant": {
                "id": self.tenant.tenant.id,
                "domain": self.tenant.tenant.domain,
                "display_name": self.tenant.tenant.display_name,
            },
            "apps": apps,
            "users": users,
        })
    }
}

/// How to start an emulator.
#[derive(Debug, Clone, Default)]
pub struct EmulatorConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The tenant; `None` is the built-in demo tenant.
    pub seed: Option<tenant::TenantSeed>,
    /// Fill the first user's Inbox with this many generated messages (benchmarks).
    pub messages: Option<usize>,
    /// A fault specification (see [`faults::Faults::parse`]).
    pub faults: Option<String>,
    /// Device-code timing, token lifetimes and error wording.
    pub identity: IdentitySettings,
}

impl EmulatorConfig {
    /// Settings for fast tests: device codes poll every second and expire after `device_expiry`.
    pub fn for_tests(device_expiry: Duration) -> EmulatorConfig {
        EmulatorConfig {
            identity: IdentitySettings {
                device_interval: Duration::from_secs(1),
                device_expires_in: device_expiry,
                ..IdentitySettings::default()
            },
            ..EmulatorConfig::default()
        }
    }
}

/// A served emulator. Dropping it stops the server too; [`RunningEmulator::shutdown`] waits for it.
pub struct RunningEmulator {
    /// `http://127.0.0.1:PORT`.
    pub login_url: String,
    /// `http://127.0.0.1:PORT/v1.0`.
    pub graph_url: String,
    pub addr: SocketAddr,
    pub state: Arc<Emulator>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// Stops accepting requests and waits until the server has finished.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Every route of the emulator, with the fault-injection layer around them all.
pub fn router(state: Arc<Emulator>) -> Router {
    Router::new()
        .merge(identity::routes())
        .merge(graph::routes())
        .merge(graph::hooks())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ))
        .with_state(state)
}

/// Binds 127.0.0.1:`port`, builds the state and serves it on a tokio task.
/// Must be called inside a tokio runtime.
pub async fn start(config: EmulatorConfig) -> anyhow::Result<RunningEmulator> {
    let faults = match config.faults.as_deref() {
        Some(spec) => faults::Faults::parse(spec).map_err(anyhow::Error::msg)?,
        None => faults::Faults::default(),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", config.port))?;
    let addr = listener.local_addr()?;
    let login_url = format!("http://{addr}");
    let graph_url = format!("{login_url}/v1.0");
    let seed = config.seed.unwrap_or_else(tenant::TenantSeed::demo);
    let state = Arc::new(Emulator {
        login_url: login_url.clone(),
        graph_url: graph_url.clone(),
        mail: graph::MailState::new(&seed, config.messages),
        tenant: seed,
        signer: TokenSigner::new(),
        identity: identity::IdentityState::new(config.identity),
        faults,
    });
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "emulator server stopped with an error");
        }
    });
    tracing::info!(%addr, "emulator listening");
    Ok(RunningEmulator {
        login_url,
        graph_url,
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}
