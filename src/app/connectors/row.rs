//! A connector as the list shows it, and its token health: names and status, never a secret.

use crate::domain::Connector;
use crate::domain::access::Access;

/// A connector as the list shows it: no secrets, only whether they are set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorRow {
    pub connector: Connector,
    pub client_secret_set: bool,
    pub password_set: bool,
    pub username: Option<String>,
    pub token: TokenFacts,
    /// What its permissions allow (granted at sign-in, else requested).
    pub access: Access,
}

/// What is known about a connector's tokens, without the tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenFacts {
    /// Unix seconds at which the access token expires.
    pub expires_at: Option<i64>,
    pub has_refresh_token: bool,
    /// Unix seconds at which the current refresh token was issued.
    pub refresh_issued_at: Option<i64>,
    pub user: Option<String>,
    /// Unix seconds of the last successful sign-in, refresh or test.
    pub last_check: Option<i64>,
    pub last_error: Option<String>,
    /// Renews without a person while its credentials are stored: client credentials, or
    /// ROPC with a stored password. Never "needs sign-in" then.
    pub self_renewing: bool,
}

/// The token health the connector list, its details and `graphmail connector status` show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenHealth {
    Valid,
    ExpiresIn {
        minutes: i64,
    },
    /// The access token expired, a refresh token renews it on next use.
    Renewable,
    /// No usable access token, but the stored credentials get one without a person.
    RenewsItself,
    NeedsSignIn,
    Error(String),
}

impl TokenHealth {
    pub fn of(facts: &TokenFacts, now: i64) -> TokenHealth {
        if let Some(e) = &facts.last_error {
            return TokenHealth::Error(e.clone());
        }
        match facts.expires_at {
            Some(exp) if exp - now > 10 * 60 => TokenHealth::Valid,
            Some(exp) if exp > now => TokenHealth::ExpiresIn {
                minutes: ((exp - now) + 59) / 60,
            },
            _ if facts.self_renewing => TokenHealth::RenewsItself,
            _ if facts.has_refresh_token => TokenHealth::Renewable,
            _ => TokenHealth::NeedsSignIn,
        }
    }

    pub fn label(&self) -> String {
        match self {
            TokenHealth::Valid => "valid".into(),
            TokenHealth::ExpiresIn { minutes } => format!("expires in {minutes} min"),
            TokenHealth::Renewable => "renews on use".into(),
            TokenHealth::RenewsItself => "renews by itself".into(),
            TokenHealth::NeedsSignIn => "needs sign-in".into(),
            TokenHealth::Error(_) => "error".into(),
        }
    }
}
