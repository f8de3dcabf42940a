//! The selected row in a plain capture of the real binary at 80×24 under `NO_COLOR`: the
//! connector list, the message list and the folder pane each mark it with `▌` in its own
//! column, so it is found without colour, in `tmux capture-pane -p` as in a copied screen.

use crate::support::tmux::{start_graphmail, tmux_available};

/// The lines of `screen` that carry the selection's marker.
fn marked(screen: &str) -> Vec<&str> {
    screen.lines().filter(|l| l.contains('▌')).collect()
}

#[test]
fn the_selected_rows_are_marked_in_a_plain_capture_without_colour() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("a TMPDIR for the demo");
    let settings = format!("TMPDIR={} NO_COLOR=1", tmp.display());
    let t = start_graphmail("selection", (80, 24), dir.path(), &settings, "demo", 60);

    // The connector list: the cursor row, and only it, is marked; it moves with j.
    t.wait_until("the password connector signed in", |s| {
        s.lines()
            .any(|l| l.contains("demo-password") && l.contains("valid"))
    });
    t.send(&["j", "j"]);
    let list = t.wait_until("demo-password selected", |s| {
        s.lines().any(|l| l.contains("▌demo-password"))
    });
    assert_eq!(marked(&list).len(), 1, "one marked connector:\n{list}");

    // The message list: the first message is marked; j moves the marker one row down.
    t.send(&["Enter"]);
    let inbox = t.wait_until("the Inbox listed", |s| {
        s.contains("demo-password › Inbox") && marked(s).len() == 1
    });
    let first = marked(&inbox)[0].to_string();
    let rows: Vec<&str> = inbox.lines().collect();
    let at = rows
        .iter()
        .position(|l| *l == first)
        .expect("the marked row");
    let below = rows[at + 1].replacen(' ', "▌", 1);
    t.send(&["j"]);
    let moved = t.wait_until("the marker one row down", |s| {
        marked(s).len() == 1 && s.lines().nth(at + 1).is_some_and(|l| l.contains('▌'))
    });
    assert_eq!(
        moved
            .lines()
            .nth(at + 1)
            .map(|l| l.chars().filter(|c| *c != '▌').count()),
        Some(below.chars().filter(|c| *c != '▌').count()),
        "the marker takes a column of its own, the row's text stays where it was:\n{moved}"
    );

    // The folder pane: its cursor starts on the open folder and is marked the same way.
    t.send(&["h"]);
    let folders = t.wait_until("the folder pane", |s| s.contains("│▌▸Inbox"));
    assert_eq!(
        marked(&folders).len(),
        2,
        "the folder cursor and the selected message:\n{folders}"
    );
    t.send(&["q"]);
}
