//! The device code flow: the devicecode reply, polling (`authorization_pending`, `slow_down`),
//! approval, decline and expiry.

use std::time::Duration;

use graphmail_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common_emulator::{Harness, expect_aad_error, expect_tokens};
use crate::json::sorted_keys;

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

/// Polls with the device-code grant and expects the given identity error.
async fn poll_fails(h: &Harness, code: &DeviceCode, error: &str, aadsts: u64) -> Value {
    let resp = poll(h, DEVICE_GRANT, code).await;
    expect_aad_error(resp, StatusCode::BAD_REQUEST, error, aadsts).await
}

/// Calls the approve/decline hook and expects its status.
async fn expect_hook(h: &Harness, action: &str, code: &DeviceCode, upn: &str, status: StatusCode) {
    assert_eq!(hook(h, action, code, upn).await, status, "{action} {upn}");
}

/// Waits out the 1-second polling interval of the test configuration.
async fn wait_interval() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

#[tokio::test]
async fn polling_is_pending_then_slow_down_then_tokens_after_approval() {
    let h = Harness::start().await;
    let code = begin(&h, "Mail.Read offline_access openid").await;
    poll_fails(&h, &code, "authorization_pending", 70016).await;
    // Polled again at once: faster than the interval.
    let fast = poll(&h, DEVICE_GRANT, &code).await;
    let body = expect_aad_error(fast, StatusCode::BAD_REQUEST, "slow_down", 70016).await;
    assert_eq!(body["error"], "slow_down");
    wait_interval().await;
    poll_fails(&h, &code, "authorization_pending", 70016).await;

    expect_hook(&h, "approve", &code, &h.user().upn, StatusCode::OK).await;
    wait_interval().await;
    // The short grant type name works as well.
    let tokens = expect_tokens(poll(&h, "device_code", &code).await, true, true).await;
    h.expect_plain_user_mail_read(&tokens);
    wait_interval().await;
    poll_fails(&h, &code, "invalid_grant", 90120).await;
    // A used code cannot be approved again.
    expect_hook(&h, "approve", &code, &h.user().upn, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn a_declined_code_answers_authorization_declined() {
    let h = Harness::start().await;
    let code = begin(&h, "Mail.Read").await;
    expect_hook(&h, "decline", &code, &h.user().upn, StatusCode::OK).await;
    poll_fails(&h, &code, "authorization_declined", 70000).await;
}

#[tokio::test]
async fn an_expired_code_answers_expired_token() {
    let h = Harness::with(EmulatorConfig::for_tests(Duration::from_secs(1))).await;
    let code = begin(&h, "Mail.Read").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    poll_fails(&h, &code, "expired_token", 70020).await;
    expect_hook(&h, "approve", &code, &h.user().upn, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn unknown_codes_and_users_are_refused() {
    let h = Harness::start().await;
    let code = begin(&h, "Mail.Read").await;
    expect_hook(
        &h,
        "approve",
        &code,
        "nobody@contoso-demo.onmicrosoft.com",
        StatusCode::NOT_FOUND,
    )
    .await;
    let bogus = DeviceCode {
        device_code: "nope".into(),
        user_code: "AAAAAAAAA".into(),
    };
    expect_hook(&h, "approve", &bogus, &h.user().upn, StatusCode::NOT_FOUND).await;
    poll_fails(&h, &bogus, "bad_verification_code", 70018).await;
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
    let sign_in = |user_code: String, password: String| {
        let (h, upn) = (&h, user.upn.clone());
        async move {
            let form = [
                ("user_code", user_code.as_str()),
                ("login", upn.as_str()),
                ("passwd", password.as_str()),
                ("action", "approve"),
            ];
            let url = format!("{}/devicelogin", h.emu.login_url);
            h.post(&url, &form).await.text().await.unwrap()
        }
    };
    let wrong = sign_in(code.user_code.clone(), "wrong".into()).await;
    assert!(wrong.contains("incorrect"), "{wrong}");
    // The code is accepted in lower case too.
    let ok = sign_in(code.user_code.to_lowercase(), user.password.clone()).await;
    assert!(ok.contains("signed in"), "{ok}");
    expect_tokens(poll(&h, DEVICE_GRANT, &code).await, false, false).await;
}
