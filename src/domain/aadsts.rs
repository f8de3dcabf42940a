//! The AADSTS decoder: an identity-platform error code → the cause in plain words and the fix,
//! filled in with this connector's values.

use serde::Serialize;

use super::{Cloud, Grant};

/// What the decoder needs to know about the connector that failed.
#[derive(Debug, Clone)]
pub struct ErrorContext {
    pub cloud: Cloud,
    pub tenant: String,
    pub client_id: String,
    pub grant: Grant,
    /// The redirect URI the connector registers (auth code).
    pub redirect_uri: String,
    /// Scopes the connector requests.
    pub scopes: Vec<String>,
}

impl ErrorContext {
    /// The admin-consent URL for this tenant and app.
    pub fn admin_consent_url(&self) -> String {
        let tenant = match self.tenant.to_ascii_lowercase().as_str() {
            // Admin consent is not offered on /common or /consumers.
            "common" | "consumers" => "organizations".to_string(),
            _ => self.tenant.clone(),
        };
        let mut url = format!(
            "{}/{}/v2.0/adminconsent?client_id={}&scope={}",
            self.cloud.login_base(),
            value_or_placeholder(&tenant),
            value_or_placeholder(&self.client_id),
            percent_encode(&format!("{}/.default", self.cloud.graph_resource())),
        );
        // Only a registered redirect URI may be named; without one the consent page ends there.
        if !self.redirect_uri.is_empty() {
            url.push_str("&redirect_uri=");
            url.push_str(&percent_encode(&self.redirect_uri));
        }
        url
    }
}

/// One decoded identity error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedError {
    /// The AADSTS number, when the service sent one.
    pub aadsts: Option<u32>,
    /// The OAuth `error` value (`invalid_grant`, …).
    pub error: String,
    /// What happened, in plain words.
    pub message: String,
    /// What to do about it.
    pub fix: String,
    /// For unknown codes and for support: the service's own description, trace and correlation ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Microsoft's own description: its first sentence, without the code, made inert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The raw error as the identity platform sent it.
#[derive(Debug, Clone, Default)]
pub struct RawIdentityError {
    pub error: String,
    pub error_description: Option<String>,
    pub error_codes: Vec<u32>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
}

