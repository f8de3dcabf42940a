use super::*;

#[test]
fn presets_parse_from_a_comma_or_space_list_without_repeats() {
    assert_eq!(
        parse_presets("fetch, send,fetch Shared"),
        Ok(vec![Preset::Fetch, Preset::Send, Preset::Shared])
    );
}

#[test]
fn unknown_preset_names_the_field_and_the_choices() {
    let err = parse_presets("fetch,mail").expect_err("mail is not a preset");
    assert!(err.starts_with("permissions: "), "{err}");
    assert!(
        err.contains("'mail'")
            && err.contains("fetch, readwrite, send, shared, profile or offline")
    );
}

#[test]
fn every_preset_scope_is_in_the_catalog() {
    for p in Preset::ALL {
        for s in p.scopes() {
            assert!(lookup(s).is_some(), "{s}");
        }
    }
}

#[test]
fn defaults_keep_delegated_grants_signed_in() {
    assert_eq!(
        default_presets(Grant::DeviceCode),
        [
            Preset::Fetch,
            Preset::Send,
            Preset::Profile,
            Preset::Offline
        ]
    );
    assert_eq!(
        default_presets(Grant::AuthCode),
        default_presets(Grant::Ropc),
        "every delegated grant gets the same"
    );
    assert_eq!(
        default_presets(Grant::ClientCredentials),
        [Preset::Fetch, Preset::Send]
    );
}

#[test]
fn additional_scopes_match_case_insensitively_with_canonical_spelling() {
    let parsed = parse_scopes("mail.readwrite,MAILBOXSETTINGS.READ", &Cloud::Global);
    let texts: Vec<String> = parsed.scopes.iter().map(ScopeRef::text).collect();
    assert_eq!(texts, ["Mail.ReadWrite", "MailboxSettings.Read"]);
    assert!(parsed.warnings.is_empty());
}

#[test]
fn full_uri_of_the_clouds_graph_becomes_the_short_name() {
    let parsed = parse_scopes("https://graph.microsoft.us/Mail.Send", &Cloud::Usgov);
    assert_eq!(
        parsed.scopes,
        [ScopeRef::Known(lookup("Mail.Send").unwrap())]
    );
    assert!(parsed.warnings.is_empty());
}

#[test]
fn full_uri_of_another_clouds_graph_is_retargeted_with_a_warning() {
    let parsed = parse_scopes("https://graph.microsoft.com/Mail.Read", &Cloud::China);
    assert_eq!(
        parsed.scopes,
        [ScopeRef::Known(lookup("Mail.Read").unwrap())]
    );
    assert!(parsed.warnings[0].contains("https://microsoftgraph.chinacloudapi.cn"));
}

#[test]
fn non_graph_uri_is_kept_verbatim_with_a_warning() {
    let uri = "https://outlook.office.com/IMAP.AccessAsUser.All";
    let parsed = parse_scopes(uri, &Cloud::Global);
    assert_eq!(parsed.scopes, [ScopeRef::Foreign(uri.into())]);
    assert!(parsed.warnings[0].contains("not a Microsoft Graph scope"));
}

#[test]
fn repeats_in_any_spelling_are_dropped() {
    let parsed = parse_scopes(
        "Mail.Read mail.read https://graph.microsoft.com/MAIL.READ Foo.Bar foo.bar",
        &Cloud::Global,
    );
    let texts: Vec<String> = parsed.scopes.iter().map(ScopeRef::text).collect();
    assert_eq!(texts, ["Mail.Read", "Foo.Bar"]);
}
