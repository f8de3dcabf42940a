//! `update()` for the mailbox and compose, without a terminal: paging ahead, stale replies,
//! search, delete with confirm, and a draft that survives a failed send.

use crate::support::tui::*;
use crate::support::tui_mailbox::*;
use graphmail::app::compose::ComposeField;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::mailbox::{PAGE_SIZE, list_height};
use graphmail::app::overlay::Overlay;
use graphmail::app::{
    Cmd, ComposeKind, EventBody, MailAction, MailOutcome, Model, Screen, UiError, UiErrorKind,
};

fn more_id(cmds: &[Cmd]) -> Option<graphmail::app::ReqId> {
    cmds.iter().find_map(|c| match c {
        Cmd::MoreMessages { id, .. } => Some(*id),
        _ => None,
    })
}

#[test]
fn opening_a_connector_asks_for_the_tree_and_a_small_first_page_at_once() {
    let mut m = list_model(rows());
    let cmds = press(&mut m, Key::ch('o'));
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    assert!(matches!(&cmds[0], Cmd::LoadFolders { name, .. } if name == "helpdesk"));
    match &cmds[1] {
        Cmd::ListMessages { name, query, .. } => {
            assert_eq!(name, "helpdesk");
            assert_eq!(
                query.folder, "inbox",
                "the Inbox opens without waiting for the tree"
            );
            assert_eq!(query.page_size, PAGE_SIZE);
            assert!(query.page_size <= 50, "the first page stays small");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(m.screen, Screen::Mailbox(_)));
    assert!(m.animating(), "a spinner runs while the first page loads");
}

#[test]
fn the_next_page_is_fetched_ahead_of_the_scroll_once() {
    let (mut m, listing) = loaded_mailbox((120, 40), 50, true);
    let visible = list_height((120, 40));
    // 50 rows, 36 visible: the selection is already within two screens of the end.
    let (m2, _) = loaded_mailbox((120, 40), 50, true);
    assert!(
        mailbox(&m2).paging.is_some(),
        "asked for right after the first page"
    );
    assert!(visible < 50);
    let paging = mailbox(&m).paging.expect("paging ahead");
    // Moving further asks for nothing more while that page is on its way.
    assert!(more_id(&code(&mut m, KeyCode::Down)).is_none());
    listed(&mut m, paging, page(50, 50, true));
    assert_eq!(mailbox(&m).rows.len(), 100);
    assert!(
        mailbox(&m).paging.is_none(),
        "100 rows, selection at 1: no need yet"
    );
    // Scroll down a page at a time until the end comes within two screens.
    let mut asked = None;
    for _ in 0..5 {
        if let Some(id) = more_id(&code(&mut m, KeyCode::PageDown)) {
            asked = Some(id);
            break;
        }
    }
    let id = asked.expect("a page is asked for before the end is reached");
    assert!(mailbox(&m).selected < 100);
    match &mailbox(&m).listing {
        Some(l) => assert_eq!(*l, listing),
        None => panic!("listing kept"),
    }
    listed(&mut m, id, page(100, 10, false));
    assert_eq!(mailbox(&m).rows.len(), 110);
    assert!(!mailbox(&m).more);
    code(&mut m, KeyCode::End);
    assert_eq!(mailbox(&m).selected, 109);
    assert!(mailbox(&m).paging.is_none(), "nothing more to fetch");
    // The list offset keeps the selection on screen.
    let s = mailbox(&m);
    assert!(s.offset <= s.selected && s.selected < s.offset + visible);
}

#[test]
fn replies_for_an_old_listing_or_message_are_dropped() {
    let (mut m, old_listing) = loaded_mailbox((120, 40), 20, false);
    // A search starts a new listing; a late page of the old one must not mix in.
    let cmds = search(&mut m, "report");
    let new_listing = match cmds.as_slice() {
        [Cmd::ListMessages { id, query, .. }] => {
            assert_eq!(query.search.as_deref(), Some("report"));
            *id
        }
        other => panic!("{other:?}"),
    };
    listed(&mut m, old_listing, page(500, 5, false));
    assert!(mailbox(&m).rows.is_empty(), "the old page was dropped");
    assert!(!m.shared.changed, "and nothing was redrawn for it");
    listed(&mut m, new_listing, page(0, 2, false));
    assert_eq!(mailbox(&m).rows.len(), 2);
    // Open message 0, then 1 before 0's reply: 0's late reply is dropped.
    let first = code(&mut m, KeyCode::Enter);
    code(&mut m, KeyCode::Down);
    let second = code(&mut m, KeyCode::Enter);
    let read_id = |cmds: &[Cmd]| {
        cmds.iter()
            .find_map(|c| match c {
                Cmd::ReadMessage { id, .. } => Some(*id),
                _ => None,
            })
            .unwrap()
    };
    reply(
        &mut m,
        read_id(&first),
        EventBody::Message(Ok(view_of("m0", "first", "one"))),
    );
    assert!(mailbox(&m).preview.is_none());
    reply(
        &mut m,
        read_id(&second),
        EventBody::Message(Ok(view_of("m1", "second", "two"))),
    );
    assert_eq!(mailbox(&m).preview.as_ref().unwrap().subject, "second");
}

#[test]
fn search_lists_the_results_and_esc_shows_the_folder_again() {
    let (mut m, _) = loaded_mailbox((80, 24), 20, false);
    let cmds = search(&mut m, "from:adele");
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::ListMessages { query, .. }]
            if query.search.as_deref() == Some("from:adele") && query.folder == "f-inbox"
    ));
    assert_eq!(mailbox(&m).search.as_deref(), Some("from:adele"));
    let cmds = code(&mut m, KeyCode::Esc);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::ListMessages { query, .. }] if query.search.is_none()
    ));
    assert!(
        matches!(m.screen, Screen::Mailbox(_)),
        "Esc cleared the search only"
    );
    // Unread-only is a filter of its own.
    let cmds = press(&mut m, Key::ch('u'));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::ListMessages { query, .. }] if query.unread_only
    ));
    code(&mut m, KeyCode::Esc);
    assert!(
        matches!(m.screen, Screen::Connectors(_)),
        "a second Esc goes back"
    );
}

