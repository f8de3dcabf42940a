//! The emulator in-process on 127.0.0.1:0, with a vault and a connector made and signed in
//! (ROPC, as a demo user) through the real binary.

use std::time::Duration;

use graphmail::vault::{TokenCache, VaultError};
use graphmail_emulator::EmulatorConfig;
use graphmail_emulator::tenant::{AppSeed, UserSeed};
use serde_json::Value;

use super::emulator::Emulator;
use super::mail::{MailVault, run};

pub const CONNECTOR: &str = "ops";

pub struct Emulated {
    pub emu: Emulator,
    pub vault: MailVault,
}

/// Exit code, stdout (raw bytes), stderr.
pub type Outcome = (i32, Vec<u8>, String);

impl Emulated {
    /// The demo tenant.
    pub async fn start() -> Emulated {
        Emulated::with(EmulatorConfig::for_tests(Duration::from_secs(60))).await
    }

    /// The demo tenant with `messages` more in the first user's Inbox and a fault spec.
    pub async fn with_mail(messages: Option<usize>, faults: Option<&str>) -> Emulated {
        Emulated::with(EmulatorConfig {
            messages,
            faults: faults.map(str::to_owned),
            ..EmulatorConfig::for_tests(Duration::from_secs(60))
        })
        .await
    }

    pub async fn with(config: EmulatorConfig) -> Emulated {
        let s = Emulated {
            emu: Emulator::with(config).await,
            vault: MailVault::empty(),
        };
        let (code, _, err) = s.cli(&["vault", "init"], None).await;
        assert_eq!(code, 0, "vault init: {err}");
        let tenant = s.emu.seed().tenant.id.clone();
        let app = s.public_app().client_id;
        let (login, graph) = (s.emu.login_url().to_owned(), s.emu.graph_url().to_owned());
        let user = s.user();
        let password = s.vault.path().join("user-password");
        std::fs::write(&password, &user.password).expect("write the password file");
        let password = password.to_str().expect("a UTF-8 path").to_owned();
        let (code, _, err) = s
            .cli(
                &[
                    "connector",
                    "add",
                    CONNECTOR,
                    "--tenant",
                    &tenant,
                    "--client-id",
                    &app,
                    "--grant",
                    "ropc",
                    "--username",
                    &user.upn,
                    "--password-file",
                    &password,
                    "--permissions",
                    "readwrite,send,offline",
                    "--cloud",
                    "custom",
                    "--login-url",
                    &login,
                    "--graph-url",
                    &graph,
                ],
                None,
            )
            .await;
        assert_eq!(code, 0, "connector add: {err}");
        let (code, _, err) = s.cli(&["connector", "login", CONNECTOR], None).await;
        assert_eq!(code, 0, "connector login: {err}");
        s
    }

    pub fn public_app(&self) -> AppSeed {
        self.emu.public_app()
    }

    /// The mailbox owner: the first user, whose Inbox holds the hostile and bulk mail.
    pub fn user(&self) -> UserSeed {
        self.emu.user(0)
    }

    /// A second user of the tenant, to send mail to.
    pub fn colleague(&self) -> UserSeed {
        self.emu.user(1)
    }

    /// A delegated token for the owner, valid for `lifetime` seconds from now (negative: expired).
    pub fn mint(&self, lifetime: i64) -> String {
        self.emu.mint(&self.user(), lifetime)
    }

    /// The connector's token cache, as the vault holds it.
    pub fn tokens(&self) -> TokenCache {
        self.vault
            .open()
            .read()
            .expect("the vault reads")
            .get(CONNECTOR)
            .and_then(|e| e.tokens.clone())
            .expect("the connector is signed in")
    }

    /// Changes the connector's token cache in the vault.
    pub fn edit_tokens(&self, change: impl FnOnce(&mut TokenCache)) {
        self.vault
            .open()
            .update(|doc| {
                let entry = doc.get_mut(CONNECTOR).expect("the connector was added");
                change(entry.tokens.get_or_insert_with(TokenCache::default));
                Ok::<_, VaultError>(())
            })
            .expect("the vault saves");
    }

