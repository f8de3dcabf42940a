//! Starting the emulator in-process for integration tests, and checking its identity replies
//! against the shapes in the wire reference.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

use std::time::Duration;

use graphmail_emulator::tenant::{AppKind, AppSeed, TenantSeed, UserSeed};
use graphmail_emulator::{AccessClaims, EmulatorConfig, RunningEmulator};
use reqwest::StatusCode;
use serde_json::Value;

/// A running emulator and an HTTP client that does not follow redirects (to see the 302s).
pub struct Harness {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
}

impl Harness {
    /// The demo tenant with fast device-code timing (interval 1 s, expiry 60 s).
    pub async fn start() -> Harness {
        Harness::with(EmulatorConfig::for_tests(Duration::from_secs(60))).await
    }

    pub async fn with(config: EmulatorConfig) -> Harness {
        let (emu, http) = crate::start::started(config, Duration::from_secs(20)).await;
        Harness { emu, http }
    }

    pub fn seed(&self) -> &TenantSeed {
        &self.emu.state.tenant
    }

    pub fn tenant_id(&self) -> String {
        self.seed().tenant.id.clone()
    }

    /// `{login_url}/{tenant}/{rest}`.
    pub fn url(&self, tenant: &str, rest: &str) -> String {
        format!("{}/{tenant}/{rest}", self.emu.login_url)
    }

    pub fn token_url(&self, tenant: &str) -> String {
        self.url(tenant, "oauth2/v2.0/token")
    }

    /// GET a URL without a token and read its JSON body.
    pub async fn fetch_json(&self, url: &str) -> Value {
        crate::common_emulator::fetch_json(&self.http, url).await
    }

    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(url)
            .form(form)
            .send()
            .await
            .expect("the emulator answers")
    }

    /// POST to the token endpoint of the tenant by GUID.
    pub async fn token(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.post(&self.token_url(&self.tenant_id()), form).await
    }

    pub fn public_app(&self) -> AppSeed {
        self.app(|a| a.kind == AppKind::Public && !a.delegated.is_empty())
    }

    pub fn web_app(&self) -> AppSeed {
        self.app(|a| a.kind == AppKind::Confidential && !a.redirect_uris.is_empty())
    }

    pub fn daemon_app(&self) -> AppSeed {
        self.app(|a| !a.application.is_empty())
    }

    pub fn unconsented_app(&self) -> AppSeed {
        self.app(|a| a.delegated.is_empty() && a.application.is_empty())
    }

    fn app(&self, pick: impl Fn(&AppSeed) -> bool) -> AppSeed {
        self.seed()
            .apps
            .iter()
            .find(|a| pick(a))
            .expect("the demo tenant has this app")
            .clone()
    }

    /// A user without MFA (and not the administrator).
    pub fn user(&self) -> UserSeed {
        self.seed()
            .users
            .iter()
            .find(|u| !u.mfa && !u.admin)
            .expect("a plain user")
            .clone()
    }

    pub fn mfa_user(&self) -> UserSeed {
        self.seed()
            .users
            .iter()
            .find(|u| u.mfa)
            .expect("an MFA user")
            .clone()
    }

    pub fn admin(&self) -> UserSeed {
        self.seed()
            .users
            .iter()
            .find(|u| u.admin && !u.mfa)
            .expect("an admin")
            .clone()
    }

    /// Checks an access token the way Graph does.
    pub fn verify(&self, token: &str) -> AccessClaims {
        self.emu
            .state
            .signer
            .verify(token, now())
            .expect("the access token verifies")
    }

    /// Tokens for `Mail.Read offline_access openid` signed in as the plain user: the granted
    /// scope lists the OpenID scopes Entra adds, and the access token names the user.
    pub fn expect_plain_user_mail_read(&self, tokens: &Value) {
        assert_eq!(
            tokens["scope"],
            "Mail.Read profile openid email offline_access"
        );
        let access = tokens["access_token"].as_str().expect("an access token");
        let upn = self.verify(access).upn;
        assert_eq!(upn.as_deref(), Some(self.user().upn.as_str()));
    }

    /// ROPC for the plain user with the public app.
    pub async fn password_grant(&self, scope: &str) -> reqwest::Response {
        let (app, user) = (self.public_app(), self.user());
        self.ropc(&app.client_id, &user.upn, &user.password, scope)
            .await
    }

    /// The client-credentials grant at this tenant's token endpoint; no secret when `None`.
    pub async fn client_credentials(
        &self,
        client_id: &str,
        secret: Option<&str>,
        scope: &str,
    ) -> reqwest::Response {
        self.client_credentials_at(&self.tenant_id(), client_id, secret, scope)
            .await
    }

    /// The client-credentials grant at another tenant's (or alias's) token endpoint.
    pub async fn client_credentials_at(
        &self,
        tenant: &str,
        client_id: &str,
        secret: Option<&str>,
        scope: &str,
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("scope", scope),
        ];
        form.extend(secret.map(|s| ("client_secret", s)));
        self.post(&self.token_url(tenant), &form).await
    }

    /// ROPC (grant_type=password) for any app, user and password.
    pub async fn ropc(
        &self,
        client_id: &str,
        upn: &str,
        password: &str,
        scope: &str,
    ) -> reqwest::Response {
        self.ropc_at(&self.tenant_id(), client_id, upn, password, scope)
            .await
    }

    /// ROPC at another tenant's (or alias's) token endpoint.
    pub async fn ropc_at(
        &self,
        tenant: &str,
        client_id: &str,
        upn: &str,
        password: &str,
        scope: &str,
    ) -> reqwest::Response {
        let form = [
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", upn),
            ("password", password),
            ("scope", scope),
        ];
        self.post(&self.token_url(tenant), &form).await
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs() as i64
}

