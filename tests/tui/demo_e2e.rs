//! `graphmail demo` in tmux: sign the browser connector in with the demo's approve key, open the signed-in password connector's mailbox, move between
//! folders, open a message, search, reply and find the reply in Sent Items, delete a message and
//! find it in Deleted Items, quit with the terminal restored and the demo's vault folder gone.

#![cfg(feature = "demo")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::tmux::{Tmux, start_graphmail, tmux_available};

/// The whole run must finish well within this, however slow the machine.
const WHOLE_RUN: Duration = Duration::from_secs(240);

/// `graphmail demo` running in tmux, with the TMPDIR it keeps its vault folder in and a home
/// (and XDG state folder) of its own.
struct Demo {
    t: Tmux,
    tmp: PathBuf,
    home: PathBuf,
    _dir: tempfile::TempDir,
}

fn start_demo(session: &str) -> Demo {
    start_demo_with(session, |_| String::new())
}

/// The demo with more `NAME=value` settings, made from the test's folder.
fn start_demo_with(session: &str, more: impl FnOnce(&Path) -> String) -> Demo {
    let dir = tempfile::tempdir().expect("temp dir");
    let tmp = dir.path().join("tmp");
    let home = dir.path().join("home");
    std::fs::create_dir(&tmp).expect("a TMPDIR for the demo");
    std::fs::create_dir(&home).expect("a HOME for the demo");
    let settings = format!(
        "TMPDIR={} HOME={h} XDG_STATE_HOME={h}/.local/state XDG_CACHE_HOME={h}/.cache {}",
        tmp.display(),
        more(dir.path()),
        h = home.display()
    );
    let t = start_graphmail(session, (120, 40), dir.path(), &settings, "demo", 240);
    Demo {
        t,
        tmp,
        home,
        _dir: dir,
    }
}

/// Every file and folder under `dir`.
fn everything_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                pending.push(e.path());
            }
            found.push(e.path());
        }
    }
    found
}

/// The demo started and showing its connectors, its vault folder made.
fn demo_running(session: &str) -> Demo {
    let demo = start_demo(session);
    demo.t.wait_for("demo-password");
    assert_eq!(
        demo_folders(&demo.tmp).len(),
        1,
        "the demo's vault folder exists"
    );
    demo
}

/// The folder names the demo made in `tmp`: its vault lives in one while it runs.
fn demo_folders(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("graphmail-demo-"))
                .collect()
        })
        .unwrap_or_default()
}

/// The title of the message list, e.g. "Inbox (42)" or "Inbox · search …".
fn list_title(screen: &str) -> Option<&str> {
    let second = screen.lines().nth(1)?;
    let after = second.split('╮').nth(1)?;
    Some(after.trim_start_matches('╭').trim())
}

/// Waits until `name` is listed with a valid token.
fn listed_valid(t: &Tmux, name: &str) {
    t.wait_until(&format!("{name} with a valid token"), |s| {
        s.lines().any(|l| l.contains(name) && l.contains(" valid "))
    });
}

/// Moves the list's cursor down one row, onto `name`.
fn select_next(t: &Tmux, name: &str) {
    t.send(&["j"]);
    let marked = format!("▌{name}");
    t.wait_until(&format!("{name} selected"), |s| {
        s.lines().any(|l| l.contains(&marked))
    });
}

/// Searches the open folder for `query`; waits until the list says it found `count`.
fn search(t: &Tmux, query: &str, count: usize) -> String {
    t.send(&["/"]);
    t.wait_for("Enter ok");
    t.type_text(query);
    t.send(&["Enter"]);
    t.wait_for(&format!("search \"{query}\" ({count})"))
}

/// Presses `key`, waits for the confirmation that asks `question`, and answers yes.
fn confirm(t: &Tmux, key: &str, question: &str) {
    t.send(&[key]);
    t.wait_for(question);
    t.send(&["y"]);
}

/// From the folder pane, `moves` to `folder` and open it; waits until the list is that
/// folder's and the screen shows `showing`.
fn open_folder(t: &Tmux, moves: &[&str], folder: &str, showing: &str) -> String {
    let mut keys = vec!["h"];
    keys.extend_from_slice(moves);
    keys.push("Enter");
    t.send(&keys);
    let (open, title) = (format!("▸{folder}"), format!("{folder} ("));
    t.wait_until(&format!("{showing:?} in {folder}"), |s| {
        s.contains(&open)
            && list_title(s).is_some_and(|shown| shown.starts_with(&title))
            && s.contains(showing)
    })
}