#[test]
fn delete_asks_first_and_then_moves_the_message_to_deleted_items() {
    let (mut m, _) = loaded_mailbox((120, 40), 5, false);
    assert_eq!(mailbox(&m).rows[0].id, "m0");
    assert!(press(&mut m, Key::ch('d')).is_empty());
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { body, .. }) if body.contains("Deleted Items")
    ));
    assert!(press(&mut m, Key::ch('n')).is_empty(), "No keeps it");
    assert_eq!(mailbox(&m).rows.len(), 5);
    press(&mut m, Key::ch('d'));
    let cmds = press(&mut m, Key::ch('y'));
    let id = match cmds.as_slice() {
        [
            Cmd::ChangeMessage {
                id,
                action: MailAction::Delete { message_id },
                ..
            },
        ] if message_id == "m0" => *id,
        other => panic!("{other:?}"),
    };
    let inbox_unread = mailbox(&m).folders[0].unread;
    reply(
        &mut m,
        id,
        EventBody::Changed(Ok(MailOutcome::Moved {
            new_id: "t0".into(),
        })),
    );
    let s = mailbox(&m);
    assert_eq!(s.rows.len(), 4);
    assert!(s.rows.iter().all(|r| r.id != "m0"));
    assert_eq!(s.folders[0].unread, inbox_unread - 1, "m0 was unread");
    assert_eq!(s.folders[4].total, 11, "Deleted Items counts it");
    assert_toast(&m, "Deleted Items");
}

#[test]
fn a_failed_delete_keeps_the_row_and_says_why() {
    let (mut m, _) = loaded_mailbox((120, 40), 3, false);
    press(&mut m, Key::ch('d'));
    let cmds = press(&mut m, Key::ch('y'));
    let id = cmds[0].id().unwrap();
    reply(
        &mut m,
        id,
        EventBody::Changed(Err(UiError::new(UiErrorKind::Other, "Graph answered 403."))),
    );
    assert_eq!(mailbox(&m).rows.len(), 3);
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Error { title, .. }) if title.contains("not deleted")
    ));
}

