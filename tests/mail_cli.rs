//! Every `graphmail mail` command end to end, human and JSON, against a scripted loopback Graph:
//! what reaches stdout (never a raw control character), and what reaches Graph.
#![cfg(feature = "emulator")]

mod common_mail;

use common_mail::fake_graph::{self, HOSTILE_SUBJECT, NON_ASCII_SUBJECT, Shared, TOKEN};
use common_mail::{MailVault, assert_inert, run};
use graphmail::domain::Grant;
use serde_json::Value;

struct Setup {
    vault: MailVault,
    graph: Shared,
}

async fn setup() -> Setup {
    let (url, graph) = fake_graph::serve(fake_graph::seed()).await;
    let vault = MailVault::new();
    vault.add_connector(
        "ops",
        &url,
        "http://127.0.0.1:9",
        Grant::DeviceCode,
        None,
        Some(TOKEN),
    );
    Setup { vault, graph }
}

impl Setup {
    /// Runs `graphmail mail ARGS` (off the async runtime, which keeps serving Graph).
    async fn mail(&self, args: &[&str]) -> (i32, Vec<u8>, String) {
        self.mail_with_stdin(args, None).await
    }

    async fn mail_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> (i32, Vec<u8>, String) {
        let mut cmd = self.vault.cmd();
        cmd.arg("mail").args(args);
        let stdin = stdin.map(String::from);
        tokio::task::spawn_blocking(move || match stdin {
            None => run(&mut cmd),
            Some(text) => {
                use std::io::Write;
                cmd.stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                let mut child = cmd.spawn().unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(text.as_bytes())
                    .unwrap();
                let out = child.wait_with_output().unwrap();
                (
                    out.status.code().unwrap_or(-1),
                    out.stdout,
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            }
        })
        .await
        .unwrap()
    }

    /// Runs a command that must succeed and returns its (inert) stdout as text.
    async fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.mail(args).await;
        assert_eq!(code, 0, "{args:?} failed: {err}");
        assert_inert(&out);
        String::from_utf8(out).unwrap()
    }

