//! Validation of connector fields. Each message names the field and says how to fix it, and
//! carries the [`Field`] so a form can show it beside the right input.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::permissions::CATALOG;
use super::summary::summarize;
use super::{Cloud, Connector, Grant};

/// An input of the connector form (or a flag of `connector add`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Cloud,
    LoginUrl,
    GraphUrl,
    Tenant,
    ClientId,
    Grant,
    ClientSecret,
    Username,
    Password,
    Permissions,
    Scopes,
    Mailbox,
    RedirectPort,
}

impl Field {
    /// How messages name the field.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Cloud => "cloud",
            Field::LoginUrl => "login URL",
            Field::GraphUrl => "Graph URL",
            Field::Tenant => "tenant",
            Field::ClientId => "client ID",
            Field::Grant => "grant",
            Field::ClientSecret => "client secret",
            Field::Username => "username",
            Field::Password => "password",
            Field::Permissions => "permissions",
            Field::Scopes => "scopes",
            Field::Mailbox => "mailbox",
            Field::RedirectPort => "redirect port",
        }
    }

    /// The command-line flag that sets the field.
    pub fn flag(self) -> &'static str {
        match self {
            Field::Name => "NAME",
            Field::Cloud => "--cloud",
            Field::LoginUrl => "--login-url",
            Field::GraphUrl => "--graph-url",
            Field::Tenant => "--tenant",
            Field::ClientId => "--client-id",
            Field::Grant => "--grant",
            Field::ClientSecret => "--client-secret-file / --client-secret-stdin",
            Field::Username => "--username",
            Field::Password => "--password-file / --password-stdin",
            Field::Permissions => "--permissions",
            Field::Scopes => "--scopes",
            Field::Mailbox => "--mailbox",
            Field::RedirectPort => "--redirect-port",
        }
    }
}

/// A problem with one field: `message` starts with the field's label and ends with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, what: impl fmt::Display) -> Self {
        FieldError {
            field,
            message: format!("{}: {what}", field.label()),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}

pub type FieldResult<T = ()> = Result<T, FieldError>;

/// Which secrets a connector has, without the secrets themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecretPresence {
    pub client_secret: bool,
    pub username: bool,
    pub password: bool,
}

/// The kinds of value the tenant field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantKind {
    Guid,
    Domain,
    Organizations,
    Common,
    Consumers,
}

impl TenantKind {
    /// A tenant of its own (GUID or verified domain), not a multi-tenant alias.
    pub fn is_specific(self) -> bool {
        matches!(self, TenantKind::Guid | TenantKind::Domain)
    }
}

