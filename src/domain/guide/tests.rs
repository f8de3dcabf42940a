use super::*;
use crate::domain::permissions::Preset;

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "11111111-2222-3333-4444-555555555555";

fn connector(grant: Grant, presets: &[Preset]) -> Connector {
    Connector {
        name: "ops".into(),
        cloud: Cloud::Global,
        tenant: TENANT.into(),
        client_id: CLIENT.into(),
        grant,
        presets: presets.to_vec(),
        extra_scopes: vec![],
        mailbox: None,
        redirect_port: 8765,
    }
}

fn build(grant: Grant, presets: &[Preset], secret: bool) -> Guide {
    guide(&GuideInput::new(connector(grant, presets), secret))
}

/// The az command's JSON, parsed back out of the command line as a shell would see it.
fn az_json(g: &Guide) -> Value {
    let create = &g.az_commands[0];
    let start = create
        .find("--required-resource-accesses '")
        .expect("the JSON flag")
        + 30;
    let end = start + create[start..].find('\'').expect("the closing quote");
    serde_json::from_str(&create[start..end]).expect("the az JSON parses")
}

/// (id, type) of every resourceAccess entry, checking the resource is Microsoft Graph.
fn access(g: &Guide) -> Vec<(String, String)> {
    let v = az_json(g);
    assert_eq!(
        v, g.required_resource_access,
        "the command carries the same JSON"
    );
    let list = v.as_array().expect("an array of resources");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["resourceAppId"], GRAPH_APP_ID);
    list[0]["resourceAccess"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn text(g: &Guide) -> String {
    g.steps
        .iter()
        .flat_map(|s| std::iter::once(&s.title).chain(&s.lines))
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

fn perm<'a>(g: &'a Guide, name: &str) -> &'a GuidePermission {
    g.permissions
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} is in the guide"))
}

#[test]
fn public_auth_code_registers_a_desktop_redirect_and_delegated_permissions() {
    let g = build(
        Grant::AuthCode,
        &[Preset::Fetch, Preset::Send, Preset::Offline],
        false,
    );
    let r = g.redirect.as_ref().expect("auth code needs a redirect URI");
    assert_eq!(r.uri, "http://localhost:8765/");
    assert_eq!(r.platform, "Mobile and desktop applications");
    assert!(!g.allow_public_client_flows);
    assert!(!g.client_secret);
    assert!(g.az_commands[0].contains("--public-client-redirect-uris http://localhost:8765/"));
    assert!(!g.az_commands[0].contains("--web-redirect-uris"));
    assert!(!g.az_commands[0].contains("--is-fallback-public-client"));
    assert_eq!(
        access(&g),
        vec![
            (
                "570282fd-fa5c-430d-a7fd-fc8dc98a9dca".into(),
                "Scope".into()
            ),
            (
                "e383f46e-2787-4529-855e-0e479a3ffac0".into(),
                "Scope".into()
            ),
            (
                "7427e0e9-2fba-42fe-b0c0-848c9e6a8182".into(),
                "Scope".into()
            ),
        ]
    );
    assert_eq!(perm(&g, "Mail.Read").admin_consent, Some(false));
    assert_eq!(perm(&g, "Mail.Send").kind, PermissionKind::Delegated);
    assert!(!g.admin_consent_required);
    let t = text(&g);
    assert!(
        t.contains("\"Public client/native (mobile & desktop)\", value http://localhost:8765/")
    );
    assert!(t.contains("Delegated permissions"));
    assert!(t.contains("Mail.Read (delegated, no admin consent needed)"));
    assert!(
        !t.contains("client secret"),
        "a public client has no secret: {t}"
    );
    assert!(!g.az_commands.iter().any(|c| c.contains("admin-consent")));
    assert!(
        g.admin_consent_url.starts_with(&format!(
            "https://login.microsoftonline.com/{TENANT}/v2.0/adminconsent?client_id={CLIENT}"
        )) && g
            .admin_consent_url
            .contains("redirect_uri=http%3A%2F%2Flocalhost%3A8765%2F"),
        "{}",
        g.admin_consent_url
    );
}