/// `YYYY-MM-DD HH:MM:SSZ`.
fn is_sts_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Asserts an identity error reply has the reference §6 shape, the status, the `error`
/// value and the AADSTS code; returns the body.
pub async fn expect_aad_error(
    resp: reqwest::Response,
    status: StatusCode,
    error: &str,
    code: u64,
) -> Value {
    assert_eq!(resp.status(), status, "HTTP status for {error}/{code}");
    let request_id = resp
        .headers()
        .get("x-ms-request-id")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string());
    assert!(
        ct.as_deref().unwrap_or("").starts_with("application/json"),
        "content type {ct:?}"
    );
    let body: Value = resp.json().await.expect("an error body is JSON");
    let allowed = [
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
        "suberror",
        "claims",
    ];
    for key in body.as_object().expect("an object").keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "unexpected field {key} in {body}"
        );
    }
    assert_eq!(body["error"], error, "{body}");
    let codes: Vec<u64> = body["error_codes"]
        .as_array()
        .expect("error_codes array")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert!(codes.contains(&code), "error_codes {codes:?} lacks {code}");
    let timestamp = body["timestamp"].as_str().expect("timestamp");
    assert!(is_sts_timestamp(timestamp), "timestamp {timestamp}");
    let trace = body["trace_id"].as_str().expect("trace_id");
    let correlation = body["correlation_id"].as_str().expect("correlation_id");
    assert!(is_guid(trace) && is_guid(correlation));
    assert_eq!(
        request_id.as_deref(),
        Some(trace),
        "x-ms-request-id is the trace id"
    );
    let description = body["error_description"]
        .as_str()
        .expect("error_description");
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "description {description}"
    );
    assert!(
        description.ends_with(&format!(
            "\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"
        )),
        "trailer of {description:?}"
    );
    assert!(
        body["error_uri"]
            .as_str()
            .expect("error_uri")
            .ends_with(&format!("error?code={code}"))
    );
    body
}

/// Asserts a token response has the reference §5.3 fields (and no others); returns the body.
pub async fn expect_tokens(resp: reqwest::Response, refresh: bool, id_token: bool) -> Value {
    let status = resp.status();
    let cache = resp
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let body: Value = resp.json().await.expect("a token body is JSON");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(cache.as_deref(), Some("no-store, no-cache"));
    let mut expected = vec![
        "token_type",
        "scope",
        "expires_in",
        "ext_expires_in",
        "access_token",
    ];
    if refresh {
        expected.push("refresh_token");
    }
    if id_token {
        expected.push("id_token");
    }
    let keys = crate::json::sorted_keys(&body);
    expected.sort_unstable();
    assert_eq!(keys, expected, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().expect("integer expires_in") > 0);
    assert_eq!(body["expires_in"], body["ext_expires_in"]);
    body
}

/// The query parameters of a redirect's `Location`.
pub fn location_params(resp: &reqwest::Response) -> (url::Url, Vec<(String, String)>) {
    assert_eq!(resp.status(), StatusCode::FOUND, "a 302 redirect");
    let location = resp
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("ASCII");
    let url = url::Url::parse(location).expect("an absolute URL");
    let pairs = url.query_pairs().into_owned().collect();
    (url, pairs)
}

pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// GET a URL without a token and read its JSON body.
pub async fn fetch_json(http: &reqwest::Client, url: &str) -> Value {
    crate::json::send_json(http.get(url)).await
}
