use super::*;
use crate::domain::connector::DEFAULT_REDIRECT_PORT;

fn sum(grant: Grant, presets: &[Preset], extra: &str) -> PermissionSummary {
    summarize(grant, &Cloud::Global, presets, extra, DEFAULT_REDIRECT_PORT)
}

fn line<'a>(s: &'a PermissionSummary, name: &str) -> &'a ScopeLine {
    s.scopes
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("{name} missing from {:?}", s.names()))
}

fn has_warning(s: &PermissionSummary, needle: &str) -> bool {
    s.warnings.iter().any(|w| w.contains(needle))
}

#[test]
fn fetch_requests_mail_read_as_a_user_consentable_delegated_scope() {
    let s = sum(Grant::AuthCode, &[Preset::Fetch], "");
    assert_eq!(s.scope_string, "Mail.Read offline_access");
    let l = line(&s, "Mail.Read");
    assert_eq!(l.kind, PermissionKind::Delegated);
    assert_eq!(l.admin_consent, Some(false));
    assert!(l.enables.contains("read"));
    assert_eq!(l.origin, ScopeOrigin::Preset(Preset::Fetch));
    assert!(!s.admin_consent_required);
}

#[test]
fn readwrite_requests_mail_readwrite() {
    let s = sum(Grant::DeviceCode, &[Preset::Readwrite], "");
    assert_eq!(s.request, ["Mail.ReadWrite", "offline_access"]);
    assert!(line(&s, "Mail.ReadWrite").enables.contains("move"));
}

#[test]
fn send_requests_mail_send() {
    let s = sum(Grant::AuthCode, &[Preset::Send], "");
    assert_eq!(s.request, ["Mail.Send", "offline_access"]);
    assert!(line(&s, "Mail.Send").enables.contains("send"));
}

#[test]
fn shared_requests_read_and_send_shared() {
    let s = sum(Grant::AuthCode, &[Preset::Shared], "");
    assert_eq!(
        s.request,
        ["Mail.Read.Shared", "Mail.Send.Shared", "offline_access"]
    );
}

#[test]
fn profile_requests_user_read() {
    let s = sum(Grant::AuthCode, &[Preset::Profile], "");
    assert_eq!(s.request, ["User.Read", "offline_access"]);
    assert_eq!(
        line(&s, "User.Read").origin,
        ScopeOrigin::Preset(Preset::Profile)
    );
}

#[test]
fn offline_preset_is_not_repeated() {
    let s = sum(
        Grant::AuthCode,
        &[Preset::Offline, Preset::Fetch],
        "offline_access",
    );
    assert_eq!(s.request, ["Mail.Read", "offline_access"]);
    assert_eq!(
        line(&s, "offline_access").origin,
        ScopeOrigin::Preset(Preset::Offline)
    );
}

#[test]
fn every_delegated_grant_gets_offline_access() {
    for g in [Grant::AuthCode, Grant::DeviceCode, Grant::Ropc] {
        let s = sum(g, &[Preset::Fetch], "");
        assert!(s.request.iter().any(|r| r == "offline_access"), "{g}");
        assert_eq!(line(&s, "offline_access").origin, ScopeOrigin::Automatic);
    }
}

#[test]
fn a_published_permission_is_requested_without_a_warning_and_a_made_up_one_with_one() {
    let s = sum(Grant::AuthCode, &[Preset::Fetch], "Calendars.Read");
    assert_eq!(s.request, ["Mail.Read", "offline_access", "Calendars.Read"]);
    let l = line(&s, "Calendars.Read");
    assert!(!l.known);
    assert_eq!(l.admin_consent, Some(false));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let s = sum(Grant::AuthCode, &[Preset::Fetch], "Widgets.Frobnicate");
    assert!(has_warning(
        &s,
        "Widgets.Frobnicate is not a Microsoft Graph permission graphmail knows"
    ));
}

#[test]
fn presets_and_typed_scopes_are_de_duplicated_ignoring_case() {
    let s = sum(
        Grant::AuthCode,
        &[Preset::Fetch, Preset::Send],
        "mail.read,MAIL.SEND  mail.send https://graph.microsoft.com/mail.read",
    );
    assert_eq!(s.request, ["Mail.Read", "Mail.Send", "offline_access"]);
    assert_eq!(
        line(&s, "Mail.Read").origin,
        ScopeOrigin::Preset(Preset::Fetch)
    );
}

#[test]
fn full_uri_is_normalised_to_the_canonical_short_name() {
    let s = sum(
        Grant::AuthCode,
        &[],
        "https://graph.microsoft.com/mail.readwrite",
    );
    assert_eq!(s.request, ["Mail.ReadWrite", "offline_access"]);
    assert_eq!(line(&s, "Mail.ReadWrite").origin, ScopeOrigin::Additional);
}

#[test]
fn national_clouds_request_full_uris_of_their_graph_but_short_oidc_scopes() {
    let s = summarize(Grant::AuthCode, &Cloud::Usgov, &[Preset::Fetch], "", 8400);
    assert_eq!(
        s.request,
        ["https://graph.microsoft.us/Mail.Read", "offline_access"]
    );
}

