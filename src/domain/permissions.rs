//! The permission catalog and `summarize()`: what a connector will request, and what that means.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Cloud, Grant};

pub mod graph_catalog;

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

/// The presets a new connector gets when the admin picks none: fetch and send, plus for
/// delegated grants the profile (User.Read, so `connector test` can show who is signed in) and
/// keep signed in. Client credentials gets fetch and send as application permissions: there is
/// no app-only User.Read or offline_access.
pub fn default_presets(grant: Grant) -> Vec<Preset> {
    if grant.is_delegated() {
        vec![
            Preset::Fetch,
            Preset::Send,
            Preset::Profile,
            Preset::Offline,
        ]
    } else {
        vec![Preset::Fetch, Preset::Send]
    }
}

/// Parses a comma- or space-separated list of preset names (`fetch,send`).
pub fn parse_presets(text: &str) -> Result<Vec<Preset>, String> {
    let mut out = Vec::new();
    for word in split_list(text) {
        let preset: Preset = word.parse()?;
        if !out.contains(&preset) {
            out.push(preset);
        }
    }
    Ok(out)
}

/// Who can consent to a delegated permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consent {
    /// Each user can consent for themselves (unless the tenant forbids user consent).
    User,
    /// Only a tenant admin can consent.
    Admin,
}

/// One permission graphmail knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Canonical spelling, e.g. `Mail.ReadWrite`.
    pub name: &'static str,
    /// An OpenID Connect scope (`offline_access`, `openid`, …): never prefixed with a resource.
    pub oidc: bool,
    /// The delegated form and who may consent to it; `None` when there is none.
    pub delegated: Option<Consent>,
    /// Whether an application form exists (application permissions always need admin consent).
    pub application: bool,
    /// What the permission lets graphmail do, acting as the signed-in user.
    pub enables: &'static str,
    /// What the application form lets graphmail do.
    pub enables_app: &'static str,
}

const fn graph(
    name: &'static str,
    delegated: Option<Consent>,
    application: bool,
    enables: &'static str,
    enables_app: &'static str,
) -> CatalogEntry {
    CatalogEntry {
        name,
        oidc: false,
        delegated,
        application,
        enables,
        enables_app,
    }
}

const fn oidc(name: &'static str, enables: &'static str) -> CatalogEntry {
    CatalogEntry {
        name,
        oidc: true,
        delegated: Some(Consent::User),
        application: false,
        enables,
        enables_app: "",
    }
}

const USER: Option<Consent> = Some(Consent::User);
const ADMIN: Option<Consent> = Some(Consent::Admin);

/// The mail-related Microsoft Graph permissions and OpenID Connect scopes, in display order.
pub const CATALOG: &[CatalogEntry] = &[
    graph(
        "Mail.ReadBasic",
        USER,
        true,
        "list folders and messages without bodies or attachments",
        "list messages without bodies or attachments in every mailbox",
    ),
    graph(
        "Mail.ReadBasic.All",
        None,
        true,
        "",
        "list messages without bodies or attachments in every mailbox",
    ),
    graph(
        "Mail.Read",
        USER,
        true,
        "read folders, messages and attachments",
        "read folders, messages and attachments in every mailbox",
    ),
    graph(
        "Mail.ReadWrite",
        USER,
        true,
        "read, move, delete and mark messages, save drafts",
        "read, move, delete and mark messages in every mailbox",
    ),
    graph(
        "Mail.Send",
        USER,
        true,
        "send, reply and forward as the signed-in user",
        "send, reply and forward as any user",
    ),
    graph(
        "Mail.Read.Shared",
        USER,
        false,
        "read shared and delegated mailboxes",
        "",
    ),
    graph(
        "Mail.ReadWrite.Shared",
        USER,
        false,
        "read and change shared and delegated mailboxes",
        "",
    ),
    graph(
        "Mail.Send.Shared",
        USER,
        false,
        "send as or on behalf of a shared mailbox",
        "",
    ),
    graph(
        "MailboxSettings.Read",
        USER,
        true,
        "read mailbox settings (time zone, automatic replies)",
        "read every user's mailbox settings",
    ),
    graph(
        "MailboxSettings.ReadWrite",
        USER,
        true,
        "change mailbox settings, including automatic replies and forwarding rules",
        "change every user's mailbox settings",
    ),
    graph(
        "User.Read",
        USER,
        false,
        "show who is signed in (name and address)",
        "",
    ),
    graph(
        "User.Read.All",
        ADMIN,
        true,
        "look up other users' profiles",
        "look up users to resolve the target mailbox",
    ),
    oidc(
        "offline_access",
        "stay signed in: refresh tokens renew access without a new sign-in",
    ),
    oidc("openid", "sign-in identity (ID token)"),
    oidc("profile", "the signed-in user's name in the ID token"),
    oidc("email", "the signed-in user's address in the ID token"),
];

