//! `graphmail demo`: the whole app on an emulated tenant, offline, with nothing to set up.
//!
//! The emulator runs in this process on a free loopback port with the demo tenant. The vault is
//! a throw-away one in a fresh temporary folder, protected by a random passphrase that only
//! this process holds, and removed on exit. One connector is added per grant; the password and
//! app-only ones are signed in before the screen opens, and device codes are approved by the
//! demo itself a few seconds after they are shown, as if someone had entered the code. On the
//! browser connector's sign-in screen a key approves the authorize URL as the first demo user,
//! the way a browser would.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde::Deserialize;

use crate::domain::permissions::Preset;
use crate::domain::{Cloud, Connector, Grant};
use crate::error::{UserError, UserResult};
use crate::vault::{ConnectorEntry, ConnectorSecrets, InitOptions, TokenCache, Unlock, Vault};
use graphmail_emulator::tenant::AppKind;
use graphmail_emulator::{self as emulator, Emulator, EmulatorConfig, IdentitySettings};

/// How long a device code waits before the demo approves it: long enough to be read.
const APPROVE_AFTER: Duration = Duration::from_secs(4);

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> UserResult<TempDir> {
    use rand::Rng;
    let suffix: u64 = rand::thread_rng().r#gen();
    let dir = std::env::temp_dir().join(format!("graphmail-demo-{suffix:016x}"));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&dir).map_err(|e| {
        UserError::failure(
            "demo",
            format!(
                "cannot create a folder for the demo vault in {}: {e}",
                dir.display()
            ),
        )
        .with_fix("set TMPDIR to a writable folder")
    })?;
    Ok(TempDir(dir))
}

fn failure(what: &str, e: impl std::fmt::Display) -> UserError {
    UserError::failure("demo", format!("{what}: {e}"))
        .with_fix("run `graphmail demo` again; if it repeats, the log file has details")
}

fn random_passphrase() -> SecretString {
    use rand::Rng;
    let s: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    SecretString::from(s)
}

fn connector(emu: &Emulator, name: &str, grant: Grant, client_id: &str) -> Connector {
    Connector {
        name: name.into(),
        cloud: Cloud::Custom {
            login_url: emu.login_url.clone(),
            graph_url: emu.graph_url.clone(),
        },
        tenant: emu.tenant.tenant.domain.clone(),
        client_id: client_id.into(),
        grant,
        presets: match grant {
            Grant::ClientCredentials => vec![Preset::Readwrite, Preset::Send],
            _ => vec![
                Preset::Readwrite,
                Preset::Send,
                Preset::Profile,
                Preset::Offline,
            ],
        },
        extra_scopes: Vec::new(),
        mailbox: None,
        redirect_port: 8400,
    }
}

struct DemoSetup {
    entries: Vec<ConnectorEntry>,
    /// Who the sign-in screen signs in as when it approves an authorize URL.
    browser_user: (String, SecretString),
}

fn app_id(emu: &Emulator, kind: AppKind, with_application: bool) -> (String, Option<String>) {
    emu.tenant
        .apps
        .iter()
        .find(|a| a.kind == kind && a.application.is_empty() != with_application)
        .map(|a| (a.client_id.clone(), a.secret.clone()))
        .unwrap_or_default()
}

