//! The app-registration guide: the steps in the Azure portal, the Azure CLI commands and the
//! admin-consent URL that make an app registration fit a connector, with its values filled in.
//! Pure: built from the connector (or the wizard's values so far), never from a secret.

mod ids;
#[cfg(test)]
mod tests;
mod text;

pub use ids::permission_id;
pub use text::wrap_line;

use serde::Serialize;
use serde_json::{Value, json};

use super::aadsts::ErrorContext;
use super::summary::{PermissionKind, PermissionSummary};
use super::{Cloud, Connector, Grant};

/// Microsoft Graph's application id, the resource of every mail permission (the same in every
/// national cloud).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// What the guide is for: a saved connector, or the wizard's values so far.
#[derive(Debug, Clone)]
pub struct GuideInput {
    pub connector: Connector,
    /// The app is confidential: it has (or will have) a client secret.
    pub client_secret: bool,
    /// The connector is in the vault already (edit it rather than add it).
    pub saved: bool,
    /// ROPC: the mailbox user, when known (else the steps carry a placeholder).
    pub username: Option<String>,
}

impl GuideInput {
    /// The guide for values not saved yet (the wizard, `graphmail guide`).
    pub fn new(connector: Connector, client_secret: bool) -> GuideInput {
        GuideInput {
            client_secret: client_secret || connector.grant == Grant::ClientCredentials,
            connector,
            saved: false,
            username: None,
        }
    }

    /// With the ROPC user name filled in; an empty one keeps the placeholder.
    pub fn with_username(mut self, username: Option<&str>) -> GuideInput {
        self.username = username
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        self
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
const MAILBOX_PLACEHOLDER: &str = "<mailbox>";
const USER_PLACEHOLDER: &str = "<user@domain>";
/// Makes a client secret and prints only its value, for a pipe into graphmail.
const NEW_SECRET: &str = "az ad app credential reset --id \"$APP_ID\" --append --display-name graphmail --query password --output tsv";

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

/// Where the `graphmail` line takes its values from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Values {
    /// The Azure CLI script: `$APP_ID`, the tenant asked of `az`, placeholders quoted for the shell.
    Shell,
    /// The portal steps: placeholders the reader replaces with what the portal shows.
    Portal,
}

/// Whether the client secret goes into the `add`/`edit` line itself (from standard input): a
/// new ROPC connector reads its password from there, so its secret is stored by a second line.
fn secret_in_line(input: &GuideInput) -> bool {
    input.client_secret && (input.saved || input.connector.grant != Grant::Ropc)
}

/// The `graphmail connector add` (or `edit`, for a saved connector) that takes the new app's id.
fn graphmail_line(input: &GuideInput, name: &str, values: Values) -> String {
    let c = &input.connector;
    let placeholder = |p: &str| match values {
        Values::Shell => shell_word(p),
        Values::Portal => p.to_string(),
    };
    let client_id = match values {
        Values::Shell => "\"$APP_ID\"".to_string(),
        Values::Portal => CLIENT_PLACEHOLDER.to_string(),
    };
    let secret = if secret_in_line(input) {
        " --client-secret-stdin"
    } else {
        ""
    };
    if input.saved {
        let tenant = match values {
            Values::Shell => String::new(),
            Values::Portal => format!(" --tenant {TENANT_PLACEHOLDER}"),
        };
        return format!(
            "graphmail connector edit {}{tenant} --client-id {client_id}{secret}",
            shell_word(name)
        );
    }
    let tenant = match (c.tenant.trim(), values) {
        ("", Values::Shell) => "\"$(az account show --query tenantId --output tsv)\"".to_string(),
        ("", Values::Portal) => TENANT_PLACEHOLDER.to_string(),
        (t, _) => shell_word(t),
    };
    let mut line = format!(
        "graphmail connector add {} --tenant {tenant} --client-id {client_id} --grant {}",
        shell_word(name),
        c.grant.as_str()
    );
    match &c.cloud {
        Cloud::Global => {}
        Cloud::Custom {
            login_url,
            graph_url,
        } => line.push_str(&format!(
            " --cloud custom --login-url {} --graph-url {}",
            shell_word(login_url),
            shell_word(graph_url)
        )),
        cloud => line.push_str(&format!(" --cloud {}", cloud.as_str())),
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
            match c.mailbox.as_deref() {
                Some(m) => shell_word(m),
                None => placeholder(MAILBOX_PLACEHOLDER),
            }
        )),
        Grant::Ropc => line.push_str(&format!(
            " --username {} --password-stdin",
            match input.username.as_deref() {
                Some(u) => shell_word(u),
                None => placeholder(USER_PLACEHOLDER),
            }
        )),
        Grant::AuthCode | Grant::DeviceCode => {}
    }
    line.push_str(secret);
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
    let line = graphmail_line(input, name, Values::Shell);
    if secret_in_line(input) {
        az.push(format!("{NEW_SECRET} \\\n    | {line}"));
    } else {
        az.push(line);
        if input.client_secret {
            az.push(format!(
                "{NEW_SECRET} \\\n    | graphmail connector edit {} --client-secret-stdin",
                shell_word(name)
            ));
        }
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
        if !input.client_secret {
            auth.push(format!(
                "{} signs in as a public client, without a client secret.",
                c.grant.label()
            ));
        }
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

    let name_word = shell_word(name);
    if input.client_secret {
        steps.push(GuideStep {
            title: "Create the client secret".into(),
            lines: vec![
                "Certificates & secrets > Client secrets > New client secret; pick an expiry."
                    .into(),
                "Copy the Value column now (not the Secret ID): it is shown only once; the next step stores it in the vault."
                    .into(),
                format!(
                    "Before it expires, create a new one and store it with graphmail connector edit {name_word} --client-secret-stdin."
                ),
            ],
        });
    }

    let mut ids = vec![
        "Overview shows the Application (client) ID and the Directory (tenant) ID:".into(),
        format!("  {}", graphmail_line(input, name, Values::Portal)),
    ];
    let typed = match (input.saved, c.grant) {
        (false, Grant::Ropc) => Some("the user's password"),
        _ if secret_in_line(input) => Some("the client secret's Value"),
        _ => None,
    };
    if let Some(what) = typed {
        ids.push(format!(
            "It reads {what} from standard input: paste it, press Enter, then Ctrl-D."
        ));
    }
    if input.client_secret && !secret_in_line(input) {
        ids.push("Then store the client secret's Value the same way:".into());
        ids.push(format!(
            "  graphmail connector edit {name_word} --client-secret-stdin"
        ));
    }
    steps.push(GuideStep {
        title: "Copy the IDs into graphmail".into(),
        lines: ids,
    });
    steps
}
