//! The terminal app's worker against the emulator: every grant signs in and saves its tokens,
//! the screen gets the prompts under the sign-in's id, a pasted redirect URL reaches the flow,
//! cancelling closes the loopback listener, refusals arrive decoded, and a test's outcome shows
//! in the list's token health.

use std::time::{Duration, Instant};

use crate::support::emu::{ADELE, Clocks, DAEMON_APP, Emu, PUBLIC_APP};
use crate::support::signin::{Env, free_port};
use graphmail::app::{
    AuthorizePrompt, Cmd, ConnectorRow, DeviceCodePrompt, Event, EventBody, ReqId, SignInUpdate,
    SignedIn, TestReport, TokenHealth, UiError, UiErrorKind,
};
use graphmail::domain::Grant;
use graphmail::vault::ConnectorEntry;
use graphmail::worker::{self, Services};
use graphmail_emulator::tenant::TenantSeed;
use secrecy::SecretString;
use tokio::sync::mpsc;

struct Worker<'e> {
    emu: &'e Emu,
    cmds: mpsc::Sender<Cmd>,
    events: mpsc::Receiver<Event>,
    next_id: u64,
}

impl<'e> Worker<'e> {
    /// A worker on `env`'s vault, already open.
    fn start(emu: &'e Emu, env: &Env) -> Worker<'e> {
        let services = Services::without_browser(env.vault_path(), Some(env.vault()));
        let (cmds, cmd_rx) = mpsc::channel(8);
        let (event_tx, events) = mpsc::channel(8);
        emu.rt.spawn(worker::run(services, cmd_rx, event_tx));
        Worker {
            emu,
            cmds,
            events,
            next_id: 0,
        }
    }

    fn id(&mut self) -> ReqId {
        self.next_id += 1;
        ReqId(self.next_id)
    }

    fn send(&self, cmd: Cmd) {
        self.emu
            .rt
            .block_on(self.cmds.send(cmd))
            .expect("the worker runs");
    }

    /// The next event; fails after 30 s.
    fn next(&mut self) -> Event {
        let events = &mut self.events;
        self.emu
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(30), events.recv()).await })
            .expect("the worker answers within 30 s")
            .expect("the worker runs")
    }

    fn sign_in(&mut self, name: &str) -> ReqId {
        let id = self.id();
        self.send(Cmd::SignIn {
            id,
            name: name.into(),
        });
        id
    }

    fn update(&mut self, id: ReqId) -> SignInUpdate {
        let event = self.next();
        assert_eq!(event.id, id, "the reply carries the sign-in's id");
        match event.body {
            EventBody::SignIn(u) => u,
            other => panic!("not a sign-in update: {other:?}"),
        }
    }

    fn finished(&mut self, id: ReqId) -> Result<SignedIn, UiError> {
        match self.update(id) {
            SignInUpdate::Finished(r) => r,
            other => panic!("the sign-in should have ended: {other:?}"),
        }
    }

    /// Begins the sign-in of "web"; returns it with its authorize URL.
    fn web_prompt(&mut self) -> (ReqId, AuthorizePrompt) {
        let id = self.sign_in("web");
        (id, self.authorize_prompt(id))
    }

    fn authorize_prompt(&mut self, id: ReqId) -> AuthorizePrompt {
        match self.update(id) {
            SignInUpdate::AuthorizeUrl(p) => p,
            other => panic!("expected the authorize URL: {other:?}"),
        }
    }

    /// Begins the sign-in of `name`; returns it with its device code.
    fn device_code_of(&mut self, name: &str) -> (ReqId, DeviceCodePrompt) {
        let id = self.sign_in(name);
        let prompt = match self.update(id) {
            SignInUpdate::DeviceCode(p) => p,
            other => panic!("expected a device code: {other:?}"),
        };
        (id, prompt)
    }

    /// Sends the redirect URL the browser was sent to, as if pasted.
    fn paste(&self, id: ReqId, location: String) {
        self.send(Cmd::SubmitRedirect {
            id,
            url: SecretString::from(location),
        });
    }

    /// Signs `name` in with a device code that Adele approves.
    fn device_code_sign_in(&mut self, name: &str) -> Result<SignedIn, UiError> {
        let (id, prompt) = self.device_code_of(name);
        self.emu.approve_device(&prompt.user_code, ADELE);
        self.finished(id)
    }

    fn test(&mut self, name: &str) -> TestReport {
        let id = self.id();
        self.send(Cmd::Test {
            id,
            name: name.into(),
        });
        let event = self.next();
        assert_eq!(event.id, id);
        match event.body {
            EventBody::Tested(Ok(report)) => report,
            other => panic!("not a test report: {other:?}"),
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn health(rows: &[ConnectorRow], name: &str) -> TokenHealth {
    let row = rows
        .iter()
        .find(|r| r.connector.name == name)
        .expect("the connector is listed");
    TokenHealth::of(&row.token, now())
}

/// A vault holding `entries` and a worker on it, already open.
fn started<'e>(
    emu: &'e Emu,
    entries: impl IntoIterator<Item = ConnectorEntry>,
) -> (Env, Worker<'e>) {
    let env = Env::new();
    for entry in entries {
        env.add(entry);
    }
    let w = Worker::start(emu, &env);
    (env, w)
}

/// Adele signs in at the authorize URL; returns where the browser is sent back to.
fn adele_in_browser(emu: &Emu, prompt: &AuthorizePrompt) -> String {
    emu.browser_sign_in(&prompt.url, ADELE, &emu.password(ADELE))
}

/// The sign-in ended as Adele with a valid token for `name`.
fn assert_adele_valid(done: &SignedIn, name: &str) {
    assert_eq!(done.user.as_deref(), Some(ADELE));
    assert_eq!(health(&done.connectors, name), TokenHealth::Valid);
}

/// A worker on a vault holding the auth-code connector "web", and its redirect port.
fn auth_code_worker(emu: &Emu) -> (Env, Worker<'_>, u16) {
    let port = free_port();
    let mut e = emu.connector("web", Grant::AuthCode, PUBLIC_APP);
    e.connector.redirect_port = port;
    let (env, w) = started(emu, [e]);
    (env, w, port)
}

fn ropc_entry(emu: &Emu, password: &str) -> ConnectorEntry {
    let mut e = emu.connector("ro", Grant::Ropc, PUBLIC_APP);
    e.secrets.username = Some(ADELE.into());
    e.secrets.password = Some(password.into());
    e
}

#[test]
fn a_pasted_redirect_url_reaches_the_auth_code_sign_in_and_the_token_turns_valid() {
    let emu = Emu::start();
    let (env, mut w, port) = auth_code_worker(&emu);
    let (id, prompt) = w.web_prompt();
    assert!(prompt.listening, "the listener is up");
    assert_eq!(prompt.port, port);
    assert_eq!(prompt.redirect_uri, format!("http://localhost:{port}/"));
    w.paste(id, adele_in_browser(&emu, &prompt));
    let done = w.finished(id).expect("signed in");
    assert!(done.scopes.iter().any(|s| s.contains("Mail.Read")));
    assert_adele_valid(&done, "web");
    let saved = env.tokens("web").expect("tokens saved in the vault");
    assert!(saved.refresh_token.is_some());
}

#[test]
fn the_loopback_listener_answers_the_browser_when_nothing_is_pasted() {
    let emu = Emu::start();
    let (_env, mut w, _) = auth_code_worker(&emu);
    let (id, prompt) = w.web_prompt();
    let location = adele_in_browser(&emu, &prompt);
    let (status, _) = emu.follow(&location);
    assert_eq!(status, 200, "the listener took the browser's redirect");
    let done = w.finished(id).expect("signed in");
    assert_adele_valid(&done, "web");
}

#[test]
fn a_taken_port_is_said_so_and_pasting_still_signs_in() {
    let emu = Emu::start();
    let (_env, mut w, port) = auth_code_worker(&emu);
    let _squatter = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind the port");
    let (id, prompt) = w.web_prompt();
    assert!(!prompt.listening, "nothing can listen on a taken port");
    w.paste(id, adele_in_browser(&emu, &prompt));
    assert!(w.finished(id).is_ok());
}

#[test]
fn cancelling_an_auth_code_sign_in_closes_its_listener() {
    let emu = Emu::start();
    let (env, mut w, port) = auth_code_worker(&emu);
    let (id, prompt) = w.web_prompt();
    assert!(prompt.listening);
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port)).is_err(),
        "the sign-in listens on its port"
    );
    w.send(Cmd::Cancel { id });
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "port {port} is still taken after the cancel"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        env.tokens("web").is_none(),
        "a cancelled sign-in saves nothing"
    );
}

