use super::*;
use crate::domain::Preset;
use crate::domain::connector::DEFAULT_REDIRECT_PORT;

const TENANT: &str = "3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";
const CLIENT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// The error is about `field`, its message starts with the field's label and contains each
/// part of the fix.
fn assert_field_error(err: &FieldError, field: Field, fix: &[&str]) {
    assert_eq!(err.field, field, "{err}");
    assert!(
        err.message.starts_with(&format!("{}: ", field.label())),
        "message does not name the field: {err}"
    );
    for part in fix {
        assert!(err.message.contains(part), "missing {part:?} in: {err}");
    }
}

fn err_of<T: std::fmt::Debug>(r: FieldResult<T>) -> FieldError {
    r.expect_err("expected a validation error")
}

fn connector(grant: Grant) -> Connector {
    Connector {
        name: "contoso".into(),
        cloud: Cloud::Global,
        tenant: TENANT.into(),
        client_id: CLIENT.into(),
        grant,
        presets: vec![Preset::Fetch],
        extra_scopes: vec![],
        mailbox: None,
        redirect_port: DEFAULT_REDIRECT_PORT,
    }
}

fn fields(errors: &[FieldError]) -> Vec<Field> {
    errors.iter().map(|e| e.field).collect()
}

#[test]
fn names_accept_the_allowed_characters_up_to_64() {
    assert!(validate_name("contoso-support_2.eu").is_ok());
    assert!(validate_name(&"a".repeat(64)).is_ok());
}

#[test]
fn empty_name_is_refused_with_an_example() {
    assert_field_error(&err_of(validate_name("")), Field::Name, &["empty", "give"]);
}

#[test]
fn long_name_is_refused_with_the_limit() {
    let err = err_of(validate_name(&"a".repeat(65)));
    assert_field_error(&err, Field::Name, &["65 characters", "at most 64"]);
}

#[test]
fn name_with_a_space_or_slash_is_refused_listing_allowed_characters() {
    for bad in ["my box", "a/b", "ünïcode"] {
        let err = err_of(validate_name(bad));
        assert_field_error(
            &err,
            Field::Name,
            &["not allowed", "letters, digits, '.', '_' and '-'"],
        );
    }
}

#[test]
fn duplicate_name_is_refused() {
    let err = err_of(validate_name_unique("contoso", ["fabrikam", "contoso"]));
    assert_field_error(
        &err,
        Field::Name,
        &["already exists", "choose another name"],
    );
    assert!(validate_name_unique("contoso", ["fabrikam"]).is_ok());
}

#[test]
fn tenant_accepts_guid_domain_and_aliases() {
    assert_eq!(validate_tenant(TENANT), Ok(TenantKind::Guid));
    assert_eq!(
        validate_tenant("contoso.onmicrosoft.com"),
        Ok(TenantKind::Domain)
    );
    assert_eq!(
        validate_tenant("Organizations"),
        Ok(TenantKind::Organizations)
    );
    assert_eq!(validate_tenant("common"), Ok(TenantKind::Common));
    assert_eq!(validate_tenant("consumers"), Ok(TenantKind::Consumers));
}

#[test]
fn tenant_that_is_neither_guid_nor_domain_is_refused_with_where_to_find_it() {
    for bad in [
        "contoso",
        "not a tenant",
        "3f2a9c1e-8b7d-4e6f-9a0b",
        "-bad.com",
        "",
    ] {
        let err = err_of(validate_tenant(bad));
        assert_field_error(
            &err,
            Field::Tenant,
            &["Directory (tenant) ID", "organizations"],
        );
    }
}

#[test]
fn all_zero_tenant_guid_is_refused() {
    let err = err_of(validate_tenant("00000000-0000-0000-0000-000000000000"));
    assert_field_error(&err, Field::Tenant, &["all-zero", "Directory (tenant) ID"]);
}

