//! The audit log: every mailbox-changing `graphmail mail` command adds exactly one line next to
//! the vault, without bodies, subjects, tokens or secrets; `graphmail audit` reads it back.

use std::os::unix::fs::PermissionsExt;

use crate::support::emulated::{CONNECTOR, Emulated};
use serde_json::Value;

const GERMAN: &str = "Änderung der Öffnungszeiten – Grüße aus Köln";
const BODY: &str = "audit-body-marker-5e1f9c27";
const SUBJECT: &str = "audit-subject-marker-8b03d4aa";

fn lines(s: &Emulated) -> Vec<Value> {
    let path = s.vault.path().join("audit.jsonl");
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_change_adds_one_line_and_the_log_holds_no_body_token_or_secret() {
    let s = Emulated::start().await;
    let body = s.vault.path().join("body.txt");
    std::fs::write(&body, BODY).unwrap();
    let b = body.to_str().unwrap();
    let colleague = s.colleague().upn;
    let user = s.user().upn;

    // Reading changes nothing, so it records nothing.
    s.ok(&["list"]).await;
    s.ok(&["folders"]).await;
    assert!(lines(&s).is_empty());

    let id = s.id_of(GERMAN);
    let steps: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "send",
                "--to",
                &colleague,
                "--cc",
                "c@example.test",
                "--bcc",
                "d@example.test",
                "--subject",
                SUBJECT,
                "--body-file",
                b,
            ],
            "send",
        ),
        (vec!["reply", &id, "--body-file", b], "reply"),
        (vec!["reply", &id, "--all", "--body-file", b], "reply_all"),
        (
            vec!["forward", &id, "--to", "x@example.test", "--body-file", b],
            "forward",
        ),
        (vec!["mark", &id, "--read"], "mark_read"),
        (vec!["mark", &id, "--unread"], "mark_unread"),
    ];
    for (i, (args, action)) in steps.iter().enumerate() {
        s.ok(args).await;
        let all = lines(&s);
        assert_eq!(all.len(), i + 1, "{action} added exactly one line");
        let last = &all[i];
        assert_eq!(last["action"], *action);
        assert_eq!(last["connector"], CONNECTOR);
        assert_eq!(last["mailbox"], user);
        assert!(last["time"].as_str().unwrap().ends_with('Z'));
    }
    let all = lines(&s);
    let recipients: Vec<&str> = crate::support::json::strings(&all[0]["recipients"]);
    assert_eq!(
        recipients,
        [colleague.as_str(), "c@example.test", "d@example.test"]
    );
    assert!(all[0].get("message_id").is_none());
    assert_eq!(all[1]["message_id"], id.as_str());
    // The German message came from Jürgen to the mailbox: a reply and a reply all go to him
    // alone, never to the mailbox itself, as Graph sends them.
    let sender = "juergen.mueller@fabrikam-gmbh.de";
    assert_eq!(all[1]["recipients"], serde_json::json!([sender]), "reply");
    assert_eq!(
        all[2]["recipients"],
        serde_json::json!([sender]),
        "reply all"
    );
    let replies = s.sent_with_subject(&format!("RE: {GERMAN}")).await;
    assert_eq!(replies.len(), 2);
    for (line, record) in all[1..3].iter().zip(&replies) {
        let mut really: Vec<String> = ["toRecipients", "ccRecipients"]
            .iter()
            .flat_map(|k| record["message"][k].as_array().cloned().unwrap_or_default())
            .map(|r| {
                r["emailAddress"]["address"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
            })
            .collect();
        really.sort();
        assert_eq!(
            line["recipients"],
            serde_json::json!(really),
            "the audit names whom {} really went to",
            line["action"]
        );
    }
    assert_eq!(all[3]["recipients"][0], "x@example.test");

    let moved = s.json(&["move", &id, "--to", "Archive"]).await;
    let archived = moved["id"].as_str().unwrap().to_owned();
    let trashed = s.json(&["delete", &archived]).await;
    let trashed = trashed["id"].as_str().unwrap().to_owned();
    s.ok(&["delete", &trashed, "--hard", "--yes"]).await;
    let all = lines(&s);
    assert_eq!(all.len(), steps.len() + 3);
    let tail: Vec<&str> = all[steps.len()..]
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(tail, ["move", "delete", "delete_hard"]);
    assert_eq!(all[steps.len()]["message_id"], id.as_str());
    assert_eq!(all[steps.len()]["new_message_id"], archived.as_str());
    assert_eq!(all[steps.len() + 2]["message_id"], trashed.as_str());

    // A failed change records nothing.
    let (code, _, _) = s.mail(&["mark", "no-such-message", "--read"]).await;
    assert_ne!(code, 0);
    assert_eq!(lines(&s).len(), steps.len() + 3);

    let path = s.vault.path().join("audit.jsonl");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the audit log is private");
    let text = std::fs::read_to_string(&path).unwrap();
    let tokens = s.tokens();
    let password = s.user().password;
    let mut secrets = vec![
        ("body", BODY.to_string()),
        ("subject", SUBJECT.to_string()),
        ("password", password),
    ];
    secrets.extend(tokens.access_token.clone().map(|t| ("access token", t)));
    secrets.extend(tokens.refresh_token.clone().map(|t| ("refresh token", t)));
    assert!(secrets.len() >= 4, "the connector holds tokens to look for");
    for (label, secret) in &secrets {
        assert!(secret.len() >= 8);
        assert!(
            !text.contains(secret.as_str()),
            "the {label} is in the audit log"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_lists_filters_by_connector_and_time_and_prints_json() {
    let s = Emulated::start().await;
    let id = s.id_of(GERMAN);
    s.ok(&["mark", &id, "--read"]).await;
    s.ok(&["mark", &id, "--unread"]).await;

    let (code, out, err) = s.cli(&["audit"], None).await;
    assert_eq!(code, 0, "{err}");
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().next().unwrap().contains("mark_read"), "{out}");
    assert!(out.contains(CONNECTOR));

    let (code, out, _) = s.cli(&["audit", "--json", "--since", "1d"], None).await;
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["entries"].as_array().unwrap().len(), 2);
    assert_eq!(doc["entries"][1]["action"], "mark_unread");

    let (_, out, _) = s
        .cli(&["audit", "--json", "--connector", "other"], None)
        .await;
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert!(doc["entries"].as_array().unwrap().is_empty());

    let (_, out, _) = s
        .cli(&["audit", "--json", "--since", "2999-01-01"], None)
        .await;
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert!(doc["entries"].as_array().unwrap().is_empty());

    let (code, _, err) = s.cli(&["audit", "--since", "last tuesday"], None).await;
    assert_eq!(code, 2);
    crate::support::mail::assert_contains(&err, "--since");
}

#[test]
fn graphmail_audit_log_points_the_reader_at_another_file() {
    let v = crate::support::mail::MailVault::new();
    let elsewhere = v.path().join("elsewhere.jsonl");
    let mut record = graphmail::audit::AuditRecord::now("night", "ops@example.test", "send");
    record.recipients = vec!["r@example.test".into()];
    graphmail::audit::append(&elsewhere, &record).unwrap();
    let (code, out, err) = crate::support::mail::run(
        v.cmd()
            .env("GRAPHMAIL_AUDIT_LOG", &elsewhere)
            .args(["audit", "--json"]),
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["entries"][0]["connector"], "night");
    assert_eq!(doc["entries"][0]["recipients"][0], "r@example.test");
}