/// Connector names: 1–64 characters of letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit.
pub fn validate_name(name: &str) -> FieldResult {
    if name.is_empty() {
        return Err(FieldError::new(
            Field::Name,
            "it is empty: give the connector a short name such as contoso-support",
        ));
    }
    if name.chars().count() > 64 {
        return Err(FieldError::new(
            Field::Name,
            format!(
                "it has {} characters: shorten it to at most 64",
                name.chars().count()
            ),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(FieldError::new(
            Field::Name,
            format!(
                "{bad:?} is not allowed: use only letters, digits, '.', '_' and '-', e.g. contoso-support"
            ),
        ));
    }
    // `.` and `..` name folders, and a leading `-` reads as a flag on a command line.
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(FieldError::new(
            Field::Name,
            format!(
                "'{name}' does not start with a letter or digit ('.', '..' and a leading '-' read as a folder or a flag): start it with one, e.g. contoso-support"
            ),
        ));
    }
    Ok(())
}

/// A name must also differ from every other connector's name.
pub fn validate_name_unique<'a>(
    name: &str,
    others: impl IntoIterator<Item = &'a str>,
) -> FieldResult {
    validate_name(name)?;
    if others.into_iter().any(|o| o == name) {
        return Err(FieldError::new(
            Field::Name,
            format!(
                "a connector named '{name}' already exists: choose another name, or edit that connector"
            ),
        ));
    }
    Ok(())
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` with hex digits.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_nil_guid(s: &str) -> bool {
    s.chars().all(|c| c == '0' || c == '-')
}

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    s.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
}

/// Tenant: a GUID, a verified domain, or organizations / common / consumers.
pub fn validate_tenant(tenant: &str) -> FieldResult<TenantKind> {
    const FIX: &str = "use the Directory (tenant) ID from the app's Overview page in the Azure portal, a verified domain such as contoso.onmicrosoft.com, or organizations / common / consumers";
    let t = tenant.trim();
    if t.is_empty() {
        return Err(FieldError::new(
            Field::Tenant,
            format!("it is empty: {FIX}"),
        ));
    }
    match t.to_ascii_lowercase().as_str() {
        "organizations" => return Ok(TenantKind::Organizations),
        "common" => return Ok(TenantKind::Common),
        "consumers" => return Ok(TenantKind::Consumers),
        _ => {}
    }
    if is_guid(t) {
        if is_nil_guid(t) {
            return Err(FieldError::new(
                Field::Tenant,
                format!("the all-zero GUID is not a tenant: {FIX}"),
            ));
        }
        return Ok(TenantKind::Guid);
    }
    if is_domain(t) {
        return Ok(TenantKind::Domain);
    }
    Err(FieldError::new(
        Field::Tenant,
        format!("'{t}' is neither a GUID nor a domain: {FIX}"),
    ))
}

/// Which tenants a grant can sign in through.
pub fn validate_tenant_for_grant(tenant: &str, grant: Grant) -> FieldResult {
    let kind = validate_tenant(tenant)?;
    let t = tenant.trim().to_ascii_lowercase();
    match grant {
        Grant::Ropc if matches!(kind, TenantKind::Common | TenantKind::Consumers) => {
            Err(FieldError::new(
                Field::Tenant,
                format!(
                    "ROPC does not work through '{t}' (Microsoft refuses it there): use the tenant GUID, a verified domain, or organizations"
                ),
            ))
        }
        Grant::ClientCredentials if !kind.is_specific() => Err(FieldError::new(
            Field::Tenant,
            format!(
                "client credentials needs the app's own tenant, not '{t}': use the Directory (tenant) ID GUID or a verified domain"
            ),
        )),
        _ => Ok(()),
    }
}

/// Application (client) ID: a GUID.
pub fn validate_client_id(client_id: &str) -> FieldResult {
    let c = client_id.trim();
    if is_guid(c) && !is_nil_guid(c) {
        return Ok(());
    }
    let what = if c.is_empty() {
        "it is empty".to_string()
    } else {
        format!("'{c}' is not a GUID")
    };
    Err(FieldError::new(
        Field::ClientId,
        format!(
            "{what}: copy the Application (client) ID from the app's Overview page in the Azure portal (like 00000000-0000-0000-0000-000000000000 with hex digits)"
        ),
    ))
}

/// Custom endpoints: https, or plain http only for a loopback host.
pub fn validate_endpoint_url(field: Field, url: &str) -> FieldResult {
    let parsed = url::Url::parse(url.trim()).map_err(|_| {
        FieldError::new(
            field,
            format!(
                "'{}' is not a URL: give a full URL such as https://login.example.com",
                url.trim()
            ),
        )
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(FieldError::new(
            field,
            "it contains a user name or password: remove the user:password@ part",
        ));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(FieldError::new(
            field,
            "it has a query or fragment: give only scheme, host, port and path",
        ));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(FieldError::new(
            field,
            "plain http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1): use https",
        )),
        other => Err(FieldError::new(
            field,
            format!(
                "the scheme '{other}' is not supported: use https (or http for a loopback host)"
            ),
        )),
    }
}

fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// A custom cloud's URLs; the national clouds have nothing to check.
pub fn validate_cloud(cloud: &Cloud) -> Vec<FieldError> {
    match cloud {
        Cloud::Custom {
            login_url,
            graph_url,
        } => [
            validate_endpoint_url(Field::LoginUrl, login_url),
            validate_endpoint_url(Field::GraphUrl, graph_url),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect(),
        _ => Vec::new(),
    }
}

fn looks_like_address(s: &str) -> bool {
    // A control or bidi character can make an address read as another one on screen.
    if !crate::domain::sanitize::is_inert(s, crate::domain::sanitize::Layout::Line) {
        return false;
    }
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && is_domain(domain)
                && !local.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// A mailbox: a UPN or email address (`name@domain`).
pub fn validate_mailbox(mailbox: &str) -> FieldResult {
    if looks_like_address(mailbox.trim()) {
        return Ok(());
    }
    Err(FieldError::new(
        Field::Mailbox,
        format!(
            "'{}' does not look like an address: give the mailbox's UPN or email address, e.g. support@contoso.com",
            mailbox.trim()
        ),
    ))
}

/// The longest message id taken: Graph's ids are about 150 characters.
pub const MAX_MESSAGE_ID: usize = 1024;

/// Why a message id given on the command line cannot be one.
pub fn check_message_id(id: &str) -> Result<(), &'static str> {
    if id.trim().is_empty() {
        return Err("is empty");
    }
    if id.len() > MAX_MESSAGE_ID {
        return Err("is longer than any Graph message id (1024 characters at most)");
    }
    let odd = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || crate::domain::sanitize::needs_rewrite(c, crate::domain::sanitize::Layout::Line)
    };
    if id.chars().any(odd) {
        return Err("holds spaces or control characters, which no Graph message id has");
    }
    Ok(())
}

/// The longest access token kept: Entra's JWTs are a few kilobytes.
pub const MAX_ACCESS_TOKEN: usize = 32 * 1024;

/// Why a token the identity platform sent cannot be kept: it must be non-empty visible ASCII
/// (JWTs and opaque tokens alike), and of a sane length.
pub fn check_access_token(token: &str) -> Result<(), &'static str> {
    if token.is_empty() {
        return Err("is empty");
    }
    if token.len() > MAX_ACCESS_TOKEN {
        return Err("is longer than 32 KiB");
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("holds characters no access token has");
    }
    Ok(())
}

/// ROPC user name: the user's UPN.
pub fn validate_username(username: &str) -> FieldResult {
    if looks_like_address(username.trim()) {
        return Ok(());
    }
    Err(FieldError::new(
        Field::Username,
        "it does not look like a UPN: give the user's sign-in name, e.g. alex@contoso.com",
    ))
}

/// The redirect port as typed in a form: a number from 1 to 65535.
pub fn parse_redirect_port(text: &str) -> FieldResult<u16> {
    let t = text.trim();
    let port: u16 = t.parse().map_err(|_| {
        let shown = crate::domain::sanitize::line(t).into_owned();
        FieldError::new(
            Field::RedirectPort,
            format!("'{shown}' is not a port: type a number from 1 to 65535, e.g. 8400"),
        )
    })?;
    validate_redirect_port(port)?;
    Ok(port)
}

/// The loopback port of the auth-code redirect.
pub fn validate_redirect_port(port: u16) -> FieldResult {
    if port == 0 {
        return Err(FieldError::new(
            Field::RedirectPort,
            "0 is not a port: choose a free port from 1 to 65535, e.g. 8400",
        ));
    }
    Ok(())
}

/// Checks a connector as a whole, including the rules that tie fields together. Uniqueness of
/// the name is checked by [`validate_name_unique`] against the other connectors.
pub fn validate_connector(c: &Connector, secrets: SecretPresence) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut push = |r: FieldResult| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    push(validate_name(&c.name));
    push(validate_tenant_for_grant(&c.tenant, c.grant));
    push(validate_client_id(&c.client_id));
    push(validate_redirect_port(c.redirect_port));
    push(validate_scopes(&c.extra_scopes.join(" ")));
    if let Some(m) = &c.mailbox {
        push(validate_mailbox(m));
    }
    match c.grant {
        Grant::Ropc => {
            if !secrets.username {
                push(Err(FieldError::new(
                    Field::Username,
                    "ROPC signs in with a user name and password: give the user's UPN",
                )));
            }
            if !secrets.password {
                push(Err(FieldError::new(
                    Field::Password,
                    "ROPC signs in with a user name and password: give the user's password",
                )));
            }
        }
        Grant::ClientCredentials => {
            if !secrets.client_secret {
                push(Err(FieldError::new(
                    Field::ClientSecret,
                    "client credentials needs the app's client secret: add the secret Value from Certificates & secrets in the Azure portal",
                )));
            }
            if c.mailbox.is_none() {
                push(Err(FieldError::new(
                    Field::Mailbox,
                    "client credentials acts as the app, not a user, so it needs the target mailbox: give its UPN, e.g. support@contoso.com",
                )));
            }
        }
        Grant::AuthCode | Grant::DeviceCode => {}
    }
    let summary = summarize(
        c.grant,
        &c.cloud,
        &c.presets,
        &c.extra_scopes.join(" "),
        c.redirect_port,
    );
    let has_api_scope = summary.scopes.iter().any(|s| {
        CATALOG
            .iter()
            .find(|e| e.name == s.name)
            .is_none_or(|e| !e.oidc)
    });
    if !has_api_scope {
        push(Err(FieldError::new(
            Field::Permissions,
            "no mail permission is chosen, so graphmail could neither read nor send: choose at least one, e.g. fetch",
        )));
    }
    errors.extend(validate_cloud(&c.cloud));
    errors
}

mod typed;
pub use typed::{MAX_SCOPE, client_secret_warning, validate_scopes};

#[cfg(test)]
mod tests;
