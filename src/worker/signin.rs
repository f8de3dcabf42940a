//! Signing in and testing connectors from the TUI, with the same services as
//! `graphmail connector login` and `graphmail connector test`.
//!
//! A sign-in's prompts (device code, authorize URL) reach the screen as events with the
//! sign-in's id, in order, before its result; a pasted redirect URL reaches the flow while it
//! waits. Cancelling aborts the task, which stops the polling and closes the loopback listener.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;

use crate::app::{
    AuthorizePrompt, DeviceCodePrompt, Event, EventBody, ReqId, SignInUpdate, SignedIn, TestReport,
    UiError,
};
use crate::auth::{self, AuthError, FlowContext, OAuthHttp, Prompt, SignInOptions};
use crate::domain::Grant;
use crate::vault::{ConnectorEntry, Vault};

use super::connectors::rows;
use super::ui_error::{auth_error, check_error, vault_error};
use super::{Services, blocking};

fn entry(vault: &Vault, name: &str) -> Result<ConnectorEntry, UiError> {
    let doc = vault.read().map_err(vault_error)?;
    doc.get(name)
        .cloned()
        .ok_or_else(|| auth_error(AuthError::UnknownConnector(name.to_string()), name))
}

async fn load(services: &Services, name: &str) -> Result<(Arc<Vault>, ConnectorEntry), UiError> {
    let vault = services.vault()?;
    let (v, n) = (vault.clone(), name.to_string());
    let entry = blocking(move || entry(&v, &n)).await?;
    Ok((vault, entry))
}

/// `user@host` from the `ssh -L` line the auth module builds for this machine.
fn ssh_target(hint: Option<&str>, port: u16) -> Option<String> {
    let line = hint
        .map(str::to_string)
        .unwrap_or_else(|| auth::ssh_forward_hint(port));
    line.split_whitespace()
        .last()
        .filter(|t| !t.starts_with('-') && !t.contains(':') && *t != "THIS-HOST")
        .map(str::to_string)
}

/// What the screen draws for a prompt of the flow.
fn screen_update(prompt: &Prompt, redirect_port: u16, now: i64) -> SignInUpdate {
    match prompt {
        Prompt::DeviceCode {
            verification_uri,
            user_code,
            expires_in,
            message,
            ..
        } => SignInUpdate::DeviceCode(DeviceCodePrompt {
            verification_uri: verification_uri.clone(),
            user_code: user_code.clone(),
            message: message.clone().unwrap_or_default(),
            expires_at: now.saturating_add(i64::try_from(*expires_in).unwrap_or(i64::MAX)),
        }),
        Prompt::AuthorizeUrl {
            url,
            redirect_uri,
            listening,
            ssh_hint,
            ..
        } => {
            let port = listening.map(|a| a.port()).unwrap_or(redirect_port);
            SignInUpdate::AuthorizeUrl(AuthorizePrompt {
                url: url.clone(),
                redirect_uri: redirect_uri.clone(),
                port,
                listening: listening.is_some(),
                ssh_target: ssh_target(ssh_hint.as_deref(), port),
            })
        }
    }
}

