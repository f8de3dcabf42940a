//! The `oauth2` crate (what graphmail's sign-in uses) works against the emulator unchanged.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, ClientSecret, DeviceAuthorizationUrl, ResourceOwnerPassword,
    ResourceOwnerUsername, Scope, StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
};

use crate::common_emulator::Harness;

#[derive(Clone)]
struct OAuthHttp(reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp {
    type Error = oauth2::HttpClientError<reqwest::Error>;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, req: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let req: reqwest::Request = req.try_into().map_err(Box::new)?;
            let resp = self.0.execute(req).await.map_err(Box::new)?;
            let mut builder = oauth2::http::Response::builder().status(resp.status());
            for (k, v) in resp.headers() {
                builder = builder.header(k, v);
            }
            let body = resp.bytes().await.map_err(Box::new)?.to_vec();
            builder.body(body).map_err(oauth2::HttpClientError::Http)
        })
    }
}

#[tokio::test]
async fn the_oauth2_crate_completes_device_code_password_and_client_credentials() {
    let h = Harness::start().await;
    let http = OAuthHttp(h.http.clone());
    let base = h.url(&h.tenant_id(), "oauth2/v2.0");
    let public = BasicClient::new(ClientId::new(h.public_app().client_id))
        .set_auth_uri(AuthUrl::new(format!("{base}/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(format!("{base}/token")).unwrap())
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(format!("{base}/devicecode")).unwrap(),
        );

    let details: StandardDeviceAuthorizationResponse = public
        .exchange_device_code()
        .add_scope(Scope::new("Mail.Read".into()))
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&http)
        .await
        .expect("the device authorization request succeeds");
    let approve = {
        let (http, url, code, upn) = (
            h.http.clone(),
            format!("{}/_emulator/device/approve", h.emu.login_url),
            details.user_code().secret().clone(),
            h.user().upn,
        );
        async move {
            // Approve while the client is polling, as a person would.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            http.post(url)
                .form(&[("user_code", code), ("upn", upn)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let poll = public.exchange_device_access_token(&details).request_async(
        &http,
        tokio::time::sleep,
        Some(Duration::from_secs(30)),
    );
    let (tokens, approved) = tokio::join!(poll, approve);
    assert!(approved.is_success());
    let tokens = tokens.expect("polling ends with tokens");
    assert!(tokens.refresh_token().is_some());
    assert_eq!(h.verify(tokens.access_token().secret()).scp, "Mail.Read");

    let user = h.user();
    let (name, password) = (
        ResourceOwnerUsername::new(user.upn.clone()),
        ResourceOwnerPassword::new(user.password.clone()),
    );
    let ropc = public
        .exchange_password(&name, &password)
        .add_scope(Scope::new("User.Read".into()))
        .request_async(&http)
        .await
        .expect("ROPC succeeds");
    assert!(ropc.refresh_token().is_none());
    let refreshed = public
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .request_async(&http)
        .await;
    assert!(
        refreshed
            .expect("refresh succeeds")
            .refresh_token()
            .is_some()
    );

    let daemon = h.daemon_app();
    let confidential = BasicClient::new(ClientId::new(daemon.client_id))
        .set_client_secret(ClientSecret::new(daemon.secret.unwrap()))
        .set_token_uri(TokenUrl::new(format!("{base}/token")).unwrap());
    let app_only = confidential
        .exchange_client_credentials()
        .add_scope(Scope::new("https://graph.microsoft.com/.default".into()))
        .request_async(&http)
        .await
        .expect("client credentials with HTTP Basic succeed");
    assert!(h.verify(app_only.access_token().secret()).is_app_only());

    let wrong = BasicClient::new(ClientId::new(h.daemon_app().client_id))
        .set_client_secret(ClientSecret::new("wrong".into()))
        .set_token_uri(TokenUrl::new(format!("{base}/token")).unwrap())
        .exchange_client_credentials()
        .add_scope(Scope::new("https://graph.microsoft.com/.default".into()))
        .request_async(&http)
        .await;
    let message = format!("{}", wrong.expect_err("a wrong secret is refused"));
    assert!(message.contains("invalid_client"), "{message}");
}