/// The mailbox after a failed delete, its error dialog on top.
fn failed_delete() -> Model {
    let (mut m, _) = loaded_mailbox((120, 40), 3, false);
    press(&mut m, Key::ch('d'));
    let id = press(&mut m, Key::ch('y'))[0].id().unwrap();
    let err = UiError::new(UiErrorKind::Other, "Graph answered 403.");
    reply(&mut m, id, EventBody::Changed(Err(err)));
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Error { .. })
    ));
    m
}

#[test]
fn any_key_but_close_leaves_an_error_message_and_then_does_its_work() {
    let mut m = failed_delete();
    let before = mailbox(&m).selected;
    press(&mut m, Key::ch('j'));
    assert!(m.shared.overlays.is_empty(), "the message is gone");
    assert_eq!(
        mailbox(&m).selected,
        before + 1,
        "and j moved down the list"
    );

    let mut m = failed_delete();
    let cmds = press(&mut m, Key::ch('q'));
    assert!(m.shared.overlays.is_empty());
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Quit)) || m.shared.nav.is_some(),
        "q still leaves: {cmds:?}"
    );
}

#[test]
fn move_picks_a_folder_and_mark_read_updates_the_counts() {
    let (mut m, _) = loaded_mailbox((120, 40), 3, false);
    press(&mut m, Key::ch('v'));
    assert!(mailbox(&m).picker.is_some());
    press_down(&mut m, 5);
    let cmds = code(&mut m, KeyCode::Enter);
    let id = match cmds.as_slice() {
        [
            Cmd::ChangeMessage {
                id,
                action: MailAction::Move { folder_id, .. },
                ..
            },
        ] if folder_id == "f-archive" => *id,
        other => panic!("{other:?}"),
    };
    reply(
        &mut m,
        id,
        EventBody::Changed(Ok(MailOutcome::Moved { new_id: "x".into() })),
    );
    assert_eq!(mailbox(&m).rows.len(), 2);
    assert!(
        m.shared
            .toasts
            .iter()
            .any(|t| t.text == "Moved to Archive.")
    );
    // m1 is read: m marks it unread, and the Inbox count goes up.
    let before = mailbox(&m).folders[0].unread;
    let cmds = press(&mut m, Key::ch('m'));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::ChangeMessage {
            action: MailAction::SetRead { read: false, .. },
            ..
        }]
    ));
    reply(
        &mut m,
        cmds[0].id().unwrap(),
        EventBody::Changed(Ok(MailOutcome::Done)),
    );
    assert!(mailbox(&m).rows[0].unread);
    assert_eq!(mailbox(&m).folders[0].unread, before + 1);
}

#[test]
fn opening_an_unread_message_marks_it_read() {
    let (mut m, _) = loaded_mailbox((120, 40), 3, false);
    assert!(mailbox(&m).rows[0].unread);
    let cmds = code(&mut m, KeyCode::Enter);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::ReadMessage { message_id, .. } if message_id == "m0"))
    );
    assert!(cmds.iter().any(|c| matches!(
        c,
        Cmd::ChangeMessage {
            action: MailAction::SetRead { read: true, .. },
            ..
        }
    )));
}

fn new_draft() -> Model {
    let (mut m, _) = loaded_mailbox((120, 40), 3, false);
    compose_new(
        &mut m,
        "megan.bowen@contoso-demo.onmicrosoft.com",
        "",
        "Disk alert",
        "The disk on srv01 is full.",
    );
    code(&mut m, KeyCode::Enter);
    type_text(&mut m, "Ana");
    m
}