/// Runs connector `name`'s grant to the end, saves the tokens and answers with the list as it
/// now is. Prompts go to `events` under `id` as they come.
pub async fn run(
    services: Arc<Services>,
    name: String,
    mut paste: mpsc::Receiver<SecretString>,
    events: &mpsc::Sender<Event>,
    id: ReqId,
) -> Result<SignedIn, UiError> {
    let (vault, entry) = load(&services, &name).await?;
    let ctx = FlowContext::new(&entry);
    let http = OAuthHttp::new().map_err(|e| auth_error(e, &name))?;
    let (paste_tx, pasted) = mpsc::unbounded_channel();
    let options = SignInOptions {
        no_browser: !services.open_browser,
        pasted: (entry.connector.grant == Grant::AuthCode).then_some(pasted),
    };
    let redirect_port = entry.connector.redirect_port;
    let (prompt_tx, mut prompts) = mpsc::unbounded_channel();
    let mut show = move |p: &Prompt| {
        let _ = prompt_tx.send(screen_update(p, redirect_port, auth::now()));
    };
    let flow = auth::sign_in(&ctx, &http, options, &mut show);
    tokio::pin!(flow);
    let mut paste_open = true;
    let result = loop {
        tokio::select! {
            biased;
            Some(update) = prompts.recv() => {
                let _ = events.send(Event { id, body: EventBody::SignIn(update) }).await;
            }
            url = paste.recv(), if paste_open => match url {
                Some(url) => {
                    let _ = paste_tx.send(url.expose_secret().to_string());
                }
                None => paste_open = false,
            },
            r = &mut flow => break r,
        }
    };
    while let Ok(update) = prompts.try_recv() {
        let _ = events
            .send(Event {
                id,
                body: EventBody::SignIn(update),
            })
            .await;
    }
    let set = result.map_err(|e| auth_error(e, &name))?;
    let (user, scopes, expires_at) = (set.user.clone(), set.granted_scopes.clone(), set.expires_at);
    let connectors = blocking(move || {
        auth::save_sign_in(&vault, &name, &set).map_err(|e| auth_error(e, &name))?;
        rows(&vault)
    })
    .await?;
    Ok(SignedIn {
        user,
        scopes,
        expires_at: Some(expires_at),
        connectors,
    })
}

/// The same test as `graphmail connector test`; its outcome is kept with the connector's
/// tokens, so the list's token health says "error" until a test or sign-in succeeds.
pub async fn test(services: Arc<Services>, name: String) -> Result<TestReport, UiError> {
    let (vault, entry) = load(&services, &name).await?;
    let http = OAuthHttp::new().map_err(|e| auth_error(e, &name))?;
    let report = auth::check_connector(vault.clone(), &entry, http).await;
    let problem = report.error.map(|e| check_error(e, &name));
    let outcome = problem.as_ref().map(|p| p.message.clone());
    let connectors = blocking(move || {
        record(&vault, &name, outcome)?;
        rows(&vault)
    })
    .await?;
    Ok(TestReport {
        name: entry.connector.name,
        user: report.user,
        missing_scopes: report.missing,
        mailbox_ok: report.mailbox_ok,
        connectors,
        problem,
    })
}

/// Notes a test's outcome on a signed-in connector: the time of a success, or the failure.
fn record(vault: &Vault, name: &str, failure: Option<String>) -> Result<(), UiError> {
    let now = auth::now();
    vault
        .update(|doc| -> Result<(), crate::vault::VaultError> {
            if let Some(tokens) = doc.get_mut(name).and_then(|e| e.tokens.as_mut()) {
                match failure {
                    Some(f) => tokens.last_error = Some(f),
                    None => {
                        tokens.last_error = None;
                        tokens.last_success = Some(now);
                    }
                }
            }
            Ok(())
        })
        .map_err(vault_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_target_comes_from_the_forward_line() {
        assert_eq!(
            ssh_target(Some("ssh -L 8400:127.0.0.1:8400 ana@gw"), 8400).as_deref(),
            Some("ana@gw")
        );
        assert_eq!(
            ssh_target(Some("ssh -L 8400:127.0.0.1:8400 THIS-HOST"), 8400),
            None
        );
    }

    #[test]
    fn a_device_code_prompt_counts_down_from_now() {
        let p = Prompt::DeviceCode {
            verification_uri: "http://127.0.0.1:1/devicelogin".into(),
            user_code: "ABCDEFGHJ".into(),
            expires_in: 900,
            interval: 5,
            message: None,
        };
        match screen_update(&p, 8400, 1_000) {
            SignInUpdate::DeviceCode(d) => {
                assert_eq!(d.expires_at, 1_900);
                assert_eq!(d.user_code, "ABCDEFGHJ");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_listener_that_could_not_bind_is_said_so() {
        let p = Prompt::AuthorizeUrl {
            url: "http://127.0.0.1:1/authorize".into(),
            redirect_uri: "http://localhost:8400/".into(),
            listening: None,
            browser: auth::BrowserChoice::Refused,
            ssh_hint: None,
        };
        match screen_update(&p, 8400, 0) {
            SignInUpdate::AuthorizeUrl(a) => {
                assert!(!a.listening);
                assert_eq!(a.port, 8400);
            }
            other => panic!("{other:?}"),
        }
    }
}
