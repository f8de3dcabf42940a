use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The OAuth 2.0 grant a connector signs in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grant {
    /// Authorization code + PKCE: the admin signs in at Microsoft; no password is stored.
    AuthCode,
    /// Device code: sign in on any other device with a short code.
    DeviceCode,
    /// Resource owner password credentials: the mailbox password is kept in the vault.
    Ropc,
    /// Client credentials: app-only access to a target mailbox.
    ClientCredentials,
}

impl Grant {
    pub const ALL: [Grant; 4] = [
        Grant::AuthCode,
        Grant::DeviceCode,
        Grant::Ropc,
        Grant::ClientCredentials,
    ];

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::AuthCode => "auth-code",
            Grant::DeviceCode => "device-code",
            Grant::Ropc => "ropc",
            Grant::ClientCredentials => "client-credentials",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Grant::AuthCode => "Authorization code (recommended)",
            Grant::DeviceCode => "Device code",
            Grant::Ropc => "Username + password (ROPC, discouraged)",
            Grant::ClientCredentials => "Client credentials (app-only)",
        }
    }

    /// Delegated grants act as a signed-in user; client credentials acts as the app itself.
    pub fn is_delegated(self) -> bool {
        !matches!(self, Grant::ClientCredentials)
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Grant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "auth-code" | "authorization-code" | "authcode" => Ok(Grant::AuthCode),
            "device-code" | "device" => Ok(Grant::DeviceCode),
            "ropc" | "password" => Ok(Grant::Ropc),
            "client-credentials" | "app-only" => Ok(Grant::ClientCredentials),
            other => Err(format!(
                "unknown grant '{other}': use auth-code, device-code, ropc or client-credentials"
            )),
        }
    }
}
