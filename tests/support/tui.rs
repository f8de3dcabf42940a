//! Builders shared by the TUI tests: a model at a fixed time, connectors, key presses.

use graphmail::app::keymap::Keymap;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::{
    Clock, Cmd, ConnectorRow, Event, EventBody, Model, Msg, ReqId, Screen, SignInUpdate, Start,
    TokenFacts, UiError, UiErrorKind, init, update,
};
use graphmail::domain::permissions::Preset;
use graphmail::domain::{Cloud, Connector, Grant};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub const NOW: i64 = 1_800_000_000;
pub const VAULT: &str = "/home/ana/.local/share/graphmail/vault.age";

pub fn clock() -> Clock {
    Clock {
        mono_ms: 10_000,
        unix: NOW,
    }
}

pub fn model(start: Start) -> (Model, Vec<Cmd>) {
    init(Keymap::defaults(), start, VAULT.into(), clock())
}

pub fn connector(name: &str, grant: Grant) -> Connector {
    Connector {
        name: name.into(),
        cloud: Cloud::Global,
        tenant: "contoso.onmicrosoft.com".into(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        grant,
        presets: vec![Preset::Fetch, Preset::Send, Preset::Offline],
        extra_scopes: vec![],
        mailbox: (grant == Grant::ClientCredentials).then(|| "ops@contoso.com".into()),
        redirect_port: 8400,
    }
}

pub fn row(name: &str, grant: Grant, token: TokenFacts) -> ConnectorRow {
    ConnectorRow {
        // The fixtures' tokens were granted everything their actions use.
        access: graphmail::domain::access::Access::ALL,
        connector: connector(name, grant),
        client_secret_set: grant == Grant::ClientCredentials,
        password_set: grant == Grant::Ropc,
        username: (grant == Grant::Ropc).then(|| "ana@contoso.com".into()),
        token,
    }
}

/// The token of a user's sign-in: it expires `expires_in` seconds from now (negative: ago),
/// its refresh token was issued `refreshed_days_ago` days ago (None: not known), and it was
/// last checked `checked_ago` seconds ago.
fn signed_in(
    user: &str,
    expires_in: i64,
    refreshed_days_ago: Option<i64>,
    checked_ago: i64,
) -> TokenFacts {
    TokenFacts {
        expires_at: Some(NOW + expires_in),
        has_refresh_token: true,
        refresh_issued_at: refreshed_days_ago.map(|days| NOW - days * 86_400),
        user: Some(user.into()),
        last_check: Some(NOW - checked_ago),
        last_error: None,
        self_renewing: false,
    }
}

/// Five connectors, one per token health.
pub fn rows() -> Vec<ConnectorRow> {
    let app_only_refused = TokenFacts {
        last_check: Some(NOW - 86_400 * 2),
        last_error: Some("AADSTS7000215: the client secret is wrong or expired".into()),
        ..TokenFacts::default()
    };
    vec![
        row(
            "helpdesk",
            Grant::AuthCode,
            signed_in("ana@contoso.com", 3000, Some(12), 120),
        ),
        row(
            "alerts",
            Grant::DeviceCode,
            signed_in("alerts@contoso.com", 240, None, 3 * 3600),
        ),
        row("scanner", Grant::Ropc, TokenFacts::default()),
        row("ops-app", Grant::ClientCredentials, app_only_refused),
        row(
            "archive",
            Grant::AuthCode,
            signed_in("archive@contoso.com", -100, Some(80), 600),
        ),
    ]
}

/// A model on the connector list with `rows`, opened through an identity.
pub fn list_model(rows: Vec<ConnectorRow>) -> Model {
    let (mut m, cmds) = model(Start::Identity);
    let id = cmds[0].id().expect("open has an id");
    update(
        &mut m,
        Msg::Worker(Event {
            id,
            body: EventBody::Unlocked(Ok(rows)),
        }),
    );
    m
}

/// The wizard opened from a list of `rows`, with `name` typed on its first step.
pub fn wizard_with_name(rows: Vec<ConnectorRow>, name: &str) -> Model {
    let mut m = list_model(rows);
    press(&mut m, Key::ch('a'));
    type_text(&mut m, name);
    m
}

/// A refusal by the identity platform, as the worker decodes it.
pub fn identity_error(message: &str, fix: &str, detail: &str) -> UiError {
    // The worker says a command line fix in the app's words, as `worker::ui_error` does.
    let fix = graphmail::app::in_app::in_app(fix);
    UiError {
        detail: Some(detail.into()),
        ..UiError::new(UiErrorKind::Identity, message).with_fix(fix)
    }
}

/// The answer to an unlock with the wrong passphrase.
pub fn wrong_passphrase(m: &mut Model, id: ReqId) -> Vec<Cmd> {
    let refused = UiError::new(UiErrorKind::WrongPassphrase, "the passphrase is wrong");
    reply(m, id, EventBody::Unlocked(Err(refused)))
}

/// The wizard the screen shows; fails on any other screen.
pub fn wizard(m: &Model) -> &graphmail::app::wizard::WizardState {
    match &m.screen {
        Screen::Wizard(w) => w,
        other => panic!("expected the wizard, got {other:?}"),
    }
}

/// The message being written; fails on any other screen.
pub fn compose(m: &Model) -> &graphmail::app::compose::ComposeState {
    match &m.screen {
        Screen::Compose(s) => s,
        other => panic!("expected compose, got {other:?}"),
    }
}

/// Fails unless the screen is the connector list with row `selected` selected.
pub fn assert_list_selected(m: &Model, selected: usize) {
    match &m.screen {
        Screen::Connectors(s) => assert_eq!(s.selected, selected),
        other => panic!("expected the connector list, got {other:?}"),
    }
}

pub fn press(m: &mut Model, key: Key) -> Vec<Cmd> {
    update(m, Msg::Key(key))
}

pub fn code(m: &mut Model, code: KeyCode) -> Vec<Cmd> {
    press(m, Key::new(code))
}

/// Down `times` times: the cursor of a list moves that many rows.
pub fn press_down(m: &mut Model, times: usize) {
    for _ in 0..times {
        code(m, KeyCode::Down);
    }
}

pub fn enter(m: &mut Model) -> Vec<Cmd> {
    code(m, KeyCode::Enter)
}

pub fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        press(m, Key::ch(c));
    }
}

