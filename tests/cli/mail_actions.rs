//! Commands of `graphmail mail` that change the mailbox, end to end against the emulator: send
//! (small attachments inline, a large one through an upload session), reply, reply all, forward,
//! mark, move, delete to Deleted Items and for good; checked in the emulator's own state.

use crate::support::emulated::Emulated;
use crate::support::mail::assert_inert;
use serde_json::Value;

const GERMAN: &str = "Änderung der Öffnungszeiten – Grüße aus Köln";

fn addresses(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["emailAddress"]["address"]
                .as_str()
                .unwrap()
                .to_lowercase()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_delivers_recipients_body_and_attachments_once() {
    let s = Emulated::start().await;
    let file = s.vault.path().join("notes.txt");
    std::fs::write(&file, "attached text ✓").unwrap();
    let colleague = s.colleague().upn;
    let subject = "Grüße – 日本語 👩‍💻";
    let args = [
        "mail",
        "send",
        "--to",
        &colleague,
        "--to",
        "b@example.test",
        "--cc",
        "c@example.test",
        "--bcc",
        "d@example.test",
        "--subject",
        subject,
        "--body-file",
        "-",
        "--attach",
        file.to_str().unwrap(),
        "--json",
    ];
    let (code, out, err) = s.cli(&args, Some("Hello from stdin ✓")).await;
    assert_eq!(code, 0, "{err}");
    assert_inert(&out);
    let sent = s.sent_with_subject(subject).await;
    assert_eq!(sent.len(), 1, "sent exactly once");
    let record = &sent[0];
    assert_eq!(record["action"], "sendMail");
    let m = &record["message"];
    assert_eq!(
        addresses(&m["toRecipients"]),
        [colleague.to_lowercase(), "b@example.test".into()]
    );
    assert_eq!(addresses(&m["ccRecipients"]), ["c@example.test"]);
    assert_eq!(addresses(&m["bccRecipients"]), ["d@example.test"]);
    assert!(
        m["body"]["content"]
            .as_str()
            .unwrap()
            .contains("Hello from stdin ✓")
    );
    assert_eq!(m["attachments"][0]["name"], "notes.txt");
    assert_eq!(m["attachments"][0]["size"], "attached text ✓".len());
    // The colleague in the tenant received it.
    let delivered = s.emu.running.state.mail.lock()[1]
        .messages
        .values()
        .any(|m| m.subject == subject);
    assert!(delivered);

    let (code, _, err) = s
        .mail(&["send", "--to", "not-an-address", "--subject", "x"])
        .await;
    assert_eq!(code, 2, "a wrong argument is a usage error");
    crate::support::mail::assert_contains_all(&err, &["not an email address", "fix:"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_attachment_goes_through_an_upload_session_and_arrives_byte_identical() {
    let s = Emulated::start().await;
    let big: Vec<u8> = (0..4 * 1024 * 1024 + 123u32)
        .map(|i| (i % 251) as u8)
        .collect();
    let small = b"small one".to_vec();
    let big_file = s.vault.path().join("dump.bin");
    let small_file = s.vault.path().join("small.txt");
    std::fs::write(&big_file, &big).unwrap();
    std::fs::write(&small_file, &small).unwrap();
    let out = s
        .ok(&[
            "send",
            "--to",
            "a@example.test",
            "--subject",
            "dump",
            "--allow-empty",
            "--attach",
            big_file.to_str().unwrap(),
            "--attach",
            small_file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.trim(), "sent to a@example.test");
    let sent = s.sent_with_subject("dump").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["action"], "send", "a draft was sent, not sendMail");
    let boxes = s.emu.running.state.mail.lock();
    let mbx = &boxes[0];
    let copy = mbx
        .messages
        .values()
        .find(|m| m.subject == "dump")
        .expect("a copy in Sent Items");
    assert_eq!(mbx.folders[copy.folder].well_known, Some("sentitems"));
    let held: Vec<(&str, &[u8])> = copy
        .attachments
        .iter()
        .map(|a| (a.name.as_str(), &a.bytes[..]))
        .collect();
    assert_eq!(held.len(), 2);
    assert!(
        held.contains(&("dump.bin", &big[..])),
        "the big attachment differs"
    );
    assert!(held.contains(&("small.txt", &small[..])));
    let drafts = mbx.well_known("drafts");
    assert!(
        !mbx.messages
            .values()
            .any(|m| m.folder == drafts && m.subject == "dump")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_reply_all_and_forward_send_the_comment_once_each() {
    let s = Emulated::start().await;
    let body = s.vault.path().join("reply.txt");
    std::fs::write(&body, "Danke, erledigt.").unwrap();
    let b = body.to_str().unwrap();
    let id = s.id_of(GERMAN);
    assert_eq!(
        s.ok(&["reply", &id, "--body-file", b]).await.trim(),
        "replied to juergen.mueller@fabrikam-gmbh.de",
        "says whom it went to"
    );
    let reply_subject = format!("RE: {GERMAN}");
    let replies = s.sent_with_subject(&reply_subject).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["action"], "reply");
    assert!(
        replies[0]["message"]["body"]["content"]
            .as_str()
            .unwrap()
            .contains("Danke, erledigt.")
    );

    s.ok(&["reply", &id, "--all", "--body-file", b]).await;
    let replies = s.sent_with_subject(&reply_subject).await;
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[1]["action"], "replyAll");

    let out = s
        .ok(&[
            "forward",
            &id,
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
    let fwd = s.sent_with_subject(&format!("FW: {GERMAN}")).await;
    assert_eq!(fwd.len(), 1);
    assert_eq!(
        addresses(&fwd[0]["message"]["toRecipients"]),
        ["x@example.test"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mark_move_and_delete_change_the_mailbox() {
    let s = Emulated::start().await;
    let id = s.id_of(GERMAN);
    assert_eq!(s.ok(&["mark", &id, "--read"]).await.trim(), "marked read");
    assert_eq!(s.find_by_subject(GERMAN), [("inbox".to_string(), true)]);
    let out = s.json(&["mark", &id, "--unread"]).await;
    assert_eq!(out["is_read"], false);
    assert_eq!(s.find_by_subject(GERMAN), [("inbox".to_string(), false)]);

    let out = s.ok(&["move", &id, "--to", "Inbox/Alerts"]).await;
    let new_id = out
        .trim()
        .rsplit(' ')
        .next()
        .expect("the new id ends the line")
        .to_owned();
    assert!(out.starts_with("moved to Inbox/Alerts"), "{out}");
    assert_eq!(s.folder_of(&new_id).as_deref(), Some("Alerts"));
    assert_eq!(
        s.folder_of(&id),
        None,
        "Graph gave the moved message a new id"
    );
    let moved = s.json(&["move", &new_id, "--to", "Archive"]).await;
    let archived = moved["id"].as_str().unwrap().to_owned();
    assert_eq!(s.folder_of(&archived).as_deref(), Some("archive"));

    let out = s.ok(&["delete", &archived]).await;
    crate::support::mail::assert_contains(&out, "Deleted Items");
    assert_eq!(
        s.find_by_subject(GERMAN),
        [("deleteditems".to_string(), false)]
    );

    let trashed = s.id_of(GERMAN);
    let out = s.json(&["delete", &trashed, "--hard", "--yes"]).await;
    assert_eq!(out["hard"], true);
    assert!(
        s.find_by_subject(GERMAN).is_empty(),
        "gone for good, not kept in Recoverable Items"
    );
    let (code, out, _) = s.mail(&["read", &trashed, "--json"]).await;
    assert_eq!(code, 1);
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["error"]["code"],
        "not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_id_is_named_with_where_ids_come_from() {
    let s = Emulated::start().await;
    let (code, _, err) = s.mail(&["read", "not-a-message-id"]).await;
    assert_eq!(code, 2, "{err}");
    crate::support::mail::assert_contains(&err, "'not-a-message-id' is not a message id");
    assert!(!err.contains("Graph answered 400"), "decoded: {err}");
    crate::support::mail::assert_contains_all(&err, &["fix:", "graphmail mail list"]);

    let sent_before = s.sent().await.len();
    let (code, out, _) = s
        .mail(&["reply", "not-a-message-id", "--all", "--json"])
        .await;
    assert_eq!(code, 2);
    let e: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(e["error"]["code"], "invalid_id");
    assert!(e["error"]["fix"].as_str().unwrap().contains("mail list"));
    assert_eq!(s.sent().await.len(), sent_before, "nothing was sent");

    // A well-formed id that does not exist is still "not found", exit 1.
    let id = s.id_of(GERMAN);
    s.ok(&["delete", &id, "--hard", "--yes"]).await;
    let (code, _, err) = s.mail(&["read", &id]).await;
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("is not a message id"), "{err}");
}
