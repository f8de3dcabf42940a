//! `graphmail relay`: the SMTP relay, its queue, and its users.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use tokio::sync::Notify;

use super::{CliError, CliResult, GlobalArgs};
use crate::auth::{OAuthHttp, VaultTokens};
use crate::domain::{Grant, sanitize};
use crate::graph::{GraphClient, Mailbox};
use crate::relay::smtp::{SmtpConfig, serve};
use crate::relay::users::{VaultUsers, hash_password};
use crate::relay::{Area, Deliverer, RelaySettings, Spool, Target, TargetSource, settings};
use crate::vault::{RelayUser, Vault};

#[derive(Debug, Args)]
pub struct RelayArgs {
    /// Address and port to listen on [default: listen in [relay], else 127.0.0.1:2525]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// The connector that sends when no [relay.senders] rule matches
    #[arg(short = 'c', long, value_name = "NAME")]
    pub connector: Option<String>,
    #[command(subcommand)]
    pub command: Option<RelayCommand>,
}

#[derive(Debug, Subcommand)]
pub enum RelayCommand {
    /// List the queued and failed messages
    Queue,
    /// Deliver every queued message now, whatever its retry time
    Flush,
    /// Queue a failed message again (or make a queued one due now)
    Retry {
        id: Option<String>,
        /// Every failed and queued message
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
    /// Delete a queued or failed message without sending it
    Drop { id: String },
    /// Whether a relay runs, and how many messages wait or failed
    Status,
    /// Relay users for SMTP AUTH (argon2 hashes in the vault)
    #[command(subcommand)]
    User(RelayUserCommand),
}

#[derive(Debug, Subcommand)]
pub enum RelayUserCommand {
    /// Add a user, or set a new password; the password is read from --password-file or stdin
    Add {
        name: String,
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Remove a user
    Remove { name: String },
    /// List the users' names
    List,
}

/// The relay's settings from the config file.
pub(super) fn relay_settings(global: &GlobalArgs) -> RelaySettings {
    global
        .config
        .relay
        .as_ref()
        .map(|s| s.value.clone())
        .unwrap_or_default()
}

/// The spool folder: `spool` in [relay], else `relay-spool` next to the vault.
pub(super) fn open_spool(global: &GlobalArgs, settings: &RelaySettings) -> CliResult<Spool> {
    let path = match &settings.spool {
        Some(p) => p.clone(),
        None => {
            let vault = super::vault_cmd::vault_path(global)?;
            vault
                .parent()
                .map(|d| d.join("relay-spool"))
                .unwrap_or_else(|| PathBuf::from("relay-spool"))
        }
    };
    Spool::open(&path).map_err(|e| {
        let open_to_others = std::fs::metadata(&path)
            .map(|m| m.is_dir() && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o077 != 0)
            .unwrap_or(false);
        let fix = if e.kind() == std::io::ErrorKind::PermissionDenied && open_to_others {
            format!(
                "make the spool private with 'chmod 700 {}' (graphmail leaves the mode of a folder it did not make), or set spool in [relay]",
                path.display()
            )
        } else {
            "check that the folder is writable by this user, or set spool in [relay]".to_owned()
        };
        CliError::failure(
            "spool",
            format!("cannot open the relay spool {}: {e}", path.display()),
        )
        .with_fix(fix)
    })
}

/// Connectors opened from the vault for delivery.
pub(super) struct VaultTargets {
    vault: Arc<Vault>,
    default: Option<String>,
}

impl VaultTargets {
    pub(super) fn new(global: &GlobalArgs, default: Option<String>) -> CliResult<VaultTargets> {
        let vault = super::vault_cmd::unlock_vault(global)?;
        let default = default.or_else(|| {
            global
                .config
                .default_connector
                .as_ref()
                .map(|d| d.value.clone())
        });
        Ok(VaultTargets {
            vault: Arc::new(vault),
            default,
        })
    }
}

/// Scopes the relay needs besides what `sendMail` needs: drafts are created and looked up.
const RELAY_SCOPES: [&str; 2] = ["Mail.Send", "Mail.ReadWrite"];

/// Which of [`RELAY_SCOPES`] the granted scopes lack (an app-only `.default` grant is not
/// itemised, so it is trusted).
pub(crate) fn missing_relay_scopes(granted: &[String]) -> Vec<&'static str> {
    let short: Vec<String> = granted
        .iter()
        .map(|s| s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase())
        .collect();
    if short.iter().any(|s| s == ".default") {
        return Vec::new();
    }
    RELAY_SCOPES
        .into_iter()
        .filter(|need| {
            let need = need.to_ascii_lowercase();
            !short
                .iter()
                .any(|s| *s == need || *s == format!("{need}.shared"))
        })
        .collect()
}

impl TargetSource for VaultTargets {
    fn open(&self, name: Option<&str>) -> Result<Target, String> {
        let doc = self.vault.read().map_err(|e| e.to_string())?;
        let entry = match name.or(self.default.as_deref()) {
            Some(n) => doc
                .get(n)
                .ok_or_else(|| format!("there is no connector called '{n}'"))?,
            None => match doc.connectors.as_slice() {
                [one] => one,
                [] => return Err("the vault holds no connector".into()),
                _ => {
                    return Err(
                        "the vault holds several connectors; set connector in [relay] or default_connector"
                            .into(),
                    );
                }
            },
        };
        let connector = entry.connector.clone();
        let cname = connector.name.clone();
        let tokens = entry.tokens.as_ref();
        let self_renewing = connector.grant == Grant::ClientCredentials;
        if tokens.is_none() && !self_renewing {
            return Err(format!(
                "connector '{cname}' is not signed in; sign it in with `graphmail connector login {cname}`"
            ));
        }
        let missing =
            missing_relay_scopes(&tokens.map(|t| t.granted_scopes.clone()).unwrap_or_default());
        if !missing.is_empty() && !self_renewing {
            return Err(format!(
                "connector '{cname}' lacks {} which the relay needs to create drafts and find them again; add them with `graphmail connector edit {cname} --permissions readwrite,send,offline` and sign in again with `graphmail connector login {cname}`",
                missing.join(" and ")
            ));
        }
        let user = tokens.and_then(|t| t.user.clone());
        let mailbox_address = connector
            .mailbox
            .clone()
            .filter(|m| !m.trim().is_empty())
            .or(user);
        let oauth = OAuthHttp::new().map_err(|e| e.to_string())?;
        let tokens = Arc::new(VaultTokens::new(self.vault.clone(), &cname, oauth));
        let http = crate::graph::http_client().map_err(|e| e.to_string())?;
        let mailbox = Mailbox::for_connector(&connector).map_err(|e| e.to_string())?;
        let client = GraphClient::new(http, &connector.cloud.graph_api(), &mailbox, tokens)
            .map_err(|e| e.to_string())?;
        Ok(Target {
            connector: cname,
            client,
            mailbox: mailbox_address,
        })
    }
}

pub(super) fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failure("runtime", format!("cannot start the async runtime: {e}")))
}

