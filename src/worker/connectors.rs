//! Vault work for the TUI: open, create, list, save, sign out and delete connectors.

use secrecy::SecretString;

use crate::app::{ConnectorDraft, ConnectorRow, TokenFacts, UiError, UiErrorKind};
use crate::vault::{ConnectorEntry, ConnectorSecrets, InitOptions, Unlock, Vault, VaultError};

use super::Services;
use super::ui_error::{connector_gone, vault_error};

pub fn unlock(services: &Services, passphrase: SecretString) -> Result<Vec<ConnectorRow>, UiError> {
    let vault =
        Vault::open(&services.vault_path, Unlock::Passphrase(passphrase)).map_err(vault_error)?;
    let rows = rows(&vault)?;
    services.set_vault(vault);
    Ok(rows)
}

pub fn create(services: &Services, passphrase: SecretString) -> Result<Vec<ConnectorRow>, UiError> {
    let path = &services.vault_path;
    Vault::init(
        path,
        InitOptions {
            passphrase: Some(passphrase.clone()),
            recipients: Vec::new(),
        },
    )
    .map_err(vault_error)?;
    unlock(services, passphrase)
}

/// A vault entry as the connector list (and `graphmail connector status`) sees it.
pub fn row(e: &ConnectorEntry) -> ConnectorRow {
    let t = e.tokens.as_ref();
    let granted = t.map(|t| t.granted_scopes.as_slice()).unwrap_or_default();
    ConnectorRow {
        access: crate::domain::access::Access::of(&e.connector, granted),
        connector: e.connector.clone(),
        client_secret_set: e.secrets.client_secret.is_some(),
        password_set: e.secrets.password.is_some(),
        username: e.secrets.username.clone(),
        token: TokenFacts {
            expires_at: t.and_then(|t| t.expires_at),
            has_refresh_token: t.is_some_and(|t| t.refresh_token.is_some()),
            refresh_issued_at: t.and_then(|t| t.refresh_issued_at),
            user: t.and_then(|t| t.user.clone()),
            last_check: t.and_then(|t| t.last_success),
            last_error: t.and_then(|t| t.last_error.clone()),
            self_renewing: e.connector.grant == crate::domain::Grant::ClientCredentials
                || (e.connector.grant == crate::domain::Grant::Ropc
                    && e.secrets.password.is_some()),
        },
    }
}

pub fn rows(vault: &Vault) -> Result<Vec<ConnectorRow>, UiError> {
    let doc = vault.read().map_err(vault_error)?;
    Ok(doc.connectors.iter().map(row).collect())
}

/// Whether a change makes the stored tokens belong to another app, tenant or grant.
fn tokens_invalidated(old: &crate::domain::Connector, new: &crate::domain::Connector) -> bool {
    old.cloud != new.cloud
        || old.tenant != new.tenant
        || old.client_id != new.client_id
        || old.grant != new.grant
        || old.presets != new.presets
        || old.extra_scopes != new.extra_scopes
        || old.mailbox != new.mailbox
}

pub fn save(vault: &Vault, draft: ConnectorDraft) -> Result<Vec<ConnectorRow>, UiError> {
    use secrecy::ExposeSecret;
    let ConnectorDraft {
        connector,
        original_name,
        client_secret,
        username,
        password,
    } = draft;
    let doc = vault.update(|doc| -> Result<_, SaveError> {
        let taken = doc.connectors.iter().any(|e| {
            e.connector.name == connector.name && Some(&e.connector.name) != original_name.as_ref()
        });
        if taken {
            return Err(SaveError::Ui(
                UiError::new(
                    UiErrorKind::Vault,
                    format!("A connector named '{}' already exists.", connector.name),
                )
                .with_fix("choose another name"),
            ));
        }
        let ropc = connector.grant == crate::domain::Grant::Ropc;
        let entry = match &original_name {
            Some(old) => doc.get_mut(old).ok_or_else(|| {
                SaveError::Ui(connector_gone(
                    old,
                    "another graphmail process removed it; add it again",
                ))
            })?,
            None => {
                doc.connectors.push(ConnectorEntry {
                    connector: connector.clone(),
                    secrets: ConnectorSecrets::default(),
                    tokens: None,
                });
                doc.connectors.last_mut().ok_or_else(|| {
                    SaveError::Ui(UiError::new(
                        UiErrorKind::Other,
                        "The connector was not added.",
                    ))
                })?
            }
        };
        if tokens_invalidated(&entry.connector, &connector) {
            entry.tokens = None;
        }
        entry.connector = connector.clone();
        if let Some(s) = &client_secret {
            entry.secrets.client_secret = Some(s.expose_secret().to_string());
        }
        if ropc {
            if let Some(u) = &username {
                entry.secrets.username = Some(u.clone());
            }
            if let Some(p) = &password {
                entry.secrets.password = Some(p.expose_secret().to_string());
            }
        } else {
            // A grant without a password keeps none in the vault.
            entry.secrets.username = None;
            entry.secrets.password = None;
        }
        Ok(doc.connectors.iter().map(row).collect::<Vec<_>>())
    });
    doc.map_err(|e| match e {
        SaveError::Ui(u) => u,
        SaveError::Vault(v) => vault_error(v),
    })
}

pub fn delete(vault: &Vault, name: &str) -> Result<Vec<ConnectorRow>, UiError> {
    let r = vault.update(|doc| -> Result<_, SaveError> {
        let before = doc.connectors.len();
        doc.connectors.retain(|e| e.connector.name != name);
        if doc.connectors.len() == before {
            return Err(SaveError::Ui(connector_gone(
                name,
                "press r to reload the list",
            )));
        }
        Ok(doc.connectors.iter().map(row).collect::<Vec<_>>())
    });
    r.map_err(|e| match e {
        SaveError::Ui(u) => u,
        SaveError::Vault(v) => vault_error(v),
    })
}

/// Forgets the connector's tokens, as `graphmail connector logout` does; its settings and
/// secrets stay.
pub fn sign_out(vault: &Vault, name: &str) -> Result<Vec<ConnectorRow>, UiError> {
    crate::auth::forget_tokens(vault, name).map_err(|e| super::ui_error::auth_error(e, name))?;
    rows(vault)
}

enum SaveError {
    Ui(UiError),
    Vault(VaultError),
}

impl From<VaultError> for SaveError {
    fn from(e: VaultError) -> Self {
        SaveError::Vault(e)
    }
}
