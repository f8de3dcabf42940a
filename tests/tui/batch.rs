//! Batch actions and sign-out from the terminal app, end to end: the app's model drives the
//! real worker, which talks to the emulator on 127.0.0.1. Marked messages change in one
//! confirmed action sent as Graph JSON batches, each message gets its audit line, a throttled
//! item is sent again by itself, and `x` forgets a connector's tokens.

use std::time::Duration;

use crate::support::emu::{ADELE, Emu, PUBLIC_APP};
use crate::support::signin::Env;
use crate::support::tui::{NOW, assert_toast, model, press, screen_text, type_text};
use crate::support::tui_mailbox::mailbox;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::overlay::Overlay;
use graphmail::app::{Cmd, Event, EventBody, Model, Msg, ReqId, SignInUpdate, Start, update};
use graphmail::audit::AuditRecord;
use graphmail::domain::Grant;
use graphmail::domain::permissions::Preset;
use graphmail::vault::TokenCache;
use graphmail::worker::{self, Services};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Round trips to the worker one key may cause, at most (pages, counts, the batch).
const MAX_ROUND_TRIPS: usize = 50;

/// The app's model wired to a worker on `env`'s vault.
struct App<'e> {
    emu: &'e Emu,
    model: Model,
    cmds: mpsc::Sender<Cmd>,
    events: mpsc::Receiver<Event>,
}

impl<'e> App<'e> {
    fn start(emu: &'e Emu, env: &Env) -> App<'e> {
        let services = Services::without_browser(env.vault_path(), Some(env.vault()));
        let (cmds, cmd_rx) = mpsc::channel(8);
        let (event_tx, events) = mpsc::channel(8);
        emu.rt.spawn(worker::run(services, cmd_rx, event_tx));
        let (mut model, first) = model(Start::Identity);
        model.shared.size = (120, 40);
        let mut app = App {
            emu,
            model,
            cmds,
            events,
        };
        app.run(first);
        app
    }

    /// Hands `cmds` to the worker and feeds its replies to the model until nothing is left.
    fn run(&mut self, cmds: Vec<Cmd>) {
        let mut waiting = 0;
        let mut queue = cmds;
        for _ in 0..MAX_ROUND_TRIPS {
            for cmd in queue.drain(..) {
                if cmd.id().is_some() {
                    waiting += 1;
                    self.emu
                        .rt
                        .block_on(self.cmds.send(cmd))
                        .expect("the worker runs");
                }
            }
            if waiting == 0 {
                return;
            }
            let events = &mut self.events;
            let event = self
                .emu
                .rt
                .block_on(async {
                    tokio::time::timeout(Duration::from_secs(60), events.recv()).await
                })
                .expect("the worker answers within 60 s")
                .expect("the worker runs");
            waiting -= 1;
            queue = update(&mut self.model, Msg::Worker(event));
        }
        panic!("the app still waits for the worker after {MAX_ROUND_TRIPS} replies");
    }

    fn key(&mut self, key: Key) {
        let cmds = press(&mut self.model, key);
        self.run(cmds);
    }

    fn code(&mut self, code: KeyCode) {
        self.key(Key::new(code));
    }

    fn text(&mut self, text: &str) {
        type_text(&mut self.model, text);
    }

    fn dialog(&self) -> Option<&Overlay> {
        self.model.shared.overlays.last()
    }
}

/// A vault with the ROPC connector `ops` for Adele, signed in through the worker.
fn signed_in_vault(emu: &Emu) -> Env {
    let env = Env::new();
    let mut entry = emu.connector("ops", Grant::Ropc, PUBLIC_APP);
    entry.connector.presets = vec![Preset::Readwrite, Preset::Offline];
    entry.secrets.username = Some(ADELE.into());
    entry.secrets.password = Some(emu.password(ADELE));
    env.add(entry);
    let services = Services::without_browser(env.vault_path(), Some(env.vault()));
    let (cmds, cmd_rx) = mpsc::channel(8);
    let (event_tx, mut events) = mpsc::channel(8);
    emu.rt.spawn(worker::run(services, cmd_rx, event_tx));
    let id = ReqId(1);
    emu.rt
        .block_on(cmds.send(Cmd::SignIn {
            id,
            name: "ops".into(),
        }))
        .unwrap();
    let event = emu
        .rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), events.recv()).await })
        .expect("the sign-in answers within 30 s")
        .unwrap();
    match event.body {
        EventBody::SignIn(SignInUpdate::Finished(Ok(_))) => env,
        other => panic!("the ROPC sign-in should succeed: {other:?}"),
    }
}

/// Delivers `n` messages whose subjects hold `word` into Adele's Inbox; returns their ids.
fn deliver_many(emu: &Emu, word: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            emu.deliver_to(
                "inbox",
                json!({
                    "subject": format!("{word} report {i}"),
                    "from": { "emailAddress": { "address": "monitor@example.test" } },
                    "toRecipients": [ { "emailAddress": { "address": ADELE } } ],
                }),
            )
        })
        .collect()
}

/// Opens `ops`' mailbox and searches it for `word`.
fn search(app: &mut App, word: &str) {
    app.key(Key::ch('o'));
    app.key(Key::ch('/'));
    app.text(word);
    app.code(KeyCode::Enter);
}

