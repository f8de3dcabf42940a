//! What every grant needs to know about its connector, and what every grant returns.

use std::fmt;

use oauth2::TokenResponse;

use crate::domain::Connector;
use crate::domain::aadsts::{self, ErrorContext};
use crate::vault::{ConnectorEntry, ConnectorSecrets, TokenCache};

use super::oauth::{EntraErrorResponse, EntraTokenResponse};
use super::{AuthError, claims, scopes};

/// A connector with its secrets and the scopes it requests, ready for a grant.
pub struct FlowContext {
    pub connector: Connector,
    secrets: ConnectorSecrets,
    pub scopes: Vec<String>,
    /// Pre-fills the sign-in page (auth code): the user signed in last time, or the ROPC user.
    pub login_hint: Option<String>,
}

impl fmt::Debug for FlowContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowContext")
            .field("connector", &self.connector.name)
            .field("secrets", &self.secrets)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl FlowContext {
    pub fn new(entry: &ConnectorEntry) -> FlowContext {
        let login_hint = entry
            .tokens
            .as_ref()
            .and_then(|t| t.user.clone())
            .or_else(|| entry.secrets.username.clone());
        FlowContext {
            connector: entry.connector.clone(),
            secrets: entry.secrets.clone(),
            scopes: scopes::requested_scopes(&entry.connector),
            login_hint,
        }
    }

    pub fn client_secret(&self) -> Option<&str> {
        self.secrets
            .client_secret
            .as_deref()
            .filter(|s| !s.is_empty())
    }

    pub fn username(&self) -> Option<&str> {
        self.secrets.username.as_deref().filter(|s| !s.is_empty())
    }

    pub fn password(&self) -> Option<&str> {
        self.secrets.password.as_deref()
    }

    /// What the AADSTS decoder needs.
    pub fn error_context(&self) -> ErrorContext {
        ErrorContext {
            cloud: self.connector.cloud.clone(),
            tenant: self.connector.tenant.clone(),
            client_id: self.connector.client_id.clone(),
            grant: self.connector.grant,
            redirect_uri: self.connector.redirect_uri(),
            scopes: self.scopes.clone(),
        }
    }

    /// Decodes an identity error reply for this connector.
    pub fn identity_error(&self, resp: &EntraErrorResponse) -> AuthError {
        AuthError::identity(aadsts::decode(&resp.to_raw(), &self.error_context()))
    }
}

/// The outcome of a grant. `Debug` never shows a token.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// What the identity platform granted (from the reply's `scope`, or for app-only the
    /// token's `roles`).
    pub granted_scopes: Vec<String>,
    /// The signed-in user's UPN; `None` for app-only.
    pub user: Option<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("expires_at", &self.expires_at)
            .field("granted_scopes", &self.granted_scopes)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "set"))
            .field("user", &self.user)
            .finish()
    }
}

impl TokenSet {
    /// Reads a token reply received at `now` (Unix seconds). A reply whose access token is
    /// empty or malformed, or that says nothing of its lifetime, is refused before anything
    /// is kept.
    pub fn from_response(resp: &EntraTokenResponse, now: i64) -> Result<TokenSet, AuthError> {
        let access_token = resp.access_token().secret().clone();
        if let Err(why) = crate::domain::validate::check_access_token(&access_token) {
            return Err(AuthError::Protocol(format!(
                "the identity platform sent an access token that {why}, so it was refused and nothing was saved"
            )));
        }
        let lifetime = resp.expires_in().map(|d| d.as_secs()).ok_or_else(|| {
            AuthError::Protocol(
                "the identity platform sent a token without its lifetime (expires_in), so it was refused and nothing was saved".into(),
            )
        })?;
        let claims = claims::peek(&access_token);
        let mut granted_scopes: Vec<String> = resp
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        if granted_scopes.is_empty() {
            granted_scopes = claims.as_ref().map(|c| c.permissions()).unwrap_or_default();
        }
        let user = resp
            .extra_fields()
            .id_token
            .as_deref()
            .and_then(claims::peek)
            .and_then(|c| c.user())
            .or_else(|| claims.and_then(|c| c.user()));
        Ok(TokenSet {
            access_token,
            refresh_token: resp.refresh_token().map(|t| t.secret().clone()),
            expires_at: now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX)),
            granted_scopes,
            user,
        })
    }

    /// Writes the tokens into a connector's cache. A reply without a refresh token keeps the
    /// stored one (the identity platform may omit it on refresh).
    pub fn store(&self, cache: &mut TokenCache, now: i64) {
        cache.access_token = Some(self.access_token.clone());
        cache.expires_at = Some(self.expires_at);
        if !self.granted_scopes.is_empty() {
            cache.granted_scopes = self.granted_scopes.clone();
        }
        if let Some(rt) = &self.refresh_token {
            cache.refresh_token = Some(rt.clone());
            cache.refresh_issued_at = Some(now);
        }
        if self.user.is_some() {
            cache.user = self.user.clone();
        }
        cache.last_success = Some(now);
        cache.last_error = None;
    }
}
