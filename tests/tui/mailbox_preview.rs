//! The mailbox's preview pane: every message can be scrolled to its last line however its lines
//! wrap (a 1 MB body too), `g`/`G`/Home/End act on the focused pane, and HTML is laid out for
//! the width of the preview rather than re-wrapped into it.

use std::time::{Duration, Instant};

use crate::support::tui::*;
use crate::support::tui_mailbox::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::mailbox::Pane;
use graphmail::app::mailbox::layout::{pane_widths, panes_at, preview_text_width};
use graphmail::app::{Cmd, EventBody, Model};
use graphmail::graph::BodyFormat;
use unicode_width::UnicodeWidthStr;

/// The access review of the demo tenant: a paragraph, a four-column table, a link, a signature.
const ACCESS_REVIEW: &str = "<html><head><style>td{padding:4px}</style></head><body><p>Hi,</p>\
<p>Please confirm the mailbox permissions below before <b>Friday 4 July</b>. Anything not \
confirmed will be removed.</p><table border=\"1\" cellspacing=\"0\"><tr><th>Mailbox</th>\
<th>Delegate</th><th>Right</th><th>Last used</th></tr><tr><td>finance@contoso.example</td>\
<td>Alex Wilber</td><td>FullAccess</td><td>2025-05-02</td></tr><tr><td>hr@contoso.example</td>\
<td>Diego Siciliani</td><td>SendAs</td><td>never</td></tr><tr><td>it-alerts@contoso.example\
</td><td>Service account svc-nagios</td><td>ReadPermission</td><td>2025-06-29</td></tr></table>\
<p>Review portal: <a href=\"https://myaccess.microsoft.com/\">https://myaccess.microsoft.com/</a>\
</p><p>Thanks,<br>Megan</p></body></html>";

/// A plain-text body whose every line is wider than the 80×24 preview, ending in a signature.
fn wrapping_body() -> String {
    let mut body = String::new();
    for i in 0..40 {
        body.push_str(&format!(
            "Line {i}: please confirm the mailbox permissions below before Friday 4 July.\n"
        ));
    }
    body.push_str("Review portal: https://myaccess.microsoft.com/\nThanks, Megan\n");
    body
}

/// The screen's rows.
fn screen_rows(m: &Model, w: u16, h: u16) -> Vec<String> {
    screen_text(m, w, h).lines().map(str::to_string).collect()
}

/// A mailbox at 80×24 with a message whose body wraps, open in the preview.
fn wrapping_message_open() -> Model {
    let (mut m, _) = loaded_mailbox((80, 24), 5, false);
    open_selected(
        &mut m,
        view_of("m0", "Quarterly access review", &wrapping_body()),
    );
    m
}

fn page_down(m: &mut Model, times: usize) {
    for _ in 0..times {
        code(m, KeyCode::PageDown);
    }
}

/// Presses `key` until the model stops changing the preview's scroll.
fn scroll_to_the_end(m: &mut Model, key: KeyCode) {
    loop {
        let before = mailbox(m).preview_scroll;
        code(m, key);
        if mailbox(m).preview_scroll == before {
            return;
        }
    }
}

#[test]
fn page_down_reaches_the_last_line_of_a_wrapping_message_at_80x24() {
    let mut m = wrapping_message_open();
    assert_eq!(mailbox(&m).focus, Pane::Preview, "opening focuses it at 80");
    page_down(&mut m, 60);
    let rows = screen_rows(&m, 80, 24);
    // Row 21 is the preview's last: the end sits there, not above a blank pane.
    assert!(rows[21].contains("Thanks, Megan"), "{}", rows.join("\n"));
    assert!(rows[19].contains("Review portal:"), "{}", rows.join("\n"));
    // And back up to the headers.
    for _ in 0..60 {
        code(&mut m, KeyCode::PageUp);
    }
    assert!(screen_rows(&m, 80, 24)[2].contains("Subject  Quarterly access review"));
}

#[test]
fn a_resize_wraps_the_open_message_again_and_keeps_its_end_in_reach() {
    let mut m = wrapping_message_open();
    page_down(&mut m, 60);
    graphmail::app::update(&mut m, graphmail::app::Msg::Resize(120, 40));
    let wrapped = mailbox(&m).preview_text.as_ref().expect("wrapped");
    assert!(
        wrapped.fits("m0", preview_text_width((120, 40))),
        "wrapped for the new width on the resize, not on the next key"
    );
    let rows = screen_rows(&m, 120, 40);
    assert!(
        rows.iter().any(|r| r.contains("Thanks, Megan")),
        "{}",
        rows.join("\n")
    );
}

#[test]
fn a_one_megabyte_body_can_be_read_to_its_end_and_draws_fast() {
    let line = "All work and no play makes the mail client slow. Daten: äöüß 数据 بيانات\n";
    let mut body = String::with_capacity(1 << 20);
    while body.len() < 1 << 20 {
        body.push_str(line);
    }
    body.push_str("END OF THE LOG EXPORT\n");
    let (mut m, _) = loaded_mailbox((80, 24), 5, false);
    open_selected(&mut m, view_of("m0", "Full log export (1 MB body)", &body));
    scroll_to_the_end(&mut m, KeyCode::PageDown);
    let rows = screen_rows(&m, 80, 24);
    assert!(
        rows[21].contains("END OF THE LOG EXPORT"),
        "{}",
        rows.join("\n")
    );
    // Drawing reads only the rows on screen, not the whole megabyte each frame.
    let start = Instant::now();
    for _ in 0..50 {
        render(&m, 80, 24);
    }
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "50 frames took {took:?}");
}