#[test]
fn the_demo_mailbox_reads_searches_replies_deletes_and_quits_cleanly() {
    if !tmux_available() {
        return;
    }
    let began = Instant::now();
    let Demo {
        _dir, tmp, t, home, ..
    } = start_demo("demo");

    // The connector list, with the password connector already signed in.
    listed_valid(&t, "demo-password");
    assert_eq!(
        demo_folders(&tmp).len(),
        1,
        "the demo keeps its vault in one temporary folder while it runs"
    );
    let log = tmp.join(&demo_folders(&tmp)[0]).join("graphmail.log");
    assert!(log.is_file(), "the demo logs into its temporary folder");

    // The browser connector signs in from its sign-in screen with the demo's approve key.
    select_next(&t, "demo-browser");
    t.send(&["s"]);
    t.wait_for("a approve (demo)");
    t.send(&["a"]);
    t.wait_for("demo-browser is signed in as");
    t.send(&["Enter"]);
    listed_valid(&t, "demo-browser");

    // Open the password connector's mailbox: the Inbox lists its messages.
    select_next(&t, "demo-password");
    t.send(&["Enter"]);
    t.wait_for("demo-password › Inbox");
    t.wait_for("Quarterly access rev");

    // Open a message: its headers and body show in the preview.
    t.send(&["j", "j"]);
    t.send(&["Enter"]);
    let opened = t.wait_for("Please confirm the mailbox permissions");
    assert!(
        opened.contains("Subject  Quarterly access review"),
        "{opened}"
    );

    // Reply, send after confirming.
    t.send(&["R"]);
    t.wait_for("RE: Quarterly access review");
    t.type_text("Confirmed from the demo run");
    confirm(&t, "C-s", "y  Send");
    t.wait_for("A copy is in Sent Items");

    // To the folder pane, down four folders to Sent Items and open it: the reply is there.
    // (The open folder is marked ▸, the folder cursor ▌.)
    let sent = open_folder(
        &t,
        &["j", "j", "j", "j"],
        "Sent Items",
        // The reply, listed by its recipient (the sender of the message replied to).
        "To Megan B… RE: Quarterly access",
    );
    assert!(sent.contains("demo-password › Sent Items"), "{sent}");

    // Back to the Inbox and search it.
    open_folder(&t, &["k", "k", "k", "k"], "Inbox", "");
    let found = search(&t, "payslip", 1);
    // Mail of another year shows its year: the demo's mail is from 2025.
    assert!(
        found.contains("28 Jun 25 Payroll     Your payslip for June"),
        "{found}"
    );
    assert!(
        !found.contains("Quarterly access review —"),
        "only matching messages are listed:\n{found}"
    );

    // Delete the one result after confirming; it leaves the list, and Deleted Items holds it.
    confirm(&t, "d", "to Deleted Items?");
    t.wait_for("search \"payslip\" (0)");
    open_folder(&t, &["k", "k"], "Deleted Items", "Your payslip for June");

    t.send(&["q"]);
    t.assert_restored();
    assert!(
        demo_folders(&tmp).is_empty(),
        "the demo's temporary vault folder is removed on quit: {:?}",
        demo_folders(&tmp)
    );
    assert_eq!(
        everything_in(&home),
        Vec::<PathBuf>::new(),
        "the demo writes nothing into the home folder (no log in ~/.local/state)"
    );
    assert!(
        began.elapsed() < WHOLE_RUN,
        "the demo run took {:?}",
        began.elapsed()
    );
}

#[test]
fn a_hangup_ends_the_demo_cleanly_and_removes_its_vault_folder() {
    if !tmux_available() {
        return;
    }
    let Demo { _dir, tmp, t, .. } = demo_running("demo-hangup");

    // What a closed SSH session does: the terminal hangs up on the app.
    let shell = t.format("#{pane_pid}");
    let app = std::process::Command::new("pgrep")
        .args(["-P", &shell])
        .output()
        .expect("pgrep runs");
    let app = String::from_utf8_lossy(&app.stdout).trim().to_string();
    assert!(!app.is_empty(), "the demo runs under the pane's shell");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &app])
        .status()
        .expect("kill runs");
    assert!(hup.success());

    t.assert_restored();
    assert!(
        demo_folders(&tmp).is_empty(),
        "the demo's temporary vault folder is removed on hangup: {:?}",
        demo_folders(&tmp)
    );
}

