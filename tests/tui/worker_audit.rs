//! Changes made from the terminal app's mailbox go to the same audit log as the CLI's: each
//! mark, move, delete, send, reply, reply-all and forward adds exactly one line, naming the
//! connector, the mailbox, the message and the recipients, never a body or subject.

use std::time::Duration;

use crate::support::emu::{ADELE, Emu, PUBLIC_APP};
use crate::support::signin::{Env, assert_not_in};
use graphmail::app::compose::ComposeState;
use graphmail::app::{
    Cmd, ComposeKind, Event, EventBody, MailAction, MailOutcome, MailQuery, MessageView,
    OutgoingDraft, ReqId, SignInUpdate,
};
use graphmail::audit::AuditRecord;
use graphmail::domain::Grant;
use graphmail::domain::permissions::Preset;
use graphmail::worker::{self, Services};
use tokio::sync::mpsc;

const BODY: &str = "tui-audit-body-marker-41c7e0b2";
const SUBJECT: &str = "tui-audit-subject-marker-9d2f61aa";

struct Worker<'e> {
    emu: &'e Emu,
    cmds: mpsc::Sender<Cmd>,
    events: mpsc::Receiver<Event>,
    next_id: u64,
}

impl Worker<'_> {
    /// Runs `make(id)` and returns the body of the reply to it.
    fn ask(&mut self, make: impl FnOnce(ReqId) -> Cmd) -> EventBody {
        self.next_id += 1;
        self.ask_as(ReqId(self.next_id), make)
    }

    /// Runs `make(id)` with the model's own request `id`.
    fn ask_as(&mut self, id: ReqId, make: impl FnOnce(ReqId) -> Cmd) -> EventBody {
        self.emu
            .rt
            .block_on(self.cmds.send(make(id)))
            .expect("the worker runs");
        let events = &mut self.events;
        let event = self
            .emu
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(30), events.recv()).await })
            .expect("the worker answers within 30 s")
            .expect("the worker runs");
        assert_eq!(event.id, id, "the reply carries the command's id");
        event.body
    }

    fn inbox_ids(&mut self) -> Vec<String> {
        let query = MailQuery {
            folder: "inbox".into(),
            search: None,
            unread_only: false,
            page_size: 10,
            recipients: false,
        };
        match self.ask(|id| Cmd::ListMessages {
            id,
            name: "ops".into(),
            query,
        }) {
            EventBody::Messages(Ok(page)) => page.rows.into_iter().map(|r| r.id).collect(),
            other => panic!("not a page of the Inbox: {other:?}"),
        }
    }

    fn change(&mut self, action: MailAction) -> MailOutcome {
        match self.ask(|id| Cmd::ChangeMessage {
            id,
            name: "ops".into(),
            action,
        }) {
            EventBody::Changed(Ok(outcome)) => outcome,
            other => panic!("the change should go through: {other:?}"),
        }
    }

    fn send(&mut self, kind: ComposeKind, to: &[&str]) {
        self.send_draft(OutgoingDraft {
            kind,
            to: to.iter().map(|s| s.to_string()).collect(),
            cc: Vec::new(),
            bcc: Vec::new(),
            subject: SUBJECT.into(),
            body: BODY.into(),
            attachments: Vec::new(),
        });
    }

    fn read(&mut self, message_id: &str) -> Box<MessageView> {
        match self.ask(|id| Cmd::ReadMessage {
            id,
            name: "ops".into(),
            message_id: message_id.into(),
            text_width: 80,
        }) {
            EventBody::Message(Ok(view)) => view,
            other => panic!("the message should open: {other:?}"),
        }
    }

    /// Replies as the compose screen does: opened, addressed by it, then sent.
    fn reply(&mut self, message_id: &str, all: bool) {
        let view = self.read(message_id);
        let mut compose = ComposeState::reply("ops", &view, all, &[ADELE.to_string()]);
        compose.body.insert_str(BODY);
        self.send_draft(compose.draft().expect("a reply can be sent"));
    }

    fn send_draft(&mut self, draft: OutgoingDraft) {
        match self.ask(|id| Cmd::SendMail {
            id,
            name: "ops".into(),
            draft: Box::new(draft),
        }) {
            EventBody::Sent(Ok(())) => {}
            other => panic!("the send should go through: {other:?}"),
        }
    }
}

