//! The app-registration guide: the steps in the Azure portal, the Azure CLI commands and the
//! admin-consent URL that make an app registration fit a connector, with its values filled in.
//! Pure: built from the connector (or the wizard's values so far), never from a secret.

#[cfg(test)]
mod tests;

use serde::Serialize;
use serde_json::{Value, json};

use super::aadsts::ErrorContext;
use super::summary::{PermissionKind, PermissionSummary};
use super::{Cloud, Connector, Grant};

/// Microsoft Graph's application id, the resource of every mail permission (the same in every
/// national cloud).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Permission ids of Microsoft Graph: (name, delegated "Scope" id, application "Role" id).
/// Mail.ReadBasic's delegated id is left out: public sources disagree on it.
const PERMISSION_IDS: &[(&str, Option<&str>, Option<&str>)] = &[
    (
        "Mail.Read",
        Some("570282fd-fa5c-430d-a7fd-fc8dc98a9dca"),
        Some("810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
    ),
    (
        "Mail.ReadWrite",
        Some("024d486e-b451-40bb-833d-3e66d98c5c73"),
        Some("e2a3a72e-5f79-4c64-b1b1-878b674786c9"),
    ),
    (
        "Mail.Send",
        Some("e383f46e-2787-4529-855e-0e479a3ffac0"),
        Some("b633e1c5-b582-4048-a93e-9f11b44c7e96"),
    ),
    (
        "Mail.ReadBasic",
        None,
        Some("6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a"),
    ),
    (
        "Mail.ReadBasic.All",
        None,
        Some("693c5e45-0940-467d-9b8a-1022fb9d42ef"),
    ),
    (
        "Mail.Read.Shared",
        Some("7b9103a5-4610-446b-9670-80643382c1fa"),
        None,
    ),
    (
        "Mail.ReadWrite.Shared",
        Some("5df07973-7d5d-46ed-9847-1271055cbd51"),
        None,
    ),
    (
        "Mail.Send.Shared",
        Some("a367ab51-6b49-43bf-a716-a1fb06d2a174"),
        None,
    ),
    (
        "MailboxSettings.Read",
        Some("87f447af-9fa4-4c32-9dfa-4a57a73d18ce"),
        Some("40f97065-369a-49f4-947c-6a255697ae91"),
    ),
    (
        "MailboxSettings.ReadWrite",
        Some("818c620a-27a9-40bd-a6a5-d96f7d610b4b"),
        Some("6931bccd-447a-43d1-b442-00a195474933"),
    ),
    (
        "User.Read",
        Some("e1fe6dd8-ba31-4d61-89e7-88639da4683d"),
        None,
    ),
    (
        "User.Read.All",
        None,
        Some("df021288-bdef-4463-88db-98f22de89214"),
    ),
    ("openid", Some("37f7f235-527c-4136-accd-4a02d197296e"), None),
    (
        "profile",
        Some("14dad69e-099b-42c9-810b-d002981feec1"),
        None,
    ),
    ("email", Some("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0"), None),
    (
        "offline_access",
        Some("7427e0e9-2fba-42fe-b0c0-848c9e6a8182"),
        None,
    ),
];

/// The id of a Graph permission in the given form, when it is known for sure.
pub fn permission_id(name: &str, kind: PermissionKind) -> Option<&'static str> {
    let (_, scope, role) = PERMISSION_IDS
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))?;
    match kind {
        PermissionKind::Delegated => *scope,
        PermissionKind::Application => *role,
    }
}

/// What the guide is for: a saved connector, or the wizard's values so far.
#[derive(Debug, Clone)]
pub struct GuideInput {
    pub connector: Connector,
    /// The app is confidential: it has (or will have) a client secret.
    pub client_secret: bool,
    /// The connector is in the vault already (edit it rather than add it).
    pub saved: bool,
}

impl GuideInput {
    /// The guide for values not saved yet (the wizard, `graphmail guide`).
    pub fn new(connector: Connector, client_secret: bool) -> GuideInput {
        GuideInput {
            client_secret: client_secret || connector.grant == Grant::ClientCredentials,
            connector,
            saved: false,
        }
    }

    /// The guide for a connector in the vault.
    pub fn saved(connector: Connector, client_secret: bool) -> GuideInput {
        GuideInput {
            saved: true,
            ..GuideInput::new(connector, client_secret)
        }
    }
}

/// Where the redirect URI goes in the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedirectSetup {
    pub uri: String,
    /// The platform of the Authentication page: "Mobile and desktop applications" or "Web".
    pub platform: String,
}

/// One permission to add under API permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuidePermission {
    pub name: String,
    pub kind: PermissionKind,
    /// `None` when graphmail does not know the permission.
    pub admin_consent: Option<bool>,
    /// The permission's id in the Azure CLI JSON; `None` when it must be added by hand.
    pub id: Option<String>,
}

