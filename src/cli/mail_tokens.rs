//! The access token the mail commands use, taken from the connector's entry in the vault.

use secrecy::SecretString;

use super::{CliError, CliResult, Exit};
use crate::graph::{TokenError, TokenFuture, TokenSource};
use crate::vault::ConnectorEntry;

/// Seconds of validity a cached token must have left to be used.
const MARGIN_SECS: i64 = 60;

/// The connector's cached access token, while it is valid.
pub struct CachedToken {
    name: String,
    token: SecretString,
}

impl CachedToken {
    pub fn from_entry(entry: &ConnectorEntry) -> CliResult<CachedToken> {
        let name = entry.connector.name.clone();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let cache = entry.tokens.as_ref();
        let token = cache.and_then(|t| t.access_token.as_deref()).filter(|_| {
            cache
                .and_then(|t| t.expires_at)
                .is_some_and(|exp| exp > now + MARGIN_SECS)
        });
        match token {
            Some(t) => Ok(CachedToken {
                name,
                token: SecretString::from(t),
            }),
            None => Err(CliError::new(
                Exit::SignIn,
                "sign_in_needed",
                format!("connector '{name}' has no valid access token"),
            )
            .with_fix(format!(
                "sign it in with `graphmail connector login {name}`"
            ))),
        }
    }
}

impl TokenSource for CachedToken {
    fn token(&self) -> TokenFuture<'_> {
        let token = self.token.clone();
        Box::pin(async move { Ok(token) })
    }

    fn refresh(&self) -> TokenFuture<'_> {
        let message = format!(
            "Graph refused the access token of connector '{}'",
            self.name
        );
        Box::pin(async move {
            Err(TokenError {
                message,
                needs_sign_in: true,
            })
        })
    }
}
