//! Successful grants: ROPC, client credentials, refresh rotation, discovery.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use graphmail_emulator::{EmulatorConfig, IdentitySettings, TokenRejection};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common_emulator::{Harness, expect_aad_error, expect_tokens, now};
use crate::json::sorted_keys;

#[tokio::test]
async fn password_grant_returns_short_graph_scopes_a_refresh_token_and_an_id_token() {
    let h = Harness::start().await;
    let resp = h
        .password_grant(
            "mail.read https://graph.microsoft.com/Mail.Send openid profile offline_access",
        )
        .await;
    let body = expect_tokens(resp, true, true).await;
    assert_eq!(
        body["scope"],
        "Mail.Read Mail.Send profile openid email offline_access"
    );
    let claims = h.verify(body["access_token"].as_str().unwrap());
    let user = h.user();
    assert_eq!(claims.upn.as_deref(), Some(user.upn.as_str()));
    assert_eq!(claims.oid.as_deref(), Some(user.id.as_str()));
    assert_eq!(claims.tid, h.tenant_id());
    assert_eq!(claims.appid, h.public_app().client_id);
    assert_eq!(claims.aud, "https://graph.microsoft.com");
    assert!(claims.has_any(&["Mail.Send"]) && !claims.has_any(&["Mail.ReadWrite"]));
    assert!(claims.roles.is_empty() && !claims.is_app_only());
    // An ID token is not an access token.
    assert_eq!(
        h.emu
            .state
            .signer
            .verify(body["id_token"].as_str().unwrap(), now()),
        Err(TokenRejection::Invalid)
    );
}

#[tokio::test]
async fn without_offline_access_or_openid_there_is_no_refresh_or_id_token() {
    let h = Harness::start().await;
    let body = expect_tokens(h.password_grant("Mail.Read").await, false, false).await;
    assert_eq!(body["scope"], "Mail.Read");
}

#[tokio::test]
async fn password_grant_works_on_the_domain_and_organizations_endpoints() {
    let h = Harness::start().await;
    let (app, user) = (h.public_app(), h.user());
    for tenant in [h.seed().tenant.domain.clone(), "organizations".to_string()] {
        let resp = h
            .post(
                &h.token_url(&tenant),
                &[
                    ("grant_type", "password"),
                    ("client_id", &app.client_id),
                    ("username", &user.upn.to_uppercase()),
                    ("password", &user.password),
                    ("scope", "User.Read"),
                ],
            )
            .await;
        expect_tokens(resp, false, false).await;
    }
}

#[tokio::test]
async fn client_credentials_give_an_app_only_token_with_roles_by_form_or_basic_auth() {
    let h = Harness::start().await;
    let app = h.daemon_app();
    let secret = app.secret.clone().unwrap();
    let by_form = h
        .client_credentials(
            &app.client_id,
            Some(&secret),
            "https://graph.microsoft.com/.default",
        )
        .await;
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", app.client_id, secret))
    );
    let by_basic = h
        .http
        .post(h.token_url(&h.seed().tenant.domain))
        .header("authorization", basic)
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    for resp in [by_form, by_basic] {
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        let keys = sorted_keys(&body);
        assert_eq!(
            keys,
            ["access_token", "expires_in", "ext_expires_in", "token_type"],
            "{body}"
        );
        let claims = h.verify(body["access_token"].as_str().unwrap());
        assert!(claims.is_app_only() && claims.scp.is_empty());
        assert_eq!(claims.roles, ["Mail.Read", "Mail.ReadWrite", "Mail.Send"]);
    }
}

async fn refresh(h: &Harness, refresh_token: &str, scope: Option<&str>) -> reqwest::Response {
    let client_id = h.public_app().client_id;
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", client_id.as_str()),
        ("refresh_token", refresh_token),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    h.token(&form).await
}

