//! The versioned document kept inside the vault.

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::domain::Connector;

/// The schema version this build writes. A vault with a higher one is refused, untouched.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VaultDocument {
    pub schema: u32,
    #[serde(default)]
    pub connectors: Vec<ConnectorEntry>,
    /// Users the SMTP relay accepts with AUTH: names and argon2 PHC hashes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relay_users: Vec<RelayUser>,
}

/// A relay user: the name and the argon2 hash of the password (never the password).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RelayUser {
    pub name: String,
    pub hash: String,
}

impl VaultDocument {
    pub fn new() -> Self {
        VaultDocument {
            schema: SCHEMA_VERSION,
            connectors: Vec::new(),
            relay_users: Vec::new(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&ConnectorEntry> {
        self.connectors.iter().find(|e| e.connector.name == name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut ConnectorEntry> {
        self.connectors
            .iter_mut()
            .find(|e| e.connector.name == name)
    }
}

/// One connector with everything secret about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectorEntry {
    pub connector: Connector,
    #[serde(default)]
    pub secrets: ConnectorSecrets,
    #[serde(default)]
    pub tokens: Option<TokenCache>,
}

/// Secrets of a connector. `Debug` never prints them.
#[derive(Clone, Default, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ConnectorSecrets {
    #[serde(default)]
    pub client_secret: Option<String>,
    /// ROPC only.
    #[serde(default)]
    pub username: Option<String>,
    /// ROPC only.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for ConnectorSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |o: &Option<String>| if o.is_some() { "set" } else { "not set" };
        f.debug_struct("ConnectorSecrets")
            .field("client_secret", &set(&self.client_secret))
            .field("username", &set(&self.username))
            .field("password", &set(&self.password))
            .finish()
    }
}

/// Tokens of a signed-in connector, plus health facts shown by `connector status`.
#[derive(Clone, Default, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct TokenCache {
    #[serde(default)]
    pub access_token: Option<String>,
    /// Unix seconds.
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub granted_scopes: Vec<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Unix seconds at which the current refresh token was issued.
    #[serde(default)]
    pub refresh_issued_at: Option<i64>,
    /// The signed-in user (UPN), when known.
    #[serde(default)]
    pub user: Option<String>,
    /// Unix seconds of the last successful use.
    #[serde(default)]
    pub last_success: Option<i64>,
    #[serde(default)]
    pub last_error: Option<String>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("access_token", &self.access_token.as_ref().map(|_| "set"))
            .field("expires_at", &self.expires_at)
            .field("granted_scopes", &self.granted_scopes)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "set"))
            .field("user", &self.user)
            .finish()
    }
}
