//! `summarize()`: what a connector will request, what each permission means, and what to watch.

use serde::Serialize;

use super::connector::redirect_uri_for_port;
use super::permissions::{CATALOG, CatalogEntry, Consent, Preset, ScopeRef, parse_scopes};
use super::{Cloud, Grant};

/// Whether a permission acts as the signed-in user or as the app itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PermissionKind {
    Delegated,
    Application,
}

impl PermissionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionKind::Delegated => "delegated",
            PermissionKind::Application => "application",
        }
    }
}

/// Why a scope is in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "preset")]
pub enum ScopeOrigin {
    /// From a predefined permission.
    Preset(Preset),
    /// Typed as an additional scope.
    Additional,
    /// Added because the grant needs it (offline_access for delegated grants).
    Automatic,
}

/// One permission in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeLine {
    /// Canonical short name (`Mail.Read`), or the text typed for a scope graphmail does not know.
    pub name: String,
    pub kind: PermissionKind,
    /// `None` when graphmail does not know the scope.
    pub admin_consent: Option<bool>,
    /// What it lets graphmail do (empty when unknown).
    pub enables: String,
    pub known: bool,
    pub origin: ScopeOrigin,
}

/// Everything the permission picker and `graphmail permissions` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionSummary {
    pub grant: Grant,
    pub cloud: String,
    /// The Graph resource the token is for.
    pub resource: String,
    /// The scopes sent to the identity platform, in order.
    pub request: Vec<String>,
    /// `request` joined by spaces: the exact `scope` parameter.
    pub scope_string: String,
    /// Each permission: delegated or application, admin consent, what it enables.
    pub scopes: Vec<ScopeLine>,
    /// Permissions an admin must add and consent to in the Azure portal (API permissions).
    pub grant_in_portal: Vec<String>,
    /// True when any permission needs a tenant admin's consent.
    pub admin_consent_required: bool,
    pub warnings: Vec<String>,
    /// The redirect URI to register (auth-code only).
    pub redirect_uri: Option<String>,
}

impl PermissionSummary {
    /// The canonical names of the permissions, for listings.
    pub fn names(&self) -> Vec<String> {
        self.scopes.iter().map(|s| s.name.clone()).collect()
    }
}

/// Builds the permission summary for a grant in a cloud, from predefined permissions and
/// additional scopes typed as text (short names or full URIs, separated by spaces or commas).
pub fn summarize(
    grant: Grant,
    cloud: &Cloud,
    presets: &[Preset],
    additional: &str,
    redirect_port: u16,
) -> PermissionSummary {
    let resource = cloud.graph_resource();
    let parsed = parse_scopes(additional, cloud);
    let mut warnings = parsed.warnings;

    // Everything chosen, de-duplicated ignoring case, first origin wins.
    let mut chosen: Vec<(ScopeRef, ScopeOrigin)> = Vec::new();
    let mut add = |scope: ScopeRef, origin: ScopeOrigin| {
        let text = scope.text();
        if !chosen
            .iter()
            .any(|(s, _)| s.text().eq_ignore_ascii_case(&text))
        {
            chosen.push((scope, origin));
        }
    };
    for &preset in presets {
        for name in preset.scopes() {
            #[expect(
                clippy::expect_used,
                reason = "every preset's scopes are in the catalog, as a unit test checks"
            )]
            let entry = super::permissions::lookup(name).expect("preset scopes are in the catalog");
            add(ScopeRef::Known(entry), ScopeOrigin::Preset(preset));
        }
    }
    for scope in parsed.scopes {
        add(scope, ScopeOrigin::Additional);
    }
    if grant.is_delegated() {
        #[expect(
            clippy::expect_used,
            reason = "offline_access is a fixed entry of the catalog"
        )]
        let offline =
            super::permissions::lookup("offline_access").expect("catalog has offline_access");
        add(ScopeRef::Known(offline), ScopeOrigin::Automatic);
    }

    let mut known: Vec<(&'static CatalogEntry, ScopeOrigin)> = Vec::new();
    let mut others: Vec<(ScopeRef, ScopeOrigin)> = Vec::new();
    for (scope, origin) in chosen {
        match scope {
            ScopeRef::Known(e) => known.push((e, origin)),
            other => others.push((other, origin)),
        }
    }
    known.sort_by_key(|(e, _)| CATALOG.iter().position(|c| c.name == e.name));

    let mut scopes = Vec::new();
    let mut request = Vec::new();
    if grant.is_delegated() {
        for (entry, origin) in known {
            let Some(consent) = entry.delegated else {
                warnings.push(format!(
                    "{} is an application permission only; delegated grants cannot request it: remove it or use client credentials",
                    entry.name
                ));
                continue;
            };
            request.push(request_name(entry.name, entry.oidc, &resource));
            scopes.push(ScopeLine {
                name: entry.name.to_string(),
                kind: PermissionKind::Delegated,
                admin_consent: Some(consent == Consent::Admin),
                enables: entry.enables.to_string(),
                known: true,
                origin,
            });
        }
        for (scope, origin) in others {
            match scope {
                ScopeRef::Default => warnings.push(format!(
                    ".default cannot be mixed with named scopes in a delegated request; graphmail requests the named scopes instead of {resource}/.default"
                )),
                ScopeRef::Unknown(name) => {
                    request.push(request_name(&name, false, &resource));
                    scopes.push(unknown_line(name, PermissionKind::Delegated, origin));
                }
                ScopeRef::Foreign(uri) => {
                    request.push(uri.clone());
                    scopes.push(unknown_line(uri, PermissionKind::Delegated, origin));
                }
                ScopeRef::Known(_) => {}
            }
        }
    } else {
        request.push(format!("{resource}/.default"));
        for (entry, origin) in known {
            if !entry.application {
                if matches!(origin, ScopeOrigin::Preset(_) | ScopeOrigin::Additional) {
                    warnings.push(no_app_form(entry.name));
                }
                continue;
            }
            scopes.push(ScopeLine {
                name: entry.name.to_string(),
                kind: PermissionKind::Application,
                admin_consent: Some(true),
                enables: entry.enables_app.to_string(),
                known: true,
                origin,
            });
        }
        for (scope, origin) in others {
            match scope {
                ScopeRef::Unknown(name) | ScopeRef::Foreign(name) => {
                    let mut line = unknown_line(name, PermissionKind::Application, origin);
                    line.admin_consent = Some(true);
                    scopes.push(line);
                }
                ScopeRef::Default | ScopeRef::Known(_) => {}
            }
        }
    }

    warnings.extend(redundancy_warnings(&scopes));
    let app_mail: Vec<&str> = scopes
        .iter()
        .filter(|s| s.kind == PermissionKind::Application && s.name.starts_with("Mail"))
        .map(|s| s.name.as_str())
        .collect();
    if !app_mail.is_empty() {
        warnings.push(format!(
            "application permissions {} reach every mailbox in the tenant unless an admin restricts the app with an Exchange application access policy or RBAC for Applications: limit it to the target mailbox",
            app_mail.join(", ")
        ));
    }
    let grant_in_portal: Vec<String> = scopes
        .iter()
        .filter(|s| s.kind == PermissionKind::Application || s.admin_consent == Some(true))
        .map(|s| s.name.clone())
        .collect();
    match grant {
        Grant::ClientCredentials => warnings.push(format!(
            "client credentials request {resource}/.default: the token carries the application permissions an admin granted in the Azure portal (API permissions, Microsoft Graph, Application permissions, then Grant admin consent), so grant the ones listed here"
        )),
        Grant::Ropc => warnings.push(
            "ROPC is discouraged: it cannot pass MFA, fails for federated and personal accounts, and keeps the password in the vault: prefer auth-code or device-code"
                .to_string(),
        ),
        Grant::AuthCode | Grant::DeviceCode => {}
    }
    if scopes.iter().all(|s| lookup_oidc(&s.name)) {
        warnings.push(
            "no mail permission is chosen, so graphmail cannot read or send mail: add fetch, readwrite or send"
                .to_string(),
        );
    }

    PermissionSummary {
        grant,
        cloud: cloud.as_str().to_string(),
        scope_string: request.join(" "),
        request,
        admin_consent_required: scopes.iter().any(|s| s.admin_consent == Some(true)),
        scopes,
        grant_in_portal,
        warnings,
        redirect_uri: (grant == Grant::AuthCode).then(|| redirect_uri_for_port(redirect_port)),
        resource,
    }
}