#[test]
fn closing_the_terminal_under_the_demo_still_removes_its_vault_folder() {
    if !tmux_available() {
        return;
    }
    let Demo { _dir, tmp, t, .. } = demo_running("demo-closed");

    // The terminal itself goes away, as when an SSH connection drops: nothing can be drawn
    // or restored, and the demo must still clean up.
    Tmux::run(&["kill-session", "-t", &t.session]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !demo_folders(&tmp).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the demo's vault folder is left behind: {:?}",
            demo_folders(&tmp)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// From the demo's connector list to a new mail of the signed-in password connector.
fn new_mail(t: &Tmux) {
    listed_valid(t, "demo-password");
    select_next(t, "demo-browser");
    select_next(t, "demo-password");
    t.send(&["Enter"]);
    t.wait_for("demo-password › Inbox");
    t.wait_for("Quarterly access rev");
    t.send(&["c"]);
    t.wait_for("New mail");
}

#[test]
fn ctrl_e_in_compose_writes_the_body_in_the_editor_and_the_sent_mail_has_it() {
    if !tmux_available() {
        return;
    }
    // The editor checks it got the typed draft, reads a line from the terminal (which needs
    // the app's key reader stopped and the terminal in cooked mode), and writes a known text.
    let Demo { _dir, t, .. } = start_demo_with("demo-editor", |dir| {
        let editor = crate::support::mail::scripted_editor(
            dir,
            "editor.sh",
            "grep -q 'typed first' \"$1\" || exit 7; printf 'Editor asks: '; read -r line; printf 'Written in the editor\\n%s\\n' \"$line\" > \"$1\"",
        );
        format!("VISUAL= EDITOR={}", editor.display())
    });
    new_mail(&t);
    t.type_text("megan.bowen@contoso-demo.onmicrosoft.com");
    t.send(&["Tab", "Tab", "Tab"]);
    t.type_text("Body from the editor");
    t.send(&["Tab"]);
    t.type_text("typed first");
    let before = t.wait_for("typed first");
    assert!(
        before.contains("editor"),
        "the footer names the key: {before}"
    );
    t.send(&["C-e"]);
    t.wait_for("Editor asks:");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "the editor has the main screen"
    );
    t.type_text("second line");
    t.send(&["Enter"]);
    let after = t.wait_until("the editor's text in the body", |s| {
        s.contains("Written in the editor") && s.contains("second line")
    });
    assert!(!after.contains("typed first"), "replaced: {after}");
    assert!(
        after.contains("New mail"),
        "the app is drawn again whole: {after}"
    );
    assert_eq!(t.format("#{alternate_on}"), "1", "back on the app's screen");

    confirm(&t, "C-s", "y  Send");
    t.wait_for("A copy is in Sent Items");
    open_folder(
        &t,
        &["j", "j", "j", "j"],
        "Sent Items",
        "Body from the editor",
    );
    // Open it from the list: the preview shows the editor's text.
    t.send(&["l", "g", "Enter"]);
    let opened = t.wait_for("Written in the editor");
    assert!(opened.contains("second line"), "{opened}");

    t.send(&["q"]);
    t.assert_restored();
}

#[test]
fn an_editor_that_cannot_start_is_a_dialog_with_the_fix_and_the_draft_stays() {
    if !tmux_available() {
        return;
    }
    let Demo { _dir, t, .. } = start_demo_with("demo-no-editor", |dir| {
        format!("VISUAL= EDITOR={}", dir.join("no-such-editor").display())
    });
    new_mail(&t);
    t.type_text("megan.bowen@contoso-demo.onmicrosoft.com");
    t.send(&["C-e"]);
    let dialog = t.wait_for("The editor's text was not taken");
    for said in ["no-such-editor", "no such program", "EDITOR=nano graphmail"] {
        assert!(dialog.contains(said), "says {said:?}: {dialog}");
    }
    assert!(
        dialog.contains("megan.bowen@contoso-demo.onmicrosoft.com"),
        "the draft is drawn again under the dialog: {dialog}"
    );
    assert_eq!(t.format("#{alternate_on}"), "1");
    t.send(&["Esc"]);
    t.wait_until("the dialog closed", |s| {
        !s.contains("The editor's text was not taken")
    });
    t.send(&["C-c"]);
    t.wait_for("Quit graphmail without sending");
    t.send(&["y"]);
    t.assert_restored();
}