#[tokio::test]
async fn refresh_rotates_the_token_and_the_old_one_keeps_working_until_revoked() {
    let h = Harness::start().await;
    let first = expect_tokens(
        h.password_grant("Mail.Read offline_access").await,
        true,
        false,
    )
    .await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    let second = expect_tokens(refresh(&h, &rt1, None).await, true, false).await;
    let rt2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2, "each refresh returns a new refresh token");
    assert_ne!(first["access_token"], second["access_token"]);
    assert_eq!(
        h.verify(second["access_token"].as_str().unwrap()).scp,
        "Mail.Read"
    );
    // The reference (§5.2): using a refresh token does not revoke it.
    expect_tokens(
        refresh(&h, &rt1, Some("Mail.Read offline_access")).await,
        true,
        false,
    )
    .await;
    // A narrower or equal scope is fine; one beyond the consent is not.
    let too_much = refresh(&h, &rt2, Some("Mail.Read User.Read.All")).await;
    expect_aad_error(too_much, StatusCode::BAD_REQUEST, "invalid_grant", 65001).await;

    let revoked = h
        .post(
            &format!("{}/_emulator/revoke", h.emu.login_url),
            &[("refresh_token", &rt1)],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    expect_aad_error(
        refresh(&h, &rt1, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        50173,
    )
    .await;
    expect_tokens(refresh(&h, &rt2, None).await, true, false).await;
    let by_user = h
        .post(
            &format!("{}/_emulator/revoke", h.emu.login_url),
            &[("upn", &h.user().upn)],
        )
        .await;
    assert_eq!(by_user.status(), StatusCode::OK);
    expect_aad_error(
        refresh(&h, &rt2, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        50173,
    )
    .await;
}

#[tokio::test]
async fn access_token_lifetime_is_configurable_for_expiry_tests() {
    let config = EmulatorConfig {
        identity: IdentitySettings {
            access_token_lifetime: Some(Duration::from_secs(2)),
            ..IdentitySettings::default()
        },
        ..EmulatorConfig::default()
    };
    let h = Harness::with(config).await;
    let body = expect_tokens(h.password_grant("Mail.Read").await, false, false).await;
    assert_eq!(body["expires_in"], 2);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        h.emu.state.signer.verify(token, now() + 3),
        Err(TokenRejection::Expired)
    );
}

#[tokio::test]
async fn reset_forgets_issued_refresh_tokens() {
    let h = Harness::start().await;
    let body = expect_tokens(
        h.password_grant("Mail.Read offline_access").await,
        true,
        false,
    )
    .await;
    let reset = h
        .post(&format!("{}/_emulator/reset", h.emu.login_url), &[])
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let resp = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &h.public_app().client_id),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ])
        .await;
    expect_aad_error(resp, StatusCode::BAD_REQUEST, "invalid_grant", 9002313).await;
}

#[tokio::test]
async fn discovery_names_every_endpoint_and_the_keys() {
    let h = Harness::start().await;
    for tenant in [
        h.tenant_id(),
        h.seed().tenant.domain.clone(),
        "organizations".into(),
    ] {
        let resp = h
            .http
            .get(h.url(&tenant, "v2.0/.well-known/openid-configuration"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let doc: Value = resp.json().await.unwrap();
        let base = h.url(&tenant, "");
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{base}oauth2/v2.0/authorize")
        );
        assert_eq!(doc["token_endpoint"], format!("{base}oauth2/v2.0/token"));
        assert_eq!(
            doc["device_authorization_endpoint"],
            format!("{base}oauth2/v2.0/devicecode")
        );
        assert_eq!(doc["jwks_uri"], format!("{base}discovery/v2.0/keys"));
        assert!(
            doc["token_endpoint_auth_methods_supported"]
                .as_array()
                .unwrap()
                .contains(&"client_secret_post".into())
        );
        assert!(doc["issuer"].as_str().unwrap().ends_with("/v2.0"));
        assert!(doc["userinfo_endpoint"].is_string() && doc["subject_types_supported"].is_array());
    }
    let keys = h
        .fetch_json(&h.url(&h.tenant_id(), "discovery/v2.0/keys"))
        .await;
    assert!(!keys["keys"].as_array().unwrap().is_empty());
    let unknown = h
        .http
        .get(h.url("fabrikam.example", "v2.0/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    expect_aad_error(unknown, StatusCode::BAD_REQUEST, "invalid_tenant", 90002).await;
}