    /// Runs the real binary with `args` (off the runtime, which keeps serving the emulator).
    pub async fn cli(&self, args: &[&str], stdin: Option<&str>) -> Outcome {
        let mut cmd = self.vault.cmd();
        cmd.args(args);
        let stdin = stdin.map(String::from);
        tokio::task::spawn_blocking(move || match stdin {
            None => run(&mut cmd),
            Some(text) => {
                let out = super::mail::output_with_stdin(&mut cmd, &text);
                (
                    out.status.code().unwrap_or(-1),
                    out.stdout,
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            }
        })
        .await
        .expect("the command runs")
    }

    /// `graphmail mail ARGS`.
    pub async fn mail(&self, args: &[&str]) -> Outcome {
        let mut all = vec!["mail"];
        all.extend_from_slice(args);
        self.cli(&all, None).await
    }

    /// `graphmail mail ARGS` that must succeed; its stdout, checked inert, as text.
    pub async fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.mail(args).await;
        assert_eq!(code, 0, "{args:?} failed: {err}");
        super::mail::assert_inert(&out);
        String::from_utf8(out).expect("stdout is UTF-8")
    }

    /// `graphmail mail ARGS --json` that must succeed, parsed.
    pub async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(&all).await;
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
    }

    /// GET on the owner's Graph (`/me…`) with a fresh token, as a script would.
    pub async fn graph(&self, path: &str) -> Value {
        self.emu
            .graph_get(&format!("/me{path}"), &self.mint(600))
            .await
    }

    /// What `/_emulator/sent` lists for the owner.
    pub async fn sent(&self) -> Vec<Value> {
        let url = format!("{}/_emulator/sent", self.emu.login_url());
        let request = self
            .emu
            .http
            .get(url)
            .query(&[("mailbox", self.user().upn)]);
        let v = super::json::send_json(request).await;
        v["sent"][self.user().upn.as_str()]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Sent records whose subject is `subject`.
    pub async fn sent_with_subject(&self, subject: &str) -> Vec<Value> {
        self.sent()
            .await
            .into_iter()
            .filter(|r| r["message"]["subject"] == subject)
            .collect()
    }

    pub async fn set_faults(&self, spec: &str) {
        let resp = self
            .emu
            .http
            .post(format!("{}/_emulator/faults", self.emu.login_url()))
            .body(spec.to_owned())
            .send()
            .await
            .expect("the hook answers");
        assert_eq!(resp.status(), 200, "fault spec {spec:?}");
    }

    /// The id of the owner's message whose subject is `subject` (read from the emulator).
    pub fn id_of(&self, subject: &str) -> String {
        let boxes = self.emu.running.state.mail.lock();
        boxes[0]
            .messages
            .values()
            .find(|m| m.subject == subject)
            .unwrap_or_else(|| panic!("no message '{subject}'"))
            .id
            .clone()
    }

    /// The well-known name or display name of the folder a message is in now, or `None`
    /// when the message no longer exists.
    pub fn folder_of(&self, id: &str) -> Option<String> {
        let boxes = self.emu.running.state.mail.lock();
        let mbx = &boxes[0];
        let m = mbx.get(id)?;
        let f = &mbx.folders[m.folder];
        Some(
            f.well_known
                .map(str::to_owned)
                .unwrap_or_else(|| f.display_name.clone()),
        )
    }

    /// Folder and read state of the owner's message with `subject`, wherever it is now.
    pub fn find_by_subject(&self, subject: &str) -> Vec<(String, bool)> {
        let boxes = self.emu.running.state.mail.lock();
        let mbx = &boxes[0];
        mbx.messages
            .values()
            .filter(|m| m.subject == subject)
            .map(|m| {
                let f = &mbx.folders[m.folder];
                (
                    f.well_known
                        .map(str::to_owned)
                        .unwrap_or_else(|| f.display_name.clone()),
                    m.is_read,
                )
            })
            .collect()
    }
}
