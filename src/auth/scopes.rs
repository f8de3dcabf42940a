//! The scopes a connector requests, and what a missing one takes away.

use crate::domain::{Cloud, Connector, Grant};

/// OpenID Connect scopes: not Graph permissions, never prefixed with a resource.
const OIDC: [&str; 4] = ["openid", "profile", "offline_access", "email"];

fn is_oidc(scope: &str) -> bool {
    OIDC.iter().any(|o| o.eq_ignore_ascii_case(scope))
}

/// The scopes to request. Delegated grants ask for the chosen Graph permissions plus
/// `offline_access` (so the sign-in can be refreshed), `openid` and `profile` (so the user is
/// named); outside the global cloud Graph permissions carry the cloud's resource URI. Client
/// credentials ask for `<graph resource>/.default`.
pub fn requested_scopes(connector: &Connector) -> Vec<String> {
    let resource = connector.cloud.graph_resource();
    if connector.grant == Grant::ClientCredentials {
        return vec![format!("{resource}/.default")];
    }
    let full_uris = !matches!(connector.cloud, Cloud::Global | Cloud::Custom { .. });
    let mut out: Vec<String> = Vec::new();
    let chosen = connector
        .presets
        .iter()
        .flat_map(|p| p.scopes().iter().map(|s| s.to_string()))
        .chain(connector.extra_scopes.iter().cloned())
        .chain(["offline_access", "openid", "profile"].map(String::from));
    for scope in chosen {
        let scope = if full_uris && !is_oidc(&scope) && !scope.contains("://") {
            format!("{resource}/{scope}")
        } else {
            scope
        };
        if !out.iter().any(|s| s.eq_ignore_ascii_case(&scope)) {
            out.push(scope);
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

/// What graphmail cannot do without a permission.
pub fn what_it_disables(scope: &str) -> &'static str {
    match short_name(scope).to_ascii_lowercase().as_str() {
        "mail.read" => "reading mail",
        "mail.readwrite" => "moving, deleting and marking mail",
        "mail.send" => "sending mail",
        "mail.read.shared" => "reading shared mailboxes",
        "mail.readwrite.shared" => "changing mail in shared mailboxes",
        "mail.send.shared" => "sending as a shared mailbox",
        "user.read" => "showing who is signed in",
        "mailboxsettings.read" | "mailboxsettings.readwrite" => "mailbox settings",
        _ => "features that use it",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::Preset;

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
                "offline_access",
                "MailboxSettings.Read",
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
        assert_eq!(what_it_disables("Mail.Send"), "sending mail");
    }
}
