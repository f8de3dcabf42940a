//! The emulated tenant: its users and app registrations, loaded from a seed file.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantSeed {
    pub tenant: TenantInfo,
    pub users: Vec<UserSeed>,
    pub apps: Vec<AppSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantInfo {
    /// Tenant GUID.
    pub id: String,
    /// Verified domain, e.g. `contoso-demo.onmicrosoft.com`.
    pub domain: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserSeed {
    /// Object id (GUID).
    pub id: String,
    pub upn: String,
    pub display_name: String,
    /// Demo data: printed by `graphmail emulator --json`.
    pub password: String,
    #[serde(default)]
    pub mfa: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    /// "Allow public client flows": device code, ROPC and auth code without a secret.
    Public,
    /// Has a client secret, which it must send.
    Confidential,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppSeed {
    pub client_id: String,
    pub name: String,
    pub kind: AppKind,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Delegated Graph permissions consented for this app (short names).
    #[serde(default)]
    pub delegated: Vec<String>,
    /// Application permissions granted with admin consent (short names).
    #[serde(default)]
    pub application: Vec<String>,
}
