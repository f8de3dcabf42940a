//! The device code flow: the devicecode reply, polling (`authorization_pending`, `slow_down`),
//! approval, decline and expiry.

use std::time::Duration;

use graphmail_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common_emulator::{Harness, expect_aad_error, expect_tokens, sorted_keys};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

struct DeviceCode {
    device_code: String,
    user_code: String,
}

async fn begin(h: &Harness, scope: &str) -> DeviceCode {
    let app = h.public_app();
    let resp = h
        .post(
            &h.url("organizations", "oauth2/v2.0/devicecode"),
            &[("client_id", &app.client_id), ("scope", scope)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let keys = sorted_keys(&body);
    // Reference §3: these six fields, and no verification_uri_complete.
    assert_eq!(
        keys,
        [
            "device_code",
            "expires_in",
            "interval",
            "message",
            "user_code",
            "verification_uri"
        ],
        "{body}"
    );
    let user_code = body["user_code"].as_str().unwrap().to_string();
    assert_eq!(user_code.len(), 9);
    assert!(
        user_code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    let uri = body["verification_uri"].as_str().unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(uri) && message.contains(&user_code),
        "{message}"
    );
    DeviceCode {
        device_code: body["device_code"].as_str().unwrap().to_string(),
        user_code,
    }
}

async fn poll(h: &Harness, grant_type: &str, code: &DeviceCode) -> reqwest::Response {
    let app = h.public_app();
    h.post(
        &h.token_url("organizations"),
        &[
            ("grant_type", grant_type),
            ("client_id", &app.client_id),
            ("device_code", &code.device_code),
        ],
    )
    .await
}

async fn hook(h: &Harness, action: &str, code: &DeviceCode, upn: &str) -> StatusCode {
    h.post(
        &format!("{}/_emulator/device/{action}", h.emu.login_url),
        &[("user_code", code.user_code.as_str()), ("upn", upn)],
    )
    .await
    .status()
}

/// Waits out the 1-second polling interval of the test configuration.
async fn wait_interval() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

#[tokio::test]
async fn polling_is_pending_then_slow_down_then_tokens_after_approval() {
    let h = Harness::start().await;
    let code = begin(&h, "Mail.Read offline_access openid").await;
    expect_aad_error(
        poll(&h, DEVICE_GRANT, &code).await,
        StatusCode::BAD_REQUEST,
        "authorization_pending",
        70016,
    )
    .await;
    // Polled again at once: faster than the interval.
    let fast = poll(&h, DEVICE_GRANT, &code).await;
    let body = expect_aad_error(fast, StatusCode::BAD_REQUEST, "slow_down", 70016).await;
    assert_eq!(body["error"], "slow_down");
    wait_interval().await;
    expect_aad_error(
        poll(&h, DEVICE_GRANT, &code).await,
        StatusCode::BAD_REQUEST,
        "authorization_pending",
        70016,
    )
    .await;

    assert_eq!(
        hook(&h, "approve", &code, &h.user().upn).await,
        StatusCode::OK
    );
    wait_interval().await;
    // The short grant type name works as well.
    let tokens = expect_tokens(poll(&h, "device_code", &code).await, true, true).await;
    assert_eq!(
        tokens["scope"],
        "Mail.Read profile openid email offline_access"
    );
    assert_eq!(
        h.verify(tokens["access_token"].as_str().unwrap())
            .upn
            .as_deref(),
        Some(h.user().upn.as_str())
    );
    wait_interval().await;
    expect_aad_error(
        poll(&h, DEVICE_GRANT, &code).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        90120,
    )
    .await;
    // A used code cannot be approved again.
    assert_eq!(
        hook(&h, "approve", &code, &h.user().upn).await,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn a_declined_code_answers_authorization_declined() {
    let h = Harness::start().await;
    let code = begin(&h, "Mail.Read").await;
    assert_eq!(
        hook(&h, "decline", &code, &h.user().upn).await,
        StatusCode::OK
    );
    expect_aad_error(
        poll(&h, DEVICE_GRANT, &code).await,
        StatusCode::BAD_REQUEST,
        "authorization_declined",
        70000,
    )
    .await;
}

#[tokio::test]
async fn an_expired_code_answers_expired_token() {
    let h = Harness::with(EmulatorConfig::for_tests(Duration::from_secs(1))).await;
    let code = begin(&h, "Mail.Read").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    expect_aad_error(
        poll(&h, DEVICE_GRANT, &code).await,
        StatusCode::BAD_REQUEST,
        "expired_token",
        70020,
    )
    .await;
    assert_eq!(
        hook(&h, "approve", &code, &h.user().upn).await,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn unknown_codes_and_users_are_refused() {
    let h = Harness::start().await;
    let code = begin(&h, "Mail.Read").await;
    assert_eq!(
        hook(&h, "approve", &code, "nobody@contoso-demo.onmicrosoft.com").await,
        StatusCode::NOT_FOUND
    );
    let bogus = DeviceCode {
        device_code: "nope".into(),
        user_code: "AAAAAAAAA".into(),
    };
    assert_eq!(
        hook(&h, "approve", &bogus, &h.user().upn).await,
        StatusCode::NOT_FOUND
    );
    expect_aad_error(
        poll(&h, DEVICE_GRANT, &bogus).await,
        StatusCode::BAD_REQUEST,
        "bad_verification_code",
        70018,
    )
    .await;
}

#[tokio::test]
async fn a_person_can_approve_on_the_device_login_page() {
    let h = Harness::start().await;
    let code = begin(&h, "User.Read").await;
    let page = h
        .http
        .get(format!("{}/devicelogin", h.emu.login_url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("name=\"user_code\""));
    let user = h.user();
    let wrong = h
        .post(
            &format!("{}/devicelogin", h.emu.login_url),
            &[
                ("user_code", &code.user_code),
                ("login", &user.upn),
                ("passwd", "wrong"),
                ("action", "approve"),
            ],
        )
        .await;
    assert!(wrong.text().await.unwrap().contains("incorrect"));
    let lower = code.user_code.to_lowercase();
    let ok = h
        .post(
            &format!("{}/devicelogin", h.emu.login_url),
            &[
                ("user_code", &lower),
                ("login", &user.upn),
                ("passwd", &user.password),
                ("action", "approve"),
            ],
        )
        .await;
    assert!(ok.text().await.unwrap().contains("signed in"));
    expect_tokens(poll(&h, DEVICE_GRANT, &code).await, false, false).await;
}