/// Short names mean the global Graph; other clouds need the resource spelled out.
fn request_name(name: &str, oidc: bool, resource: &str) -> String {
    if oidc || resource.eq_ignore_ascii_case(super::cloud::GLOBAL_GRAPH_RESOURCE) {
        name.to_string()
    } else {
        format!("{resource}/{name}")
    }
}

fn lookup_oidc(name: &str) -> bool {
    super::permissions::lookup(name).is_some_and(|e| e.oidc)
}

/// A permission outside graphmail's mail catalog: its admin-consent flag from Microsoft's
/// published catalog when it is there (application permissions always need it).
fn unknown_line(name: String, kind: PermissionKind, origin: ScopeOrigin) -> ScopeLine {
    let published = crate::domain::permissions::graph_catalog::find(&name);
    let admin_consent = published.and_then(|p| match kind {
        PermissionKind::Application => p.application.as_ref().map(|_| true),
        _ => p.delegated.as_ref().map(|d| d.admin_consent),
    });
    ScopeLine {
        name,
        kind,
        admin_consent,
        enables: String::new(),
        known: false,
        origin,
    }
}

fn no_app_form(name: &str) -> String {
    match name {
        "offline_access" | "openid" | "profile" | "email" => format!(
            "{name} does not apply to client credentials (no user signs in; a new token is fetched when needed): leave it out"
        ),
        n if n.ends_with(".Shared") => format!(
            "{n} has no application form: an app-only connector reaches any mailbox its application permissions allow, so leave it out"
        ),
        n => format!(
            "{n} has no application form, so client credentials cannot use it: use User.Read.All if the app must look up users"
        ),
    }
}

fn redundancy_warnings(scopes: &[ScopeLine]) -> Vec<String> {
    const PAIRS: [(&str, &str); 5] = [
        ("Mail.ReadWrite", "Mail.Read"),
        ("Mail.ReadWrite", "Mail.ReadBasic"),
        ("Mail.Read", "Mail.ReadBasic"),
        ("Mail.ReadWrite.Shared", "Mail.Read.Shared"),
        ("MailboxSettings.ReadWrite", "MailboxSettings.Read"),
    ];
    let has = |n: &str| scopes.iter().any(|s| s.name == n);
    PAIRS
        .iter()
        .filter(|(wide, narrow)| has(wide) && has(narrow))
        .map(|(wide, narrow)| {
            format!("{wide} already includes {narrow}, so {narrow} is redundant: drop it")
        })
        .collect()
}

#[cfg(test)]
mod tests;
