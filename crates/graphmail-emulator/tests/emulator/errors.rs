//! Each AADSTS error the token endpoints give, with the reference §6 shape.

use reqwest::StatusCode;

use crate::common_emulator::{Harness, expect_aad_error};

const GRAPH_DEFAULT: &str = "https://graph.microsoft.com/.default";
const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;

#[tokio::test]
async fn a_wrong_password_is_50126() {
    let h = Harness::start().await;
    let (app, user) = (h.public_app(), h.user());
    let resp = h
        .ropc(&app.client_id, &user.upn, "not-the-password", "Mail.Read")
        .await;
    expect_aad_error(resp, BAD_REQUEST, "invalid_grant", 50126).await;
}

#[tokio::test]
async fn a_user_with_mfa_cannot_use_ropc_50076() {
    let h = Harness::start().await;
    let (app, user) = (h.public_app(), h.mfa_user());
    let resp = h
        .ropc(&app.client_id, &user.upn, &user.password, "Mail.Read")
        .await;
    let body = expect_aad_error(resp, BAD_REQUEST, "interaction_required", 50076).await;
    assert!(
        body["claims"].is_string(),
        "MFA errors carry the claims challenge: {body}"
    );
}

#[tokio::test]
async fn an_app_without_consent_is_65001() {
    let h = Harness::start().await;
    let (app, user) = (h.unconsented_app(), h.user());
    let resp = h
        .ropc(
            &app.client_id,
            &user.upn,
            &user.password,
            "Mail.Read offline_access",
        )
        .await;
    let body = expect_aad_error(resp, BAD_REQUEST, "invalid_grant", 65001).await;
    assert_eq!(body["suberror"], "consent_required");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains(&app.client_id) && description.contains(&app.name));
}

#[tokio::test]
async fn a_wrong_secret_is_7000215_with_http_401() {
    let h = Harness::start().await;
    let app = h.daemon_app();
    let resp = h
        .client_credentials(&app.client_id, Some("wrong"), GRAPH_DEFAULT)
        .await;
    expect_aad_error(resp, UNAUTHORIZED, "invalid_client", 7000215).await;
}

#[tokio::test]
async fn an_unknown_app_is_700016() {
    let h = Harness::start().await;
    let resp = h
        .client_credentials(
            "11111111-2222-3333-4444-555555555555",
            Some("x"),
            GRAPH_DEFAULT,
        )
        .await;
    expect_aad_error(resp, BAD_REQUEST, "unauthorized_client", 700016).await;
}

#[tokio::test]
async fn invalid_scopes_are_70011() {
    let h = Harness::start().await;
    for scope in [
        "https://foo.microsoft.com/mail.read",
        "Mail.Reed",
        // `.default` cannot be mixed with named scopes.
        "https://graph.microsoft.com/.default Mail.Read",
        "",
    ] {
        let resp = h.password_grant(scope).await;
        let body = expect_aad_error(resp, BAD_REQUEST, "invalid_scope", 70011).await;
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("'scope'"),
            "{scope}: {body}"
        );
    }
}

#[tokio::test]
async fn client_credentials_take_only_a_default_scope() {
    let h = Harness::start().await;
    let app = h.daemon_app();
    let secret = app.secret.clone().unwrap();
    let resp = h
        .client_credentials(&app.client_id, Some(&secret), "Mail.Send User.Read")
        .await;
    expect_aad_error(resp, BAD_REQUEST, "invalid_scope", 1002012).await;
    let on_common = h
        .client_credentials_at(
            "organizations",
            &app.client_id,
            Some(&secret),
            GRAPH_DEFAULT,
        )
        .await;
    expect_aad_error(on_common, BAD_REQUEST, "invalid_request", 50059).await;
}

#[tokio::test]
async fn an_unknown_tenant_is_90002_by_domain_and_by_guid() {
    let h = Harness::start().await;
    for tenant in [
        "fabrikam.onmicrosoft.com",
        "0b0e52f5-3d1a-4c5e-8f6a-2a9f0c1d7e44",
    ] {
        let resp = h
            .post(
                &h.token_url(tenant),
                &[("grant_type", "client_credentials")],
            )
            .await;
        expect_aad_error(resp, BAD_REQUEST, "invalid_tenant", 90002).await;
    }
}

#[tokio::test]
async fn ropc_on_common_or_consumers_is_9001023() {
    let h = Harness::start().await;
    let (app, user) = (h.public_app(), h.user());
    for tenant in ["common", "consumers"] {
        let resp = h
            .ropc_at(
                tenant,
                &app.client_id,
                &user.upn,
                &user.password,
                "Mail.Read",
            )
            .await;
        expect_aad_error(resp, BAD_REQUEST, "invalid_request", 9001023).await;
    }
}

#[tokio::test]
async fn a_public_client_sending_a_secret_is_700025() {
    let h = Harness::start().await;
    let (app, user) = (h.public_app(), h.user());
    let resp = h
        .token(&[
            ("grant_type", "password"),
            ("client_id", &app.client_id),
            ("client_secret", "anything"),
            ("username", &user.upn),
            ("password", &user.password),
            ("scope", "Mail.Read"),
        ])
        .await;
    expect_aad_error(resp, UNAUTHORIZED, "invalid_client", 700025).await;
}

#[tokio::test]
async fn a_confidential_client_without_its_secret_is_7000218() {
    let h = Harness::start().await;
    let (app, user) = (h.web_app(), h.user());
    let resp = h
        .ropc(&app.client_id, &user.upn, &user.password, "Mail.Read")
        .await;
    expect_aad_error(resp, UNAUTHORIZED, "invalid_client", 7000218).await;
    let daemon = h.daemon_app();
    let resp = h
        .client_credentials(&daemon.client_id, None, GRAPH_DEFAULT)
        .await;
    expect_aad_error(resp, UNAUTHORIZED, "invalid_client", 7000216).await;
}

#[tokio::test]
async fn request_shape_errors_name_the_problem() {
    let h = Harness::start().await;
    let app = h.public_app();
    let no_grant = h.token(&[("client_id", &app.client_id)]).await;
    let body = expect_aad_error(no_grant, BAD_REQUEST, "invalid_request", 900144).await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("'grant_type'")
    );
    let odd_grant = h
        .token(&[("grant_type", "magic"), ("client_id", &app.client_id)])
        .await;
    expect_aad_error(odd_grant, BAD_REQUEST, "unsupported_grant_type", 70003).await;
    let v1 = h
        .token(&[
            ("grant_type", "password"),
            ("client_id", &app.client_id),
            ("resource", "https://graph.microsoft.com"),
        ])
        .await;
    expect_aad_error(v1, BAD_REQUEST, "invalid_request", 901002).await;
    let get = h
        .http
        .get(h.token_url(&h.tenant_id()))
        .send()
        .await
        .unwrap();
    expect_aad_error(get, BAD_REQUEST, "invalid_request", 900561).await;
}
