//! The emulator with the demo tenant, started in this test process on 127.0.0.1:0: the one
//! way the product's tests start it.

use std::time::Duration;

use graphmail_emulator::tenant::{AppKind, AppSeed, TenantSeed, UserSeed};
use graphmail_emulator::{AccessClaims, EmulatorConfig, RunningEmulator};

/// What a delegated token of the demo's public app carries.
pub const SCOPES: &str = "Mail.ReadWrite Mail.Send User.Read";

/// A running emulator and a plain HTTP client for looking at it the way a script would.
pub struct Emulator {
    pub running: RunningEmulator,
    pub http: reqwest::Client,
}

impl Emulator {
    /// The demo tenant, with device codes polled every second and valid for a minute.
    pub async fn start() -> Emulator {
        Emulator::with(EmulatorConfig::for_tests(Duration::from_secs(60))).await
    }

    pub async fn with(config: EmulatorConfig) -> Emulator {
        let (running, http) = super::start::started(config, Duration::from_secs(30)).await;
        Emulator { running, http }
    }

    pub fn seed(&self) -> &TenantSeed {
        &self.running.state.tenant
    }

    /// `http://127.0.0.1:PORT` (the identity platform and the test hooks).
    pub fn login_url(&self) -> &str {
        &self.running.login_url
    }

    /// `http://127.0.0.1:PORT/v1.0`.
    pub fn graph_url(&self) -> &str {
        &self.running.graph_url
    }

    /// The public client consented for mail.
    pub fn public_app(&self) -> AppSeed {
        self.seed()
            .apps
            .iter()
            .find(|a| a.kind == AppKind::Public && !a.delegated.is_empty())
            .expect("the demo tenant has a public app")
            .clone()
    }

    /// The tenant's users in seed order: the first owns the seeded (and hostile) mail.
    pub fn user(&self, index: usize) -> UserSeed {
        self.seed().users[index].clone()
    }

    /// The administrator without MFA.
    pub fn admin(&self) -> UserSeed {
        self.seed()
            .users
            .iter()
            .find(|u| u.admin && !u.mfa)
            .expect("the demo tenant has an administrator")
            .clone()
    }

    /// A delegated token of the public app for `user`, valid for `lifetime` seconds from now
    /// (negative: already expired).
    pub fn mint(&self, user: &UserSeed, lifetime: i64) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let tid = self.seed().tenant.id.clone();
        self.running.state.signer.sign(&AccessClaims {
            iss: format!("{}/{tid}/v2.0", self.running.login_url),
            tid,
            appid: self.public_app().client_id,
            oid: Some(user.id.clone()),
            upn: Some(user.upn.clone()),
            scp: SCOPES.into(),
            roles: vec![],
            aud: "https://graph.microsoft.com".into(),
            iat: now.min(now + lifetime) - 60,
            nbf: now.min(now + lifetime) - 60,
            exp: now + lifetime,
        })
    }

    /// GET on Graph (`path` from `/me` or `/users`) with `token`, as a script would; the JSON
    /// answer, which must be a success.
    pub async fn graph_get(&self, path: &str, token: &str) -> serde_json::Value {
        let resp = self
            .http
            .get(format!("{}{path}", self.running.graph_url))
            .bearer_auth(token)
            .send()
            .await
            .expect("the emulator answers");
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.expect("a JSON answer")
    }

    /// POSTs a form to a test hook under `/_emulator/`; the status.
    pub async fn hook(&self, path: &str, form: &[(&str, &str)]) -> reqwest::StatusCode {
        self.http
            .post(format!("{}/_emulator{path}", self.running.login_url))
            .form(form)
            .send()
            .await
            .expect("the emulator answers")
            .status()
    }
}