fn send(m: &mut Model) -> graphmail::app::ReqId {
    press(m, Key::ctrl('s'));
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { .. })
    ));
    let cmds = press(m, Key::ch('y'));
    match cmds.as_slice() {
        [Cmd::SendMail { id, draft, .. }] => {
            assert_eq!(draft.kind, ComposeKind::New);
            assert_eq!(draft.to, ["megan.bowen@contoso-demo.onmicrosoft.com"]);
            assert_eq!(draft.subject, "Disk alert");
            assert_eq!(draft.body, "The disk on srv01 is full.\nAna");
            *id
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn compose_keeps_the_draft_when_sending_fails() {
    let mut m = new_draft();
    let id = send(&mut m);
    assert!(compose(&m).sending.is_some());
    reply(
        &mut m,
        id,
        EventBody::Sent(Err(UiError::new(
            UiErrorKind::Network,
            "Could not reach Graph: connection refused.",
        ))),
    );
    assert_eq!(compose(&m).body_text(), "The disk on srv01 is full.\nAna");
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Error { title, .. }) if title.contains("draft is still here")
    ));
    code(&mut m, KeyCode::Enter); // close the error
    let id = send(&mut m);
    reply(&mut m, id, EventBody::Sent(Ok(())));
    assert!(
        matches!(m.screen, Screen::Mailbox(_)),
        "sent: back to the mailbox"
    );
    assert!(m.shared.toasts.iter().any(|t| t.text.contains("Sent")));
}

#[test]
fn a_send_that_may_have_gone_out_is_never_repeated_without_a_warning() {
    let mut m = new_draft();
    let id = send(&mut m);
    reply(
        &mut m,
        id,
        EventBody::Sent(Err(UiError::new(
            UiErrorKind::MaybeSent,
            "The sendMail request failed after it reached Graph, so the message may have been sent.",
        )
        .with_fix("check Sent Items before sending again"))),
    );
    assert!(compose(&m).maybe_sent);
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Error { title, error }) if title.contains("may have been sent")
            && error.fix.as_deref().is_some_and(|f| f.contains("Sent Items"))
    ));
    code(&mut m, KeyCode::Enter);
    press(&mut m, Key::ctrl('s'));
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { body, yes, .. })
            if body.contains("check Sent Items first") && yes == "Send again"
    ));
}

#[test]
fn compose_refuses_a_bad_address_and_esc_asks_before_discarding() {
    let (mut m, _) = loaded_mailbox((120, 40), 3, false);
    press(&mut m, Key::ch('c'));
    type_text(&mut m, "megan");
    assert!(press(&mut m, Key::ctrl('s')).is_empty());
    assert!(m.shared.overlays.is_empty());
    assert!(compose(&m).problem.as_deref().unwrap().contains("'megan'"));
    code(&mut m, KeyCode::Esc);
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { .. })
    ));
    press(&mut m, Key::ch('y'));
    assert!(matches!(m.screen, Screen::Mailbox(_)));
}

#[test]
fn reply_needs_the_message_open_and_lets_graph_address_it() {
    let (mut m, _) = loaded_mailbox((120, 40), 3, false);
    press(&mut m, Key::ch('R'));
    assert!(matches!(m.screen, Screen::Mailbox(_)));
    assert_toast(&m, "Open the message first");
    open_selected(&mut m, view_of("m0", "Quarterly report draft", "Hi"));
    press(&mut m, Key::ch('A'));
    let c = compose(&m);
    assert_eq!(c.subject.value(), "RE: Quarterly report draft");
    assert!(c.to.value().contains("adele.vance@"));
    assert!(!c.editable(ComposeField::To) && c.editable(ComposeField::Body));
    assert_eq!(c.focus, ComposeField::Body);
    type_text(&mut m, "Looks good.");
    press(&mut m, Key::ctrl('s'));
    let cmds = press(&mut m, Key::ch('y'));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::SendMail { draft, .. }]
            if draft.kind == ComposeKind::Reply { message_id: "m0".into(), all: true }
                && draft.body == "Looks good."
    ));
}