/// Puts a message into Adele's Inbox; returns its id.
fn deliver(emu: &Emu, message: serde_json::Value) -> String {
    emu.deliver_to("inbox", message)
}

/// Every address (To and Cc) of each mail Adele sent, oldest first.
fn sent_to(emu: &Emu) -> Vec<Vec<String>> {
    let path = format!("/sent?mailbox={ADELE}");
    let v = emu.hook_json(reqwest::Method::GET, &path, None);
    v["sent"][ADELE]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let m = &s["message"];
            m["toRecipients"]
                .as_array()
                .into_iter()
                .chain(m["ccRecipients"].as_array())
                .flatten()
                .map(|r| r["emailAddress"]["address"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

fn address(a: &str) -> serde_json::Value {
    serde_json::json!({ "emailAddress": { "address": a } })
}

fn audit_lines(env: &Env) -> Vec<AuditRecord> {
    let text = std::fs::read_to_string(env.path("data").join("audit.jsonl")).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
        .collect()
}

/// The worker on `env`'s vault with the connector `ops` (ROPC as Adele, read/write and send)
/// signed in.
fn signed_in<'e>(emu: &'e Emu, env: &Env) -> Worker<'e> {
    let mut entry = emu.connector("ops", Grant::Ropc, PUBLIC_APP);
    entry.connector.presets = vec![Preset::Readwrite, Preset::Send, Preset::Offline];
    entry.secrets.username = Some(ADELE.into());
    let password = emu.password(ADELE);
    entry.secrets.password = Some(password.clone());
    env.add(entry);

    let services = Services::without_browser(env.vault_path(), Some(env.vault()));
    let (cmds, cmd_rx) = mpsc::channel(8);
    let (event_tx, events) = mpsc::channel(8);
    emu.rt.spawn(worker::run(services, cmd_rx, event_tx));
    let mut w = Worker {
        emu,
        cmds,
        events,
        next_id: 0,
    };
    match w.ask(|id| Cmd::SignIn {
        id,
        name: "ops".into(),
    }) {
        EventBody::SignIn(SignInUpdate::Finished(Ok(_))) => {}
        other => panic!("the ROPC sign-in should succeed: {other:?}"),
    }
    w
}

#[test]
fn every_change_from_the_mailbox_screen_adds_exactly_one_audit_line() {
    let emu = Emu::start();
    let env = Env::new();
    let mut w = signed_in(&emu, &env);
    let password = emu.password(ADELE);
    const MEGAN: &str = "megan.bowen@contoso-demo.onmicrosoft.com";
    const LEE: &str = "lee.gu@contoso-demo.onmicrosoft.com";
    const GRADY: &str = "grady.archie@contoso-demo.onmicrosoft.com";
    const HELPDESK: &str = "helpdesk@contoso-demo.onmicrosoft.com";
    let ids = w.inbox_ids();
    assert!(ids.len() >= 6, "the demo Inbox has messages to act on");
    assert!(audit_lines(&env).is_empty(), "reading changes nothing");

    let mut expected = Vec::new();
    w.change(MailAction::SetRead {
        message_id: ids[0].clone(),
        read: true,
    });
    expected.push(("mark_read", Some(&ids[0]), vec![]));
    w.change(MailAction::SetRead {
        message_id: ids[0].clone(),
        read: false,
    });
    expected.push(("mark_unread", Some(&ids[0]), vec![]));
    let MailOutcome::Moved { new_id: moved } = w.change(MailAction::Move {
        message_id: ids[1].clone(),
        folder_id: "archive".into(),
    }) else {
        panic!("a move says where the message went");
    };
    expected.push(("move", Some(&ids[1]), vec![]));
    let MailOutcome::Moved { new_id: deleted } = w.change(MailAction::Delete {
        message_id: ids[2].clone(),
    }) else {
        panic!("a delete says where the message went");
    };
    expected.push(("delete", Some(&ids[2]), vec![]));
    w.send(ComposeKind::New, &["lee.gu@contoso-demo.onmicrosoft.com"]);
    expected.push(("send", None, vec!["lee.gu@contoso-demo.onmicrosoft.com"]));
    // Delivered now, so that the moves and deletes above act on other messages.
    let with_reply_to = deliver(
        &emu,
        serde_json::json!({
            "subject": "asks for replies elsewhere",
            "from": address(MEGAN),
            "replyTo": [address(HELPDESK)],
            "toRecipients": [address(ADELE)],
        }),
    );
    let to_many = deliver(
        &emu,
        serde_json::json!({
            "subject": "to many",
            "from": address(MEGAN),
            "toRecipients": [address(ADELE), address(LEE)],
            "ccRecipients": [address(&ADELE.to_uppercase()), address(GRADY)],
        }),
    );
    w.reply(&with_reply_to, false);
    expected.push(("reply", Some(&with_reply_to), vec![HELPDESK]));
    w.reply(&to_many, true);
    expected.push(("reply_all", Some(&to_many), vec![MEGAN, LEE, GRADY]));
    let sent = sent_to(&emu);
    let mut really = sent[sent.len() - 2..].to_vec();
    for list in &mut really {
        list.sort();
    }
    assert_eq!(
        really,
        [vec![HELPDESK.to_string()], {
            let mut all = vec![GRADY.to_string(), LEE.into(), MEGAN.into()];
            all.sort();
            all
        }],
        "the emulator sent the replies where the audit says"
    );
    w.send(
        ComposeKind::Forward {
            message_id: ids[5].clone(),
        },
        &["grady.archie@contoso-demo.onmicrosoft.com"],
    );
    expected.push((
        "forward",
        Some(&ids[5]),
        vec!["grady.archie@contoso-demo.onmicrosoft.com"],
    ));

    let lines = audit_lines(&env);
    assert_eq!(
        lines.len(),
        expected.len(),
        "one line per change: {lines:?}"
    );
    for (line, (action, message, recipients)) in lines.iter().zip(&expected) {
        assert_eq!(line.action, *action);
        assert_eq!(line.connector, "ops");
        assert_eq!(line.mailbox, ADELE, "the signed-in user's mailbox is named");
        assert_eq!(line.message_id.as_ref(), *message, "{action}");
        assert_eq!(&line.recipients, recipients, "{action}");
        assert!(line.unix_time().is_some(), "{action} is stamped");
    }
    assert_eq!(lines[2].new_message_id.as_ref(), Some(&moved));
    assert_eq!(lines[2].folder.as_deref(), Some("archive"));
    assert_eq!(lines[3].new_message_id.as_ref(), Some(&deleted));
    assert_eq!(lines[3].folder.as_deref(), Some("deleteditems"));

    let text = std::fs::read_to_string(env.path("data").join("audit.jsonl")).unwrap();
    let tokens = env.tokens("ops").expect("the sign-in saved tokens");
    let access = tokens.access_token.clone().expect("an access token");
    let refresh = tokens.refresh_token.clone().expect("a refresh token");
    assert_not_in(
        &text,
        &[
            ("body", BODY),
            ("subject", SUBJECT),
            ("password", &password),
            ("access token", &access),
            ("refresh token", &refresh),
        ],
        "the audit log",
    );
}

#[test]
fn a_file_to_attach_is_checked_by_the_worker_when_it_is_added() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let services = Services::without_browser(env.vault_path(), Some(env.vault()));
    let (cmds, cmd_rx) = mpsc::channel(8);
    let (event_tx, mut events) = mpsc::channel(8);
    rt.spawn(worker::run(services, cmd_rx, event_tx));
    let mut check = |n: u64, path: &std::path::Path| {
        let id = ReqId(n);
        rt.block_on(cmds.send(Cmd::CheckAttachment {
            id,
            path: path.display().to_string(),
        }))
        .unwrap();
        let event = rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(10), events.recv()).await })
            .expect("the worker answers")
            .expect("the worker runs");
        assert_eq!(event.id, id);
        match event.body {
            EventBody::AttachmentChecked(r) => r,
            other => panic!("{other:?}"),
        }
    };
    let file = env.path("report.csv");
    std::fs::write(&file, "a,b\n1,2\n").unwrap();
    let ok = check(1, &file).expect("a readable file is fine");
    assert_eq!(ok.size, 8);

    let missing = check(2, &env.path("nope.csv")).unwrap_err();
    assert!(
        missing.message.starts_with("There is no file "),
        "{missing:?}"
    );
    assert!(missing.fix.is_some());

    let folder = check(3, env.dir.path()).unwrap_err();
    assert!(folder.message.contains("is a folder"), "{folder:?}");

    let locked = env.path("locked.csv");
    std::fs::write(&locked, "secret").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads any file; the check can only be seen failing for another user.
    if std::fs::read(&locked).is_err() {
        let unreadable = check(4, &locked).unwrap_err();
        assert!(
            unreadable.message.contains("cannot be read"),
            "{unreadable:?}"
        );
    }
}