fn audit_lines(env: &Env) -> Vec<AuditRecord> {
    let text = std::fs::read_to_string(env.path("data").join("audit.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
        .collect()
}

fn batches(emu: &Emu) -> Value {
    emu.hook_json(reqwest::Method::GET, "/batches", None)
}

#[test]
fn twenty_five_marked_messages_are_deleted_in_one_confirmed_action_of_two_batches() {
    let emu = Emu::start();
    let env = signed_in_vault(&emu);
    let ids = deliver_many(&emu, "batchdelete", 25);
    let mut app = App::start(&emu, &env);
    search(&mut app, "batchdelete");
    assert_eq!(
        mailbox(&app.model).rows.len(),
        25,
        "the search lists the 25"
    );

    app.key(Key::ch('*'));
    assert_eq!(mailbox(&app.model).marks.len(), 25, "* marks every result");
    let screen = screen_text(&app.model, 120, 40);
    assert!(
        screen.contains("25 marked"),
        "the list says how many: {screen}"
    );
    assert_eq!(
        screen.matches('✓').count(),
        25,
        "each marked row shows its mark"
    );

    app.key(Key::ch('d'));
    match app.dialog() {
        Some(Overlay::Confirm { title, body, .. }) => {
            assert!(
                title.contains("Delete 25 messages") && body.contains("Delete 25 messages?"),
                "one question names the count: {title} / {body}"
            );
        }
        other => panic!("a delete of the marks asks first: {other:?}"),
    }
    assert_eq!(
        batches(&emu)["batches"],
        0,
        "nothing is sent before the answer"
    );
    app.key(Key::ch('y'));

    let seen = batches(&emu);
    assert_eq!(
        seen["batches"], 2,
        "25 changes in batches of at most 20: {seen}"
    );
    assert_eq!(seen["sizes"], json!([20, 5]));
    let s = mailbox(&app.model);
    assert!(s.rows.is_empty(), "the deleted rows left the list");
    assert!(s.marks.is_empty(), "nothing stays marked");
    assert!(app.dialog().is_none(), "no error: {:?}", app.dialog());
    assert_toast(&app.model, "25 messages moved to Deleted Items");

    let lines = audit_lines(&env);
    let deletes: Vec<&AuditRecord> = lines.iter().filter(|l| l.action == "delete").collect();
    assert_eq!(deletes.len(), 25, "one audit line per message: {lines:?}");
    let mut audited: Vec<String> = deletes
        .iter()
        .map(|l| l.message_id.clone().unwrap())
        .collect();
    audited.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(audited, expected, "each line names its message");
    assert!(
        deletes
            .iter()
            .all(|l| l.folder.as_deref() == Some("deleteditems")
                && l.new_message_id.is_some()
                && l.mailbox == ADELE)
    );

    // The folder itself, read again from the service: none of them is in the Inbox.
    app.code(KeyCode::Esc);
    search(&mut app, "batchdelete");
    assert!(
        mailbox(&app.model).rows.is_empty(),
        "the service lists none of them in the Inbox any more"
    );
}

#[test]
fn a_throttled_item_of_a_batch_is_sent_again_by_itself_and_goes_through() {
    let emu = Emu::start();
    let env = signed_in_vault(&emu);
    let ids = deliver_many(&emu, "batchretry", 3);
    let mut app = App::start(&emu, &env);
    search(&mut app, "batchretry");
    assert_eq!(mailbox(&app.model).rows.len(), 3);
    // The last item of the chain is throttled once, with a short Retry-After.
    let last = mailbox(&app.model).rows[2].id.clone();
    emu.set_faults(&format!("429=0.2,path=*/messages/{last}/move,times=1"));
    app.key(Key::ch('*'));
    app.key(Key::ch('d'));
    app.key(Key::ch('y'));

    let seen = batches(&emu);
    assert_eq!(
        seen["sizes"],
        json!([3, 1]),
        "the throttled item went again alone: {seen}"
    );
    assert!(
        mailbox(&app.model).rows.is_empty(),
        "all three went through"
    );
    assert!(app.dialog().is_none(), "no error: {:?}", app.dialog());
    let deletes = audit_lines(&env)
        .into_iter()
        .filter(|l| l.action == "delete")
        .count();
    assert_eq!(deletes, 3, "one line each, the retried one once");
    assert_eq!(ids.len(), 3);
}

#[test]
fn signing_out_from_the_list_forgets_the_tokens_and_the_row_needs_a_sign_in() {
    let emu = Emu::start();
    let env = Env::new();
    let mut entry = emu.connector("desk", Grant::DeviceCode, PUBLIC_APP);
    let mut tokens = TokenCache::default();
    tokens.access_token = Some("not-a-real-access-token".into());
    tokens.expires_at = Some(NOW + 3600);
    tokens.refresh_token = Some("not-a-real-refresh-token".into());
    tokens.refresh_issued_at = Some(NOW - 60);
    tokens.user = Some(ADELE.into());
    entry.tokens = Some(tokens);
    env.add(entry);
    let mut app = App::start(&emu, &env);
    let before = screen_text(&app.model, 120, 40);
    assert!(before.contains("valid"), "{before}");

    app.key(Key::ch('x'));
    match app.dialog() {
        Some(Overlay::Confirm { title, body, .. }) => {
            assert_eq!(title, "Sign out");
            assert!(body.contains("desk"), "{body}");
        }
        other => panic!("x asks first: {other:?}"),
    }
    assert!(
        env.tokens("desk").is_some(),
        "nothing forgotten before the answer"
    );
    app.key(Key::ch('y'));

    assert!(
        env.tokens("desk").is_none(),
        "the vault holds no tokens for it"
    );
    let after = screen_text(&app.model, 120, 40);
    assert!(after.contains("needs sign-in"), "{after}");
    assert_toast(&app.model, "Signed out");

    // Nothing left to forget: no question, the toast says why.
    app.key(Key::ch('x'));
    assert!(app.dialog().is_none(), "{:?}", app.dialog());
    assert_toast(&app.model, "desk is not signed in");
}