/// A deliverer over the vault's connectors, writing the audit log next to the vault.
pub(super) fn deliverer(
    global: &GlobalArgs,
    spool: Spool,
    settings: RelaySettings,
    connector: Option<String>,
) -> CliResult<Deliverer> {
    let targets = VaultTargets::new(global, connector.or_else(|| settings.connector.clone()))?;
    let audit = crate::audit::log_path(targets.vault.path());
    Ok(Deliverer::new(
        spool,
        settings,
        Box::new(targets),
        Some(audit),
    ))
}

pub fn run(global: &GlobalArgs, args: RelayArgs) -> CliResult {
    let settings = relay_settings(global);
    let spool = open_spool(global, &settings)?;
    match args.command {
        None => serve_relay(global, settings, spool, args.listen, args.connector),
        Some(RelayCommand::Queue) => super::relay_queue::queue(global, &spool),
        Some(RelayCommand::Status) => super::relay_queue::status(global, &spool),
        Some(RelayCommand::Retry { id, all }) => super::relay_queue::retry(&spool, id, all),
        Some(RelayCommand::Drop { id }) => super::relay_queue::drop(&spool, &id),
        Some(RelayCommand::Flush) => {
            let d = Arc::new(deliverer(global, spool, settings, args.connector)?);
            let (sent, deferred, failed) = runtime()?.block_on(d.drain(true));
            crate::output::stdout(&format!(
                "{sent} sent, {deferred} still queued, {failed} failed"
            ));
            Ok(())
        }
        Some(RelayCommand::User(cmd)) => users(global, cmd),
    }
}

fn users(global: &GlobalArgs, cmd: RelayUserCommand) -> CliResult {
    let vault = super::vault_cmd::unlock_vault(global)?;
    match cmd {
        RelayUserCommand::Add {
            name,
            password_file,
        } => {
            let password = match password_file {
                Some(f) => std::fs::read_to_string(&f).map_err(|e| {
                    CliError::failure("io", format!("cannot read {}: {e}", f.display()))
                })?,
                None => {
                    let mut s = String::new();
                    std::io::stdin().read_line(&mut s).map_err(|e| {
                        CliError::failure("io", format!("cannot read the password: {e}"))
                    })?;
                    s
                }
            };
            let password = password.lines().next().unwrap_or_default().to_string();
            if password.len() < 12 {
                return Err(CliError::usage(
                    "a relay user's password needs at least 12 characters",
                ));
            }
            let hash = hash_password(&password).map_err(|e| CliError::failure("hash", e))?;
            vault.update(|doc| {
                doc.relay_users.retain(|u| u.name != name);
                doc.relay_users.push(RelayUser {
                    name: name.clone(),
                    hash,
                });
                Ok::<_, CliError>(())
            })?;
            crate::output::stdout(&format!("relay user '{}' saved", sanitize::line(&name)));
        }
        RelayUserCommand::Remove { name } => {
            let removed = vault.update(|doc| {
                let before = doc.relay_users.len();
                doc.relay_users.retain(|u| u.name != name);
                Ok::<_, CliError>(before != doc.relay_users.len())
            })?;
            if !removed {
                return Err(CliError::failure(
                    "no_such_user",
                    format!("there is no relay user '{}'", sanitize::line(&name)),
                ));
            }
        }
        RelayUserCommand::List => {
            for u in vault.read()?.relay_users {
                crate::output::stdout(&u.name);
            }
        }
    }
    Ok(())
}