#[test]
fn a_message_deleted_by_another_client_leaves_the_list_with_a_toast_not_an_error() {
    use crate::support::tui::*;
    use crate::support::tui_mailbox::*;
    use graphmail::app::keys::KeyCode;
    let emu = Emu::start();
    let env = Env::new();
    let mut w = signed_in(&emu, &env);
    let listed = match w.ask(|id| Cmd::ListMessages {
        id,
        name: "ops".into(),
        query: MailQuery {
            folder: "inbox".into(),
            search: None,
            unread_only: false,
            page_size: 10,
            recipients: false,
        },
    }) {
        EventBody::Messages(Ok(page)) => page,
        other => panic!("not a page of the Inbox: {other:?}"),
    };
    let gone = listed.rows[1].id.clone();
    // Another client (Outlook, say) deletes it for good.
    assert_eq!(emu.delete_message(ADELE, &gone), 204);

    // The app shows the real page and opens that message, as the worker answers.
    let (mut m, f, l) = open_mailbox((120, 40));
    reply(&mut m, f, EventBody::Folders(Ok(folders())));
    reply(&mut m, l, EventBody::Messages(Ok(listed.clone())));
    code(&mut m, KeyCode::Down);
    let cmds = enter(&mut m);
    let mut read_id = None;
    for cmd in cmds {
        let (Cmd::ReadMessage { id, .. } | Cmd::ChangeMessage { id, .. }) = &cmd else {
            continue;
        };
        let id = *id;
        if matches!(cmd, Cmd::ReadMessage { .. }) {
            read_id = Some(id);
        }
        // The worker's real answer for the connector of this vault: Graph says 404.
        let cmd = match cmd {
            Cmd::ReadMessage {
                id,
                message_id,
                text_width,
                ..
            } => Cmd::ReadMessage {
                id,
                name: "ops".into(),
                message_id,
                text_width,
            },
            Cmd::ChangeMessage { id, action, .. } => Cmd::ChangeMessage {
                id,
                name: "ops".into(),
                action,
            },
            other => other,
        };
        let body = w.ask_as(id, |_| cmd);
        reply(&mut m, id, body);
    }
    assert!(read_id.is_some(), "the message was opened");
    assert!(
        m.shared.overlays.is_empty(),
        "no error dialog: {:?}",
        m.shared.overlays
    );
    assert_toast(
        &m,
        "That message is gone: it was deleted or moved elsewhere",
    );
    let rows: Vec<&str> = mailbox(&m).rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(rows.len(), listed.rows.len() - 1);
    assert!(!rows.contains(&gone.as_str()), "{rows:?}");
    assert_eq!(mailbox(&m).focus, graphmail::app::mailbox::Pane::List);
    assert!(
        audit_lines(&env).is_empty(),
        "nothing changed: {:?}",
        audit_lines(&env)
    );
}
