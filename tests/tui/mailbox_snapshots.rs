//! The mailbox and compose screens at 80×24 and 120×40: the list, an HTML message in the
//! preview, a hostile message drawn inert, search results, compose.
//! CI never writes snapshots: new ones are made locally with INSTA_UPDATE=always and reviewed.

use crate::support::tui::*;
use crate::support::tui_mailbox::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::{AttachmentRow, Cmd, EventBody, Model};
use graphmail::graph::BodyFormat;

fn snap_at(name: &str, m: &mut Model, w: u16, h: u16) {
    m.shared.size = (w, h);
    m.shared.toasts.clear();
    let t = render(m, w, h);
    insta::assert_snapshot!(format!("{name}@{w}x{h}"), t.backend());
}

fn each_size(name: &str, build: impl Fn((u16, u16)) -> Model) {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut m = build((w, h));
        snap_at(name, &mut m, w, h);
    }
}

const HTML: &str = "<html><body><h1>Maintenance</h1><p>Hello <b>team</b>,</p>\
<p>The <a href=\"https://status.contoso.example\">status page</a> has the details:</p>\
<ul><li>Saturday 22:00 UTC: mail servers</li><li>Sunday 02:00 UTC: VPN</li></ul>\
<table><tr><td>Owner</td><td>Adele</td></tr></table><script>alert(1)</script></body></html>";

#[test]
fn the_message_list() {
    each_size("mailbox_list", |size| loaded_mailbox(size, 50, true).0);
}

#[test]
fn an_html_message_in_the_preview() {
    each_size("mailbox_html", |size| {
        let (mut m, _) = loaded_mailbox(size, 50, true);
        code(&mut m, KeyCode::Down);
        // Laid out for the width the app asks for, as the worker does.
        let (id, width) = code(&mut m, KeyCode::Enter)
            .iter()
            .find_map(|c| match c {
                Cmd::ReadMessage { id, text_width, .. } => Some((*id, *text_width)),
                _ => None,
            })
            .expect("the message is read");
        let mut v = view_of(
            "m1",
            "Server maintenance window on Saturday",
            &BodyFormat::TextWidth(usize::from(width)).html_body(HTML),
        );
        v.attachments.push(AttachmentRow {
            id: "a1".into(),
            name: "schedule.pdf".into(),
            size: 48_213,
            content_type: "application/pdf".into(),
            is_file: true,
        });
        reply(&mut m, id, EventBody::Message(Ok(v)));
        m
    });
}

#[test]
fn a_hostile_message_is_drawn_inert() {
    let subject = "Invoice \x1b]0;pwned\x07\x1b[31mRED\u{202E}fdp.exe";
    let body = "Clear screen:\x1b[2J\x1b[H now\r\noverwrite\rTHIS\nbell\x07 c1:\u{9b}31m \
                tab\there\nbidi: \u{2066}gnp.exe\u{2069}";
    each_size("mailbox_hostile", |size| {
        let (mut m, f, l) = open_mailbox(size);
        reply(&mut m, f, EventBody::Folders(Ok(folders())));
        let mut p = page(0, 3, false);
        p.rows[0].subject = subject.into();
        p.rows[0].from = "Evil\x1b[8m Sender".into();
        reply(&mut m, l, EventBody::Messages(Ok(p)));
        open_selected(&mut m, view_of("m0", subject, body));
        m
    });
    // Nothing a terminal would obey reaches the screen.
    // Wide enough for the subject on one row of the preview.
    let (mut m, _) = loaded_mailbox((200, 40), 3, false);
    open_selected(&mut m, view_of("m0", subject, body));
    let text = screen_text(&m, 200, 40);
    assert!(!text.contains('\x1b') && !text.contains('\u{202E}') && !text.contains('\u{9b}'));
    assert!(
        text.contains("^[]0;pwned^G^[[31mRED<U+202E>fdp.exe"),
        "{text}"
    );
}

#[test]
fn search_results() {
    each_size("mailbox_search", |size| {
        let (mut m, _) = loaded_mailbox(size, 50, true);
        let id = search(&mut m, "subject:report")[0].id().unwrap();
        let mut p = page(0, 10, false);
        p.rows.retain(|r| r.subject.contains("report"));
        listed(&mut m, id, p);
        m
    });
    each_size("mailbox_search_prompt", |size| {
        let (mut m, _) = loaded_mailbox(size, 50, true);
        type_search(&mut m, "from:adele");
        m
    });
}

#[test]
fn compose_screens() {
    each_size("compose_new", |size| {
        let (mut m, _) = loaded_mailbox(size, 5, false);
        compose_new(
            &mut m,
            "megan.bowen@contoso-demo.onmicrosoft.com",
            "",
            "Disk alert on srv01",
            "The disk on srv01 is 98% full.",
        );
        code(&mut m, KeyCode::Enter);
        code(&mut m, KeyCode::Enter);
        type_text(&mut m, "Ana");
        m
    });
    each_size("compose_reply", |size| {
        let (mut m, _) = loaded_mailbox(size, 5, false);
        open_selected(
            &mut m,
            view_of("m0", "Quarterly report draft", "Please review."),
        );
        press(&mut m, Key::ch('R'));
        type_text(&mut m, "Reviewed, two comments inline.");
        m
    });
}

#[test]
fn the_move_picker_and_narrow_folders_pane() {
    each_size("mailbox_move", |size| {
        let (mut m, _) = loaded_mailbox(size, 20, false);
        press(&mut m, Key::ch('v'));
        code(&mut m, KeyCode::Down);
        m
    });
    each_size("mailbox_folders_focus", |size| {
        let (mut m, _) = loaded_mailbox(size, 20, false);
        code(&mut m, KeyCode::BackTab);
        code(&mut m, KeyCode::Down);
        m
    });
}
