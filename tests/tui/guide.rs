//! The app-registration guide in the terminal app: opened from the connector list for the
//! selected connector and from the wizard for the values typed so far; it scrolls, copies the
//! Azure CLI commands and closes with Esc.

use crate::support::tui::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::overlay::{GuideView, Overlay};
use graphmail::app::{Cmd, Model};

fn guide(m: &Model) -> &GuideView {
    match m.shared.overlays.last() {
        Some(Overlay::Guide(g)) => g,
        other => panic!("the guide should be open: {other:?}"),
    }
}

#[test]
fn g_on_the_list_opens_the_guide_of_the_selected_connector_and_esc_closes_it() {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    code(&mut m, KeyCode::Down);
    press(&mut m, Key::ch('g'));
    let g = guide(&m);
    assert_eq!(g.title, "Register alerts in Azure");
    assert_any_contains(&g.lines, "Allow public client flows");
    assert!(
        g.lines
            .iter()
            .any(|l| l.contains("graphmail connector edit alerts --client-id")),
        "a saved connector is edited, not added again"
    );
    let text = screen_text(&m, 80, 24);
    assert!(text.contains("Register alerts in Azure"), "{text}");
    assert!(
        text.contains("close"),
        "the footer shows the guide's keys: {text}"
    );

    code(&mut m, KeyCode::Esc);
    assert!(m.shared.overlays.is_empty());
    press(&mut m, Key::ch('g'));
    press(&mut m, Key::ch('g'));
    assert!(m.shared.overlays.is_empty(), "g closes it again");
}

#[test]
fn the_guide_scrolls_within_its_lines_and_copies_the_az_commands() {
    let mut m = list_model(rows());
    press(&mut m, Key::ch('g'));
    let n = guide(&m).lines.len();
    code(&mut m, KeyCode::Up);
    assert_eq!(guide(&m).scroll, 0, "nothing above the first line");
    code(&mut m, KeyCode::Down);
    assert_eq!(guide(&m).scroll, 1);
    code(&mut m, KeyCode::PageDown);
    assert_eq!(guide(&m).scroll, 11);
    code(&mut m, KeyCode::End);
    assert_eq!(guide(&m).scroll, n - 1);
    code(&mut m, KeyCode::PageDown);
    assert_eq!(guide(&m).scroll, n - 1, "nothing below the last line");
    let before = screen_text(&m, 80, 24);
    code(&mut m, KeyCode::Home);
    assert_eq!(guide(&m).scroll, 0);
    assert_ne!(screen_text(&m, 80, 24), before, "scrolling moves the text");

    let cmds = press(&mut m, Key::ch('c'));
    let [Cmd::Copy(text)] = cmds.as_slice() else {
        panic!("c copies: {cmds:?}");
    };
    assert!(text.starts_with("APP_ID=$(az ad app create"));
    assert!(text.contains("--public-client-redirect-uris http://localhost:8400/"));
    assert!(m.shared.toasts.iter().any(|t| t.text.contains("Azure CLI")));
}

#[test]
fn ctrl_g_in_the_wizard_shows_the_guide_for_what_is_typed_so_far() {
    let mut m = wizard_with_name(vec![], "newbox");
    press(&mut m, Key::ctrl('g'));
    let g = guide(&m);
    assert_eq!(g.title, "Register newbox in Azure");
    assert_any_contains(&g.lines, "graphmail connector add newbox");
    assert!(
        g.lines.iter().any(|l| l.contains("<tenant-id>")),
        "no tenant typed yet"
    );
    code(&mut m, KeyCode::Esc);
    assert!(m.shared.overlays.is_empty());
    let text = screen_text(&m, 80, 24);
    assert!(
        text.contains("newbox"),
        "the wizard keeps what was typed: {text}"
    );
}

#[test]
fn the_guide_says_in_its_title_that_the_commands_were_sent() {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    press(&mut m, Key::ch('g'));
    press(&mut m, Key::ch('c'));
    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen_text(&m, w, h);
        assert!(
            text.contains("commands sent (OSC 52)"),
            "the guide's title says what was sent at {w}×{h}:\n{text}"
        );
    }
}
