//! The token cache in the vault and [`fresh_access_token`].
//!
//! A token with less than [`REFRESH_MARGIN_SECS`] left is renewed inside the vault's lock, so
//! one process at a time refreshes a connector; whoever takes the lock next re-reads the cache
//! and finds the new tokens. The rotated refresh token is saved (atomically, by the vault)
//! before the new access token is handed out.

use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use tokio::runtime::Handle;

use crate::domain::Grant;
use crate::vault::{ConnectorEntry, TokenCache, Vault};

use super::oauth::OAuthHttp;
use super::{AuthError, FlowContext, TokenSet, client_credentials, now, refresh, ropc};

/// Renew when less than this is left (seconds).
pub const REFRESH_MARGIN_SECS: i64 = 5 * 60;

/// A valid access token for a connector.
pub struct FreshToken {
    access_token: SecretString,
    /// Unix seconds.
    pub expires_at: i64,
    pub user: Option<String>,
    pub granted_scopes: Vec<String>,
    /// True when this call renewed the token.
    pub renewed: bool,
}

impl FreshToken {
    /// The bearer token, for an `Authorization` header.
    pub fn secret(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// The bearer token, kept secret.
    pub fn into_secret(self) -> SecretString {
        self.access_token
    }

    fn from_cache(cache: &TokenCache, renewed: bool) -> Option<FreshToken> {
        Some(FreshToken {
            access_token: SecretString::from(cache.access_token.clone()?),
            expires_at: cache.expires_at?,
            user: cache.user.clone(),
            granted_scopes: cache.granted_scopes.clone(),
            renewed,
        })
    }
}

impl fmt::Debug for FreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FreshToken")
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .field("renewed", &self.renewed)
            .finish()
    }
}

/// The cached token when it has at least the margin left.
fn usable(entry: &ConnectorEntry, now: i64) -> Option<FreshToken> {
    let cache = entry.tokens.as_ref()?;
    match cache.expires_at {
        Some(exp) if exp - now >= REFRESH_MARGIN_SECS => FreshToken::from_cache(cache, false),
        _ => None,
    }
}

/// A valid access token for connector `name`, renewed first when it has less than five
/// minutes left: with the refresh token, or for client credentials (and ROPC without a
/// refresh token) with the stored secret. Blocks; the HTTP runs on `rt`, which must be a
/// multi-threaded runtime (or one another thread is driving). From async code use
/// [`fresh_access_token_async`].
pub fn fresh_access_token(
    vault: &Vault,
    name: &str,
    http: &OAuthHttp,
    rt: &Handle,
) -> Result<FreshToken, AuthError> {
    let doc = vault.read()?;
    let entry = doc
        .get(name)
        .ok_or_else(|| AuthError::UnknownConnector(name.to_string()))?;
    if let Some(token) = usable(entry, now()) {
        return Ok(token);
    }
    drop(doc);
    renew_locked(vault, name, http, rt, None)
}

/// A new access token after a service refused `rejected` (HTTP 401), whatever its expiry
/// says. When another process already replaced it, that newer token is returned.
pub fn renew_access_token(
    vault: &Vault,
    name: &str,
    http: &OAuthHttp,
    rt: &Handle,
    rejected: &str,
) -> Result<FreshToken, AuthError> {
    renew_locked(vault, name, http, rt, Some(rejected))
}

fn renew_locked(
    vault: &Vault,
    name: &str,
    http: &OAuthHttp,
    rt: &Handle,
    rejected: Option<&str>,
) -> Result<FreshToken, AuthError> {
    vault.update(|doc| {
        let entry = doc
            .get_mut(name)
            .ok_or_else(|| AuthError::UnknownConnector(name.to_string()))?;
        // Another process may have renewed it while this one waited for the lock.
        let cached = entry
            .tokens
            .as_ref()
            .and_then(|t| t.access_token.as_deref());
        if cached.is_some()
            && cached != rejected
            && let Some(token) = usable(entry, now())
        {
            tracing::info!(connector = name, "token renewed by another process");
            return Ok(token);
        }
        let set = rt.block_on(renew(entry, http))?;
        let at = now();
        let cache = entry.tokens.get_or_insert_with(TokenCache::default);
        set.store(cache, at);
        FreshToken::from_cache(cache, true)
            .ok_or_else(|| AuthError::Protocol("the renewed token was not stored".into()))
    })
}

