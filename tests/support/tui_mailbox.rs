//! Builders for the mailbox tests: a mailbox screen with folders and rows from fixed data.

use graphmail::app::keys::Key;
use graphmail::app::mailbox::MailboxState;
use graphmail::app::{
    Cmd, EventBody, FolderItem, Importance, MessagePage, MessageRow, MessageView, Model, Person,
    ReqId, Screen,
};

use super::tui::*;

pub fn folder(id: &str, name: &str, wk: Option<&str>, depth: usize, unread: u64) -> FolderItem {
    FolderItem {
        id: id.into(),
        name: name.into(),
        well_known: wk.map(str::to_string),
        depth,
        unread,
        total: unread + 10,
    }
}

pub fn folders() -> Vec<FolderItem> {
    vec![
        folder("f-inbox", "Inbox", Some("inbox"), 0, 3),
        folder("f-alerts", "Alerts", None, 1, 1),
        folder("f-drafts", "Drafts", Some("drafts"), 0, 0),
        folder("f-sent", "Sent Items", Some("sentitems"), 0, 0),
        folder("f-trash", "Deleted Items", Some("deleteditems"), 0, 0),
        folder("f-archive", "Archive", Some("archive"), 0, 0),
    ]
}

pub fn message(i: usize) -> MessageRow {
    let senders = ["Adele Vance", "Megan Bowen", "Lee Gu", "Grady Archie"];
    let subjects = [
        "Quarterly report draft",
        "Server maintenance window on Saturday",
        "Re: VPN certificate renewal",
        "Lunch?",
        "Invoice 2024-0042",
    ];
    MessageRow {
        id: format!("m{i}"),
        subject: subjects[i % subjects.len()].into(),
        from: senders[i % senders.len()].into(),
        to: if i.is_multiple_of(2) {
            senders[(i + 1) % senders.len()].into()
        } else {
            format!("{} +2", senders[(i + 2) % senders.len()])
        },
        // 31 hours apart from the clock's now: today, this January, then last year.
        received: ago(i as i64 * (31 * 3600 + 60)),
        unread: i.is_multiple_of(3),
        attachment: i % 4 == 1,
        flagged: i % 7 == 2,
        importance: match i % 5 {
            3 => Importance::High,
            4 => Importance::Low,
            _ => Importance::Normal,
        },
    }
}

/// The ISO time `seconds` before the test clock's now.
pub fn ago(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(super::tui::NOW - seconds)
        .expect("a time in range")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

pub fn page(from: usize, n: usize, more: bool) -> MessagePage {
    MessagePage {
        rows: (from..from + n).map(message).collect(),
        more,
    }
}

pub fn mailbox(m: &Model) -> &MailboxState {
    match &m.screen {
        Screen::Mailbox(s) => s,
        other => panic!("expected the mailbox, got {other:?}"),
    }
}

pub fn mailbox_mut(m: &mut Model) -> &mut MailboxState {
    match &mut m.screen {
        Screen::Mailbox(s) => s,
        other => panic!("expected the mailbox, got {other:?}"),
    }
}

/// Opens the first connector's mailbox; returns the model and the (folders, listing) ids.
pub fn open_mailbox(size: (u16, u16)) -> (Model, ReqId, ReqId) {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    m.shared.size = size;
    let cmds = press(&mut m, Key::ch('o'));
    let (mut folders_id, mut list_id) = (None, None);
    for c in &cmds {
        match c {
            Cmd::LoadFolders { id, .. } => folders_id = Some(*id),
            Cmd::ListMessages { id, .. } => list_id = Some(*id),
            other => panic!("unexpected {other:?}"),
        }
    }
    (
        m,
        folders_id.expect("folders asked"),
        list_id.expect("list asked"),
    )
}

/// The mailbox `size` opened, with `folders` and the first `page` answered.
pub fn mailbox_with(size: (u16, u16), folders: Vec<FolderItem>, page: MessagePage) -> Model {
    let (mut m, f, l) = open_mailbox(size);
    reply(&mut m, f, EventBody::Folders(Ok(folders)));
    listed(&mut m, l, page);
    m
}

/// The listing `id` answers with `page`.
pub fn listed(m: &mut Model, id: ReqId, page: MessagePage) -> Vec<Cmd> {
    reply(m, id, EventBody::Messages(Ok(page)))
}

/// `/`, then `query` typed into the search prompt.
pub fn type_search(m: &mut Model, query: &str) {
    press(m, Key::ch('/'));
    type_text(m, query);
}

/// Searches the open folder for `query`; returns what the search asks of the worker.
pub fn search(m: &mut Model, query: &str) -> Vec<Cmd> {
    type_search(m, query);
    enter(m)
}

/// A new message to `to`, with `cc` (may be empty), `subject` and the start of its `body`.
pub fn compose_new(m: &mut Model, to: &str, cc: &str, subject: &str, body: &str) {
    press(m, Key::ch('c'));
    assert_eq!(
        compose(m).focus,
        graphmail::app::compose::ComposeField::To,
        "a new message starts at To"
    );
    type_text(m, to);
    // Cc, Bcc (left empty), subject, body.
    fill_fields(m, &[cc, "", subject, body]);
}

/// A mailbox with folders and the first page (`n` rows, `more` to follow) loaded.
pub fn loaded_mailbox(size: (u16, u16), n: usize, more: bool) -> (Model, ReqId) {
    let (mut m, f, l) = open_mailbox(size);
    reply(&mut m, f, EventBody::Folders(Ok(folders())));
    listed(&mut m, l, page(0, n, more));
    (m, l)
}

pub fn view_of(id: &str, subject: &str, body: &str) -> Box<MessageView> {
    Box::new(MessageView {
        id: id.into(),
        subject: subject.into(),
        from: Some(Person {
            name: "Adele Vance".into(),
            address: "adele.vance@contoso-demo.onmicrosoft.com".into(),
        }),
        to: vec![Person {
            name: "Megan Bowen".into(),
            address: "megan.bowen@contoso-demo.onmicrosoft.com".into(),
        }],
        cc: vec![],
        reply_to: vec![],
        received: "2024-05-28T09:30:00Z".into(),
        body: body.into(),
        attachments: vec![],
    })
}

/// Opens the selected message and answers with `view`.
pub fn open_selected(m: &mut Model, view: Box<MessageView>) {
    let cmds = code(m, graphmail::app::keys::KeyCode::Enter);
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::ReadMessage { id, .. } => Some(*id),
            _ => None,
        })
        .expect("the message is read");
    reply(m, id, EventBody::Message(Ok(view)));
}