#[test]
fn ropc_is_refused_on_common_and_consumers_but_not_organizations() {
    for t in ["common", "consumers"] {
        let err = err_of(validate_tenant_for_grant(t, Grant::Ropc));
        assert_field_error(
            &err,
            Field::Tenant,
            &["ROPC", "tenant GUID", "organizations"],
        );
    }
    assert!(validate_tenant_for_grant("organizations", Grant::Ropc).is_ok());
    assert!(validate_tenant_for_grant(TENANT, Grant::Ropc).is_ok());
}

#[test]
fn client_credentials_needs_a_real_tenant() {
    for t in ["common", "organizations", "consumers"] {
        let err = err_of(validate_tenant_for_grant(t, Grant::ClientCredentials));
        assert_field_error(
            &err,
            Field::Tenant,
            &["client credentials", "GUID", "verified domain"],
        );
    }
    assert!(validate_tenant_for_grant("contoso.com", Grant::ClientCredentials).is_ok());
}

#[test]
fn interactive_grants_accept_every_tenant_form() {
    for g in [Grant::AuthCode, Grant::DeviceCode] {
        for t in [
            "common",
            "consumers",
            "organizations",
            TENANT,
            "contoso.com",
        ] {
            assert!(validate_tenant_for_grant(t, g).is_ok(), "{g} {t}");
        }
    }
}

#[test]
fn client_id_must_be_a_guid() {
    assert!(validate_client_id(CLIENT).is_ok());
    for bad in [
        "",
        "my-app",
        "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",
        "00000000-0000-0000-0000-000000000000",
    ] {
        let err = err_of(validate_client_id(bad));
        assert_field_error(
            &err,
            Field::ClientId,
            &["Application (client) ID", "Azure portal"],
        );
    }
}

