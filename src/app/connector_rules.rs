//! The wizard's view of the connector rules in `domain`: field checks and the permission
//! summary, shaped for the screens. Screens call only this module, so the rules live in one place.

use crate::domain::connector::redirect_uri_for_port;
use crate::domain::permissions::Preset;
use crate::domain::{Cloud, Grant};

/// Why a field's value cannot be saved: one sentence with the fix.
pub type FieldProblem = Option<String>;

pub fn check_name(name: &str, taken: &[&str]) -> FieldProblem {
    let name = name.trim();
    if name.is_empty() {
        return Some("Name is required: letters, digits, '.', '_' or '-'.".into());
    }
    if name.chars().count() > 64 {
        return Some("Name is too long: use at most 64 characters.".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Some(format!(
            "Name cannot contain '{c}': use letters, digits, '.', '_' or '-'."
        ));
    }
    if taken.iter().any(|t| t.eq_ignore_ascii_case(name)) {
        return Some(format!(
            "Name '{name}' is already used by another connector: choose another."
        ));
    }
    None
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub fn check_tenant(tenant: &str, grant: Grant) -> FieldProblem {
    let t = tenant.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Some(
            "Tenant ID is required: the Directory (tenant) ID from the app's Overview page, or the tenant's domain."
                .into(),
        );
    }
    if matches!(t.as_str(), "common" | "consumers") && grant == Grant::Ropc {
        return Some(format!(
            "Tenant '{t}' does not work with username + password (ROPC): use the tenant ID or domain."
        ));
    }
    if matches!(t.as_str(), "common" | "consumers" | "organizations")
        && grant == Grant::ClientCredentials
    {
        return Some(format!(
            "Tenant '{t}' does not work with client credentials: use the tenant ID or domain."
        ));
    }
    if matches!(t.as_str(), "common" | "consumers" | "organizations")
        || is_guid(&t)
        || is_domain(&t)
    {
        return None;
    }
    Some(
        "Tenant ID must be a GUID, a domain such as contoso.onmicrosoft.com, or organizations."
            .into(),
    )
}

pub fn check_client_id(id: &str) -> FieldProblem {
    let id = id.trim();
    if id.is_empty() {
        return Some(
            "Client ID is required: the Application (client) ID from the app's Overview page."
                .into(),
        );
    }
    (!is_guid(id)).then(|| {
        "Client ID must be a GUID like 11111111-2222-3333-4444-555555555555 (Application (client) ID)."
            .into()
    })
}

/// A custom cloud URL: https, or http only to a loopback address.
pub fn check_url(label: &str, url: &str) -> FieldProblem {
    let u = url.trim();
    if u.is_empty() {
        return Some(format!("{label} is required for a custom cloud."));
    }
    let Ok(parsed) = url::Url::parse(u) else {
        return Some(format!(
            "{label} is not a URL: write it like https://login.example.com."
        ));
    };
    let loopback = matches!(
        parsed.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    match parsed.scheme() {
        "https" => None,
        "http" if loopback => None,
        _ => Some(format!(
            "{label} must use https (plain http only for 127.0.0.1 or localhost)."
        )),
    }
}

pub fn check_client_secret(grant: Grant, typed: bool, stored: bool) -> FieldProblem {
    (grant == Grant::ClientCredentials && !typed && !stored).then(|| {
        "Client secret is required for client credentials: copy its Value from Certificates & secrets."
            .into()
    })
}

pub fn check_username(grant: Grant, username: &str) -> FieldProblem {
    if grant != Grant::Ropc {
        return None;
    }
    let u = username.trim();
    if u.is_empty() {
        return Some(
            "Username is required for ROPC: the mailbox user's UPN, like ana@contoso.com.".into(),
        );
    }
    (!u.contains('@')).then(|| "Username must be a UPN like ana@contoso.com.".into())
}

pub fn check_password(grant: Grant, typed: bool, stored: bool) -> FieldProblem {
    (grant == Grant::Ropc && !typed && !stored)
        .then(|| "Password is required for ROPC: the mailbox user's password.".into())
}

pub fn check_mailbox(grant: Grant, mailbox: &str) -> FieldProblem {
    let m = mailbox.trim();
    if grant == Grant::ClientCredentials && m.is_empty() {
        return Some(
            "Target mailbox is required for client credentials: the UPN of the mailbox to open."
                .into(),
        );
    }
    (!m.is_empty() && !m.contains('@'))
        .then(|| "Mailbox must be a UPN like shared@contoso.com.".into())
}

/// One scope as the picker's summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeLine {
    pub scope: String,
    pub application: bool,
    pub admin_consent: bool,
    pub enables: String,
}

/// The live summary beside the picker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PermissionView {
    /// Exactly what is requested from the identity platform.
    pub scope_string: String,
    pub scopes: Vec<ScopeLine>,
    pub warnings: Vec<String>,
    /// The redirect URI to register (auth code only).
    pub redirect_uri: Option<String>,
}