#[test]
fn a_device_code_is_shown_with_its_countdown_and_signs_in_once_approved() {
    let emu = Emu::start();
    let (_env, mut w) = started(&emu, [emu.connector("dev", Grant::DeviceCode, PUBLIC_APP)]);
    let (id, prompt) = w.device_code_of("dev");
    let left = prompt.expires_at - now();
    assert!(
        (60..=120).contains(&left),
        "the countdown starts at the code's lifetime: {left} s"
    );
    assert!(prompt.message.contains(&prompt.user_code));
    emu.approve_device(&prompt.user_code, ADELE);
    let done = w.finished(id).expect("signed in");
    assert_adele_valid(&done, "dev");
}

#[test]
fn a_declined_device_code_ends_with_the_decoded_reason() {
    let emu = Emu::start();
    let (env, mut w) = started(&emu, [emu.connector("dev", Grant::DeviceCode, PUBLIC_APP)]);
    let (id, prompt) = w.device_code_of("dev");
    emu.decline_device(&prompt.user_code);
    let err = w.finished(id).expect_err("declined");
    assert_eq!(err.kind, UiErrorKind::Identity);
    assert!(err.message.to_lowercase().contains("declined"), "{err:?}");
    assert!(err.fix.is_some(), "{err:?}");
    assert!(env.tokens("dev").is_none());
}

