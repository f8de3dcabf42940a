//! `mail send`, `reply` and `forward` on a terminal (tmux) with a scripted `$EDITOR`: the text
//! written in the editor is sent after `Send? [y/N]` is answered y, `n` sends nothing and keeps
//! the text, `--yes` does not ask, and an empty text needs `--allow-empty`, on a terminal or not.

use std::path::Path;

use crate::support::emulated::Emulated;
use crate::support::mail::{assert_contains, scripted_editor, shell_line};
use crate::support::tmux::{start_session, tmux_available};

const WRITTEN: &str = "Body from the editor ✓\nsecond line";

/// The editor that replaces the file's text with [`WRITTEN`].
fn writing_editor(dir: &Path) -> std::path::PathBuf {
    scripted_editor(
        dir,
        "write.sh",
        &format!("printf '%s\\n' '{WRITTEN}' > \"$1\""),
    )
}

/// Runs `graphmail ARGS` on a terminal with `editor` as `$EDITOR`; types `answer` when
/// `Send? [y/N]` asks (`None`: waits for the end without answering). The final screen.
async fn on_terminal(
    s: &Emulated,
    session: &'static str,
    editor: &Path,
    args: &[&str],
    answer: Option<&'static str>,
) -> String {
    let mut cmd = s.vault.cmd();
    cmd.env("EDITOR", editor).env_remove("VISUAL").args(args);
    let line = format!("{}; echo GRAPHMAIL-EXIT=$?; sleep 60", shell_line(&cmd));
    tokio::task::spawn_blocking(move || {
        let t = start_session(session, 200, 30, &line);
        if let Some(answer) = answer {
            t.wait_for("Send? [y/N]");
            t.type_text(answer);
            t.send(&["Enter"]);
        }
        t.wait_for("GRAPHMAIL-EXIT=")
    })
    .await
    .expect("the terminal is driven")
}

