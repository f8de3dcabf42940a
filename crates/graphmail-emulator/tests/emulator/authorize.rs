//! The browser flows: authorize + PKCE, the error pages, consent, MFA, admin consent.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graphmail_emulator::tenant::{AppSeed, UserSeed};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common_emulator::{Harness, expect_aad_error, expect_tokens, location_params, param};

const VERIFIER: &str = "a-long-random-pkce-verifier-for-the-emulator-tests-0123456789";
const REDIRECT: &str = "http://localhost:53127";

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

fn authorize_query(app: &AppSeed, redirect: &str, scope: &str) -> Vec<(String, String)> {
    [
        ("client_id", app.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", scope),
        ("state", "st4te-xyz"),
        ("code_challenge", &challenge()),
        ("code_challenge_method", "S256"),
        ("client_info", "1"),
        ("x-client-SKU", "graphmail"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn authorize_url(h: &Harness) -> String {
    h.url(&h.tenant_id(), "oauth2/v2.0/authorize")
}

/// Submits the sign-in form as a browser would: the original request plus the page's fields.
async fn submit(
    h: &Harness,
    query: &[(String, String)],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.extend_from_slice(extra);
    h.post(&authorize_url(h), &form).await
}

async fn sign_in_for_code(h: &Harness, app: &AppSeed, redirect: &str) -> String {
    let user = h.user();
    let query = authorize_query(app, redirect, "Mail.Read offline_access openid");
    let resp = submit(
        h,
        &query,
        &[
            ("login", &user.upn),
            ("passwd", &user.password),
            ("action", "signin"),
        ],
    )
    .await;
    let (url, pairs) = location_params(&resp);
    assert_eq!(param(&pairs, "state"), Some("st4te-xyz"));
    assert!(url.as_str().starts_with(redirect));
    param(&pairs, "code").expect("a code").to_string()
}

async fn redeem(
    h: &Harness,
    app: &AppSeed,
    code: &str,
    redirect: &str,
    verifier: &str,
    secret: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", app.client_id.as_str()),
        ("code", code),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
    ];
    if let Some(s) = secret {
        form.push(("client_secret", s));
    }
    h.token(&form).await
}

async fn last_pkce(h: &Harness) -> Value {
    h.fetch_json(&format!("{}/_emulator/last-pkce", h.emu.login_url))
        .await
}

#[tokio::test]
async fn the_sign_in_page_is_a_form_with_the_login_hint_filled_in() {
    let h = Harness::start().await;
    let mut query = authorize_query(&h.public_app(), REDIRECT, "Mail.Read");
    query.push((
        "login_hint".into(),
        "megan.bowen@contoso-demo.onmicrosoft.com".into(),
    ));
    let resp = h
        .http
        .get(authorize_url(&h))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("<form method=\"post\""));
    assert!(html.contains("value=\"megan.bowen@contoso-demo.onmicrosoft.com\""));
    assert!(html.contains("name=\"passwd\""));
}

#[tokio::test]
async fn auth_code_with_pkce_gives_tokens_once_and_the_verifier_is_checked() {
    let h = Harness::start().await;
    let app = h.public_app();
    let code = sign_in_for_code(&h, &app, REDIRECT).await;
    let tokens = expect_tokens(
        redeem(&h, &app, &code, REDIRECT, VERIFIER, None).await,
        true,
        true,
    )
    .await;
    h.expect_plain_user_mail_read(&tokens);
    let check = last_pkce(&h).await;
    assert_eq!(
        (check["method"].as_str(), check["matched"].as_bool()),
        (Some("S256"), Some(true))
    );
    let again = redeem(&h, &app, &code, REDIRECT, VERIFIER, None).await;
    expect_aad_error(again, StatusCode::BAD_REQUEST, "invalid_grant", 54005).await;
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_invalid_grant() {
    let h = Harness::start().await;
    let app = h.public_app();
    let code = sign_in_for_code(&h, &app, REDIRECT).await;
    let wrong = redeem(
        &h,
        &app,
        &code,
        REDIRECT,
        "some-other-verifier-that-is-long-enough-0000000000",
        None,
    )
    .await;
    expect_aad_error(wrong, StatusCode::BAD_REQUEST, "invalid_grant", 50148).await;
    let check = last_pkce(&h).await;
    assert_eq!(
        (check["verifier_sent"].as_bool(), check["matched"].as_bool()),
        (Some(true), Some(false))
    );
    let garbage = redeem(&h, &app, "not-a-code", REDIRECT, VERIFIER, None).await;
    expect_aad_error(garbage, StatusCode::BAD_REQUEST, "invalid_grant", 9002313).await;
}

#[tokio::test]
async fn a_confidential_client_redeems_with_its_secret_only() {
    let h = Harness::start().await;
    let app = h.web_app();
    let redirect = "http://localhost:8400/";
    let code = sign_in_for_code(&h, &app, redirect).await;
    let without = redeem(&h, &app, &code, redirect, VERIFIER, None).await;
    expect_aad_error(without, StatusCode::UNAUTHORIZED, "invalid_client", 7000218).await;
    let wrong = redeem(&h, &app, &code, redirect, VERIFIER, Some("nope")).await;
    expect_aad_error(wrong, StatusCode::UNAUTHORIZED, "invalid_client", 7000215).await;
    let secret = app.secret.clone().unwrap();
    expect_tokens(
        redeem(&h, &app, &code, redirect, VERIFIER, Some(&secret)).await,
        true,
        true,
    )
    .await;
}

#[tokio::test]
async fn bad_clients_and_redirect_uris_get_an_error_page_not_a_redirect() {
    let h = Harness::start().await;
    let mut unknown = authorize_query(&h.public_app(), REDIRECT, "Mail.Read");
    unknown[0].1 = "11111111-2222-3333-4444-555555555555".into();
    let wrong_path = authorize_query(
        &h.public_app(),
        "http://localhost:53127/elsewhere",
        "Mail.Read",
    );
    let foreign = authorize_query(&h.public_app(), "https://attacker.example/cb", "Mail.Read");
    for (query, code) in [
        (unknown, "AADSTS700016"),
        (wrong_path, "AADSTS50011"),
        (foreign, "AADSTS50011"),
    ] {
        let resp = h
            .http
            .get(authorize_url(&h))
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(resp.headers().get("location").is_none());
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("having trouble signing you in") && html.contains(code),
            "{html}"
        );
        assert!(html.contains("Correlation Id"));
    }
}

#[tokio::test]
async fn errors_after_the_redirect_uri_is_trusted_go_back_to_the_app() {
    let h = Harness::start().await;
    let query = authorize_query(
        &h.public_app(),
        "http://127.0.0.1:9",
        "https://foo.microsoft.com/mail.read",
    );
    let resp = h.http.get(authorize_url(&h)).query(&query).send().await;
    // `http://localhost` is registered; 127.0.0.1 is another host, so this is an error page.
    assert_eq!(resp.unwrap().status(), StatusCode::BAD_REQUEST);
    let query = authorize_query(
        &h.public_app(),
        REDIRECT,
        "https://foo.microsoft.com/mail.read",
    );
    let resp = h
        .http
        .get(authorize_url(&h))
        .query(&query)
        .send()
        .await
        .unwrap();
    let (url, pairs) = location_params(&resp);
    assert_eq!(url.port(), Some(53127));
    assert_eq!(param(&pairs, "error"), Some("invalid_scope"));
    assert!(
        param(&pairs, "error_description")
            .unwrap()
            .starts_with("AADSTS70011: ")
    );
    assert_eq!(param(&pairs, "state"), Some("st4te-xyz"));
}

#[tokio::test]
async fn an_unconsented_app_asks_for_consent_and_cancel_is_access_denied() {
    let h = Harness::start().await;
    let app = h.unconsented_app();
    let user = h.user();
    let query = authorize_query(&app, REDIRECT, "Mail.Read");
    let creds = [
        ("login", user.upn.as_str()),
        ("passwd", user.password.as_str()),
    ];
    let page = submit(&h, &query, &creds).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Permissions requested") && html.contains("Mail.Read"));
    let cancelled = submit(&h, &query, &[creds[0], creds[1], ("action", "cancel")]).await;
    let (_, pairs) = location_params(&cancelled);
    assert_eq!(param(&pairs, "error"), Some("access_denied"));
    let accepted = submit(&h, &query, &[creds[0], creds[1], ("consent", "yes")]).await;
    let (_, pairs) = location_params(&accepted);
    let code = param(&pairs, "code").unwrap().to_string();
    expect_tokens(
        redeem(&h, &app, &code, REDIRECT, VERIFIER, None).await,
        false,
        false,
    )
    .await;
}

#[tokio::test]
async fn an_mfa_user_is_asked_to_approve_the_sign_in() {
    let h = Harness::start().await;
    let user = h.mfa_user();
    let query = authorize_query(&h.public_app(), REDIRECT, "Mail.Read");
    let creds = [
        ("login", user.upn.as_str()),
        ("passwd", user.password.as_str()),
    ];
    let step = submit(&h, &query, &creds).await;
    assert_eq!(step.status(), StatusCode::OK);
    assert!(step.text().await.unwrap().contains("authenticator"));
    let done = submit(&h, &query, &[creds[0], creds[1], ("mfa", "approved")]).await;
    let (_, pairs) = location_params(&done);
    assert!(param(&pairs, "code").is_some());
}

#[tokio::test]
async fn admin_consent_grants_the_app_for_everyone() {
    let h = Harness::start().await;
    let app = h.unconsented_app();
    let consent_url = h.url(&h.seed().tenant.domain, "v2.0/adminconsent");
    let query = [
        ("client_id", app.client_id.as_str()),
        ("scope", "https://graph.microsoft.com/Mail.Read"),
        ("redirect_uri", REDIRECT),
        ("state", "s1"),
    ];
    let page = h.http.get(&consent_url).query(&query).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let (plain, admin) = (h.user(), h.admin());
    let consent_as = |user: &UserSeed| {
        let mut form: Vec<(&str, &str)> = query.to_vec();
        form.extend([("consent", "yes")]);
        let creds = [
            ("login", user.upn.clone()),
            ("passwd", user.password.clone()),
        ];
        let (h, url) = (&h, consent_url.clone());
        async move {
            let mut form: Vec<(&str, &str)> = form;
            form.extend(creds.iter().map(|(k, v)| (*k, v.as_str())));
            h.post(&url, &form).await
        }
    };
    let refused = consent_as(&plain).await;
    assert_eq!(refused.status(), StatusCode::OK);
    assert!(refused.text().await.unwrap().contains("AADSTS90094"));

    let granted = consent_as(&admin).await;
    let (_, pairs) = location_params(&granted);
    assert_eq!(param(&pairs, "admin_consent"), Some("True"));
    assert_eq!(param(&pairs, "tenant"), Some(h.tenant_id().as_str()));
    assert_eq!(param(&pairs, "state"), Some("s1"));
    let resp = h
        .ropc(&app.client_id, &plain.upn, &plain.password, "Mail.Read")
        .await;
    expect_tokens(resp, false, false).await;

    let on_common = h
        .http
        .get(h.url("common", "v2.0/adminconsent"))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(on_common.status(), StatusCode::BAD_REQUEST);
    assert!(on_common.text().await.unwrap().contains("AADSTS50194"));
}

#[tokio::test]
async fn form_post_and_fragment_reply_modes_carry_the_code() {
    let h = Harness::start().await;
    let user = h.user();
    let creds = [
        ("login", user.upn.as_str()),
        ("passwd", user.password.as_str()),
    ];
    let mut query = authorize_query(&h.public_app(), REDIRECT, "Mail.Read");
    query.push(("response_mode".into(), "form_post".into()));
    let page = submit(&h, &query, &creds).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("action=\"http://localhost:53127/\""),
        "{html}"
    );
    assert!(html.contains("name=\"code\"") && html.contains("value=\"st4te-xyz\""));

    query.last_mut().unwrap().1 = "fragment".into();
    let resp = submit(&h, &query, &creds).await;
    let (url, pairs) = location_params(&resp);
    assert!(
        pairs.is_empty(),
        "the reply is in the fragment, not the query"
    );
    let fragment: Vec<(String, String)> =
        url::form_urlencoded::parse(url.fragment().unwrap().as_bytes())
            .into_owned()
            .collect();
    assert!(param(&fragment, "code").is_some());
    assert_eq!(param(&fragment, "state"), Some("st4te-xyz"));
}
