//! Device code: the person enters a short code at the verification page on any device while
//! graphmail polls the token endpoint. The poll loop is our own so that every refusal keeps
//! its AADSTS code and `slow_down` adds five seconds.

use std::time::Duration;

use oauth2::{DeviceAuthorizationResponse, Scope};
use reqwest::StatusCode;

use super::oauth::{self, DeviceMessage, EntraErrorResponse, EntraTokenResponse, OAuthHttp};
use super::{AuthError, FlowContext, Prompt, TokenSet};

/// RFC 8628: poll every 5 s when the reply names no interval; `slow_down` adds 5 s.
const DEFAULT_INTERVAL: u64 = 5;
const SLOW_DOWN_STEP: u64 = 5;
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub async fn run(
    ctx: &FlowContext,
    http: &OAuthHttp,
    show: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenSet, AuthError> {
    let client = oauth::client(ctx)?;
    let details: DeviceAuthorizationResponse<DeviceMessage> = client
        .exchange_device_code()
        .add_scopes(ctx.scopes.iter().cloned().map(Scope::new))
        .request_async(http)
        .await
        .map_err(|e| oauth::request_error(ctx, e))?;
    let interval = match details.interval().as_secs() {
        0 => DEFAULT_INTERVAL,
        n => n,
    };
    let expires_in = details.expires_in().as_secs();
    show(&Prompt::DeviceCode {
        verification_uri: details.verification_uri().to_string(),
        user_code: details.user_code().secret().clone(),
        expires_in,
        interval,
        message: details.extra_fields().message.clone(),
    });
    tracing::info!(connector = %ctx.connector.name, interval, expires_in, "device code issued; polling");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(expires_in.max(1));
    let token_url =
        oauth::Endpoints::new(&ctx.connector.cloud.login_base(), &ctx.connector.tenant).token;
    let mut form = vec![
        ("grant_type", DEVICE_GRANT.to_string()),
        ("client_id", ctx.connector.client_id.clone()),
        ("device_code", details.device_code().secret().clone()),
    ];
    if let Some(secret) = ctx.client_secret() {
        form.push(("client_secret", secret.to_string()));
    }
    let mut interval = interval;
    loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        match poll(http, &token_url, &form).await? {
            Poll::Done(response) => return TokenSet::from_response(&response, super::now()),
            Poll::Refused(err) => match next_interval(interval, &err.error) {
                Some(next) => {
                    if next != interval {
                        tracing::info!(interval = next, "device code: asked to slow down");
                    }
                    interval = next;
                }
                None => return Err(ctx.identity_error(&err)),
            },
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ctx.identity_error(&EntraErrorResponse {
                error: "expired_token".into(),
                ..EntraErrorResponse::default()
            }));
        }
    }
}

/// The wait before the next poll after a refusal, or `None` when the refusal is final
/// (`expired_token`, `authorization_declined`, `bad_verification_code`, anything else).
fn next_interval(interval: u64, error: &str) -> Option<u64> {
    match error {
        "authorization_pending" => Some(interval),
        "slow_down" => Some(interval + SLOW_DOWN_STEP),
        _ => None,
    }
}

enum Poll {
    Done(Box<EntraTokenResponse>),
    Refused(EntraErrorResponse),
}

async fn poll(
    http: &OAuthHttp,
    token_url: &str,
    form: &[(&str, String)],
) -> Result<Poll, AuthError> {
    let response = http
        .0
        .post(token_url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| AuthError::Network(super::network_message(&e)))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| AuthError::Network(super::network_message(&e)))?;
    let unreadable =
        || AuthError::Protocol("the identity platform sent a reply graphmail cannot read".into());
    if status == StatusCode::OK {
        serde_json::from_slice(&body)
            .map(|r| Poll::Done(Box::new(r)))
            .map_err(|_| unreadable())
    } else {
        match serde_json::from_slice::<EntraErrorResponse>(&body) {
            Ok(err) => Ok(Poll::Refused(err)),
            Err(_) => Err(AuthError::Protocol(format!(
                "the identity platform answered the device-code poll with HTTP {status}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::next_interval;

    #[test]
    fn pending_keeps_the_interval_slow_down_adds_five_seconds_and_the_rest_stop() {
        assert_eq!(next_interval(5, "authorization_pending"), Some(5));
        assert_eq!(next_interval(5, "slow_down"), Some(10));
        assert_eq!(next_interval(10, "slow_down"), Some(15));
        for final_error in [
            "expired_token",
            "authorization_declined",
            "bad_verification_code",
            "invalid_client",
        ] {
            assert_eq!(next_interval(5, final_error), None);
        }
    }
}