#[test]
fn confidential_auth_code_uses_a_web_redirect_and_a_client_secret() {
    let g = build(Grant::AuthCode, &[Preset::Readwrite, Preset::Offline], true);
    let r = g.redirect.as_ref().unwrap();
    assert_eq!(r.platform, "Web");
    assert!(g.az_commands[0].contains("--web-redirect-uris http://localhost:8765/"));
    assert!(!g.az_commands[0].contains("--public-client-redirect-uris"));
    assert!(g.client_secret);
    let last = g.az_commands.last().unwrap();
    assert!(
        last.starts_with("az ad app credential reset --id \"$APP_ID\" --append")
            && last.contains("| graphmail connector add ops --tenant")
            && last.ends_with("--client-secret-stdin"),
        "the new secret is piped into the add that creates the connector: {last}"
    );
    assert!(
        !g.az_commands.iter().any(|c| c.contains("connector edit")),
        "nothing edits a connector the script has not made: {:?}",
        g.az_commands
    );
    let t = text(&g);
    assert!(t.contains("Certificates & secrets > Client secrets > New client secret"));
    assert!(t.contains("Value column now (not the Secret ID)"));
    let secret_step = g
        .steps
        .iter()
        .position(|s| s.title == "Create the client secret")
        .unwrap();
    let ids = &g.steps[secret_step + 1];
    assert!(
        ids.lines.iter().any(|l| l.trim_start().starts_with(
            "graphmail connector add ops --tenant contoso.onmicrosoft.com --client-id <client-id>"
        ) && l.ends_with("--client-secret-stdin")),
        "after the secret is made, the add line reads it: {ids:?}"
    );
    assert!(ids.lines.iter().any(|l| l.contains("paste it")));
    let saved = guide(&GuideInput::saved(connector(Grant::AuthCode, &[]), true));
    assert_eq!(
        saved.az_commands.last().unwrap(),
        "az ad app credential reset --id \"$APP_ID\" --append --display-name graphmail --query password --output tsv \\\n    | graphmail connector edit ops --client-id \"$APP_ID\" --client-secret-stdin"
    );
    assert!(text(&saved).contains(
        "graphmail connector edit ops --tenant <tenant-id> --client-id <client-id> --client-secret-stdin"
    ));
    assert_eq!(
        access(&g),
        vec![
            (
                "024d486e-b451-40bb-833d-3e66d98c5c73".into(),
                "Scope".into()
            ),
            (
                "7427e0e9-2fba-42fe-b0c0-848c9e6a8182".into(),
                "Scope".into()
            ),
        ]
    );
}

#[test]
fn device_code_and_ropc_allow_public_client_flows_without_a_redirect() {
    for grant in [Grant::DeviceCode, Grant::Ropc] {
        let g = build(grant, &[Preset::Fetch, Preset::Offline], false);
        assert!(g.redirect.is_none(), "{grant:?}");
        assert!(g.allow_public_client_flows, "{grant:?}");
        assert!(g.az_commands[0].contains("--is-fallback-public-client true"));
        assert!(!g.az_commands[0].contains("redirect-uris"));
        let t = text(&g);
        assert!(t.contains("\"Allow public client flows\" to Yes"), "{t}");
        assert!(t.contains("Redirect URI: leave it empty."));
        assert!(!g.admin_consent_url.contains("redirect_uri"));
        assert_eq!(access(&g).len(), 2);
        assert!(t.contains(&format!("--grant {}", grant.as_str())));
    }
}

#[test]
fn client_credentials_asks_for_application_permissions_with_admin_consent_and_a_secret() {
    let mut c = connector(Grant::ClientCredentials, &[Preset::Fetch, Preset::Send]);
    c.mailbox = Some("alerts@contoso.com".into());
    let g = guide(&GuideInput::new(c, false));
    assert!(g.client_secret, "an app-only connector always has a secret");
    assert!(g.redirect.is_none());
    assert!(!g.allow_public_client_flows);
    assert_eq!(
        access(&g),
        vec![
            ("810c84a8-4a9e-49e6-bf7d-12d183f40d01".into(), "Role".into()),
            ("b633e1c5-b582-4048-a93e-9f11b44c7e96".into(), "Role".into()),
        ]
    );
    assert_eq!(perm(&g, "Mail.Read").kind, PermissionKind::Application);
    assert_eq!(perm(&g, "Mail.Send").admin_consent, Some(true));
    assert!(g.admin_consent_required);
    assert!(
        g.az_commands
            .iter()
            .any(|c| c == "az ad app permission admin-consent --id \"$APP_ID\"")
    );
    let add = g.az_commands.last().unwrap();
    assert!(
        add.starts_with("az ad app credential reset --id \"$APP_ID\"")
            && add.contains("\n    | graphmail connector add ops")
            && add.contains("--grant client-credentials")
            && add.contains("--mailbox alerts@contoso.com")
            && add.ends_with("--client-secret-stdin"),
        "add needs the secret of an app-only connector, so it reads it from the pipe: {add}"
    );
    assert_eq!(
        g.az_commands
            .iter()
            .filter(|c| c.contains("graphmail connector"))
            .count(),
        1
    );
    let t = text(&g);
    assert!(
        !t.contains("connector edit ops --client-secret-stdin (paste"),
        "no step stores the secret in a connector that does not exist yet: {t}"
    );
    assert!(t.contains("--mailbox alerts@contoso.com --client-secret-stdin"));
    assert!(t.contains("Application permissions"));
    assert!(t.contains("Mail.Send (application, admin consent required)"));
    assert!(t.contains(&format!("Grant admin consent for {TENANT}")));
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains("application access policy"))
    );
}

