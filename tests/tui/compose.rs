//! `update()` for compose without a terminal: quitting with a draft asks first, a reply names
//! whom Graph sends it to, the screen says what Tab and Graph do, attachments are checked when
//! added and any of them can be removed.

use crate::support::tui::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::overlay::Overlay;
use graphmail::app::{Cmd, EventBody, Model, UiError, UiErrorKind};

/// The mailbox of `rows()[index]`, with folders and three messages loaded.
fn mailbox_of(index: usize) -> Model {
    use crate::support::tui_mailbox::{folders, page};
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    m.shared.size = (120, 40);
    press_down(&mut m, index);
    for c in press(&mut m, Key::ch('o')) {
        match c {
            Cmd::LoadFolders { id, .. } => {
                reply(&mut m, id, EventBody::Folders(Ok(folders())));
            }
            Cmd::ListMessages { id, .. } => {
                reply(&mut m, id, EventBody::Messages(Ok(page(0, 3, false))));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    m
}

fn person(address: &str) -> graphmail::app::Person {
    graphmail::app::Person {
        name: String::new(),
        address: address.into(),
    }
}

#[test]
fn ctrl_c_with_a_draft_asks_first_and_a_second_ctrl_c_quits() {
    let mut m = mailbox_of(0);
    press(&mut m, Key::ch('c'));
    type_text(&mut m, "megan@contoso.com");
    let cmds = press(&mut m, Key::ctrl('c'));
    assert!(cmds.is_empty(), "the draft is not dropped: {cmds:?}");
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { title, body, .. })
            if title == "Quit graphmail" && body.contains("What you wrote is lost")
    ));
    code(&mut m, KeyCode::Esc);
    assert!(m.shared.overlays.is_empty());
    assert_eq!(compose(&m).to.value(), "megan@contoso.com", "kept");
    assert!(!m.shared.quitting);

    press(&mut m, Key::ctrl('c'));
    let cmds = press(&mut m, Key::ch('y'));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit]));
    assert!(m.shared.quitting);

    let mut m = mailbox_of(0);
    press(&mut m, Key::ch('c'));
    type_text(&mut m, "x");
    press(&mut m, Key::ctrl('c'));
    let cmds = press(&mut m, Key::ctrl('c'));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit]), "twice quits");

    let mut m = mailbox_of(0);
    press(&mut m, Key::ch('c'));
    let cmds = press(&mut m, Key::ctrl('c'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::Quit]),
        "nothing written: nothing to lose"
    );
}

#[test]
fn ctrl_c_over_the_help_still_asks_before_dropping_the_draft() {
    let mut m = mailbox_of(0);
    press(&mut m, Key::ch('c'));
    type_text(&mut m, "megan@contoso.com");
    code(&mut m, KeyCode::F(1));
    assert!(matches!(m.shared.overlays.last(), Some(Overlay::Help(_))));
    let cmds = press(&mut m, Key::ctrl('c'));
    assert!(cmds.is_empty(), "the draft is not dropped: {cmds:?}");
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { title, .. }) if title == "Quit graphmail"
    ));
    // Keep editing: back to the help over the draft, nothing lost.
    code(&mut m, KeyCode::Esc);
    assert!(matches!(m.shared.overlays.last(), Some(Overlay::Help(_))));
    assert_eq!(compose(&m).to.value(), "megan@contoso.com");
    assert!(!m.shared.quitting);
    // Asked twice, it quits.
    press(&mut m, Key::ctrl('c'));
    let cmds = press(&mut m, Key::ctrl('c'));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit]));
}

#[test]
fn reply_all_names_whom_graph_sends_it_to_and_never_the_mailbox_itself() {
    // ops-app works on ops@contoso.com (its target mailbox).
    let mut m = mailbox_of(3);
    let mut view = crate::support::tui_mailbox::view_of("m0", "Disk full", "Hi");
    view.from = Some(person("megan@contoso.com"));
    view.to = vec![person("ops@contoso.com"), person("lee@contoso.com")];
    view.cc = vec![
        person("OPS@contoso.com"),
        person("grady@contoso.com"),
        person("Megan@contoso.com"),
    ];
    crate::support::tui_mailbox::open_selected(&mut m, view.clone());
    press(&mut m, Key::ch('A'));
    let c = compose(&m);
    assert_eq!(c.to.value(), "megan@contoso.com, lee@contoso.com");
    assert_eq!(c.cc.value(), "grady@contoso.com");
    let text = screen_text(&m, 120, 40);
    assert!(!text.contains("ops@contoso.com"), "{text}");
    press(&mut m, Key::ctrl('s'));
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { body, .. })
            if body.contains("to megan@contoso.com, lee@contoso.com, grady@contoso.com?")
                && !body.to_lowercase().contains("ops@")
    ));

    // A plain reply goes where the sender asked (replyTo), not to the sender.
    let mut m = mailbox_of(3);
    view.reply_to = vec![person("helpdesk@contoso.com")];
    crate::support::tui_mailbox::open_selected(&mut m, view);
    press(&mut m, Key::ch('R'));
    assert_eq!(compose(&m).to.value(), "helpdesk@contoso.com");
    assert_eq!(compose(&m).cc.value(), "");
}

