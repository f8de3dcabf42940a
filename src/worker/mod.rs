//! Runs the TUI's commands off the UI task and answers each with an event carrying its id.
//!
//! The worker owns the vault handle (and with it every secret); the UI only ever sees names
//! and status. Each command runs as its own task so a slow one never holds up the others;
//! `Cancel` aborts the task of that id.

mod batch;
mod connectors;
#[cfg(feature = "demo")]
pub mod demo_browser;
mod mail;
mod signin;
mod tenant_check;
pub(crate) mod ui_error;

pub use connectors::row as connector_row;
pub use tenant_check::check_tenant;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{Cmd, Event, EventBody, ReqId, UiError, UiErrorKind};
use crate::vault::Vault;

/// The worker's state, shared by its tasks (never with the UI).
pub struct Services {
    pub vault_path: PathBuf,
    vault: RwLock<Option<Arc<Vault>>>,
    /// An authorization-code sign-in may open the desktop's browser (never over SSH).
    open_browser: bool,
    mail: mail::MailSessions,
    /// `graphmail demo`: the account its sign-in screen approves authorize URLs as.
    #[cfg(feature = "demo")]
    demo_user: Option<(String, secrecy::SecretString)>,
}

impl Services {
    pub fn new(vault_path: PathBuf, vault: Option<Vault>) -> Arc<Services> {
        Arc::new(Services {
            vault_path,
            vault: RwLock::new(vault.map(Arc::new)),
            open_browser: true,
            mail: mail::MailSessions::default(),
            #[cfg(feature = "demo")]
            demo_user: None,
        })
    }

    /// Like [`Services::new`], but a sign-in only shows its URL and never opens a browser.
    pub fn without_browser(vault_path: PathBuf, vault: Option<Vault>) -> Arc<Services> {
        Arc::new(Services {
            vault_path,
            vault: RwLock::new(vault.map(Arc::new)),
            open_browser: false,
            mail: mail::MailSessions::default(),
            #[cfg(feature = "demo")]
            demo_user: None,
        })
    }

    /// Like [`Services::without_browser`], for `graphmail demo`: an authorize URL can be
    /// approved from the sign-in screen as `user`, the way a browser would.
    #[cfg(feature = "demo")]
    pub fn for_demo(
        vault_path: PathBuf,
        vault: Option<Vault>,
        user: (String, secrecy::SecretString),
    ) -> Arc<Services> {
        Arc::new(Services {
            vault_path,
            vault: RwLock::new(vault.map(Arc::new)),
            open_browser: false,
            mail: mail::MailSessions::default(),
            demo_user: Some(user),
        })
    }

    fn set_vault(&self, vault: Vault) {
        if let Ok(mut v) = self.vault.write() {
            *v = Some(Arc::new(vault));
        }
    }

    /// Closes the vault and tells the session agent to forget its key.
    fn lock_agent(&self) {
        if let Ok(mut v) = self.vault.write() {
            *v = None;
        }
        if let Some(socket) = crate::agent::client::socket_from_env()
            && let Err(e) = crate::agent::client::lock(&socket)
        {
            tracing::warn!(error = %e, "the session agent could not be locked");
        }
    }

    fn vault(&self) -> Result<Arc<Vault>, UiError> {
        self.vault
            .read()
            .ok()
            .and_then(|v| v.clone())
            .ok_or_else(|| {
                UiError::new(UiErrorKind::Vault, "The vault is not open.")
                    .with_fix("restart graphmail and unlock the vault")
            })
    }
}

/// Runs until the command channel closes.
pub async fn run(
    services: Arc<Services>,
    mut cmds: mpsc::Receiver<Cmd>,
    events: mpsc::Sender<Event>,
) {
    let mut tasks: HashMap<ReqId, JoinHandle<()>> = HashMap::new();
    let mut pastes: HashMap<ReqId, mpsc::Sender<secrecy::SecretString>> = HashMap::new();
    while let Some(cmd) = cmds.recv().await {
        tasks.retain(|_, t| !t.is_finished());
        pastes.retain(|id, _| tasks.contains_key(id));
        match cmd {
            Cmd::Cancel { id } => {
                if let Some(t) = tasks.remove(&id) {
                    t.abort();
                }
                pastes.remove(&id);
            }
            Cmd::SubmitRedirect { id, url } => {
                if let Some(tx) = pastes.get(&id) {
                    let _ = tx.send(url).await;
                }
            }
            #[cfg(not(feature = "demo"))]
            Cmd::DemoApprove { .. } => {}
            #[cfg(feature = "demo")]
            Cmd::DemoApprove { id, url, user_code } => {
                let Some(user) = services.demo_user.clone() else {
                    continue;
                };
                // A device code: the demo also approves it by itself after a few seconds;
                // whichever comes first wins, and the sign-in's own polling tells.
                if let Some(code) = user_code {
                    tokio::spawn(async move {
                        if let Err(e) =
                            demo_browser::approve_device(&url, &code, &user.0, &user.1).await
                        {
                            tracing::info!("the demo did not enter the device code: {e}");
                        }
                    });
                    continue;
                }
                let Some(tx) = pastes.get(&id).cloned() else {
                    continue;
                };
                let events = events.clone();
                tokio::spawn(async move {
                    match demo_browser::approve(&url, &user.0, &user.1).await {
                        Ok(redirect) => {
                            let _ = tx.send(secrecy::SecretString::from(redirect)).await;
                        }
                        Err(e) => {
                            let failed = crate::app::UiError::new(
                                UiErrorKind::Identity,
                                format!("The demo could not approve the sign-in: {e}."),
                            )
                            .with_fix("press r to start the sign-in again");
                            let body =
                                EventBody::SignIn(crate::app::SignInUpdate::Finished(Err(failed)));
                            let _ = events.send(Event { id, body }).await;
                        }
                    }
                });
            }
            Cmd::Copy(_) | Cmd::Quit | Cmd::EditBody { .. } => {}
            Cmd::LockAgent => {
                let services = services.clone();
                tokio::task::spawn_blocking(move || services.lock_agent());
            }
            other => {
                let Some(id) = other.id() else { continue };
                let services = services.clone();
                let events = events.clone();
                let (paste_tx, paste_rx) = mpsc::channel(1);
                if matches!(other, Cmd::SignIn { .. }) {
                    pastes.insert(id, paste_tx);
                }
                let handle = tokio::spawn(async move {
                    let body = execute(services, other, paste_rx, &events, id).await;
                    if let Some(body) = body {
                        let _ = events.send(Event { id, body }).await;
                    }
                });
                tasks.insert(id, handle);
            }
        }
    }
    for (_, t) in tasks {
        t.abort();
    }
}