#[test]
fn delegated_permissions_that_need_an_admin_are_marked_and_consent_is_asked() {
    let g = build(Grant::DeviceCode, &[Preset::Shared, Preset::Offline], false);
    assert_eq!(perm(&g, "Mail.Read.Shared").admin_consent, Some(false));
    let access = access(&g);
    assert!(access.contains(&(
        "7b9103a5-4610-446b-9670-80643382c1fa".into(),
        "Scope".into()
    )));
    assert!(access.contains(&(
        "a367ab51-6b49-43bf-a716-a1fb06d2a174".into(),
        "Scope".into()
    )));

    let mut c = connector(Grant::DeviceCode, &[Preset::Fetch]);
    c.extra_scopes = vec!["User.Read.All".into()];
    let g = guide(&GuideInput::new(c, false));
    let p = perm(&g, "User.Read.All");
    assert_eq!(p.admin_consent, Some(true));
    assert!(g.admin_consent_required);
    assert!(text(&g).contains("Grant admin consent"));
}

#[test]
fn permissions_without_a_certain_id_are_left_for_the_portal_and_named() {
    let mut c = connector(Grant::AuthCode, &[Preset::Fetch]);
    c.extra_scopes = vec!["Mail.ReadBasic".into(), "Tasks.Read".into()];
    let g = guide(&GuideInput::new(c, false));
    assert_eq!(perm(&g, "Mail.ReadBasic").id, None);
    assert_eq!(perm(&g, "Tasks.Read").id, None);
    let ids: Vec<String> = access(&g).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 2, "Mail.Read and offline_access only: {ids:?}");
    assert!(
        g.by_hand
            .iter()
            .any(|l| l.starts_with("Mail.ReadBasic (delegated)"))
    );
    assert!(
        g.by_hand
            .iter()
            .any(|l| l.starts_with("Tasks.Read (delegated)"))
    );
    assert!(text(&g).contains("Tasks.Read (delegated): graphmail does not know"));
}

#[test]
fn values_not_typed_yet_are_clear_placeholders_and_the_portal_follows_the_cloud() {
    let mut c = connector(Grant::ClientCredentials, &[Preset::Fetch]);
    c.name = String::new();
    c.tenant = " ".into();
    c.client_id = String::new();
    c.cloud = Cloud::Usgov;
    let g = guide(&GuideInput::new(c, true));
    assert_eq!(g.connector, "new-connector");
    assert!(g.portal.contains("portal.azure.us"));
    assert!(g.az_commands.iter().any(|c| c.contains(
        "--tenant \"$(az account show --query tenantId --output tsv)\" --client-id \"$APP_ID\""
    )));
    assert!(g.az_commands.iter().any(|c| c.contains("--cloud usgov")));
    assert!(
        g.admin_consent_url
            .contains("/<tenant-id>/v2.0/adminconsent?client_id=<client-id>")
    );
    assert!(
        g.admin_consent_url
            .starts_with("https://login.microsoftonline.us/")
    );
    assert!(text(&g).contains("Grant admin consent for <tenant-id>"));
    assert_eq!(
        guide(&GuideInput::new(
            Connector {
                cloud: Cloud::China,
                ..connector(Grant::AuthCode, &[])
            },
            false
        ))
        .portal,
        "https://portal.azure.cn"
    );
}

#[test]
fn a_display_name_with_spaces_is_quoted_for_the_shell() {
    let g = build(Grant::AuthCode, &[Preset::Fetch], false);
    assert!(g.az_commands[0].contains("--display-name 'graphmail ops'"));
    assert_eq!(shell_word("it's"), r"'it'\''s'");
}

#[test]
fn a_confidential_ropc_connector_reads_the_password_then_stores_the_secret_by_a_second_line() {
    let g = build(Grant::Ropc, &[Preset::Fetch], true);
    let n = g.az_commands.len();
    assert!(
        g.az_commands[n - 2].starts_with("graphmail connector add ops")
            && g.az_commands[n - 2].ends_with("--username '<user@domain>' --password-stdin"),
        "the placeholder is quoted so that a shell does not read it as a redirection: {:?}",
        g.az_commands
    );
    assert!(g.az_commands[n - 1].ends_with("| graphmail connector edit ops --client-secret-stdin"));
    let t = text(&g);
    assert!(t.contains("--username <user@domain> --password-stdin"));
    assert!(t.contains("It reads the user's password from standard input"));
    assert!(t.contains("  graphmail connector edit ops --client-secret-stdin"));
    assert!(!t.contains("without a client secret"), "{t}");
    let public = build(Grant::Ropc, &[Preset::Fetch], false);
    assert!(!public.az_commands.iter().any(|c| c.contains("credential")));
    assert!(!text(&public).contains("client secret's Value"));
}

#[test]
fn a_custom_cloud_gives_add_its_urls() {
    let mut c = connector(Grant::DeviceCode, &[Preset::Fetch]);
    c.cloud = Cloud::Custom {
        login_url: "https://login.example.com".into(),
        graph_url: "https://graph.example.com/v1.0".into(),
    };
    let g = guide(&GuideInput::new(c, false));
    assert!(g.az_commands.iter().any(|c| c.contains(
        "--cloud custom --login-url https://login.example.com --graph-url https://graph.example.com/v1.0"
    )));
}