/// [`fresh_access_token`] for async callers: the vault lock is taken on a blocking thread.
pub async fn fresh_access_token_async(
    vault: Arc<Vault>,
    name: String,
    http: OAuthHttp,
) -> Result<FreshToken, AuthError> {
    let rt = Handle::current();
    tokio::task::spawn_blocking(move || fresh_access_token(&vault, &name, &http, &rt))
        .await
        .map_err(|_| AuthError::Protocol("the token renewal stopped unexpectedly".into()))?
}

/// [`renew_access_token`] for async callers.
pub async fn renew_access_token_async(
    vault: Arc<Vault>,
    name: String,
    http: OAuthHttp,
    rejected: SecretString,
) -> Result<FreshToken, AuthError> {
    let rt = Handle::current();
    tokio::task::spawn_blocking(move || {
        renew_access_token(&vault, &name, &http, &rt, rejected.expose_secret())
    })
    .await
    .map_err(|_| AuthError::Protocol("the token renewal stopped unexpectedly".into()))?
}

async fn renew(entry: &ConnectorEntry, http: &OAuthHttp) -> Result<TokenSet, AuthError> {
    let ctx = FlowContext::new(entry);
    let name = &entry.connector.name;
    let refresh_token = entry
        .tokens
        .as_ref()
        .and_then(|t| t.refresh_token.clone())
        .filter(|t| !t.is_empty());
    let (flow, result) = match (refresh_token, entry.connector.grant) {
        (Some(rt), _) => ("refresh", refresh::run(&ctx, http, &rt).await),
        (None, Grant::ClientCredentials) => (
            "client-credentials",
            client_credentials::run(&ctx, http).await,
        ),
        (None, Grant::Ropc) if ctx.password().is_some() => ("ropc", ropc::run(&ctx, http).await),
        (None, _) => return Err(AuthError::NotSignedIn(name.clone())),
    };
    match &result {
        Ok(_) => tracing::info!(connector = %name, flow, "token renewed"),
        Err(e) => {
            tracing::warn!(connector = %name, flow, code = e.code(), aadsts = ?e.aadsts(), "token renewal failed")
        }
    }
    result
}

/// Saves a finished sign-in as the connector's token cache (replacing the previous one).
pub fn save_sign_in(vault: &Vault, name: &str, set: &TokenSet) -> Result<(), AuthError> {
    vault.update(|doc| {
        let entry = doc
            .get_mut(name)
            .ok_or_else(|| AuthError::UnknownConnector(name.to_string()))?;
        let mut cache = TokenCache::default();
        set.store(&mut cache, now());
        entry.tokens = Some(cache);
        Ok(())
    })
}

/// Forgets a connector's tokens. Returns whether there were any.
pub fn forget_tokens(vault: &Vault, name: &str) -> Result<bool, AuthError> {
    vault.update(|doc| {
        let entry = doc
            .get_mut(name)
            .ok_or_else(|| AuthError::UnknownConnector(name.to_string()))?;
        Ok(entry.tokens.take().is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Cloud, Connector, Grant};

    fn entry(expires_at: Option<i64>) -> ConnectorEntry {
        let mut cache = TokenCache::default();
        cache.access_token = Some("at".into());
        cache.expires_at = expires_at;
        ConnectorEntry {
            connector: Connector {
                name: "c".into(),
                cloud: Cloud::Global,
                tenant: "contoso.onmicrosoft.com".into(),
                client_id: "11111111-2222-3333-4444-555555555555".into(),
                grant: Grant::DeviceCode,
                presets: vec![],
                extra_scopes: vec![],
                mailbox: None,
                redirect_port: 8400,
            },
            secrets: Default::default(),
            tokens: Some(cache),
        }
    }

    #[test]
    fn a_token_is_used_only_with_five_minutes_or_more_left() {
        let now = 1_000_000;
        assert!(usable(&entry(Some(now + 301)), now).is_some());
        assert!(usable(&entry(Some(now + 300)), now).is_some());
        assert!(usable(&entry(Some(now + 299)), now).is_none());
        assert!(usable(&entry(None), now).is_none());
    }
}