/// Finds a permission by name, ignoring case.
pub fn lookup(name: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.name.eq_ignore_ascii_case(name))
}

/// Every Graph resource graphmail knows; a full-URI scope naming one of them is a Graph scope.
pub const GRAPH_RESOURCES: [&str; 4] = [
    "https://graph.microsoft.com",
    "https://graph.microsoft.us",
    "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn",
];

/// One additional scope as the admin typed it, after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRef {
    /// A permission in the catalog (canonical spelling).
    Known(&'static CatalogEntry),
    /// A Graph scope graphmail does not know, kept as typed (short form).
    Unknown(String),
    /// A full URI for a resource other than Microsoft Graph, kept verbatim.
    Foreign(String),
    /// `.default`: every permission already granted to the app.
    Default,
}

impl ScopeRef {
    /// The normalised text stored for the scope.
    pub fn text(&self) -> String {
        match self {
            ScopeRef::Known(e) => e.name.to_string(),
            ScopeRef::Unknown(s) | ScopeRef::Foreign(s) => s.clone(),
            ScopeRef::Default => ".default".to_string(),
        }
    }
}

/// Additional scopes parsed from free text, with notes about how they were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedScopes {
    pub scopes: Vec<ScopeRef>,
    pub warnings: Vec<String>,
}

/// Splits a list on commas and whitespace, dropping empty items.
pub fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

/// Reads additional scopes (short names or full URIs, separated by spaces or commas) for a
/// cloud: Graph URIs become short names, names match the catalog ignoring case, and repeats are
/// dropped. Unknown scopes are kept, each with a warning.
pub fn parse_scopes(text: &str, cloud: &Cloud) -> ParsedScopes {
    let resource = cloud.graph_resource();
    let mut out = ParsedScopes::default();
    for word in split_list(text) {
        let parsed = parse_one(word, &resource, &mut out.warnings);
        let dup = out
            .scopes
            .iter()
            .any(|s| s.text().eq_ignore_ascii_case(&parsed.text()));
        if !dup {
            out.scopes.push(parsed);
        }
    }
    out
}

fn parse_one(word: &str, resource: &str, warnings: &mut Vec<String>) -> ScopeRef {
    let short = match word.rsplit_once('/') {
        Some((prefix, name)) if word.contains("://") => {
            if name.is_empty() {
                warnings.push(format!(
                    "{word} names no permission: write it as <resource>/<Permission>, e.g. {resource}/Mail.Read"
                ));
                return ScopeRef::Foreign(word.to_string());
            }
            let prefix = prefix.trim_end_matches('/');
            let graph = GRAPH_RESOURCES
                .iter()
                .find(|r| r.eq_ignore_ascii_case(prefix));
            match graph {
                Some(r) if r.eq_ignore_ascii_case(resource) => name,
                Some(r) => {
                    warnings.push(format!(
                        "{word} names {r}, but this connector's Graph is {resource}; it is requested for {resource}"
                    ));
                    name
                }
                None => {
                    warnings.push(format!(
                        "{word} is not a Microsoft Graph scope; one token covers one resource, so sign-in may fail: remove it unless you know the resource accepts it"
                    ));
                    return ScopeRef::Foreign(word.to_string());
                }
            }
        }
        _ => word,
    };
    if short.eq_ignore_ascii_case(".default") {
        return ScopeRef::Default;
    }
    if let Some(entry) = lookup(short) {
        return ScopeRef::Known(entry);
    }
    // A published Graph permission graphmail has no use for is still a real one.
    if let Some(published) = graph_catalog::find(short) {
        return ScopeRef::Unknown(published.name.clone());
    }
    let names: Vec<&'static str> = CATALOG.iter().map(|e| e.name).collect();
    match graph_catalog::suggest(short, &names) {
        Some(meant) => warnings.push(format!(
            "{short} is not a Microsoft Graph permission: did you mean {meant}?"
        )),
        None => warnings.push(format!(
            "{short} is not a Microsoft Graph permission graphmail knows; it is requested as typed: check the spelling against the Graph permissions reference"
        )),
    }
    ScopeRef::Unknown(short.to_string())
}

#[cfg(test)]
mod tests;
