use serde::{Deserialize, Serialize};

use super::permissions::Preset;
use super::summary::{PermissionSummary, summarize};
use super::{Cloud, Grant};

/// The default loopback port of the authorization-code redirect (`http://localhost:<port>/`).
pub const DEFAULT_REDIRECT_PORT: u16 = 8400;

/// A Graph mail integration, without its secrets.
///
/// The client secret and the ROPC username + password live beside it in the vault document
/// (`vault::ConnectorSecrets`), never here, so a `Connector` can be shown, logged and put
/// into the TUI model freely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connector {
    pub name: String,
    pub cloud: Cloud,
    /// A tenant GUID, a verified domain, or `organizations` / `common` / `consumers`.
    pub tenant: String,
    pub client_id: String,
    pub grant: Grant,
    /// The predefined permissions chosen in the picker.
    #[serde(default)]
    pub presets: Vec<Preset>,
    /// Further scopes typed by the admin, normalised (short form for Graph scopes).
    #[serde(default)]
    pub extra_scopes: Vec<String>,
    /// Target mailbox for app-only connectors; a shared mailbox for delegated ones.
    #[serde(default)]
    pub mailbox: Option<String>,
    #[serde(default = "default_redirect_port")]
    pub redirect_port: u16,
}

fn default_redirect_port() -> u16 {
    DEFAULT_REDIRECT_PORT
}

impl Connector {
    /// The redirect URI to register in the Azure portal (auth-code grant).
    pub fn redirect_uri(&self) -> String {
        redirect_uri_for_port(self.redirect_port)
    }
}

/// `http://localhost:<port>/`: the loopback redirect URI for a port.
pub fn redirect_uri_for_port(port: u16) -> String {
    format!("http://localhost:{port}/")
}

/// What to say when the redirect `port` is taken on this machine, so nothing can listen for
/// the browser's return: the port, and the fix — paste the final address, or another port
/// (`how_to_change` says how on this surface, given the port it suggests) whose redirect URI
/// must then be registered.
pub fn port_in_use(port: u16, how_to_change: impl Fn(u16) -> String) -> String {
    let other = port.checked_add(1).unwrap_or(DEFAULT_REDIRECT_PORT);
    format!(
        "port {port} on 127.0.0.1 is in use by another program, so nothing listens for the browser's return: paste the address the browser ends on, or choose another port ({}) and register its redirect URI {} in the Azure portal (the app's Authentication page, Mobile and desktop applications)",
        how_to_change(other),
        redirect_uri_for_port(other)
    )
}

impl Connector {
    /// The permission summary of this connector's grant, cloud and permissions.
    pub fn permission_summary(&self) -> PermissionSummary {
        summarize(
            self.grant,
            &self.cloud,
            &self.presets,
            &self.extra_scopes.join(" "),
            self.redirect_port,
        )
    }

    /// The scopes sign-in requests, in order (`<graph resource>/.default` for client credentials).
    pub fn scopes(&self) -> Vec<String> {
        self.permission_summary().request
    }
}
