//! Access tokens for the mailbox screen, from the connector's entry in the vault.
//!
//! The token cached at sign-in is used while it is valid; when Graph refuses it, the vault is
//! read again (another graphmail may have signed the connector in meanwhile). Renewing with a
//! refresh token belongs to the sign-in service; this source is the one place to switch to it.

use std::sync::{Arc, Mutex};

use secrecy::SecretString;

use crate::graph::{TokenError, TokenFuture, TokenSource};
use crate::vault::{ConnectorEntry, Vault};

/// Seconds of validity a cached token must have left to be used.
const MARGIN_SECS: i64 = 60;

pub struct VaultToken {
    vault: Arc<Vault>,
    name: String,
    current: Mutex<Option<SecretString>>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn valid_token(entry: &ConnectorEntry) -> Option<SecretString> {
    let cache = entry.tokens.as_ref()?;
    let exp = cache.expires_at?;
    (exp > now() + MARGIN_SECS)
        .then(|| cache.access_token.as_deref().map(SecretString::from))
        .flatten()
}

impl VaultToken {
    pub fn new(vault: Arc<Vault>, entry: &ConnectorEntry) -> VaultToken {
        VaultToken {
            vault,
            name: entry.connector.name.clone(),
            current: Mutex::new(valid_token(entry)),
        }
    }

    fn needs_sign_in(&self) -> TokenError {
        TokenError {
            message: format!(
                "Connector '{}' has no valid access token: sign it in from the connector list (s).",
                self.name
            ),
            needs_sign_in: true,
        }
    }

    fn reread(&self) -> Result<SecretString, TokenError> {
        let doc = self.vault.read().map_err(|_| TokenError {
            message: "The vault could not be read for the connector's token.".into(),
            needs_sign_in: false,
        })?;
        let fresh = doc
            .get(&self.name)
            .and_then(valid_token)
            .ok_or_else(|| self.needs_sign_in())?;
        if let Ok(mut c) = self.current.lock() {
            *c = Some(fresh.clone());
        }
        Ok(fresh)
    }
}

impl TokenSource for VaultToken {
    fn token(&self) -> TokenFuture<'_> {
        let cached = self.current.lock().ok().and_then(|c| c.clone());
        Box::pin(async move {
            match cached {
                Some(t) => Ok(t),
                None => self.reread(),
            }
        })
    }

    fn refresh(&self) -> TokenFuture<'_> {
        let before = self.current.lock().ok().and_then(|c| c.clone());
        Box::pin(async move {
            use secrecy::ExposeSecret;
            let fresh = self.reread()?;
            match before {
                Some(old) if old.expose_secret() == fresh.expose_secret() => {
                    Err(self.needs_sign_in())
                }
                _ => Ok(fresh),
            }
        })
    }
}