#[test]
fn endpoint_urls_allow_https_and_loopback_http_only() {
    for ok in [
        "https://login.example.com",
        "http://127.0.0.1:8080",
        "http://127.5.6.7/v1.0",
        "http://[::1]:9000/",
        "http://localhost:1234/v1.0",
    ] {
        assert!(validate_endpoint_url(Field::GraphUrl, ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://10.0.0.1",
        "http://example.com",
        "http://127.0.0.1.example.com",
    ] {
        let err = err_of(validate_endpoint_url(Field::LoginUrl, bad));
        assert_field_error(&err, Field::LoginUrl, &["loopback", "use https"]);
    }
}

#[test]
fn endpoint_url_that_does_not_parse_or_has_another_scheme_is_refused() {
    let err = err_of(validate_endpoint_url(Field::GraphUrl, "graph.example.com"));
    assert_field_error(&err, Field::GraphUrl, &["not a URL", "https://"]);
    let err = err_of(validate_endpoint_url(
        Field::GraphUrl,
        "ftp://graph.example.com",
    ));
    assert_field_error(&err, Field::GraphUrl, &["ftp", "use https"]);
}

#[test]
fn endpoint_url_with_credentials_is_refused() {
    let err = err_of(validate_endpoint_url(
        Field::LoginUrl,
        "https://u:p@login.example.com",
    ));
    assert_field_error(&err, Field::LoginUrl, &["user name or password", "remove"]);
}

#[test]
fn custom_cloud_reports_each_bad_url_on_its_own_field() {
    let cloud = Cloud::Custom {
        login_url: "http://login.example.com".into(),
        graph_url: "http://graph.example.com/v1.0".into(),
    };
    assert_eq!(
        fields(&validate_cloud(&cloud)),
        [Field::LoginUrl, Field::GraphUrl]
    );
}

#[test]
fn mailbox_must_look_like_an_address() {
    assert!(validate_mailbox("support@contoso.com").is_ok());
    for bad in [
        "support",
        "support@contoso",
        "a@b@c.com",
        "@contoso.com",
        "sup port@contoso.com",
    ] {
        let err = err_of(validate_mailbox(bad));
        assert_field_error(&err, Field::Mailbox, &["address", "UPN", "e.g."]);
    }
}

#[test]
fn username_must_look_like_a_upn_without_echoing_it() {
    assert!(validate_username("alex@contoso.com").is_ok());
    let err = err_of(validate_username("alex"));
    assert_field_error(&err, Field::Username, &["UPN", "e.g."]);
    assert!(!err.message.contains("'alex'"));
}

#[test]
fn redirect_port_zero_is_refused() {
    assert!(validate_redirect_port(1).is_ok());
    assert!(validate_redirect_port(65535).is_ok());
    let err = err_of(validate_redirect_port(0));
    assert_field_error(&err, Field::RedirectPort, &["1 to 65535"]);
}

#[test]
fn scopes_with_odd_characters_are_refused() {
    assert!(
        validate_scopes("Mail.Read, https://graph.microsoft.com/Mail.Send offline_access").is_ok()
    );
    for bad in ["Mail.Read\"", "Mail;Read"] {
        let err = err_of(validate_scopes(bad));
        assert_field_error(&err, Field::Scopes, &["not a scope", "Mail.Read"]);
    }
}

#[test]
fn ropc_needs_username_and_password() {
    let errors = validate_connector(&connector(Grant::Ropc), SecretPresence::default());
    assert_eq!(fields(&errors), [Field::Username, Field::Password]);
    assert_field_error(&errors[0], Field::Username, &["ROPC", "UPN"]);
    assert_field_error(&errors[1], Field::Password, &["ROPC", "password"]);
    let ok = SecretPresence {
        username: true,
        password: true,
        ..Default::default()
    };
    assert!(validate_connector(&connector(Grant::Ropc), ok).is_empty());
}

#[test]
fn client_credentials_needs_a_secret_and_a_mailbox() {
    let errors = validate_connector(
        &connector(Grant::ClientCredentials),
        SecretPresence::default(),
    );
    assert_eq!(fields(&errors), [Field::ClientSecret, Field::Mailbox]);
    assert_field_error(
        &errors[0],
        Field::ClientSecret,
        &["client secret", "Certificates & secrets"],
    );
    assert_field_error(&errors[1], Field::Mailbox, &["target mailbox", "UPN"]);

    let mut c = connector(Grant::ClientCredentials);
    c.mailbox = Some("support@contoso.com".into());
    let secret = SecretPresence {
        client_secret: true,
        ..Default::default()
    };
    assert!(validate_connector(&c, secret).is_empty());
}

#[test]
fn connector_without_any_mail_permission_is_refused() {
    let mut c = connector(Grant::DeviceCode);
    c.presets = vec![Preset::Offline];
    let errors = validate_connector(&c, SecretPresence::default());
    assert_eq!(fields(&errors), [Field::Permissions]);
    assert_field_error(
        &errors[0],
        Field::Permissions,
        &["no mail permission", "fetch"],
    );
}

#[test]
fn connector_reports_every_bad_field_at_once() {
    let mut c = connector(Grant::AuthCode);
    c.name = "bad name".into();
    c.tenant = "nope".into();
    c.client_id = "nope".into();
    c.redirect_port = 0;
    c.mailbox = Some("nope".into());
    c.cloud = Cloud::Custom {
        login_url: "http://example.com".into(),
        graph_url: "https://graph.example.com/v1.0".into(),
    };
    let errors = validate_connector(&c, SecretPresence::default());
    assert_eq!(
        fields(&errors),
        [
            Field::Name,
            Field::Tenant,
            Field::ClientId,
            Field::RedirectPort,
            Field::Mailbox,
            Field::LoginUrl
        ]
    );
}

#[test]
fn field_error_serializes_with_a_stable_field_key() {
    let err = err_of(validate_redirect_port(0));
    let json = serde_json::to_value(&err).expect("serializes");
    assert_eq!(json["field"], "redirect_port");
}

#[test]
fn names_that_read_as_a_folder_or_a_flag_are_refused() {
    for bad in [".", "..", "-", "-x", ".hidden", "_"] {
        let err = err_of(validate_name(bad));
        assert_field_error(&err, Field::Name, &["start", "letter or digit"]);
    }
    assert!(validate_name("a.-_").is_ok());
}