fn setup(emu: &Emulator) -> DemoSetup {
    let (public, _) = app_id(emu, AppKind::Public, false);
    let (daemon, daemon_secret) = app_id(emu, AppKind::Confidential, true);
    let megan = emu
        .tenant
        .users
        .iter()
        .find(|u| u.upn.starts_with("megan"))
        .or(emu.tenant.users.first());
    let adele = emu.tenant.users.first();
    let entry = |c: Connector| ConnectorEntry {
        connector: c,
        secrets: ConnectorSecrets::default(),
        tokens: None,
    };
    let mut entries = vec![
        entry(connector(emu, "demo-device", Grant::DeviceCode, &public)),
        entry(connector(emu, "demo-browser", Grant::AuthCode, &public)),
    ];
    let mut ropc = entry(connector(emu, "demo-password", Grant::Ropc, &public));
    if let Some(u) = megan {
        ropc.secrets.username = Some(u.upn.clone());
        ropc.secrets.password = Some(u.password.clone());
    }
    entries.push(ropc);
    let mut app = connector(emu, "demo-app", Grant::ClientCredentials, &daemon);
    app.mailbox = adele.map(|u| u.upn.clone());
    let mut app = entry(app);
    app.secrets.client_secret = daemon_secret;
    entries.push(app);
    let browser_user = adele
        .map(|u| (u.upn.clone(), SecretString::from(u.password.clone())))
        .unwrap_or_else(|| (String::new(), SecretString::from(String::new())));
    DemoSetup {
        entries,
        browser_user,
    }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// Signs the password and app-only connectors in against the emulator's token endpoint.
async fn sign_in(http: &reqwest::Client, emu: &Emulator, e: &mut ConnectorEntry) {
    let c = &e.connector;
    let url = format!("{}/{}/oauth2/v2.0/token", emu.login_url, c.tenant);
    let mut form: Vec<(&str, String)> = vec![("client_id", c.client_id.clone())];
    match c.grant {
        Grant::Ropc => {
            form.push(("grant_type", "password".into()));
            form.push(("scope", c.scopes().join(" ")));
            form.push(("username", e.secrets.username.clone().unwrap_or_default()));
            form.push(("password", e.secrets.password.clone().unwrap_or_default()));
        }
        Grant::ClientCredentials => {
            form.push(("grant_type", "client_credentials".into()));
            form.push((
                "scope",
                format!("{}/.default", emulator::identity::GRAPH_RESOURCE),
            ));
            form.push((
                "client_secret",
                e.secrets.client_secret.clone().unwrap_or_default(),
            ));
        }
        _ => return,
    }
    let reply = async {
        let r = http.post(&url).form(&form).send().await?;
        r.error_for_status()?.json::<TokenReply>().await
    }
    .await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut cache = TokenCache::default();
    match reply {
        Ok(t) => {
            cache.access_token = Some(t.access_token);
            cache.expires_at = Some(now + t.expires_in.unwrap_or(3600));
            cache.granted_scopes = t
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect();
            cache.refresh_issued_at = t.refresh_token.as_ref().map(|_| now);
            cache.refresh_token = t.refresh_token;
            cache.user = e.secrets.username.clone();
            cache.last_success = Some(now);
        }
        Err(err) => {
            cache.last_error = Some(format!("the demo sign-in failed: {err}"));
        }
    }
    e.tokens = Some(cache);
}

/// Approves every device code `APPROVE_AFTER` after it appeared, as the first demo user.
async fn approve_device_codes(emu: Arc<Emulator>, http: reqwest::Client) {
    let mut seen: HashMap<String, Instant> = HashMap::new();
    let upn = emu
        .tenant
        .users
        .first()
        .map(|u| u.upn.clone())
        .unwrap_or_default();
    let url = format!("{}/_emulator/device/approve", emu.login_url);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let pending = emu.identity.pending_device_codes();
        seen.retain(|code, _| pending.contains(code));
        for code in pending {
            let first = *seen.entry(code.clone()).or_insert_with(Instant::now);
            if first.elapsed() >= APPROVE_AFTER {
                let form = [("user_code", code.as_str()), ("upn", upn.as_str())];
                if let Err(e) = http.post(&url).form(&form).send().await {
                    tracing::warn!(error = %e, "demo could not approve a device code");
                }
            }
        }
    }
}

fn open_vault(path: &Path, entries: Vec<ConnectorEntry>) -> UserResult<Vault> {
    // The passphrase is random and lives only in this process, so a light work factor is fine.
    crate::vault::set_scrypt_work_factor(10);
    let passphrase = random_passphrase();
    Vault::init(
        path,
        InitOptions {
            passphrase: Some(passphrase.clone()),
            recipients: Vec::new(),
        },
    )
    .map_err(UserError::from)?;
    let vault = Vault::open(path, Unlock::Passphrase(passphrase)).map_err(UserError::from)?;
    vault
        .update(|doc| -> Result<(), crate::vault::VaultError> {
            doc.connectors = entries;
            Ok(())
        })
        .map_err(UserError::from)?;
    Ok(vault)
}

/// The demo's vault at `path` on the emulator `emu`: one connector per grant, the password and
/// app-only ones already signed in. Also returns the account the sign-in screen approves
/// authorize URLs as. The benchmarks build on the same set-up.
pub fn prepare_vault(
    runtime: &tokio::runtime::Runtime,
    emu: &Emulator,
    path: &Path,
) -> UserResult<(Vault, (String, SecretString))> {
    let http = crate::graph::http_client().map_err(|e| failure("no HTTP client", e))?;
    let mut demo = setup(emu);
    runtime.block_on(async {
        for e in &mut demo.entries {
            sign_in(&http, emu, e).await;
        }
    });
    let vault = open_vault(path, demo.entries)?;
    Ok((vault, demo.browser_user))
}

/// Runs the demo until the user quits the terminal app. It logs (at `log_level`, the config
/// file's) into its temporary folder, which goes with it: nothing of it stays in the home folder.
pub fn run(log_level: Option<&str>) -> UserResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| failure("cannot start the emulator's runtime", e))?;
    let dir = temp_dir()?;
    let log = crate::logging::init_in(&dir.0, log_level);
    let config = EmulatorConfig {
        identity: IdentitySettings {
            device_interval: Duration::from_secs(2),
            ..IdentitySettings::default()
        },
        ..EmulatorConfig::default()
    };
    let running = runtime
        .block_on(emulator::start(config))
        .map_err(|e| failure("the demo emulator did not start", e))?;
    let vault_path = dir.0.join("vault.age");
    let (vault, browser_user) = prepare_vault(&runtime, &running.state, &vault_path)?;
    let http = crate::graph::http_client().map_err(|e| failure("no HTTP client", e))?;
    let approver = runtime.spawn(approve_device_codes(running.state.clone(), http));
    let result = crate::tui::run_demo(vault_path, vault, browser_user);
    approver.abort();
    drop(running);
    runtime.shutdown_timeout(Duration::from_secs(1));
    // The log is written out and closed before its folder goes.
    drop(log);
    drop(dir);
    result
}
