//! The permission catalog and `summarize()`: what a connector will request, and what that means.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A predefined permission offered by the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Fetch mail: Mail.Read.
    Fetch,
    /// Read and write mail (move, delete, mark): Mail.ReadWrite.
    Readwrite,
    /// Send mail: Mail.Send.
    Send,
    /// Shared mailboxes: Mail.Read.Shared, Mail.Send.Shared.
    Shared,
    /// The signed-in user's profile: User.Read.
    Profile,
    /// Keep signed in (refresh tokens): offline_access.
    Offline,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::Fetch,
        Preset::Readwrite,
        Preset::Send,
        Preset::Shared,
        Preset::Profile,
        Preset::Offline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Fetch => "fetch",
            Preset::Readwrite => "readwrite",
            Preset::Send => "send",
            Preset::Shared => "shared",
            Preset::Profile => "profile",
            Preset::Offline => "offline",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Preset::Fetch => "Fetch mail",
            Preset::Readwrite => "Read and write mail",
            Preset::Send => "Send mail",
            Preset::Shared => "Shared mailboxes",
            Preset::Profile => "Profile",
            Preset::Offline => "Keep signed in",
        }
    }

    /// The Graph (or OIDC) scopes in short form.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Preset::Fetch => &["Mail.Read"],
            Preset::Readwrite => &["Mail.ReadWrite"],
            Preset::Send => &["Mail.Send"],
            Preset::Shared => &["Mail.Read.Shared", "Mail.Send.Shared"],
            Preset::Profile => &["User.Read"],
            Preset::Offline => &["offline_access"],
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase();
        Preset::ALL
            .into_iter()
            .find(|p| p.as_str() == key || (key == "read" && *p == Preset::Fetch))
            .ok_or_else(|| {
                format!(
                    "permissions: unknown permission '{}': use fetch, readwrite, send, shared, profile or offline",
                    s.trim()
                )
            })
    }
}
