//! Marks in the mailbox, without a terminal: Space marks and steps down, `*` marks every
//! listed message, Esc clears the marks before it leaves anything; with marks, delete asks one
//! question and sends one change for all; rows that failed stay marked and the dialog says how
//! many. And the selected row is found in the screen's text and reverse video, without colour.

use crate::support::tui::*;
use crate::support::tui_mailbox::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::overlay::Overlay;
use graphmail::app::{Cmd, EventBody, MailAction, MailOutcome, Screen, UiError, UiErrorKind};
use ratatui::style::{Color, Modifier};

#[test]
fn space_marks_and_steps_down_star_marks_all_and_esc_clears_the_marks_first() {
    let mut m = mailbox_with((120, 40), folders(), page(0, 10, false));
    press(&mut m, Key::ch(' '));
    press(&mut m, Key::ch(' '));
    let s = mailbox(&m);
    assert!(s.marks.contains("m0") && s.marks.contains("m1"));
    assert_eq!(s.selected, 2, "each Space steps down");
    code(&mut m, KeyCode::Up);
    press(&mut m, Key::ch(' '));
    assert!(!mailbox(&m).marks.contains("m1"), "Space again unmarks");
    assert_eq!(mailbox(&m).marks.len(), 1);

    press(&mut m, Key::ch('*'));
    assert_eq!(mailbox(&m).marks.len(), 10, "* marks every listed message");
    assert_toast(&m, "10 messages marked");
    assert!(screen_text(&m, 120, 40).contains("Inbox (10) · 10 marked"));
    press(&mut m, Key::ch('*'));
    assert!(mailbox(&m).marks.is_empty(), "* again unmarks them all");

    press(&mut m, Key::ch('*'));
    code(&mut m, KeyCode::Esc);
    assert!(mailbox(&m).marks.is_empty(), "Esc clears the marks");
    assert!(
        matches!(m.screen, Screen::Mailbox(_)),
        "and stays in the mailbox"
    );
}

#[test]
fn with_marks_delete_asks_once_and_failed_rows_stay_marked_with_the_reason() {
    let mut m = mailbox_with((120, 40), folders(), page(0, 10, false));
    for _ in 0..3 {
        press(&mut m, Key::ch(' '));
    }
    press(&mut m, Key::ch('d'));
    match m.shared.overlays.last() {
        Some(Overlay::Confirm { title, body, .. }) => {
            assert_eq!(title, "Delete 3 messages");
            assert!(body.starts_with("Delete 3 messages?"), "{body}");
        }
        other => panic!("a delete of the marks asks first: {other:?}"),
    }
    let cmds = press(&mut m, Key::ch('y'));
    let (id, actions) = match cmds.as_slice() {
        [Cmd::ChangeMessages { id, actions, .. }] => (*id, actions.clone()),
        other => panic!("one change for all the marks: {other:?}"),
    };
    let ids: Vec<&str> = actions
        .iter()
        .map(|a| match a {
            MailAction::Delete { message_id } => message_id.as_str(),
            other => panic!("a delete each: {other:?}"),
        })
        .collect();
    assert_eq!(ids, ["m0", "m1", "m2"]);

    let throttled = UiError::new(UiErrorKind::Network, "Graph kept answering 429");
    reply(
        &mut m,
        id,
        EventBody::ChangedMany(vec![
            Ok(MailOutcome::Moved {
                new_id: "t0".into(),
            }),
            Err(throttled),
            Ok(MailOutcome::Moved {
                new_id: "t2".into(),
            }),
        ]),
    );
    let s = mailbox(&m);
    let left: Vec<&str> = s.rows.iter().map(|r| r.id.as_str()).collect();
    assert!(!left.contains(&"m0") && !left.contains(&"m2"), "{left:?}");
    assert!(left.contains(&"m1"), "the failed one is still listed");
    assert_eq!(s.marks.len(), 1);
    assert!(s.marks.contains("m1"), "and still marked, to try again");
    match m.shared.overlays.last() {
        Some(Overlay::Error { title, error }) => {
            assert!(
                title.starts_with("1 of 3 messages were not moved"),
                "{title}"
            );
            assert!(error.message.contains("429"), "the reason: {error:?}");
        }
        other => panic!("the failure is said: {other:?}"),
    }
}