impl RawIdentityError {
    /// The AADSTS code: the first of `error_codes`, else the one `error_description` starts with.
    pub fn code(&self) -> Option<u32> {
        if let Some(c) = self.error_codes.first() {
            return Some(*c);
        }
        let d = self.error_description.as_deref()?.trim_start();
        let digits: String = d
            .strip_prefix("AADSTS")?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// The first sentence of the description without the `AADSTSnnnn: ` prefix, made inert
    /// (it is the service's text) and bounded in length.
    pub fn first_sentence(&self) -> Option<String> {
        let summary = self.summary()?;
        let end = summary.find(". ").map_or(summary.len(), |i| i + 1);
        let sentence: String = summary[..end].chars().take(300).collect();
        let clean = super::sanitize::line(sentence.trim()).into_owned();
        (!clean.is_empty()).then_some(clean)
    }

    /// The first line of the description without the `AADSTSnnnn: ` prefix.
    pub fn summary(&self) -> Option<String> {
        let d = self.error_description.as_deref()?;
        let first = d.lines().next().unwrap_or(d).trim();
        let text = match first.split_once(": ") {
            Some((code, rest)) if code.starts_with("AADSTS") => rest,
            _ => first,
        };
        Some(text.to_string())
    }
}

/// Decodes an identity error for a connector.
pub fn decode(raw: &RawIdentityError, ctx: &ErrorContext) -> DecodedError {
    let code = raw.code();
    // The device-flow errors say exactly what happened; the AADSTS number sent with them
    // varies between services and releases.
    let device_flow = DEVICE_FLOW_ERRORS.contains(&raw.error.as_str());
    let (message, fix) = match code {
        Some(code) if !device_flow => explain(code, raw, ctx),
        _ => explain_oauth_error(&raw.error),
    };
    let known = device_flow || code.is_some_and(is_known);
    let detail = if known && code.is_some() {
        ids(raw)
    } else {
        let mut parts = Vec::new();
        if let Some(s) = raw.summary() {
            parts.push(s);
        }
        if let Some(i) = ids(raw) {
            parts.push(i);
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    DecodedError {
        aadsts: code,
        error: raw.error.clone(),
        message,
        fix,
        detail,
        description: raw.first_sentence(),
    }
}

fn ids(raw: &RawIdentityError) -> Option<String> {
    match (&raw.trace_id, &raw.correlation_id) {
        (None, None) => None,
        (t, c) => Some(format!(
            "(trace id {}, correlation id {})",
            t.as_deref().unwrap_or("-"),
            c.as_deref().unwrap_or("-")
        )),
    }
}

const KNOWN: &[u32] = &[
    50011, 50053, 50055, 50057, 50076, 50079, 50126, 50173, 50194, 53003, 54005, 65001, 65004,
    70000, 70008, 70011, 70016, 70018, 70019, 70020, 70043, 90002, 700016, 700025, 700082, 700084,
    900023, 900144, 1002012, 7000215, 7000216, 7000218, 7000222, 9001023,
];

fn is_known(code: u32) -> bool {
    KNOWN.contains(&code)
}

fn portal_app(ctx: &ErrorContext) -> String {
    format!(
        "Azure portal → Microsoft Entra ID → App registrations → the app with client ID {}",
        ctx.client_id
    )
}

fn explain(code: u32, raw: &RawIdentityError, ctx: &ErrorContext) -> (String, String) {
    let app = portal_app(ctx);
    let s = |a: &str, b: String| (a.to_string(), b);
    match code {
        50126 => s(
            "The user name or password is wrong.",
            "check the connector's user name and password (`graphmail connector edit NAME --username U --password-file F`); an account that signs in through a federation server or without a password cannot use ROPC: use auth-code or device-code".into(),
        ),
        50076 | 50079 => s(
            "The account must use multi-factor authentication, which the password grant (ROPC) cannot do.",
            "switch the connector to auth-code or device-code (`graphmail connector edit NAME --grant auth-code`) and sign in again".into(),
        ),
        65001 => (
            format!(
                "Consent is missing: no one has allowed the app {} to use the permissions it asks for.",
                ctx.client_id
            ),
            format!(
                "have an administrator grant consent at {} (or in {} → API permissions → Grant admin consent)",
                ctx.admin_consent_url(),
                app
            ),
        ),
        65004 => s(
            "The user or administrator declined the consent request.",
            format!("sign in again and accept, or have an administrator grant consent at {}", ctx.admin_consent_url()),
        ),
        7000215 => s(
            "The client secret is wrong or expired.",
            format!("create a new client secret in {app} → Certificates & secrets, copy its Value (not the Secret ID) and store it with `graphmail connector edit NAME --client-secret-file F`"),
        ),
        7000222 => s(
            "The client secret has expired.",
            format!("create a new client secret in {app} → Certificates & secrets and store it with `graphmail connector edit NAME --client-secret-file F`"),
        ),
        7000216 | 7000218 => s(
            "The app is registered as confidential, so it must send a client secret, and none is stored.",
            format!("add the secret with `graphmail connector edit NAME --client-secret-file F`, or enable \"Allow public client flows\" in {app} → Authentication"),
        ),
        700025 => s(
            "The app is a public client, so it must not send a client secret, but one is stored.",
            "remove it with `graphmail connector edit NAME --clear-client-secret`".into(),
        ),
        700016 => (
            format!(
                "No app with client ID {} exists in tenant {}.",
                ctx.client_id, ctx.tenant
            ),
            "check the client ID (Application (client) ID on the app's Overview page) and the tenant; an app from another tenant must be multi-tenant and consented here".into(),
        ),
        70011 | 1002012 => {
            let fix = if ctx.grant == Grant::ClientCredentials {
                format!(
                    "client credentials must request only {}/.default; the app permissions themselves are granted in {app} → API permissions",
                    ctx.cloud.graph_resource()
                )
            } else {
                "check the connector's scopes (`graphmail connector show NAME`): use Graph permission names such as Mail.Read, and do not mix .default with other scopes".into()
            };
            ("A requested scope is not valid.".into(), fix)
        }
        90002 | 900023 => (
            format!("Tenant '{}' was not found in this cloud ({}).", ctx.tenant, ctx.cloud),
            "use the Directory (tenant) ID shown on the app's Overview page, or the tenant's verified domain, and check the cloud (--cloud)".into(),
        ),
        9001023 => s(
            "The password grant (ROPC) does not work with the common or consumers tenant.",
            "set the tenant to the tenant ID or domain (`graphmail connector edit NAME --tenant contoso.onmicrosoft.com`)".into(),
        ),
        50011 => (
            format!(
                "The redirect URI {} is not registered for the app.",
                ctx.redirect_uri
            ),
            format!(
                "add {} in {app} → Authentication → Add a platform → Mobile and desktop applications (or Web for a confidential app)",
                ctx.redirect_uri
            ),
        ),
        50194 => s(
            "The app is single-tenant, so it cannot sign in through the common endpoint.",
            "set the connector's tenant to the tenant ID or domain".into(),
        ),
        50053 => s(
            "The account is locked after too many failed sign-ins.",
            "wait, or have an administrator unlock it, then sign in again".into(),
        ),
        50055 => s(
            "The account's password has expired.",
            "change the password interactively, update the connector's password, and sign in again".into(),
        ),
        50057 => s(
            "The account is disabled.",
            "ask an administrator to enable it, or use another account".into(),
        ),
        53003 => s(
            "A Conditional Access policy blocked the sign-in.",
            "ask an administrator which policy applies (the sign-in logs name it), or sign in from a compliant location or device".into(),
        ),
        54005 | 70000 => s(
            "The authorization code was already used or is not valid.",
            "sign in again; each code works once".into(),
        ),
        70008 | 700082 | 700084 | 50173 | 70043 => s(
            "The stored sign-in has expired or was revoked.",
            "sign in again (`graphmail connector login NAME`)".into(),
        ),
        70016 => s(
            "The device code has not been approved yet.",
            "finish the sign-in on the other device".into(),
        ),
        70018 => s(
            "The device code is not valid.",
            "start the sign-in again".into(),
        ),
        70019 | 70020 => s(
            "The device code expired before the sign-in was finished.",
            "start the sign-in again and finish it within the time shown".into(),
        ),
        900144 => s(
            "The request missed a required parameter.",
            "check the connector's settings (`graphmail connector show NAME`)".into(),
        ),
        other => (
            format!(
                "The identity platform refused the request (AADSTS{other}{}).",
                raw.summary().map(|s| format!(": {s}")).unwrap_or_default()
            ),
            format!("look the code up at https://login.microsoftonline.com/error?code={other}"),
        ),
    }
}

/// RFC 8628 `error` values of the device-code poll.
const DEVICE_FLOW_ERRORS: [&str; 3] = [
    "authorization_declined",
    "expired_token",
    "bad_verification_code",
];

fn explain_oauth_error(error: &str) -> (String, String) {
    match error {
        "bad_verification_code" => (
            "The device code is not valid.".into(),
            "start the sign-in again".into(),
        ),
        "authorization_declined" | "access_denied" => (
            "The sign-in was declined.".into(),
            "sign in again and approve the request".into(),
        ),
        "expired_token" => (
            "The device code expired before the sign-in was finished.".into(),
            "start the sign-in again and finish it within the time shown".into(),
        ),
        "invalid_grant" => (
            "The stored sign-in is no longer valid.".into(),
            "sign in again (`graphmail connector login NAME`)".into(),
        ),
        "invalid_client" => (
            "The app's client credentials were refused.".into(),
            "check the client ID and client secret".into(),
        ),
        other => (
            format!("The identity platform refused the request ({other})."),
            "check the connector's settings (`graphmail connector show NAME`)".into(),
        ),
    }
}

/// A value for the URL, percent-encoded, unless it is a guide placeholder such as
/// `<tenant-id>`, which stays readable for the person to fill in.
fn value_or_placeholder(s: &str) -> String {
    let placeholder = s.len() > 2
        && s.starts_with('<')
        && s.ends_with('>')
        && s[1..s.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'@' || b == b'.');
    if placeholder {
        s.to_string()
    } else {
        percent_encode(s)
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_consent_url_encodes_what_was_typed_and_keeps_placeholders() {
        let ctx = |tenant: &str, client_id: &str| ErrorContext {
            cloud: crate::domain::Cloud::Global,
            tenant: tenant.into(),
            client_id: client_id.into(),
            grant: crate::domain::Grant::ClientCredentials,
            redirect_uri: String::new(),
            scopes: Vec::new(),
        };
        let url = ctx("\x1b]0;pwned\x07/x?y#z", "a b&c=d").admin_consent_url();
        assert!(
            url.contains(
                "/%1B%5D0%3Bpwned%07%2Fx%3Fy%23z/v2.0/adminconsent?client_id=a%20b%26c%3Dd&scope="
            ),
            "{url}"
        );
        assert!(url.bytes().all(|b| b.is_ascii_graphic()), "{url}");
        let url = ctx("<tenant-id>", "<client-id>").admin_consent_url();
        assert!(
            url.contains("/<tenant-id>/v2.0/adminconsent?client_id=<client-id>&"),
            "{url}"
        );
    }

    fn ctx(grant: Grant) -> ErrorContext {
        ErrorContext {
            cloud: Cloud::Global,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            grant,
            redirect_uri: "http://localhost:8400/".into(),
            scopes: vec!["Mail.Read".into()],
        }
    }

    fn raw(code: u32, error: &str) -> RawIdentityError {
        RawIdentityError {
            error: error.into(),
            error_description: Some(format!(
                "AADSTS{code}: Something happened.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-01-01 00:00:00Z"
            )),
            error_codes: vec![code],
            trace_id: Some("t-1".into()),
            correlation_id: Some("c-1".into()),
        }
    }

    #[test]
    fn redirect_mismatch_names_the_uri_and_where_to_add_it() {
        let d = decode(&raw(50011, "invalid_request"), &ctx(Grant::AuthCode));
        assert!(d.message.contains("http://localhost:8400/"));
        assert!(d.fix.contains("http://localhost:8400/") && d.fix.contains("Authentication"));
    }

    #[test]
    fn missing_consent_gives_the_admin_consent_url_for_this_tenant_and_app() {
        let d = decode(&raw(65001, "invalid_grant"), &ctx(Grant::DeviceCode));
        assert!(d.fix.contains(
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=11111111-2222-3333-4444-555555555555"
        ));
        assert!(
            d.fix
                .contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")
        );
    }

    #[test]
    fn device_flow_errors_are_explained_by_their_name_whatever_code_comes_with_them() {
        let d = decode(
            &raw(70000, "authorization_declined"),
            &ctx(Grant::DeviceCode),
        );
        assert_eq!(d.aadsts, Some(70000));
        assert!(d.message.contains("declined"), "{}", d.message);
        let d = decode(&raw(70020, "expired_token"), &ctx(Grant::DeviceCode));
        assert!(d.message.contains("expired"), "{}", d.message);
    }

    #[test]
    fn mfa_tells_to_leave_ropc() {
        for code in [50076, 50079] {
            let d = decode(&raw(code, "invalid_grant"), &ctx(Grant::Ropc));
            assert!(d.message.contains("multi-factor"));
            assert!(d.fix.contains("auth-code") && d.fix.contains("device-code"));
        }
    }

    #[test]
    fn secret_and_tenant_errors_say_what_to_change() {
        let d = decode(
            &raw(7000215, "invalid_client"),
            &ctx(Grant::ClientCredentials),
        );
        assert!(d.message.contains("client secret") && d.fix.contains("Certificates & secrets"));
        let d = decode(&raw(9001023, "invalid_request"), &ctx(Grant::Ropc));
        assert!(d.fix.contains("tenant ID or domain"));
        let d = decode(&raw(70011, "invalid_scope"), &ctx(Grant::ClientCredentials));
        assert!(d.fix.contains("https://graph.microsoft.com/.default"));
    }

    #[test]
    fn unknown_codes_keep_code_description_and_ids() {
        let d = decode(&raw(123456, "invalid_request"), &ctx(Grant::AuthCode));
        assert_eq!(d.aadsts, Some(123456));
        assert!(d.message.contains("AADSTS123456") && d.message.contains("Something happened."));
        let detail = d.detail.unwrap();
        assert!(detail.contains("t-1") && detail.contains("c-1"));
    }

    #[test]
    fn the_code_is_read_from_the_description_when_error_codes_is_missing() {
        let mut r = raw(50126, "invalid_grant");
        r.error_codes.clear();
        assert_eq!(r.code(), Some(50126));
        assert!(
            decode(&r, &ctx(Grant::Ropc))
                .message
                .contains("password is wrong")
        );
    }

    #[test]
    fn consent_on_common_points_to_organizations() {
        let mut c = ctx(Grant::AuthCode);
        c.tenant = "common".into();
        assert!(
            c.admin_consent_url()
                .contains("/organizations/v2.0/adminconsent")
        );
    }
}
