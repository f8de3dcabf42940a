//! The emulator, started in this test process on 127.0.0.1:0, and a browser stand-in.

use std::time::Duration;

use graphmail::domain::{Cloud, Grant};
use graphmail::vault::ConnectorEntry;
use graphmail_emulator::tenant::TenantSeed;
use graphmail_emulator::{EmulatorConfig, IdentitySettings};

use super::emulator::Emulator;

/// The demo tenant's apps and users the tests sign in with.
pub const PUBLIC_APP: &str = "c2a15992-f9b8-42f5-a434-e52adae08363";
pub const WEB_APP: &str = "ef5aa545-1a91-4252-94af-dba3f5ff7c02";
pub const DAEMON_APP: &str = "12eb5bb7-a751-4423-abc2-93d4349e820e";
pub const UNCONSENTED_APP: &str = "e9a87bf7-76d5-4c68-a75b-6b19c865e475";
pub const ADELE: &str = "adele.vance@contoso-demo.onmicrosoft.com";
pub const LEE_MFA: &str = "lee.gu@contoso-demo.onmicrosoft.com";

/// Clocks the tests shorten.
#[derive(Clone)]
pub struct Clocks {
    pub device_interval: Duration,
    pub device_expires_in: Duration,
    /// `None`: Entra's 60–90 minutes.
    pub access_token_lifetime: Option<Duration>,
}

impl Default for Clocks {
    fn default() -> Self {
        Clocks {
            device_interval: Duration::from_secs(1),
            device_expires_in: Duration::from_secs(120),
            access_token_lifetime: None,
        }
    }
}

pub struct Emu {
    pub rt: tokio::runtime::Runtime,
    pub seed: TenantSeed,
    emulator: Emulator,
}

impl Emu {
    pub fn start() -> Emu {
        Emu::with(TenantSeed::demo(), Clocks::default())
    }

    /// The emulator on a runtime of its own, so that the tests around it stay synchronous.
    pub fn with(seed: TenantSeed, clocks: Clocks) -> Emu {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = rt.block_on(Emulator::with(EmulatorConfig {
            seed: Some(seed.clone()),
            identity: IdentitySettings {
                device_interval: clocks.device_interval,
                device_expires_in: clocks.device_expires_in,
                access_token_lifetime: clocks.access_token_lifetime,
                ..IdentitySettings::default()
            },
            ..EmulatorConfig::default()
        }));
        Emu { rt, seed, emulator }
    }

    pub fn cloud(&self) -> Cloud {
        Cloud::Custom {
            login_url: self.emulator.running.login_url.clone(),
            graph_url: self.emulator.running.graph_url.clone(),
        }
    }

    /// A connector of the demo tenant in this emulator's cloud.
    pub fn connector(&self, name: &str, grant: Grant, client_id: &str) -> ConnectorEntry {
        super::signin::connector(self.cloud(), &self.tenant(), name, grant, client_id)
    }

    pub fn tenant(&self) -> String {
        self.seed.tenant.domain.clone()
    }

    pub fn password(&self, upn: &str) -> String {
        self.seed
            .users
            .iter()
            .find(|u| u.upn == upn)
            .unwrap()
            .password
            .clone()
    }

    pub fn secret(&self, client_id: &str) -> String {
        self.seed
            .apps
            .iter()
            .find(|a| a.client_id == client_id)
            .unwrap()
            .secret
            .clone()
            .unwrap()
    }

    /// POSTs a form to a test hook under `/_emulator/`; returns the status.
    pub fn hook(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        self.rt.block_on(self.emulator.hook(path, form)).as_u16()
    }