/// One numbered step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuideStep {
    pub title: String,
    pub lines: Vec<String>,
}

/// The whole guide, for people (`steps`) and for scripts (the other fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guide {
    pub connector: String,
    pub grant: Grant,
    pub cloud: String,
    pub portal: String,
    pub display_name: String,
    pub redirect: Option<RedirectSetup>,
    pub allow_public_client_flows: bool,
    pub client_secret: bool,
    pub permissions: Vec<GuidePermission>,
    /// Permissions the Azure CLI JSON leaves out, with the reason: add them in the portal.
    pub by_hand: Vec<String>,
    pub required_resource_access: Value,
    /// The Azure CLI commands, in order; the first creates the app registration.
    pub az_commands: Vec<String>,
    pub admin_consent_required: bool,
    pub admin_consent_url: String,
    pub steps: Vec<GuideStep>,
    pub warnings: Vec<String>,
}

const TENANT_PLACEHOLDER: &str = "<tenant-id>";
const CLIENT_PLACEHOLDER: &str = "<client-id>";

fn or_placeholder<'a>(value: &'a str, placeholder: &'a str) -> &'a str {
    if value.trim().is_empty() {
        placeholder
    } else {
        value.trim()
    }
}

fn portal(cloud: &Cloud) -> &'static str {
    match cloud {
        Cloud::Global => "https://portal.azure.com (or https://entra.microsoft.com)",
        Cloud::Usgov | Cloud::UsgovDod => "https://portal.azure.us",
        Cloud::China => "https://portal.azure.cn",
        Cloud::Custom { .. } => "the Azure portal of your cloud",
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@=".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The `requiredResourceAccess` JSON of the permissions that have a known id.
fn resource_access(permissions: &[GuidePermission]) -> Value {
    let access: Vec<Value> = permissions
        .iter()
        .filter_map(|p| {
            let kind = match p.kind {
                PermissionKind::Delegated => "Scope",
                PermissionKind::Application => "Role",
            };
            p.id.as_ref().map(|id| json!({ "id": id, "type": kind }))
        })
        .collect();
    json!([{ "resourceAppId": GRAPH_APP_ID, "resourceAccess": access }])
}

fn permissions_of(summary: &PermissionSummary) -> (Vec<GuidePermission>, Vec<String>) {
    let mut by_hand = Vec::new();
    let permissions = summary
        .scopes
        .iter()
        .map(|s| {
            let id = s
                .known
                .then(|| permission_id(&s.name, s.kind))
                .flatten()
                .map(str::to_string);
            if id.is_none() {
                let why = if s.known {
                    "its id is not certain, so it is not in the Azure CLI JSON"
                } else {
                    "graphmail does not know this permission's id"
                };
                by_hand.push(format!(
                    "{} ({}): {why}; add it in the portal under API permissions",
                    s.name,
                    s.kind.as_str()
                ));
            }
            GuidePermission {
                name: s.name.clone(),
                kind: s.kind,
                admin_consent: s.admin_consent,
                id,
            }
        })
        .collect();
    (permissions, by_hand)
}

/// The `graphmail connector add` (or `edit`, for a saved connector) that takes the new app's id.
fn graphmail_line(input: &GuideInput, name: &str) -> String {
    let c = &input.connector;
    if input.saved {
        return format!(
            "graphmail connector edit {} --client-id \"$APP_ID\"",
            shell_word(name)
        );
    }
    let tenant = match c.tenant.trim() {
        "" => "\"$(az account show --query tenantId --output tsv)\"".to_string(),
        t => shell_word(t),
    };
    let mut line = format!(
        "graphmail connector add {} --tenant {tenant} --client-id \"$APP_ID\" --grant {}",
        shell_word(name),
        c.grant.as_str()
    );
    if c.cloud != Cloud::Global {
        line.push_str(&format!(" --cloud {}", c.cloud.as_str()));
    }
    let presets: Vec<&str> = c.presets.iter().map(|p| p.as_str()).collect();
    if !presets.is_empty() {
        line.push_str(&format!(" --permissions {}", presets.join(",")));
    }
    if !c.extra_scopes.is_empty() {
        line.push_str(&format!(
            " --scopes {}",
            shell_word(&c.extra_scopes.join(" "))
        ));
    }
    if c.grant == Grant::AuthCode && c.redirect_port != super::connector::DEFAULT_REDIRECT_PORT {
        line.push_str(&format!(" --redirect-port {}", c.redirect_port));
    }
    match c.grant {
        Grant::ClientCredentials => line.push_str(&format!(
            " --mailbox {}",
            shell_word(c.mailbox.as_deref().unwrap_or("<mailbox>"))
        )),
        Grant::Ropc => line.push_str(" --username <user@domain> --password-stdin"),
        Grant::AuthCode | Grant::DeviceCode => {}
    }
    line
}

/// The connector's name, or a stand-in while the wizard has none yet.
fn connector_name(c: &Connector) -> &str {
    match c.name.trim() {
        "" => "new-connector",
        n => n,
    }
}

/// Builds the guide for `input`.
pub fn guide(input: &GuideInput) -> Guide {
    let c = &input.connector;
    let summary = c.permission_summary();
    let name = connector_name(c);
    let display_name = format!("graphmail {name}");
    let tenant = or_placeholder(&c.tenant, TENANT_PLACEHOLDER);
    let client_id = or_placeholder(&c.client_id, CLIENT_PLACEHOLDER);
    let redirect = (c.grant == Grant::AuthCode).then(|| RedirectSetup {
        uri: c.redirect_uri(),
        platform: if input.client_secret {
            "Web".into()
        } else {
            "Mobile and desktop applications".into()
        },
    });
    let public_flows = matches!(c.grant, Grant::DeviceCode | Grant::Ropc);
    let (permissions, by_hand) = permissions_of(&summary);
    let access = resource_access(&permissions);
    let consent_url = ErrorContext {
        cloud: c.cloud.clone(),
        tenant: tenant.to_string(),
        client_id: client_id.to_string(),
        grant: c.grant,
        redirect_uri: redirect.as_ref().map(|r| r.uri.clone()).unwrap_or_default(),
        scopes: summary.request.clone(),
    }
    .admin_consent_url();

    let mut create = vec![
        "APP_ID=$(az ad app create".to_string(),
        format!("--display-name {}", shell_word(&display_name)),
        "--sign-in-audience AzureADMyOrg".to_string(),
    ];
    match &redirect {
        Some(r) if input.client_secret => create.push(format!("--web-redirect-uris {}", r.uri)),
        Some(r) => create.push(format!("--public-client-redirect-uris {}", r.uri)),
        None => {}
    }
    if public_flows {
        create.push("--is-fallback-public-client true".into());
    }
    create.push(format!(
        "--required-resource-accesses {}",
        shell_word(&access.to_string())
    ));
    create.push("--query appId --output tsv)".into());
    let mut az = vec![
        create.join(" \\\n    "),
        "az ad sp create --id \"$APP_ID\" --output none".to_string(),
    ];
    if summary.admin_consent_required {
        az.push("az ad app permission admin-consent --id \"$APP_ID\"".into());
    }
    az.push(graphmail_line(input, name));
    if input.client_secret {
        az.push(format!(
            "az ad app credential reset --id \"$APP_ID\" --append --display-name graphmail --query password --output tsv \\\n    | graphmail connector edit {} --client-secret-stdin",
            shell_word(name)
        ));
    }

    let steps = steps(
        input,
        &summary,
        &permissions,
        &by_hand,
        redirect.as_ref(),
        tenant,
    );
    Guide {
        connector: name.to_string(),
        grant: c.grant,
        cloud: c.cloud.as_str().to_string(),
        portal: portal(&c.cloud).to_string(),
        display_name,
        redirect,
        allow_public_client_flows: public_flows,
        client_secret: input.client_secret,
        permissions,
        by_hand,
        required_resource_access: access,
        az_commands: az,
        admin_consent_required: summary.admin_consent_required,
        admin_consent_url: consent_url,
        steps,
        warnings: summary.warnings.clone(),
    }
}

fn steps(
    input: &GuideInput,
    summary: &PermissionSummary,
    permissions: &[GuidePermission],
    by_hand: &[String],
    redirect: Option<&RedirectSetup>,
    tenant: &str,
) -> Vec<GuideStep> {
    let c = &input.connector;
    let name = connector_name(c);
    let mut steps = Vec::new();
    let mut register = vec![
        format!("Open {}.", portal(&c.cloud)),
        "Go to Microsoft Entra ID > App registrations > New registration.".into(),
        format!("Name: graphmail {name} (any name will do)."),
        "Supported account types: Accounts in this organizational directory only (single tenant)."
            .into(),
    ];
    match redirect {
        Some(r) => register.push(format!(
            "Redirect URI: platform \"{}\", value {}",
            if r.platform == "Web" {
                "Web"
            } else {
                "Public client/native (mobile & desktop)"
            },
            r.uri
        )),
        None => register.push("Redirect URI: leave it empty.".into()),
    }
    register.push("Press Register.".into());
    steps.push(GuideStep {
        title: "Register the app".into(),
        lines: register,
    });

    let mut auth = Vec::new();
    if let Some(r) = redirect {
        auth.push(format!(
            "Authentication: under \"{}\" the redirect URI {} is listed (add it there if not).",
            r.platform, r.uri
        ));
        auth.push(
            "graphmail listens on 127.0.0.1 at that port; over SSH forward it with ssh -L.".into(),
        );
    }
    if matches!(c.grant, Grant::DeviceCode | Grant::Ropc) {
        auth.push(
            "Authentication > Advanced settings: set \"Allow public client flows\" to Yes and Save."
                .into(),
        );
        auth.push(format!(
            "{} signs in as a public client, without a client secret.",
            c.grant.label()
        ));
    }
    if c.grant == Grant::ClientCredentials {
        auth.push("No redirect URI and no public client flows: the app signs in as itself.".into());
    }
    if !auth.is_empty() {
        steps.push(GuideStep {
            title: "Set up sign-in".into(),
            lines: auth,
        });
    }

    let kind = if c.grant.is_delegated() {
        "Delegated permissions"
    } else {
        "Application permissions"
    };
    let mut perms = vec![format!(
        "API permissions > Add a permission > Microsoft Graph > {kind}; tick:"
    )];
    for p in permissions {
        let consent = match p.admin_consent {
            Some(true) => "admin consent required",
            Some(false) => "no admin consent needed",
            None => "unknown to graphmail: check it",
        };
        perms.push(format!("  {} ({}, {consent})", p.name, p.kind.as_str()));
    }
    perms.extend(by_hand.iter().cloned());
    if summary.admin_consent_required {
        perms.push(format!(
            "Press \"Grant admin consent for {tenant}\" (a tenant admin must do it)."
        ));
    } else {
        perms.push(
            "No permission needs an admin: each user consents at their first sign-in.".into(),
        );
    }
    steps.push(GuideStep {
        title: "Add the API permissions".into(),
        lines: perms,
    });

    if input.client_secret {
        steps.push(GuideStep {
            title: "Create the client secret".into(),
            lines: vec![
                "Certificates & secrets > Client secrets > New client secret; pick an expiry."
                    .into(),
                "Copy the Value column now (not the Secret ID): it is shown only once.".into(),
                format!(
                    "Store it: graphmail connector edit {name} --client-secret-stdin (paste, then Ctrl-D)."
                ),
                "Before it expires, create a new one and store it the same way.".into(),
            ],
        });
    }

    let ids = if input.saved {
        format!("graphmail connector edit {name} --tenant <tenant-id> --client-id <client-id>")
    } else {
        graphmail_line(input, name)
            .replace("\"$APP_ID\"", "<client-id>")
            .replace(
                "\"$(az account show --query tenantId --output tsv)\"",
                "<tenant-id>",
            )
    };
    steps.push(GuideStep {
        title: "Copy the IDs into graphmail".into(),
        lines: vec![
            "Overview shows the Application (client) ID and the Directory (tenant) ID:".into(),
            format!("  {ids}"),
        ],
    });
    steps
}

/// Wraps `line` at spaces, continuation lines indented under its text; a word longer than
/// the width is never cut.
pub fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let indent = line.len() - line.trim_start().len();
    let hang = line
        .trim_start()
        .find(". ")
        .filter(|&i| i <= 3 && line.trim_start()[..i].chars().all(|c| c.is_ascii_digit()))
        .map_or(indent, |i| indent + i + 2)
        + usize::from(line.trim_start().starts_with("- "));
    let mut out = Vec::new();
    let mut cur = " ".repeat(indent);
    let mut empty = true;
    for word in line.split_whitespace() {
        if !empty && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::replace(&mut cur, " ".repeat(hang)));
            empty = true;
        }
        if !empty {
            cur.push(' ');
        }
        cur.push_str(word);
        empty = false;
    }
    out.push(cur);
    out
}

impl Guide {
    /// The guide as plain lines (not wrapped): the numbered steps, the Azure CLI commands, the
    /// admin-consent URL and the warnings. The CLI prints them; the terminal app shows them.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "App registration for connector {} ({}, {} cloud)",
                self.connector,
                self.grant.label(),
                self.cloud
            ),
            String::new(),
        ];
        for (i, step) in self.steps.iter().enumerate() {
            out.push(format!("{}. {}", i + 1, step.title));
            out.extend(step.lines.iter().map(|l| format!("   {l}")));
            out.push(String::new());
        }
        out.push("With the Azure CLI instead (az login first):".into());
        for cmd in &self.az_commands {
            out.extend(cmd.lines().map(|l| format!("   {l}")));
        }
        out.push(String::new());
        out.push(if self.admin_consent_required {
            "Admin-consent URL (for a tenant admin, in any browser):".into()
        } else {
            "Admin-consent URL (optional: consents for the whole tenant at once):".into()
        });
        out.push(format!("   {}", self.admin_consent_url));
        if !self.warnings.is_empty() {
            out.push(String::new());
            out.push("Keep in mind:".into());
            out.extend(self.warnings.iter().map(|w| format!(" - {w}")));
        }
        out
    }
}