/// Runs a blocking vault call on the blocking pool; a panic becomes an error on screen.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, UiError> + Send + 'static,
) -> Result<T, UiError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(UiError::new(
            UiErrorKind::Other,
            "graphmail hit an internal error while using the vault; nothing was changed.",
        )
        .with_fix("try again; if it repeats, the log file has details"))
    })
}

async fn execute(
    services: Arc<Services>,
    cmd: Cmd,
    paste: mpsc::Receiver<secrecy::SecretString>,
    events: &mpsc::Sender<Event>,
    id: ReqId,
) -> Option<EventBody> {
    Some(match cmd {
        Cmd::UnlockVault { passphrase, .. } => {
            EventBody::Unlocked(blocking(move || connectors::unlock(&services, passphrase)).await)
        }
        Cmd::CreateVault { passphrase, .. } => {
            EventBody::Unlocked(blocking(move || connectors::create(&services, passphrase)).await)
        }
        Cmd::OpenWithIdentity { .. } | Cmd::LoadConnectors { .. } => {
            let r = blocking(move || connectors::rows(&*services.vault()?)).await;
            EventBody::Unlocked(r)
        }
        Cmd::SaveConnector { draft, .. } => {
            EventBody::Saved(blocking(move || connectors::save(&*services.vault()?, *draft)).await)
        }
        Cmd::DeleteConnector { name, .. } => EventBody::Deleted(
            blocking(move || connectors::delete(&*services.vault()?, &name)).await,
        ),
        Cmd::SignIn { name, .. } => {
            let done = signin::run(services, name, paste, events, id).await;
            EventBody::SignIn(crate::app::SignInUpdate::Finished(done))
        }
        Cmd::Test { name, .. } => EventBody::Tested(signin::test(services, name).await),
        Cmd::SignOut { name, .. } => {
            // A client kept for the mailbox must not outlive the tokens it was built on.
            services.mail.forget(&name);
            EventBody::SignedOut(
                blocking(move || connectors::sign_out(&*services.vault()?, &name)).await,
            )
        }
        Cmd::ChangeMessages { name, actions, .. } => {
            EventBody::ChangedMany(batch::change_many(&services, &name, actions).await)
        }
        Cmd::CheckTenant { cloud, tenant, .. } => {
            EventBody::TenantChecked(check_tenant(&cloud, &tenant).await)
        }
        Cmd::LoadFolders { name, .. } => EventBody::Folders(mail::folders(&services, &name).await),
        Cmd::ListMessages { name, query, .. } => {
            EventBody::Messages(mail::list(&services, id, &name, query).await)
        }
        Cmd::MoreMessages {
            listing, removed, ..
        } => EventBody::Messages(mail::more(&services, listing, removed).await),
        Cmd::ReadMessage {
            name,
            message_id,
            text_width,
            ..
        } => EventBody::Message(mail::read(&services, &name, &message_id, text_width).await),
        Cmd::ChangeMessage { name, action, .. } => {
            EventBody::Changed(mail::change(&services, &name, action).await)
        }
        Cmd::SendMail { name, draft, .. } => {
            EventBody::Sent(mail::send(&services, &name, *draft).await)
        }
        Cmd::CheckAttachment { path, .. } => {
            EventBody::AttachmentChecked(mail::check_attachment(&path).await)
        }
        Cmd::Cancel { .. }
        | Cmd::SubmitRedirect { .. }
        | Cmd::DemoApprove { .. }
        | Cmd::LockAgent
        | Cmd::Copy(_)
        | Cmd::EditBody { .. }
        | Cmd::Quit => return None,
    })
}
