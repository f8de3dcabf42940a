//! The wizard's bridge to the connector rules in `domain`: the same validation and permission
//! summary the CLI uses, reported per form field.

use crate::domain::validate::{
    Field, SecretPresence, validate_connector, validate_endpoint_url, validate_name_unique,
    validate_username,
};
use crate::domain::{Cloud, Connector, Grant};

/// The form's field for a rule's field: typed scopes live in the permissions step.
fn form_field(f: Field) -> Field {
    match f {
        Field::Scopes | Field::RedirectPort => Field::Permissions,
        Field::Cloud => Field::LoginUrl,
        other => other,
    }
}

/// Every problem of the form, one per field (the first the rules report).
pub fn problems(
    connector: &Connector,
    secrets: SecretPresence,
    username: &str,
    taken: &[String],
) -> Vec<(Field, String)> {
    let mut out: Vec<(Field, String)> = Vec::new();
    let mut push = |f: Field, msg: String| {
        let f = form_field(f);
        if !out.iter().any(|(g, _)| *g == f) {
            out.push((f, msg));
        }
    };
    if let Err(e) = validate_name_unique(&connector.name, taken.iter().map(String::as_str)) {
        push(e.field, sentence(&e.message));
    }
    if let Cloud::Custom {
        login_url,
        graph_url,
    } = &connector.cloud
    {
        for (f, u) in [(Field::LoginUrl, login_url), (Field::GraphUrl, graph_url)] {
            if u.trim().is_empty() {
                push(f, format!("{}: required for a custom cloud.", label(f)));
            } else if let Err(e) = validate_endpoint_url(f, u) {
                push(e.field, sentence(&e.message));
            }
        }
    }
    if connector.grant == Grant::Ropc
        && !username.trim().is_empty()
        && let Err(e) = validate_username(username)
    {
        push(e.field, sentence(&e.message));
    }
    for e in validate_connector(connector, secrets) {
        if matches!(e.field, Field::Cloud) {
            continue; // custom URLs are checked above, each beside its own input
        }
        push(e.field, sentence(&e.message));
    }
    out
}

/// Rule messages start with the field's label in lower case; the form shows them as sentences.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut s = match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    };
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// How the form labels a field.
pub fn label(f: Field) -> &'static str {
    match f {
        Field::Name => "Name",
        Field::Cloud => "Cloud",
        Field::LoginUrl => "Login URL",
        Field::GraphUrl => "Graph URL",
        Field::Tenant => "Tenant ID",
        Field::ClientId => "Client ID",
        Field::ClientSecret => "Client secret",
        Field::Grant => "Grant",
        Field::Username => "Username",
        Field::Password => "Password",
        Field::Mailbox => "Mailbox",
        Field::Permissions | Field::Scopes => "Permissions",
        Field::RedirectPort => "Redirect port",
    }
}