    fn last_action(&self) -> (String, String, Value) {
        self.graph
            .lock()
            .unwrap()
            .actions
            .last()
            .cloned()
            .expect("an action reached Graph")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_show_the_tree_with_counts_in_both_forms() {
    let s = setup().await;
    let human = s.ok(&["folders"]).await;
    assert!(
        human.lines().next().unwrap().starts_with("FOLDER"),
        "{human}"
    );
    let alerts = human.lines().find(|l| l.contains("Alerts")).unwrap();
    assert!(
        alerts.starts_with("  Alerts"),
        "children are indented: {human}"
    );
    assert!(human.lines().all(|l| l.chars().count() <= 100), "{human}");

    let json: Value = serde_json::from_str(&s.ok(&["folders", "--json"]).await).unwrap();
    let inbox = &json[0];
    assert_eq!(inbox["name"], "Inbox");
    assert_eq!(inbox["well_known"], "inbox");
    assert_eq!(inbox["total"], 4);
    assert_eq!(inbox["unread"], 4);
    assert_eq!(inbox["children"][0]["name"], "Alerts");
    assert_eq!(inbox["children"][0]["parent_id"], "id-inbox");
    assert_eq!(json[3]["well_known"], "archive");
    let keys: Vec<&str> = inbox
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_hostile_and_non_ascii_subjects_inert() {
    let s = setup().await;
    let human = s.ok(&["list", "--folder", "inbox"]).await;
    assert!(
        human.contains("^[[2J^[]0;pwned^GInvoice <U+202E>fd"),
        "{human}"
    );
    assert!(human.contains("Grüße aus Köln"), "{human}");
    assert!(
        !human.contains("Disk almost full"),
        "the alert lives in Inbox/Alerts"
    );

    let json: Value =
        serde_json::from_str(&s.ok(&["list", "--folder", "inbox", "--json"]).await).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let hostile = rows.iter().find(|r| r["id"] == "m-hostile").unwrap();
    assert_eq!(
        hostile["subject"], HOSTILE_SUBJECT,
        "JSON keeps the data, escaped"
    );
    assert_eq!(hostile["from"]["address"], "sender@example.test");
    assert!(rows.iter().any(|r| r["subject"] == NON_ASCII_SUBJECT));
    for key in [
        "id",
        "subject",
        "from",
        "received",
        "is_read",
        "has_attachments",
        "importance",
    ] {
        assert!(hostile.get(key).is_some(), "{key} missing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_options_pick_the_folder_by_path_unread_and_stream_every_page() {
    let s = setup().await;
    let alerts = s.ok(&["list", "--folder", "Inbox/Alerts", "--json"]).await;
    let rows: Vec<Value> = serde_json::from_str(&alerts).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["subject"], "Disk almost full");

    let unread: Vec<Value> =
        serde_json::from_str(&s.ok(&["list", "--unread", "--json"]).await).unwrap();
    assert_eq!(unread.len(), 4);
    assert!(unread.iter().all(|r| r["is_read"] == false));

    // --all: one object per line, pages of up to 1000 followed to the end.
    let lines = s.ok(&["list", "--all", "--json"]).await;
    assert_eq!(lines.lines().count(), 5);
    for l in lines.lines() {
        serde_json::from_str::<Value>(l).unwrap();
    }
    let top2: Vec<Value> =
        serde_json::from_str(&s.ok(&["list", "--top", "2", "--json"]).await).unwrap();
    assert_eq!(top2.len(), 2);

    let (code, _, err) = s.mail(&["list", "--folder", "Nowhere"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no folder called 'Nowhere'"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_hostile_message_prints_it_inert() {
    let s = setup().await;
    let human = s.ok(&["read", "m-hostile"]).await;
    assert!(
        human.contains("Subject:  ^[[2J^[]0;pwned^GInvoice <U+202E>fdp.exe"),
        "{human}"
    );
    assert!(
        human.contains("line one\n^[[31mred^[[0m^G and ^[P+q^[\\ end<U+0085>"),
        "{human}"
    );
    assert!(
        human.contains("From:     <U+009B>31mEvil <U+202E>Corp <sender@example.test>"),
        "{human}"
    );

    let json: Value = serde_json::from_str(&s.ok(&["read", "m-hostile", "--json"]).await).unwrap();
    assert_eq!(json["subject"], HOSTILE_SUBJECT);
    assert!(json["body_text"].as_str().unwrap().contains("\x1b[31mred"));
    assert_eq!(json["to"][0]["address"], "ops@example.test");
    let prefer = s.graph.lock().unwrap().prefer.clone();
    assert!(
        prefer
            .iter()
            .any(|(path, p)| path == "messages/m-hostile"
                && p == "outlook.body-content-type=\"text\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_megabyte_html_body_is_converted_to_text() {
    let s = setup().await;
    let human = s.ok(&["read", "m-big"]).await;
    assert!(
        human.len() > 900_000,
        "the whole body is printed ({} bytes)",
        human.len()
    );
    assert!(human.contains("THE END") && !human.contains("<p>"));
    let json: Value = serde_json::from_str(&s.ok(&["read", "m-big", "--json"]).await).unwrap();
    assert!(
        json["body_text"]
            .as_str()
            .unwrap()
            .trim_end()
            .ends_with("THE END")
    );
    let raw = s.ok(&["read", "m-big", "--raw-html"]).await;
    assert!(raw.contains("<p>Revenue grew"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_ascii_text_arrives_unchanged() {
    let s = setup().await;
    let human = s.ok(&["read", "m-intl"]).await;
    assert!(human.contains(NON_ASCII_SUBJECT) && human.contains("Zoë Ångström"));
    assert!(
        human.contains("Привет, мир! こんにちは\n\tindented"),
        "{human}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_listed_and_saved_byte_identical_inside_the_folder() {
    let s = setup().await;
    let human = s.ok(&["attachments", "m-att"]).await;
    assert!(
        human.contains("../report.bin") && human.contains("293 KB"),
        "{human}"
    );
    let json: Value =
        serde_json::from_str(&s.ok(&["attachments", "m-att", "--json"]).await).unwrap();
    assert_eq!(json[0]["size"], 300_000);
    assert_eq!(json[0]["content_type"], "application/octet-stream");

    let dir = s.vault.path().join("saved");
    let dir_s = dir.to_str().unwrap();
    let out = s.ok(&["attachments", "m-att", "--save", dir_s]).await;
    assert!(out.contains("report.bin"), "{out}");
    let saved = std::fs::read(dir.join("report.bin")).unwrap();
    assert!(
        saved == fake_graph::attachment_bytes(),
        "saved bytes differ"
    );
    assert!(
        !s.vault.path().join("report.bin").exists(),
        "the name cannot climb out of --save"
    );

    // Saving again keeps the first file and writes a numbered one.
    let json: Value = serde_json::from_str(
        &s.ok(&["attachments", "m-att", "--save", dir_s, "--json"])
            .await,
    )
    .unwrap();
    assert!(
        json[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("report (1).bin")
    );
    assert_eq!(json[0]["size"], 300_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_puts_recipients_body_and_attachments_in_one_sendmail() {
    let s = setup().await;
    let file = s.vault.path().join("notes.txt");
    std::fs::write(&file, "attached text").unwrap();
    let args = [
        "send",
        "--to",
        "a@example.test",
        "--to",
        "b@example.test",
        "--cc",
        "c@example.test",
        "--bcc",
        "d@example.test",
        "--subject",
        "Grüße",
        "--body-file",
        "-",
        "--attach",
        file.to_str().unwrap(),
        "--json",
    ];
    let (code, out, err) = s.mail_with_stdin(&args, Some("Hello from stdin")).await;
    assert_eq!(code, 0, "{err}");
    assert_inert(&out);
    let (method, path, body) = s.last_action();
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/v1.0/me/sendMail")
    );
    let m = &body["message"];
    assert_eq!(m["subject"], "Grüße");
    assert_eq!(m["body"]["content"], "Hello from stdin");
    assert_eq!(
        m["toRecipients"][1]["emailAddress"]["address"],
        "b@example.test"
    );
    assert_eq!(
        m["bccRecipients"][0]["emailAddress"]["address"],
        "d@example.test"
    );
    assert_eq!(m["attachments"][0]["name"], "notes.txt");
    assert_eq!(m["attachments"][0]["contentBytes"], "YXR0YWNoZWQgdGV4dA==");

    let (code, _, err) = s
        .mail(&["send", "--to", "not-an-address", "--subject", "x"])
        .await;
    assert_eq!(code, 1);
    assert!(err.contains("not an email address"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_attachment_goes_through_an_upload_session_without_the_token() {
    let s = setup().await;
    let big: Vec<u8> = (0..4 * 1024 * 1024 + 123)
        .map(|i: u32| (i % 251) as u8)
        .collect();
    let file = s.vault.path().join("dump.bin");
    std::fs::write(&file, &big).unwrap();
    let out = s
        .ok(&[
            "send",
            "--to",
            "a@example.test",
            "--subject",
            "dump",
            "--attach",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.trim(), "sent to a@example.test");
    let st = s.graph.lock().unwrap();
    assert!(st.uploaded == big, "the uploaded bytes differ");
    assert!(
        !st.upload_saw_bearer,
        "the bearer token must not go to the upload URL"
    );
    assert_eq!(st.upload_ranges.len(), 2);
    assert!(st.upload_ranges[0].starts_with("bytes 0-3932159/"));
    let paths: Vec<&str> = st.actions.iter().map(|(_, p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v1.0/me/messages",
            "/v1.0/me/messages/draft-1/attachments/createUploadSession",
            "/v1.0/me/messages/draft-1/send"
        ]
    );
    assert!(!st.actions.iter().any(|(_, p, _)| p.ends_with("sendMail")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_reply_all_and_forward_carry_the_comment() {
    let s = setup().await;
    let body = s.vault.path().join("reply.txt");
    std::fs::write(&body, "Thanks, on it.").unwrap();
    let b = body.to_str().unwrap();
    assert_eq!(
        s.ok(&["reply", "m-intl", "--body-file", b]).await.trim(),
        "replied"
    );
    let (_, path, json) = s.last_action();
    assert_eq!(path, "/v1.0/me/messages/m-intl/reply");
    assert_eq!(json["comment"], "Thanks, on it.");

    s.ok(&["reply", "m-intl", "--all", "--body-file", b]).await;
    assert_eq!(s.last_action().1, "/v1.0/me/messages/m-intl/replyAll");

    let out = s
        .ok(&[
            "forward",
            "m-intl",
            "--to",
            "x@example.test",
            "--body-file",
            b,
            "--json",
        ])
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["action"],
        "forward"
    );
    let (_, path, json) = s.last_action();
    assert_eq!(path, "/v1.0/me/messages/m-intl/forward");
    assert_eq!(
        json["toRecipients"][0]["emailAddress"]["address"],
        "x@example.test"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_move_and_delete_change_the_mailbox() {
    let s = setup().await;
    assert_eq!(
        s.ok(&["mark", "m-intl", "--read"]).await.trim(),
        "marked read"
    );
    let (method, _, json) = s.last_action();
    assert_eq!(
        (method.as_str(), json["isRead"].as_bool()),
        ("PATCH", Some(true))
    );
    let out = s.ok(&["mark", "m-intl", "--unread", "--json"]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["is_read"],
        false
    );

    let out = s.ok(&["move", "m-intl", "--to", "alerts"]).await;
    assert!(
        out.starts_with("moved to alerts; its id there is moved-"),
        "{out}"
    );
    assert_eq!(s.last_action().2["destinationId"], "id-alerts");
    let moved: Value =
        serde_json::from_str(&s.ok(&["move", "m-big", "--to", "Archive", "--json"]).await).unwrap();
    assert_eq!(s.last_action().2["destinationId"], "archive");

    let out = s.ok(&["delete", moved["id"].as_str().unwrap()]).await;
    assert!(out.contains("Deleted Items"), "{out}");
    assert_eq!(s.last_action().2["destinationId"], "deleteditems");

    let out = s
        .ok(&["delete", "m-att", "--hard", "--yes", "--json"])
        .await;
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["hard"], true);
    assert_eq!(s.last_action().0, "DELETE");
    let (code, out, _) = s.mail(&["read", "m-att", "--json"]).await;
    assert_eq!(code, 1);
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["error"]["code"],
        "not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_connection_drops_says_it_may_have_been_sent_and_is_not_repeated() {
    let (url, seen) = common_mail::dropping_server().await;
    let vault = MailVault::new();
    vault.add_connector(
        "ops",
        &url,
        "http://127.0.0.1:9",
        Grant::DeviceCode,
        None,
        Some(TOKEN),
    );
    let mut cmd = vault.cmd();
    cmd.args([
        "mail",
        "send",
        "--to",
        "a@example.test",
        "--subject",
        "once",
    ]);
    let (code, out, err) = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(
        err.contains("may have been sent") && err.contains("Sent Items"),
        "{err}"
    );
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "sendMail went out once"
    );

    let mut cmd = vault.cmd();
    cmd.args([
        "mail",
        "send",
        "--to",
        "a@example.test",
        "--subject",
        "once",
        "--json",
    ]);
    let (code, out, _) = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(code, 1);
    let e: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(e["error"]["code"], "maybe_sent");
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2);
}