#[test]
fn marking_read_in_the_unread_only_view_takes_the_row_out() {
    let (mut m, _) = loaded_mailbox((120, 40), 20, false);
    let cmds = press(&mut m, Key::ch('u'));
    let mut unread = page(0, 20, false);
    unread.rows.retain(|r| r.unread);
    let ids: Vec<String> = unread.rows.iter().map(|r| r.id.clone()).collect();
    reply(
        &mut m,
        cmds[0].id().unwrap(),
        EventBody::Messages(Ok(unread)),
    );
    assert!(screen_text(&m, 120, 40).contains("Inbox · unread only (7)"));
    code(&mut m, KeyCode::Down);
    let cmds = press(&mut m, Key::ch('m'));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::ChangeMessage { action: MailAction::SetRead { read: true, message_id }, .. }]
            if *message_id == ids[1]
    ));
    reply(
        &mut m,
        cmds[0].id().unwrap(),
        EventBody::Changed(Ok(MailOutcome::Done)),
    );
    let s = mailbox(&m);
    assert!(s.rows.iter().all(|r| r.id != ids[1]), "the read row left");
    assert_eq!(
        s.selected_row().map(|r| &r.id),
        Some(&ids[2]),
        "the next one is selected"
    );
    assert_eq!(s.folders[0].unread, 2);
    assert!(screen_text(&m, 120, 40).contains("Inbox · unread only (6)"));
    // The last row: the selection moves up to the new last one.
    press(&mut m, Key::ch('G'));
    let cmds = press(&mut m, Key::ch('m'));
    reply(
        &mut m,
        cmds[0].id().unwrap(),
        EventBody::Changed(Ok(MailOutcome::Done)),
    );
    assert_eq!(mailbox(&m).selected_row().map(|r| &r.id), Some(&ids[5]));
    // Opening one marks it read too, but the message being read keeps its row, even when the
    // mark comes back before the message itself.
    let cmds = code(&mut m, KeyCode::Enter);
    let mark = cmds
        .iter()
        .find(|c| matches!(c, Cmd::ChangeMessage { .. }))
        .and_then(Cmd::id)
        .expect("opening marks it read");
    reply(&mut m, mark, EventBody::Changed(Ok(MailOutcome::Done)));
    assert_eq!(mailbox(&m).rows.len(), 5);
    assert_eq!(mailbox(&m).selected_row().map(|r| &r.id), Some(&ids[5]));
    // Three messages left the service's unread list, the opened one too: the next page is
    // asked for three earlier (tests/tui_worker_paging.rs shows none is then skipped).
    assert_eq!(mailbox(&m).removed_since_page, 3);
}

#[test]
fn a_page_that_starts_earlier_than_needed_lists_no_message_twice() {
    let (mut m, _) = loaded_mailbox((120, 40), 50, true);
    let paging = mailbox(&m).paging.expect("paging ahead");
    // Asked for two earlier (two messages left the list meanwhile): it repeats m48 and m49.
    listed(&mut m, paging, page(48, 50, false));
    let ids: Vec<&str> = mailbox(&m).rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 98, "m0..m97, each once");
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no message listed twice");
}

/// Opens the folder at `index` of the tree from the list; returns the listing's commands.
fn open_folder_at(m: &mut Model, index: usize) -> Vec<Cmd> {
    code(m, KeyCode::BackTab);
    for _ in 0..10 {
        code(m, KeyCode::Up);
    }
    press_down(m, index);
    enter(m)
}

#[test]
fn sent_items_and_drafts_list_the_recipients_and_dates_show_the_year_when_older() {
    let (mut m, _) = loaded_mailbox((120, 40), 20, false);
    let lines = screen_text(&m, 120, 40);
    assert!(
        lines.contains("08:00     Adele Vance"),
        "today: the time\n{lines}"
    );
    assert!(
        lines.contains("14 Jan    Megan Bowen"),
        "this year: day and month\n{lines}"
    );
    assert!(
        lines.contains("30 Dec 26 Adele Vance"),
        "older: the year too\n{lines}"
    );
    assert!(!lines.contains("To "), "the Inbox names senders\n{lines}");
    // A wider list spells the year out.
    m.shared.size = (160, 40);
    let wide = screen_text(&m, 160, 40);
    assert!(wide.contains("30 Dec 2026 Adele Vance"), "{wide}");

    // Drafts (index 2) and Sent Items (index 3) of the tree.
    for (index, name) in [(2, "Drafts"), (3, "Sent Items")] {
        let cmds = open_folder_at(&mut m, index);
        let id = cmds
            .iter()
            .find_map(|c| match c {
                Cmd::ListMessages { id, query, .. } => {
                    assert!(query.recipients, "{name}: the recipients are asked for");
                    Some(*id)
                }
                _ => None,
            })
            .expect("the folder is listed");
        listed(&mut m, id, page(0, 5, false));
        let lines = screen_text(&m, 160, 40);
        assert!(lines.contains(&format!("› {name}")), "{lines}");
        assert!(lines.contains("To Megan Bowen"), "{name}\n{lines}");
        assert!(lines.contains("To Grady Archie +2"), "{name}\n{lines}");
        assert!(
            !lines.contains("Adele Vance"),
            "{name}: not the sender\n{lines}"
        );
    }
    let back = open_folder_at(&mut m, 0);
    assert!(
        back.iter()
            .any(|c| matches!(c, Cmd::ListMessages { query, .. } if !query.recipients)),
        "{back:?}"
    );
}