    /// Sends `body` (JSON, or the text of a fault spec) to a test hook under `/_emulator/`;
    /// returns its JSON answer after checking that it succeeded.
    pub fn hook_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}/_emulator{path}", self.emulator.running.login_url);
        self.rt.block_on(async {
            let mut request = reqwest::Client::new().request(method, url);
            request = match body {
                Some(serde_json::Value::String(text)) => request.body(text),
                Some(json) => request.json(&json),
                None => request,
            };
            let answer = request.send().await.expect("the emulator's hook answers");
            assert!(
                answer.status().is_success(),
                "the hook {path} answered {}",
                answer.status()
            );
            answer.json().await.expect("the hook answers with JSON")
        })
    }

    /// Puts `message` (Graph message JSON) into `folder` of Adele's mailbox; returns its id.
    pub fn deliver_to(&self, folder: &str, message: serde_json::Value) -> String {
        let body = serde_json::json!({ "mailbox": ADELE, "folder": folder, "message": message });
        let v = self.hook_json(reqwest::Method::POST, "/deliver", Some(body));
        v["id"]
            .as_str()
            .expect("the delivered message's id")
            .to_owned()
    }

    /// Replaces the faults in force (the syntax of `graphmail emulator --faults`).
    pub fn set_faults(&self, spec: &str) {
        let spec = serde_json::Value::String(spec.to_owned());
        self.hook_json(reqwest::Method::POST, "/faults", Some(spec));
    }

    pub fn approve_device(&self, user_code: &str, upn: &str) {
        let status = self.hook("/device/approve", &[("user_code", user_code), ("upn", upn)]);
        assert!(status < 300, "approve answered {status}");
    }

    pub fn decline_device(&self, user_code: &str) {
        let status = self.hook("/device/decline", &[("user_code", user_code)]);
        assert!(status < 300, "decline answered {status}");
    }

    /// Revokes every refresh token of a user.
    pub fn revoke_user(&self, upn: &str) {
        let status = self.hook("/revoke", &[("upn", upn)]);
        assert!(status < 300, "revoke answered {status}");
    }

    /// Whether the last code redemption sent a PKCE verifier that matched its S256 challenge.
    pub fn pkce_verified(&self) -> bool {
        self.emulator
            .running
            .state
            .identity
            .last_pkce()
            .is_some_and(|p| p.verifier_sent && p.matched && p.method == "S256")
    }

    /// GET with a bearer token; returns the status.
    pub fn graph_status(&self, path: &str, token: &str) -> u16 {
        let url = format!(
            "{}{path}",
            self.emulator.running.graph_url.trim_end_matches('/')
        );
        self.rt.block_on(async {
            self.emulator
                .http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    }

    /// Deletes a message of `upn`'s mailbox for good, as another client would; returns the
    /// status.
    pub fn delete_message(&self, upn: &str, id: &str) -> u16 {
        let user = self.seed.users.iter().find(|u| u.upn == upn).unwrap();
        let token = self.emulator.mint(user, 600);
        let url = format!(
            "{}/me/messages/{id}",
            self.emulator.running.graph_url.trim_end_matches('/')
        );
        self.rt.block_on(async {
            let answer = self.emulator.http.delete(url).bearer_auth(token).send();
            answer.await.unwrap().status().as_u16()
        })
    }

    /// Plays the browser (as `graphmail demo` does): opens the authorize URL, submits the
    /// sign-in form as `upn` and any consent page, and returns the redirect `Location`.
    pub fn browser_sign_in(&self, authorize_url: &str, upn: &str, password: &str) -> String {
        let password = secrecy::SecretString::from(password.to_string());
        self.rt
            .block_on(graphmail::worker::demo_browser::approve(
                authorize_url,
                upn,
                &password,
            ))
            .unwrap_or_else(|e| panic!("the browser sign-in failed: {e}"))
    }

    /// GET on the loopback listener the way the browser would, on 127.0.0.1.
    pub fn follow(&self, location: &str) -> (u16, String) {
        let url = location.replacen("://localhost:", "://127.0.0.1:", 1);
        self.rt.block_on(async {
            let resp = self.emulator.http.get(url).send().await.unwrap();
            (
                resp.status().as_u16(),
                resp.text().await.unwrap_or_default(),
            )
        })
    }
}
