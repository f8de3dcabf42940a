//! Values checked as they are typed, the same for `connector add|edit` and the wizard: the
//! additional scopes (junk and other resources' permissions refused, with the reason) and the
//! client secret (a secret's ID typed where its Value belongs draws a warning).

use super::{Field, FieldError, FieldResult, is_guid};
use crate::domain::permissions::{GRAPH_RESOURCES, lookup, split_list};

/// The longest scope taken: Graph's permission names are under 64 characters, a full URI with
/// its resource well under this.
pub const MAX_SCOPE: usize = 200;

/// How a scope is written, said after each refusal.
const HOW: &str = "write names like Mail.Read or full URIs like https://graph.microsoft.com/Mail.Read, separated by spaces or commas";

/// Additional scopes as typed: permission names like `Mail.Read`, OpenID Connect scopes, or
/// full URIs of Microsoft Graph. Refused: another resource's permission (one access token
/// serves one resource), paths, a name split by a space, control characters and overlong
/// words.
pub fn validate_scopes(text: &str) -> FieldResult {
    if let Some(c) = text.chars().find(|c| c.is_control() && !c.is_whitespace()) {
        return Err(refused(format!(
            "the text holds a control character ({}): type the names only; {HOW}",
            c.escape_unicode()
        )));
    }
    split_list(text).try_for_each(check_word)
}

fn refused(what: String) -> FieldError {
    FieldError::new(Field::Scopes, what)
}

fn check_word(word: &str) -> FieldResult {
    let len = word.chars().count();
    if len > MAX_SCOPE {
        let start: String = word.chars().take(24).collect();
        return Err(refused(format!(
            "'{start}…' has {len} characters, longer than any permission: {HOW}"
        )));
    }
    let name = match word.split_once("://") {
        Some((_, rest)) => {
            let (host, name) = rest.split_once('/').unwrap_or((rest, ""));
            let resource = &word[..word.len() - rest.len() + host.len()];
            if !GRAPH_RESOURCES
                .iter()
                .any(|r| r.eq_ignore_ascii_case(resource))
            {
                return Err(refused(format!(
                    "'{word}' is a permission of {resource}, not of Microsoft Graph; one access token serves one resource, so Microsoft refuses a sign-in that mixes them (AADSTS28000): remove it, graphmail signs in for Microsoft Graph only"
                )));
            }
            if name.is_empty() {
                return Err(refused(format!(
                    "'{word}' names no permission: write it as {resource}/Mail.Read"
                )));
            }
            name
        }
        None => word,
    };
    if name.contains('/') || (name.starts_with('.') && name != ".default") {
        return Err(refused(format!(
            "'{word}' looks like a path, not a permission: {HOW}"
        )));
    }
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !plain {
        return Err(refused(format!("'{word}' is not a scope: {HOW}")));
    }
    // Every Graph permission is Resource.Operation; only the OpenID Connect scopes have no dot.
    if !name.contains('.') && lookup(name).is_none_or(|e| !e.oidc) {
        return Err(refused(format!(
            "'{word}' is not a permission name: names have a dot (Mail.Read), and a space inside a name splits it in two; {HOW}"
        )));
    }
    Ok(())
}

/// A warning about the client secret as typed: a GUID is what the Azure portal shows as the
/// secret's "Secret ID", beside its "Value", which is what graphmail needs.
pub fn client_secret_warning(secret: &str) -> Option<FieldError> {
    is_guid(secret.trim()).then(|| {
        FieldError::new(
            Field::ClientSecret,
            "it looks like the secret's ID (a GUID), not its Value: copy the Value column from Certificates & secrets in the Azure portal (it is shown only when the secret is made; if it is hidden now, add a new secret)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_names_uris_and_openid_scopes_pass() {
        for ok in [
            "Mail.Read, https://graph.microsoft.com/Mail.Send offline_access",
            "openid profile email .default",
            "https://graph.microsoft.us/Mail.Read Calendars.Read",
            "Mail.Read,Mail.Send",
        ] {
            assert_eq!(validate_scopes(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn another_resources_permission_is_refused_naming_aadsts28000() {
        let err =
            validate_scopes("Mail.Read https://outlook.office.com/SMTP.Send").expect_err("refused");
        assert_eq!(err.field, Field::Scopes);
        for part in ["https://outlook.office.com", "one resource", "AADSTS28000"] {
            assert!(err.message.contains(part), "{part} in {err}");
        }
    }

    #[test]
    fn junk_is_refused_with_what_is_wrong() {
        let cases = [
            ("/etc/passwd", "path"),
            ("Mail/Read", "path"),
            ("https://graph.microsoft.com/v1.0/me", "path"),
            ("../Mail.Read", "path"),
            ("Mail.Read, Mail Send", "space inside a name"),
            ("Mail Read", "space inside a name"),
            ("Mail.Read Shared", "space inside a name"),
            ("Mail.Read\u{1b}[31m", "control character"),
            ("Mail.Read\"", "not a scope"),
            ("Mail;Read", "not a scope"),
            ("https://graph.microsoft.com/", "names no permission"),
        ];
        for (bad, why) in cases {
            let err = validate_scopes(bad).expect_err(bad);
            assert!(err.message.contains(why), "{bad:?}: {err}");
            assert!(err.message.starts_with("scopes: "), "{err}");
        }
        let long = format!("Mail.{}", "R".repeat(MAX_SCOPE));
        let err = validate_scopes(&long).expect_err("too long");
        assert!(err.message.contains("longer than any permission"), "{err}");
        assert!(err.message.len() < 400, "the message quotes only the start");
    }

    #[test]
    fn a_guid_as_the_client_secret_is_taken_for_the_secrets_id() {
        let w = client_secret_warning(" 6f1c2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f ").expect("a warning");
        assert_eq!(w.field, Field::ClientSecret);
        assert!(
            w.message.contains("ID") && w.message.contains("Value"),
            "{w}"
        );
        assert_eq!(
            client_secret_warning("Xy7~Q8s.abcDEF_1234567890abcdEFGH12"),
            None
        );
    }
}
