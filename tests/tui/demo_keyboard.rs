//! `graphmail demo` at 80×24 as a keyboard user meets it: Enter on a connector that needs a
//! sign-in leads through the sign-in to its Inbox; the sign-in URL can be shown whole on one
//! line; the selected row shows without colour; `q` quits from under an error message.

#![cfg(feature = "demo")]

use crate::support::tmux::{Tmux, start_graphmail, tmux_available};

/// The demo at 80×24 with colours off, its temporary folder inside `dir`.
fn demo_80x24(session: &str, dir: &std::path::Path) -> Tmux {
    let tmp = dir.join("tmp");
    std::fs::create_dir(&tmp).expect("a TMPDIR for the demo");
    let settings = format!("TMPDIR={} NO_COLOR=1", tmp.display());
    let t = start_graphmail(session, (80, 24), dir, &settings, "demo", 60);
    t.wait_for("demo-password");
    t
}

/// No dialog box is on the screen (their titles sit in a rounded frame inside the body).
fn assert_no_error_dialog(screen: &str) {
    for word in ["could not", "failed", "not signed in"] {
        assert!(!screen.contains(word), "an error is shown:\n{screen}");
    }
}

#[test]
fn enter_on_a_connector_that_needs_a_sign_in_signs_it_in_and_opens_its_inbox() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let t = demo_80x24("enter-signs-in", dir.path());
    // The first row is selected, and says so without colour.
    let list = t.wait_for("▌demo-device");
    assert!(
        list.contains("Enter open"),
        "the footer names Enter:\n{list}"
    );
    t.send(&["Enter"]);
    let signin = t.wait_for("Enter this code");
    assert_no_error_dialog(&signin);
    assert!(signin.contains("a approve (demo)"), "{signin}");
    t.send(&["a"]);
    // The Inbox opens by itself once the code is approved, with its messages.
    let inbox = t.wait_until("the Inbox with messages", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|l| l.contains("Inbox (") && !l.contains("Inbox (0)"))
    });
    assert_no_error_dialog(&inbox);
    assert!(inbox.contains("demo-device › Inbox"), "{inbox}");
    t.send(&["q"]);
    t.assert_restored();
}

#[test]
fn the_sign_in_url_screen_shows_the_whole_url_on_one_line() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let t = demo_80x24("url-alone", dir.path());
    t.send(&["j"]);
    t.wait_for("▌demo-browser");
    t.send(&["Enter"]);
    let signin = t.wait_for("u URL alone");
    t.send(&["u"]);
    t.wait_for("Press any key to go back");
    let joined = t.screen_joined();
    let url = joined
        .lines()
        .find(|l| l.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL line:\n{joined}"));
    for part in [
        "/oauth2/v2.0/authorize?",
        "client_id=",
        "code_challenge_method=S256",
        "redirect_uri=http%3A%2F%2Flocalhost%3A",
        "scope=",
    ] {
        assert!(url.contains(part), "{part} is on the URL's line: {url}");
    }
    assert!(!url.contains(' ') && !url.contains('…'), "{url}");
    assert!(
        url.chars().count() > 80,
        "the URL is longer than a row: {url}"
    );
    // On the sign-in screen, the same URL is cut into rows of the box.
    assert!(!signin.contains(url), "the boxed URL is wrapped:\n{signin}");
    // Any key goes back to the sign-in, drawn again whole.
    t.send(&["x"]);
    t.wait_for("1. Open this URL in a browser");
    t.send(&["a"]);
    t.wait_for("demo-browser › Inbox");
    t.send(&["q"]);
    t.assert_restored();
}

#[test]
fn q_quits_from_under_an_error_message() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let t = demo_80x24("quit-after-error", dir.path());
    // Testing a connector that was never signed in fails with a message.
    t.send(&["t"]);
    let failed = t.wait_for("The test of demo-device failed");
    assert!(
        !failed.contains("graphmail connector"),
        "the fix is a key of the app, not a command:\n{failed}"
    );
    assert!(failed.contains("(press s)"), "{failed}");
    t.send(&["q"]);
    t.assert_restored();
}
