//! The scopes a connector requests, and what a missing one takes away.

use crate::domain::permissions;
use crate::domain::{Connector, summarize};

/// OpenID Connect scopes: not Graph permissions, never prefixed with a resource.
const OIDC: [&str; 4] = ["openid", "profile", "offline_access", "email"];

fn is_oidc(scope: &str) -> bool {
    OIDC.iter().any(|o| o.eq_ignore_ascii_case(scope))
}

/// The scopes to request: the domain's permission summary (the chosen Graph permissions,
/// `offline_access` for delegated grants, `<graph resource>/.default` for client credentials),
/// plus `openid` and `profile` for delegated grants so the reply names the signed-in user.
pub fn requested_scopes(connector: &Connector) -> Vec<String> {
    let summary = summarize(
        connector.grant,
        &connector.cloud,
        &connector.presets,
        &connector.extra_scopes.join(" "),
        connector.redirect_port,
    );
    let mut out = summary.request;
    if connector.grant.is_delegated() {
        for oidc in ["openid", "profile"] {
            if !out.iter().any(|s| s.eq_ignore_ascii_case(oidc)) {
                out.push(oidc.to_string());
            }
        }
    }
    out
}

/// A scope in the short form Graph reports it in (`Mail.Read` for
/// `https://graph.microsoft.us/Mail.Read`).
pub fn short_name(scope: &str) -> &str {
    if scope.contains("://") {
        scope.rsplit('/').next().unwrap_or(scope)
    } else {
        scope
    }
}

/// The Graph permissions among `requested` that `granted` lacks (OpenID scopes and `.default`
/// are not compared: the platform does not echo them).
pub fn missing_scopes(requested: &[String], granted: &[String]) -> Vec<String> {
    requested
        .iter()
        .map(|s| short_name(s))
        .filter(|s| !is_oidc(s) && *s != ".default")
        .filter(|want| {
            !granted
                .iter()
                .any(|have| short_name(have).eq_ignore_ascii_case(want))
        })
        .map(str::to_string)
        .collect()
}

/// What graphmail cannot do without a permission (from the permission catalog).
pub fn what_it_disables(scope: &str) -> String {
    match permissions::lookup(short_name(scope)) {
        Some(entry) if !entry.enables.is_empty() => entry.enables.to_string(),
        _ => "the features that use it".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::Preset;
    use crate::domain::{Cloud, Grant};

    fn connector(cloud: Cloud, grant: Grant) -> Connector {
        Connector {
            name: "c".into(),
            cloud,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            grant,
            presets: vec![Preset::Fetch, Preset::Send, Preset::Offline],
            extra_scopes: vec!["MailboxSettings.Read".into()],
            mailbox: None,
            redirect_port: 8400,
        }
    }

    #[test]
    fn delegated_scopes_are_short_in_the_global_cloud_and_full_elsewhere() {
        let global = requested_scopes(&connector(Cloud::Global, Grant::AuthCode));
        assert_eq!(
            global,
            [
                "Mail.Read",
                "Mail.Send",
                "MailboxSettings.Read",
                "offline_access",
                "openid",
                "profile"
            ]
        );
        let gov = requested_scopes(&connector(Cloud::Usgov, Grant::DeviceCode));
        assert!(gov.contains(&"https://graph.microsoft.us/Mail.Read".to_string()));
        assert!(gov.contains(&"offline_access".to_string()));
    }

    #[test]
    fn client_credentials_ask_for_default_of_the_cloud() {
        let s = requested_scopes(&connector(Cloud::China, Grant::ClientCredentials));
        assert_eq!(s, ["https://microsoftgraph.chinacloudapi.cn/.default"]);
    }

    #[test]
    fn missing_scopes_ignore_oidc_and_case() {
        let requested = requested_scopes(&connector(Cloud::Usgov, Grant::AuthCode));
        let granted = vec!["mail.read".to_string(), "openid".to_string()];
        assert_eq!(
            missing_scopes(&requested, &granted),
            ["Mail.Send", "MailboxSettings.Read"]
        );
        assert!(what_it_disables("Mail.Send").starts_with("send"));
    }
}
