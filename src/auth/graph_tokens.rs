//! The Graph client's [`TokenSource`] backed by the vault: tokens renewed when they have less
//! than five minutes left, and again when Graph refuses one.

use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};

use crate::graph::{TokenError, TokenFuture, TokenSource};
use crate::vault::Vault;

use super::{AuthError, OAuthHttp, fresh_access_token_async, renew_access_token_async};

/// Tokens of one connector, for a [`crate::graph::GraphClient`].
pub struct VaultTokens {
    vault: Arc<Vault>,
    name: String,
    http: OAuthHttp,
    /// The token handed out last: the one a 401 refers to.
    last: Mutex<Option<SecretString>>,
}

impl VaultTokens {
    pub fn new(vault: Arc<Vault>, name: impl Into<String>, http: OAuthHttp) -> VaultTokens {
        VaultTokens {
            vault,
            name: name.into(),
            http,
            last: Mutex::new(None),
        }
    }

    fn remember(&self, token: &SecretString) {
        if let Ok(mut last) = self.last.lock() {
            *last = Some(SecretString::from(token.expose_secret()));
        }
    }
}

fn token_error(err: AuthError) -> TokenError {
    TokenError {
        message: err.to_string(),
        needs_sign_in: err.needs_sign_in(),
        fix: err.fix(),
    }
}

impl TokenSource for VaultTokens {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let token =
                fresh_access_token_async(self.vault.clone(), self.name.clone(), self.http.clone())
                    .await
                    .map_err(token_error)?
                    .into_secret();
            self.remember(&token);
            Ok(token)
        })
    }

    fn refresh(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let rejected = self
                .last
                .lock()
                .ok()
                .and_then(|l| l.as_ref().map(|t| SecretString::from(t.expose_secret())))
                .unwrap_or_else(|| SecretString::from(""));
            let token = renew_access_token_async(
                self.vault.clone(),
                self.name.clone(),
                self.http.clone(),
                rejected,
            )
            .await
            .map_err(token_error)?
            .into_secret();
            self.remember(&token);
            Ok(token)
        })
    }
}