pub fn reply(m: &mut Model, id: ReqId, body: EventBody) -> Vec<Cmd> {
    update(m, Msg::Worker(Event { id, body }))
}

/// Fails unless one of `lines` contains `part`; the failure lists them all.
pub fn assert_any_contains(lines: &[String], part: &str) {
    assert!(
        lines.iter().any(|l| l.contains(part)),
        "none contains {part:?}: {lines:#?}"
    );
}

/// Fails unless a toast on the screen contains `part`.
pub fn assert_toast(m: &Model, part: &str) {
    let texts: Vec<&str> = m.shared.toasts.iter().map(|t| t.text.as_str()).collect();
    assert!(
        texts.iter().any(|t| t.contains(part)),
        "no toast says {part:?}: {texts:?}"
    );
}

/// The worker's `update` to sign-in `id` arrives.
pub fn sign_in_step(m: &mut Model, id: ReqId, update: SignInUpdate) -> Vec<Cmd> {
    reply(m, id, EventBody::SignIn(update))
}

/// For each text: Tab to the next field and type it (an empty text only moves on).
pub fn fill_fields(m: &mut Model, texts: &[&str]) {
    for text in texts {
        code(m, KeyCode::Tab);
        type_text(m, text);
    }
}

pub fn render(m: &Model, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| graphmail::ui::view(m, f)).expect("draw");
    t
}

/// The screen as text, lines joined by newlines.
pub fn screen_text(m: &Model, w: u16, h: u16) -> String {
    let t = render(m, w, h);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}