fn describe(scope: &str, application: bool) -> (bool, String) {
    let lower = scope.to_ascii_lowercase();
    let (admin, enables) = match lower.as_str() {
        "mail.read" => (application, "read folders and messages"),
        "mail.readwrite" => (application, "read, move, delete and mark messages"),
        "mail.send" => (application, "send, reply and forward"),
        "mail.read.shared" => (false, "read shared mailboxes"),
        "mail.send.shared" => (false, "send from shared mailboxes"),
        "user.read" => (application, "show who is signed in"),
        "offline_access" => (false, "stay signed in (refresh tokens)"),
        ".default" => (true, "the application permissions granted in the portal"),
        _ => (false, "not used by graphmail"),
    };
    (admin, enables.to_string())
}

fn canonical(scope: &str) -> Option<&'static str> {
    const KNOWN: [&str; 7] = [
        "Mail.Read",
        "Mail.ReadWrite",
        "Mail.Send",
        "Mail.Read.Shared",
        "Mail.Send.Shared",
        "User.Read",
        "offline_access",
    ];
    KNOWN.into_iter().find(|k| k.eq_ignore_ascii_case(scope))
}

/// What a connector with these choices will request, and what that means.
pub fn summarize(
    grant: Grant,
    presets: &[Preset],
    extra: &str,
    cloud: &Cloud,
    redirect_port: u16,
) -> PermissionView {
    let resource = cloud.graph_resource();
    let mut warnings = Vec::new();
    let mut wanted: Vec<String> = Vec::new();
    let push = |s: String, wanted: &mut Vec<String>| {
        if !wanted.iter().any(|w| w.eq_ignore_ascii_case(&s)) {
            wanted.push(s);
        }
    };
    for p in presets {
        for s in p.scopes() {
            push((*s).to_string(), &mut wanted);
        }
    }
    for raw in extra.split([' ', ',']).filter(|s| !s.trim().is_empty()) {
        let short = raw
            .trim()
            .strip_prefix(&format!("{resource}/"))
            .unwrap_or(raw.trim());
        match canonical(short) {
            Some(k) => push(k.to_string(), &mut wanted),
            None => {
                warnings.push(format!(
                    "{short} is not a permission graphmail knows; it is requested as typed."
                ));
                push(short.to_string(), &mut wanted);
            }
        }
    }
    if grant == Grant::ClientCredentials {
        let scope = format!("{resource}/.default");
        warnings.push(format!(
            "Client credentials request {scope}: the application permissions granted in the Azure portal apply, not the ones ticked here."
        ));
        warnings.push(
            "Application Mail permissions reach every mailbox in the tenant unless an application access policy limits the app."
                .into(),
        );
        let lines = wanted
            .iter()
            .filter(|s| *s != "offline_access")
            .map(|s| {
                let (_, enables) = describe(s, true);
                ScopeLine {
                    scope: s.clone(),
                    application: true,
                    // Every application permission needs an administrator's consent.
                    admin_consent: true,
                    enables,
                }
            })
            .collect();
        return PermissionView {
            scope_string: scope,
            scopes: lines,
            warnings,
            redirect_uri: None,
        };
    }
    push("offline_access".into(), &mut wanted);
    if wanted.iter().any(|s| s == "Mail.ReadWrite") && wanted.iter().any(|s| s == "Mail.Read") {
        warnings.push("Mail.ReadWrite includes Mail.Read, so Mail.Read is redundant.".into());
    }
    if grant == Grant::Ropc {
        warnings.push(
            "Username + password (ROPC) is discouraged: it fails with MFA and keeps the password in the vault."
                .into(),
        );
    }
    let scope_string = wanted
        .iter()
        .map(|s| {
            if s == "offline_access" || s.contains("://") {
                s.clone()
            } else {
                format!("{resource}/{s}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let scopes = wanted
        .iter()
        .map(|s| {
            let (admin, enables) = describe(s, false);
            ScopeLine {
                scope: s.clone(),
                application: false,
                admin_consent: admin,
                enables,
            }
        })
        .collect();
    PermissionView {
        scope_string,
        scopes,
        warnings,
        redirect_uri: (grant == Grant::AuthCode).then(|| redirect_uri_for_port(redirect_port)),
    }
}