#[test]
fn with_marks_move_asks_for_the_folder_then_once_for_all() {
    let mut m = mailbox_with((120, 40), folders(), page(0, 10, false));
    press(&mut m, Key::ch('*'));
    press(&mut m, Key::ch('v'));
    // The picker lists the tree; the last folder is the Archive.
    for _ in 0..5 {
        code(&mut m, KeyCode::Down);
    }
    enter(&mut m);
    match m.shared.overlays.last() {
        Some(Overlay::Confirm { body, .. }) => {
            assert_eq!(body, "Move 10 messages to Archive?")
        }
        other => panic!("the move of the marks asks first: {other:?}"),
    }
    let cmds = press(&mut m, Key::ch('y'));
    match cmds.as_slice() {
        [Cmd::ChangeMessages { actions, .. }] => {
            assert_eq!(actions.len(), 10);
            assert!(actions.iter().all(|a| matches!(
                a,
                MailAction::Move { folder_id, .. } if folder_id == "f-archive"
            )));
        }
        other => panic!("one change for all the marks: {other:?}"),
    }
}

/// The rows of the screen whose text contains `part`, with their index.
fn rows_with(m: &graphmail::app::Model, w: u16, h: u16, part: &str) -> Vec<usize> {
    screen_text(m, w, h)
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(part))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn the_selected_message_and_folder_show_in_plain_text_and_reverse_video_without_colour() {
    let mut m = mailbox_with((120, 40), folders(), page(0, 10, false));
    m.shared.no_color = true;
    press_down(&mut m, 2);
    let marked = rows_with(&m, 120, 40, "▌");
    assert_eq!(marked.len(), 1, "one row carries the marker");
    let text = screen_text(&m, 120, 40);
    let row = text.lines().nth(marked[0]).unwrap();
    let third = &mailbox(&m).rows[2];
    let subject: String = third.subject.chars().take(15).collect();
    assert!(
        row.contains(&subject) && row.contains(&third.from),
        "the marker is on the selected message: {row}"
    );

    let t = render(&m, 120, 40);
    let buf = t.backend().buffer();
    let y = marked[0] as u16;
    let x = row.chars().position(|c| c == '▌').unwrap() as u16;
    let cell = &buf[(x + 10, y)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    assert_eq!(cell.bg, Color::Reset, "no colour: {cell:?}");
    let other = &buf[(x + 10, y + 1)];
    assert!(
        !other.modifier.contains(Modifier::REVERSED),
        "only the selected row"
    );

    // The folder pane: its cursor is marked the same way once it has the focus.
    press(&mut m, Key::new(KeyCode::BackTab));
    press_down(&mut m, 2);
    let text = screen_text(&m, 120, 40);
    let folder_rows: Vec<&str> = text.lines().filter(|l| l.contains("│▌")).collect();
    assert!(
        folder_rows.iter().any(|l| l.starts_with("│▌ Drafts")),
        "the folder cursor is marked: {folder_rows:#?}"
    );
}

#[test]
fn a_marked_message_gone_elsewhere_leaves_the_marks_with_its_row() {
    let mut m = mailbox_with((120, 40), folders(), page(0, 5, false));
    press(&mut m, Key::ch('*'));
    assert_eq!(mailbox(&m).marks.len(), 5);
    // Opening the first one finds it deleted by another client.
    let cmds = code(&mut m, KeyCode::Enter);
    let id = cmds
        .iter()
        .find_map(|c| {
            matches!(c, Cmd::ReadMessage { .. })
                .then(|| c.id())
                .flatten()
        })
        .expect("the message is read");
    let gone = UiError::new(UiErrorKind::NotFound, "Graph answered 404");
    reply(&mut m, id, EventBody::Message(Err(gone)));
    let s = mailbox(&m);
    assert_eq!(s.rows.len(), 4, "its row left the list");
    assert_eq!(
        s.marks.len(),
        4,
        "and the marks: the count asked about is the list's"
    );
    assert!(screen_text(&m, 120, 40).contains("4 marked"));
}