#[test]
fn home_and_end_act_on_the_focused_pane() {
    let (mut m, _) = loaded_mailbox((120, 40), 20, false);
    code(&mut m, KeyCode::Down);
    open_selected(
        &mut m,
        view_of("m1", "Quarterly access review", &wrapping_body()),
    );
    // In the preview: the end and the top of the message; the list stays where it was.
    code(&mut m, KeyCode::Tab);
    assert_eq!(mailbox(&m).focus, Pane::Preview);
    press(&mut m, Key::ch('G'));
    let rows = screen_rows(&m, 120, 40);
    assert!(rows[37].contains("Thanks, Megan"), "{}", rows.join("\n"));
    assert_eq!(mailbox(&m).selected, 1, "the list did not move");
    code(&mut m, KeyCode::Home);
    assert!(screen_rows(&m, 120, 40)[2].contains("Subject  Quarterly access review"));
    // In the folder pane: the last and the first folder.
    code(&mut m, KeyCode::Tab);
    assert_eq!(mailbox(&m).focus, Pane::Folders);
    code(&mut m, KeyCode::End);
    let s = mailbox(&m);
    assert_eq!(s.folders[s.folder_sel].name, "Archive");
    assert_eq!(s.selected, 1, "the list did not move");
    press(&mut m, Key::ch('g'));
    assert_eq!(mailbox(&m).folder_sel, 0);
    // In the list, as before.
    code(&mut m, KeyCode::Tab);
    press(&mut m, Key::ch('G'));
    assert_eq!(mailbox(&m).selected, 19);
    code(&mut m, KeyCode::Home);
    assert_eq!(mailbox(&m).selected, 0);
}

/// The width the app asks the worker to lay the opened message out for, at `size`.
fn read_width(size: (u16, u16)) -> u16 {
    let (mut m, _) = loaded_mailbox(size, 5, false);
    code(&mut m, KeyCode::Enter)
        .iter()
        .find_map(|c| match c {
            Cmd::ReadMessage { text_width, .. } => Some(*text_width),
            _ => None,
        })
        .expect("the message is read")
}

#[test]
fn html_is_laid_out_for_the_preview_width_and_its_table_stays_whole() {
    assert_eq!(read_width((80, 24)), 32, "the preview gets 4 of 9 parts");
    assert_eq!(read_width((120, 40)), 39);
    assert_eq!(read_width((60, 20)), 56, "one pane: the whole width");
    assert_eq!(
        read_width((20, 20)),
        20,
        "never narrower than a table can be read in"
    );
    for w in [20, 69, 70, 109, 110, 139, 140, 200] {
        let panes = panes_at(w, Pane::Preview);
        assert_eq!(pane_widths(&panes, w).iter().sum::<u16>(), w, "{w}");
    }

    let width = read_width((80, 24));
    let body = BodyFormat::TextWidth(usize::from(width)).html_body(ACCESS_REVIEW);
    for l in body.lines() {
        assert!(
            l.width() <= usize::from(width),
            "{l:?} is wider than {width}"
        );
    }
    let (mut m, _) = loaded_mailbox((80, 24), 5, false);
    let cmds = code(&mut m, KeyCode::Enter);
    let id = cmds[0].id().expect("a read");
    let view = view_of("m0", "Quarterly access review", &body);
    reply(&mut m, id, EventBody::Message(Ok(view)));
    let text = screen_text(&m, 80, 24);
    // The table's header row is one row on screen, its columns side by side.
    assert!(
        text.lines()
            .any(|r| r.contains("Mailbox") && r.contains("│Delegate") && r.contains("│Right")),
        "{text}"
    );
}

/// The worker's read against the emulator: Graph's own text is not asked for, so the HTML of
/// the access review arrives laid out for the width the app gave.
#[tokio::test]
async fn the_graph_read_converts_html_at_the_width_asked_for() {
    use std::sync::Arc;

    use graphmail::graph::{GraphClient, Mailbox, TokenFuture, TokenSource, http_client};
    use secrecy::SecretString;

    struct Token(String);
    impl TokenSource for Token {
        fn token(&self) -> TokenFuture<'_> {
            let t = self.0.clone();
            Box::pin(async move { Ok(SecretString::from(t)) })
        }
        fn refresh(&self) -> TokenFuture<'_> {
            self.token()
        }
    }

    let s = crate::support::emulator::Emulator::start().await;
    let token = s.mint(&s.user(0), 600);
    let page = s
        .graph_get("/me/messages?$search=\"access review\"&$select=id", &token)
        .await;
    let id = page["value"][0]["id"].as_str().expect("the seeded review");
    let client = GraphClient::new(
        http_client().unwrap(),
        s.graph_url(),
        &Mailbox::Me,
        Arc::new(Token(token)),
    )
    .unwrap();
    let m = client.message(id, BodyFormat::TextWidth(36)).await.unwrap();
    assert!(m.body_text.contains("│Delegate"), "{}", m.body_text);
    for l in m.body_text.lines() {
        assert!(l.width() <= 36, "{l:?} is wider than 36");
    }
}