#[test]
fn reply_and_forward_say_what_happens_and_show_tab_only_where_it_moves() {
    let mut m = mailbox_of(0);
    crate::support::tui_mailbox::open_selected(
        &mut m,
        crate::support::tui_mailbox::view_of("m0", "Quarterly report draft", "Hi"),
    );
    press(&mut m, Key::ch('F'));
    let text = screen_text(&m, 120, 40);
    assert!(text.contains("Write the recipients in To"), "{text}");
    assert!(!text.contains("Graph addresses it"), "{text}");
    assert!(text.contains("Tab field"), "To and the text: {text}");
    code(&mut m, KeyCode::Tab);
    assert_eq!(
        compose(&m).focus,
        graphmail::app::compose::ComposeField::Body
    );

    code(&mut m, KeyCode::Esc);
    press(&mut m, Key::ch('R'));
    let text = screen_text(&m, 120, 40);
    assert!(
        !text.contains("Tab field"),
        "a reply has only its text to edit: {text}"
    );
    assert!(
        text.contains("Graph sends it to the people above"),
        "{text}"
    );
}

#[test]
fn a_missing_attachment_is_said_at_once_and_any_chosen_file_can_be_removed() {
    use graphmail::app::compose::{AttachmentFile, ComposeField};
    let mut m = mailbox_of(0);
    press(&mut m, Key::ch('c'));
    while compose(&m).focus != ComposeField::Attachments {
        code(&mut m, KeyCode::Tab);
    }
    let add = |m: &mut Model, path: &str, answer: Result<u64, &str>| {
        type_text(m, path);
        let cmds = code(m, KeyCode::Enter);
        let [Cmd::CheckAttachment { id, path: asked }] = cmds.as_slice() else {
            panic!("the worker checks the file: {cmds:?}");
        };
        assert_eq!(asked, path);
        let body = match answer {
            Ok(size) => Ok(AttachmentFile {
                path: path.into(),
                size,
            }),
            Err(why) => Err(UiError::new(UiErrorKind::Other, why)
                .with_fix("type the path of a readable file; it was not attached")),
        };
        reply(m, *id, EventBody::AttachmentChecked(body));
    };
    add(
        &mut m,
        "/srv/nope.txt",
        Err("There is no file /srv/nope.txt."),
    );
    let c = compose(&m);
    assert!(c.attachments.is_empty());
    assert_eq!(
        c.attach_field.value(),
        "/srv/nope.txt",
        "kept to be corrected"
    );
    let text = screen_text(&m, 120, 40);
    assert!(text.contains("There is no file /srv/nope.txt."), "{text}");

    for _ in 0.."/srv/nope.txt".len() {
        code(&mut m, KeyCode::Backspace);
    }
    add(&mut m, "a.log", Ok(10));
    add(&mut m, "b.log", Ok(48_213));
    add(&mut m, "c.log", Ok(2_500_000));
    let text = screen_text(&m, 120, 40);
    assert!(text.contains("b.log  48 KB"), "{text}");
    code(&mut m, KeyCode::Up);
    code(&mut m, KeyCode::Up);
    assert_eq!(compose(&m).attach_sel, Some(1));
    code(&mut m, KeyCode::Delete);
    let paths: Vec<&str> = compose(&m)
        .attachments
        .iter()
        .map(|a| a.path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["a.log", "c.log"],
        "the chosen one went, not the last"
    );
}

#[test]
fn ctrl_e_hands_the_body_to_the_editor_and_its_text_replaces_the_body() {
    let mut m = mailbox_of(0);
    press(&mut m, Key::ch('c'));
    code(&mut m, KeyCode::Tab);
    code(&mut m, KeyCode::Tab);
    code(&mut m, KeyCode::Tab);
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, "first draft");
    let cmds = press(&mut m, Key::ctrl('e'));
    let id = match cmds.as_slice() {
        [Cmd::EditBody { id, text }] => {
            assert_eq!(text, "first draft", "the editor starts from the body");
            *id
        }
        other => panic!("expected the editor, got {other:?}"),
    };
    reply(
        &mut m,
        id,
        EventBody::BodyEdited(Ok("Line one\r\nLine\ttwo\u{1b}[31m\n\n".into())),
    );
    assert_eq!(
        compose(&m).body_text(),
        "Line one\nLine    two[31m",
        "line ends kept, a tab as spaces, controls dropped, the editor's last newlines gone"
    );
    let screen = screen_text(&m, 120, 40);
    assert!(screen.contains("Line    two"), "{screen}");
    assert!(
        screen.contains("editor"),
        "the footer names the key: {screen}"
    );

    // An editor that returns at once (a windowed one without its wait flag) changes nothing.
    let Some(Cmd::EditBody { id, text }) = press(&mut m, Key::ctrl('e')).into_iter().next() else {
        panic!("expected the editor");
    };
    reply(&mut m, id, EventBody::BodyEdited(Ok(format!("{text}\n"))));
    assert_eq!(compose(&m).body_text(), "Line one\nLine    two[31m");
    assert_toast(&m, "wait flag");

    // A failed editor leaves the body as it was and says so in a dialog.
    let cmds = press(&mut m, Key::ctrl('e'));
    let Some(Cmd::EditBody { id, .. }) = cmds.into_iter().next() else {
        panic!("expected the editor");
    };
    let error = UiError::new(UiErrorKind::Other, "The editor `vi` cannot be started.")
        .with_fix("set EDITOR to an editor that is installed, e.g. export EDITOR=nano");
    reply(&mut m, id, EventBody::BodyEdited(Err(error)));
    assert_eq!(compose(&m).body_text(), "Line one\nLine    two[31m");
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Error { title, error })
            if title.contains("body is unchanged") && error.fix.as_deref().is_some_and(|f| f.contains("EDITOR="))
    ));
}