#[test]
fn ropc_and_client_credentials_sign_in_without_a_prompt() {
    let emu = Emu::start();
    let mut daemon = emu.connector("daemon", Grant::ClientCredentials, DAEMON_APP);
    daemon.secrets.client_secret = Some(emu.secret(DAEMON_APP));
    daemon.connector.mailbox = Some(ADELE.into());
    let (_env, mut w) = started(&emu, [ropc_entry(&emu, &emu.password(ADELE)), daemon]);

    let id = w.sign_in("ro");
    let done = w.finished(id).expect("ROPC signs in directly");
    assert_eq!(done.user.as_deref(), Some(ADELE));
    let id = w.sign_in("daemon");
    let done = w.finished(id).expect("client credentials sign in directly");
    assert_eq!(done.user, None, "app-only has no user");
    assert_eq!(health(&done.connectors, "daemon"), TokenHealth::Valid);
    assert_eq!(health(&done.connectors, "ro"), TokenHealth::Valid);
}

#[test]
fn a_wrong_password_is_decoded_with_its_aadsts_code_and_never_shown() {
    let emu = Emu::start();
    let wrong = "Not-Adeles-Password-42";
    let (_env, mut w) = started(&emu, [ropc_entry(&emu, wrong)]);

    let id = w.sign_in("ro");
    let err = w.finished(id).expect_err("refused");
    assert_eq!(err.kind, UiErrorKind::Identity);
    assert!(
        err.detail.as_deref().unwrap_or("").contains("AADSTS50126"),
        "{err:?}"
    );
    assert!(err.message.ends_with('.'), "one sentence: {err:?}");
    assert!(err.fix.as_deref().is_some_and(|f| !f.is_empty()));
    assert!(
        !format!("{err:?}").contains(wrong),
        "the password is not shown"
    );
}

#[test]
fn a_test_reports_the_user_and_inbox_and_a_revoked_sign_in_turns_the_health_to_error() {
    // One-minute tokens: every test renews, so a revoked refresh token is noticed.
    let emu = Emu::with(
        TenantSeed::demo(),
        Clocks {
            access_token_lifetime: Some(Duration::from_secs(60)),
            ..Clocks::default()
        },
    );
    let mut entry = emu.connector("dev", Grant::DeviceCode, PUBLIC_APP);
    entry
        .connector
        .presets
        .push(graphmail::domain::permissions::Preset::Readwrite);
    let (_env, mut w) = started(&emu, [entry]);

    // Not signed in yet: the test says what to do, and nothing is recorded.
    let report = w.test("dev");
    let problem = report.problem.expect("a test without tokens fails");
    assert!(problem.message.contains("not signed in"), "{problem:?}");
    assert_eq!(health(&report.connectors, "dev"), TokenHealth::NeedsSignIn);

    w.device_code_sign_in("dev").expect("signed in");

    let report = w.test("dev");
    assert!(report.problem.is_none(), "{:?}", report.problem);
    assert_eq!(report.user.as_deref(), Some(ADELE));
    assert!(report.mailbox_ok, "the Inbox opens");
    let row = report.connectors.iter().find(|r| r.connector.name == "dev");
    assert!(row.is_some_and(|r| r.token.last_check.is_some()));

    emu.revoke_user(ADELE);
    let report = w.test("dev");
    let problem = report.problem.expect("a revoked sign-in fails the test");
    assert_eq!(problem.kind, UiErrorKind::Identity);
    assert!(problem.fix.is_some(), "{problem:?}");
    assert!(matches!(
        health(&report.connectors, "dev"),
        TokenHealth::Error(_)
    ));

    // Signing in again clears the error.
    let done = w.device_code_sign_in("dev").expect("signed in again");
    assert!(matches!(
        health(&done.connectors, "dev"),
        TokenHealth::ExpiresIn { .. }
    ));
}
