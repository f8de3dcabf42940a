//! The wizard's bridge to the connector rules in `domain`: the same validation and permission
//! summary the CLI uses, reported per form field.

use crate::domain::validate::{
    Field, SecretPresence, client_secret_warning, parse_redirect_port, validate_connector,
    validate_endpoint_url, validate_name_unique, validate_scopes, validate_username,
};
use crate::domain::{Cloud, Connector, Grant};

/// The form's field for a rule's field: typed scopes live in the permissions step.
fn form_field(f: Field) -> Field {
    match f {
        Field::Scopes => Field::Permissions,
        Field::Cloud => Field::LoginUrl,
        other => other,
    }
}

/// What the form holds as typed, beyond the connector: checked before it is parsed.
pub struct Typed<'a> {
    pub username: &'a str,
    /// The additional permissions field, as typed.
    pub scopes: &'a str,
    /// The redirect port field (authorization code), as typed.
    pub port: &'a str,
}

/// Every problem of the form, one per field (the first the rules report).
pub fn problems(
    connector: &Connector,
    secrets: SecretPresence,
    typed: &Typed<'_>,
    taken: &[String],
) -> Vec<(Field, String)> {
    let username = typed.username;
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
    if connector.grant == Grant::AuthCode
        && let Err(e) = parse_redirect_port(typed.port)
    {
        push(e.field, sentence(&e.message));
    }
    if let Err(e) = validate_scopes(typed.scopes) {
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

/// What the form warns about without refusing it: a client secret that looks like the
/// secret's ID.
pub fn warnings(client_secret: &str) -> Vec<(Field, String)> {
    client_secret_warning(client_secret)
        .map(|w| (w.field, sentence(&w.message)))
        .into_iter()
        .collect()
}

/// Rule messages start with the field's label in lower case; the form shows them as sentences.
pub fn sentence(message: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::WizardState;
    use super::*;

    #[test]
    fn the_wizard_checks_the_name_the_secret_and_the_scopes_as_the_cli_does() {
        let mut w = WizardState::new(Vec::new());
        for bad in [".", "..", "-"] {
            w.name.set(bad);
            w.revalidate();
            let p = w.problems.get(&Field::Name).expect("refused");
            assert!(p.contains("letter or digit"), "{bad}: {p}");
        }
        w.name.set("ops");
        w.client_secret.set("6f1c2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f");
        w.shown.insert(Field::ClientSecret);
        w.revalidate();
        let warn = w.visible_warning(Field::ClientSecret).expect("a warning");
        assert!(
            warn.contains("ID") && warn.contains("not its Value"),
            "{warn}"
        );
        assert!(
            !w.problems.contains_key(&Field::ClientSecret),
            "a warning, not a refusal"
        );
        w.client_secret.set("Xy7~Q8s.abcDEF_1234567890abcdEFGH12");
        w.revalidate();
        assert_eq!(w.visible_warning(Field::ClientSecret), None);

        w.picker.extra.set("https://outlook.office.com/SMTP.Send");
        w.revalidate();
        let p = w.problems.get(&Field::Permissions).expect("refused");
        assert!(p.contains("AADSTS28000"), "{p}");
        for junk in ["/etc/passwd", "Mail.Read, Mail Send"] {
            w.picker.extra.set(junk);
            w.revalidate();
            assert!(w.problems.contains_key(&Field::Permissions), "{junk}");
        }
        w.picker.extra.set("Calendars.Read");
        w.revalidate();
        assert_eq!(w.problems.get(&Field::Permissions), None);
    }

    #[test]
    fn leaving_the_tenant_field_asks_discovery_and_an_unknown_tenant_is_a_warning() {
        use super::super::{Step, on_key, on_tenant_checked};
        use crate::app::keymap::Keymap;
        use crate::app::keys::{Key, KeyCode};
        use crate::app::{Clock, Cmd, Start, init};
        use crate::domain::tenant_check::Verdict;

        let (mut model, _) = init(
            Keymap::defaults(),
            Start::Unlock,
            "v".into(),
            Clock::default(),
        );
        let mut w = WizardState::new(Vec::new());
        w.step = Step::App;
        w.client_id.set("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
        // Types `tenant` into the tenant field and leaves it: the commands that gives.
        let mut leave_tenant = |w: &mut WizardState, tenant: &str| {
            w.tenant.set(tenant);
            w.revalidate();
            w.focus = w
                .fields()
                .iter()
                .position(|f| *f == Field::Tenant)
                .expect("shown");
            on_key(&mut model.shared, w, Key::new(KeyCode::Tab))
        };
        let cmds = leave_tenant(&mut w, "fabrikam-typo.example");
        let [Cmd::CheckTenant { id, tenant, .. }] = cmds.as_slice() else {
            panic!("a check is asked: {cmds:?}");
        };
        assert_eq!(tenant, "fabrikam-typo.example");
        assert_eq!(w.tenant_check, Some(*id));
        on_tenant_checked(
            &mut w,
            Verdict::Unknown {
                description: Some("Tenant 'fabrikam-typo.example' not found.".into()),
            },
        );
        let warn = w.visible_warning(Field::Tenant).expect("a warning");
        assert!(warn.contains("AADSTS90002"), "{warn}");
        assert_eq!(w.blocker(), None, "a warning never blocks Next");
        // Another tenant: the old warning goes, and no answer says nothing.
        w.tenant.set("contoso.onmicrosoft.com");
        w.revalidate();
        assert_eq!(w.visible_warning(Field::Tenant), None);
        on_tenant_checked(&mut w, Verdict::NoVerdict);
        assert_eq!(w.visible_warning(Field::Tenant), None);
        // A multi-tenant alias is not asked about.
        assert!(leave_tenant(&mut w, "organizations").is_empty());
    }

    #[test]
    fn the_authorization_code_grant_has_a_redirect_port_field_checked_as_typed() {
        use super::super::Step;
        use crate::domain::Grant;
        let mut w = WizardState::new(Vec::new());
        assert_eq!(w.grant, Grant::AuthCode);
        assert!(w.fields_of(Step::Grant).contains(&Field::RedirectPort));
        for bad in ["abc", "0", "70000", ""] {
            w.redirect_port.set(bad);
            w.revalidate();
            let p = w.problems.get(&Field::RedirectPort).expect("refused");
            assert!(p.contains("1 to 65535"), "{bad:?}: {p}");
        }
        w.redirect_port.set("8401");
        w.revalidate();
        assert_eq!(w.problems.get(&Field::RedirectPort), None);
        assert_eq!(w.connector().redirect_port, 8401);
        assert_eq!(
            w.picker.summary.redirect_uri.as_deref(),
            Some("http://localhost:8401/"),
            "the summary's redirect URI follows the port"
        );
        w.grant = Grant::DeviceCode;
        assert!(!w.fields_of(Step::Grant).contains(&Field::RedirectPort));
    }
}