fn tls_acceptor(settings: &RelaySettings) -> CliResult<Option<tokio_rustls::TlsAcceptor>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (Some(cert), Some(key)) = (&settings.tls_cert, &settings.tls_key) else {
        return Ok(None);
    };
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        CliError::failure("tls", format!("cannot use {what} for STARTTLS: {e}")).with_fix(
            "set tls_cert and tls_key in [relay] to a PEM certificate chain and its private key",
        )
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect())
        .map_err(|e| bad(&cert.display().to_string(), &e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(&key.display().to_string(), &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("the TLS settings", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("the certificate", &e))?;
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}

fn serve_relay(
    global: &GlobalArgs,
    settings: RelaySettings,
    spool: Spool,
    listen: Option<String>,
    connector: Option<String>,
) -> CliResult {
    let listen = listen
        .or_else(|| settings.listen.clone())
        .unwrap_or_else(|| settings::DEFAULT_LISTEN.to_string());
    let addr: SocketAddr = listen.parse().map_err(|_| {
        CliError::usage(format!(
            "'{}' is not an address and port, as in 127.0.0.1:2525",
            sanitize::line(&listen)
        ))
    })?;
    let Some(_lock) = spool
        .relay_lock()
        .map_err(|e| CliError::failure("spool", format!("cannot lock the spool: {e}")))?
    else {
        return Err(CliError::failure(
            "relay_running",
            format!(
                "a relay already runs on the spool {}",
                spool.root().display()
            ),
        )
        .with_fix("stop it first, or give this one another spool in [relay]"));
    };
    let trusted = settings
        .trusted()
        .map_err(|e| CliError::failure("config", e))?;
    let tls = tls_acceptor(&settings)?;
    let users = VaultUsers(super::vault_cmd::unlock_vault(global)?.read()?.relay_users);
    let max_size = settings.max_size();
    let timeouts = settings.timeouts();
    let deliverer = Arc::new(deliverer(global, spool.clone(), settings, connector)?);
    // The default connector must be usable (signed in, Mail.Send and Mail.ReadWrite) before
    // the relay accepts anything it could not deliver.
    deliverer
        .target(None)
        .map_err(|e| CliError::failure("relay_connector", sanitize::line(&e).into_owned()))?;
    let runtime = runtime()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            CliError::failure("listen", format!("cannot listen on {addr}: {e}"))
                .with_fix("pick another address with --listen ADDR:PORT")
        })?;
        let local = listener.local_addr().unwrap_or(addr);
        crate::output::stdout(&format!("graphmail relay listening on {local}"));
        use std::io::Write;
        let _ = std::io::stdout().flush();
        tracing::info!(%local, "relay started");
        let (accepted, accepted_ids) = tokio::sync::mpsc::unbounded_channel();
        let stop = Arc::new(Notify::new());
        let config = Arc::new(SmtpConfig {
            hostname: hostname(),
            trusted,
            tls,
            max_size,
            users: Arc::new(users),
            spool,
            timeouts,
            accepted,
        });
        let server = tokio::spawn(serve(listener, config));
        let worker = tokio::spawn(crate::relay::delivery_loop(
            deliverer,
            accepted_ids,
            stop.clone(),
        ));
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| CliError::failure("signal", e.to_string()))?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            r = server => {
                if let Ok(Err(e)) = r {
                    return Err(CliError::failure("listen", format!("the listener failed: {e}")));
                }
            }
        }
        tracing::info!("relay stopping");
        stop.notify_one();
        let _ = worker.await;
        Ok(())
    })
}

/// This host's name for the SMTP greeting.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c))
        })
        .unwrap_or_else(|| "localhost".into())
}

/// The spool area's name as `relay queue` shows it.
pub(super) fn area_name(area: Area) -> &'static str {
    match area {
        Area::Queue => "queued",
        Area::Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relay_needs_send_and_readwrite() {
        let g = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            missing_relay_scopes(&g(&["Mail.Send", "offline_access"])),
            vec!["Mail.ReadWrite"]
        );
        assert!(
            missing_relay_scopes(&g(&[
                "https://graph.microsoft.com/Mail.Send",
                "https://graph.microsoft.com/Mail.ReadWrite"
            ]))
            .is_empty()
        );
        assert!(missing_relay_scopes(&g(&["https://graph.microsoft.com/.default"])).is_empty());
    }
}