fn sent_body(record: &serde_json::Value) -> String {
    record["message"]["body"]["content"]
        .as_str()
        .expect("a body")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_the_editor_writes_the_text_and_y_sends_it_n_keeps_it() {
    if !tmux_available() {
        return;
    }
    let s = Emulated::start().await;
    let editor = writing_editor(s.vault.path());
    let to = s.colleague().upn;

    let send = [
        "mail",
        "send",
        "--to",
        &to,
        "--subject",
        "Written in the editor",
    ];
    let screen = on_terminal(&s, "editor-yes", &editor, &send, Some("y")).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=0");
    for shown in [
        format!("To:       {to}"),
        "Subject:  Written in the editor".into(),
        format!("Text:     {} B, 2 lines", WRITTEN.len()),
    ] {
        assert_contains(&screen, &shown);
    }
    let sent = s.sent_with_subject("Written in the editor").await;
    assert_eq!(sent.len(), 1, "sent once");
    assert_contains(&sent_body(&sent[0]), WRITTEN);

    let send = ["mail", "send", "--to", &to, "--subject", "Answered no"];
    let screen = on_terminal(&s, "editor-no", &editor, &send, Some("n")).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=1");
    assert_contains(&screen, "nothing was sent; the text is kept in");
    assert!(s.sent_with_subject("Answered no").await.is_empty());
    let unsent = s.vault.path().join("logs").join("unsent");
    let kept: Vec<_> = std::fs::read_dir(&unsent)
        .expect("the unsent folder")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read_to_string(&kept[0]).unwrap(),
        format!("{WRITTEN}\n")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&kept[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the kept text is private");
    assert_contains(
        &screen,
        &format!("fix: send it later with --body-file {}", kept[0].display()),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_sends_without_asking_and_a_reply_or_forward_leaves_out_the_quoted_original() {
    if !tmux_available() {
        return;
    }
    let s = Emulated::start().await;
    let editor = writing_editor(s.vault.path());
    let send = [
        "mail",
        "send",
        "--to",
        "a@example.test",
        "--subject",
        "No question",
        "--yes",
    ];
    let screen = on_terminal(&s, "editor-yes-flag", &editor, &send, None).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=0");
    assert!(!screen.contains("Send? [y/N]"), "{screen}");
    let sent = s.sent_with_subject("No question").await;
    assert_eq!(sent.len(), 1);
    assert_contains(&sent_body(&sent[0]), WRITTEN);

    // The reply's editor shows the original below a cut line; only the text above is sent.
    let german = "Änderung der Öffnungszeiten – Grüße aus Köln";
    let id = s.id_of(german);
    let answering = scripted_editor(
        s.vault.path(),
        "answer.sh",
        "grep -q '^> ' \"$1\" || exit 9; { printf 'Danke aus dem Editor'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"",
    );
    let reply = ["mail", "reply", &id];
    let screen = on_terminal(&s, "editor-reply", &answering, &reply, Some("y")).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=0");
    assert_contains(&screen, &format!("Subject:  RE: {german}"));
    let replies = s.sent_with_subject(&format!("RE: {german}")).await;
    assert_eq!(replies.len(), 1);
    let body = sent_body(&replies[0]);
    assert_contains(&body, "Danke aus dem Editor");
    assert!(!body.contains("Write above this line"), "{body}");

    let forward = ["mail", "forward", &id, "--to", "x@example.test", "--yes"];
    let screen = on_terminal(&s, "editor-forward", &answering, &forward, None).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=0");
    let forwards = s.sent_with_subject(&format!("FW: {german}")).await;
    assert_eq!(forwards.len(), 1);
    let body = sent_body(&forwards[0]);
    assert_contains(&body, "Danke aus dem Editor");
    assert!(!body.contains("Write above this line"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_text_is_refused_without_allow_empty_on_a_terminal_or_not() {
    let s = Emulated::start().await;
    // Not on a terminal, no text: refused, as with an empty file; --allow-empty sends it.
    let empty = s.vault.path().join("empty.txt");
    std::fs::write(&empty, "\n").unwrap();
    let args = ["send", "--to", "a@example.test", "--subject", "Empty"];
    let (code, _, err) = s.mail(&args).await;
    assert_eq!(code, 2, "{err}");
    assert_contains(&err, "the text of the mail is empty");
    assert_contains(&err, "--allow-empty");
    let from_file = [&args[..], &["--body-file", empty.to_str().unwrap()]].concat();
    let (code, _, _) = s.mail(&from_file).await;
    assert_eq!(code, 2);
    assert!(s.sent_with_subject("Empty").await.is_empty());
    s.ok(&[&args[..], &["--allow-empty"]].concat()).await;
    assert_eq!(s.sent_with_subject("Empty").await.len(), 1);

    if !tmux_available() {
        return;
    }
    let blank = scripted_editor(s.vault.path(), "blank.sh", "printf '  \\n\\n' > \"$1\"");
    let send = [
        "mail",
        "send",
        "--to",
        "a@example.test",
        "--subject",
        "Blank",
    ];
    let screen = on_terminal(&s, "editor-empty", &blank, &send, None).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=2");
    assert_contains(&screen, "the text of the mail is empty");
    assert!(!screen.contains("Send? [y/N]"), "not asked: {screen}");
    let allowed = [&send[..], &["--allow-empty"]].concat();
    let screen = on_terminal(&s, "editor-empty-ok", &blank, &allowed, Some("y")).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=0");
    assert_eq!(s.sent_with_subject("Blank").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_that_cannot_start_is_named_with_the_fix_and_nothing_is_sent() {
    if !tmux_available() {
        return;
    }
    let s = Emulated::start().await;
    let missing = s.vault.path().join("no-such-editor");
    let send = [
        "mail",
        "send",
        "--to",
        "a@example.test",
        "--subject",
        "Never",
    ];
    let screen = on_terminal(&s, "editor-missing", &missing, &send, None).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=1");
    assert_contains(&screen, "cannot be started");
    assert_contains(&screen, "fix: set EDITOR to an editor that is installed");
    assert!(s.sent_with_subject("Never").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_limit_does_not_count_the_time_spent_in_the_editor() {
    if !tmux_available() {
        return;
    }
    let s = Emulated::start().await;
    // A person who writes for longer than the whole command may take.
    let slow = scripted_editor(
        s.vault.path(),
        "slow.sh",
        &format!("sleep 2; printf '%s\\n' '{WRITTEN}' > \"$1\""),
    );
    let to = s.colleague().upn;
    let send = [
        "--timeout",
        "1",
        "mail",
        "send",
        "--to",
        &to,
        "--subject",
        "Written slowly",
        "--yes",
    ];
    let screen = on_terminal(&s, "editor-slow", &slow, &send, None).await;
    assert_contains(&screen, "GRAPHMAIL-EXIT=0");
    let sent = s.sent_with_subject("Written slowly").await;
    assert_eq!(sent.len(), 1, "sent once");
    assert_contains(&sent_body(&sent[0]), WRITTEN);
}