#[test]
fn the_save_dialog_offers_the_download_folder_and_the_toast_names_the_whole_path() {
    let (mut m, _) = loaded_mailbox((120, 40), 5, false);
    // What the runtime sets from the XDG download folder.
    m.shared.save_dir = "/home/ana/Downloads".into();
    let mut view = view_of("m0", "Quarterly report draft", "See attached.");
    view.attachments.push(graphmail::app::AttachmentRow {
        id: "a1".into(),
        name: "report.pdf".into(),
        size: 48_213,
        content_type: "application/pdf".into(),
        is_file: true,
    });
    open_selected(&mut m, view);
    press(&mut m, Key::ch('s'));
    let screen = screen_text(&m, 120, 40);
    assert!(screen.contains("Folder /home/ana/Downloads"), "{screen}");
    let cmds = enter(&mut m);
    let (id, dir) = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::ChangeMessage {
                id,
                action: MailAction::SaveAttachment { dir, .. },
                ..
            } => Some((*id, dir.clone())),
            _ => None,
        })
        .expect("the attachment is saved");
    assert_eq!(dir, "/home/ana/Downloads");
    reply(
        &mut m,
        id,
        EventBody::Changed(Ok(MailOutcome::Saved {
            path: "/home/ana/Downloads/report (1).pdf".into(),
            size: 48_213,
        })),
    );
    assert_toast(
        &m,
        "Saved /home/ana/Downloads/report (1).pdf (48213 bytes).",
    );
}

#[test]
fn a_list_that_failed_on_the_way_says_which_key_tries_again() {
    let (mut m, f, l) = open_mailbox((80, 24));
    reply(&mut m, f, EventBody::Folders(Ok(folders())));
    let down = UiError::new(UiErrorKind::Network, "Could not reach Graph: timed out.")
        .with_fix("check the network and the connector's Graph URL");
    reply(&mut m, l, EventBody::Messages(Err(down)));
    let text = screen_text(&m, 80, 24);
    assert!(text.contains("press r to try again"), "{text}");
    // That key reads the folders and the list again.
    code(&mut m, KeyCode::Enter);
    let cmds = press(&mut m, Key::ch('r'));
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::ListMessages { .. })),
        "{cmds:?}"
    );
}

#[test]
fn a_send_only_connector_opens_without_asking_graph_for_what_it_may_not_read() {
    let mut rows = rows();
    rows[0].access =
        graphmail::domain::access::Access::from_scopes(&["Mail.Send", "offline_access"]);
    let mut m = list_model(rows);
    m.shared.toasts.clear();
    let cmds = code(&mut m, KeyCode::Enter);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Cmd::LoadFolders { .. } | Cmd::ListMessages { .. })),
        "no read Graph would refuse with 403: {cmds:?}"
    );
    assert!(m.shared.overlays.is_empty(), "no error dialog");
    assert_toast(&m, "Unavailable");
    let text = screen_text(&m, 80, 24);
    assert!(text.contains("may not read mail, only"), "{text}");
    assert!(text.contains("c writes a new one"), "{text}");
    // Refreshing asks for nothing either, and a new mail can still be written.
    let cmds = press(&mut m, Key::ch('r'));
    assert!(cmds.is_empty(), "{cmds:?}");
    press(&mut m, Key::ch('c'));
    assert!(matches!(m.screen, Screen::Compose(_)));
}