#[test]
fn readwrite_makes_read_redundant() {
    let s = sum(Grant::AuthCode, &[Preset::Fetch, Preset::Readwrite], "");
    assert!(has_warning(&s, "Mail.ReadWrite already includes Mail.Read"));
    let s = sum(Grant::AuthCode, &[Preset::Readwrite], "");
    assert!(!has_warning(&s, "redundant"));
}

#[test]
fn ropc_is_discouraged() {
    let s = sum(Grant::Ropc, &[Preset::Fetch], "");
    assert!(has_warning(&s, "ROPC is discouraged"));
    assert!(
        !sum(Grant::DeviceCode, &[Preset::Fetch], "")
            .warnings
            .iter()
            .any(|w| w.contains("ROPC"))
    );
}

#[test]
fn admin_only_delegated_scope_is_flagged_for_the_portal() {
    let s = sum(Grant::AuthCode, &[Preset::Fetch], "User.Read.All");
    assert_eq!(line(&s, "User.Read.All").admin_consent, Some(true));
    assert!(s.admin_consent_required);
    assert_eq!(s.grant_in_portal, ["User.Read.All"]);
}

#[test]
fn redirect_uri_is_given_for_auth_code_only() {
    let s = summarize(Grant::AuthCode, &Cloud::Global, &[Preset::Fetch], "", 9123);
    assert_eq!(s.redirect_uri.as_deref(), Some("http://localhost:9123/"));
    for g in [Grant::DeviceCode, Grant::Ropc, Grant::ClientCredentials] {
        assert_eq!(sum(g, &[Preset::Fetch], "").redirect_uri, None, "{g}");
    }
}

#[test]
fn client_credentials_requests_default_of_each_clouds_graph() {
    let custom = Cloud::Custom {
        login_url: "http://127.0.0.1:9000".into(),
        graph_url: "http://127.0.0.1:9000/v1.0".into(),
    };
    for (cloud, expected) in [
        (Cloud::Global, "https://graph.microsoft.com/.default"),
        (Cloud::Usgov, "https://graph.microsoft.us/.default"),
        (Cloud::UsgovDod, "https://dod-graph.microsoft.us/.default"),
        (
            Cloud::China,
            "https://microsoftgraph.chinacloudapi.cn/.default",
        ),
        // A custom cloud stands in for the global Graph (a proxy or the emulator).
        (custom, "https://graph.microsoft.com/.default"),
    ] {
        let s = summarize(Grant::ClientCredentials, &cloud, &[Preset::Fetch], "", 8400);
        assert_eq!(s.request, [expected], "{cloud}");
        assert_eq!(s.scope_string, expected);
        assert!(has_warning(&s, expected), "{cloud}: {:?}", s.warnings);
    }
}

#[test]
fn client_credentials_lists_application_permissions_to_grant_in_the_portal() {
    let s = sum(Grant::ClientCredentials, &[Preset::Fetch, Preset::Send], "");
    assert_eq!(s.grant_in_portal, ["Mail.Read", "Mail.Send"]);
    for l in &s.scopes {
        assert_eq!(l.kind, PermissionKind::Application);
        assert_eq!(l.admin_consent, Some(true));
        assert!(l.enables.contains("every mailbox") || l.enables.contains("any user"));
    }
    assert!(has_warning(&s, "Grant admin consent"));
    assert!(!s.request.iter().any(|r| r == "offline_access"));
}

#[test]
fn application_mail_permissions_warn_about_reaching_every_mailbox() {
    let s = sum(Grant::ClientCredentials, &[Preset::Readwrite], "");
    assert!(has_warning(&s, "reach every mailbox"));
    assert!(has_warning(&s, "application access policy"));
    assert!(!has_warning(
        &sum(Grant::AuthCode, &[Preset::Readwrite], ""),
        "reach every mailbox"
    ));
}

#[test]
fn client_credentials_drops_delegated_only_permissions_with_a_reason() {
    let s = sum(
        Grant::ClientCredentials,
        &[Preset::Fetch, Preset::Shared, Preset::Offline],
        "",
    );
    assert_eq!(s.names(), ["Mail.Read"]);
    assert!(has_warning(&s, "Mail.Read.Shared has no application form"));
    assert!(has_warning(
        &s,
        "offline_access does not apply to client credentials"
    ));
}

#[test]
fn delegated_request_refuses_to_mix_default_with_named_scopes() {
    let s = sum(
        Grant::AuthCode,
        &[Preset::Fetch],
        "https://graph.microsoft.com/.default",
    );
    assert_eq!(s.request, ["Mail.Read", "offline_access"]);
    assert!(has_warning(&s, ".default cannot be mixed"));
}

#[test]
fn no_mail_permission_is_warned_about() {
    let s = sum(Grant::AuthCode, &[], "");
    assert_eq!(s.request, ["offline_access"]);
    assert!(has_warning(&s, "no mail permission"));
}

#[test]
fn summary_serializes_for_json_output() {
    let s = sum(Grant::AuthCode, &[Preset::Fetch], "");
    let json = serde_json::to_value(&s).expect("serializes");
    assert_eq!(json["grant"], "auth-code");
    assert_eq!(json["scope_string"], "Mail.Read offline_access");
    assert_eq!(json["scopes"][0]["kind"], "delegated");
    assert_eq!(json["scopes"][0]["origin"]["preset"], "fetch");
    assert_eq!(json["redirect_uri"], "http://localhost:8400/");
}
