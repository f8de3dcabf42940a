//! `graphmail mail` failures that need no mail service: which connector, sign-in needed,
//! app-only without a mailbox, and a hard delete that nobody confirmed.

use crate::support::mail::{MailVault, run};
use graphmail::domain::Grant;

/// A Graph URL where nothing listens (port 9 is discard; nothing runs there in tests).
const NOWHERE: &str = "http://127.0.0.1:9/v1.0";

fn json_error(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).expect("a JSON error on stdout")
}

#[test]
fn an_empty_vault_says_to_add_a_connector() {
    let v = MailVault::new();
    let (code, _, err) = run(v.cmd().args(["mail", "folders"]));
    assert_eq!(code, 1);
    crate::support::mail::assert_contains_all(&err, &["no connector", "connector add"]);
}

#[test]
fn with_several_connectors_one_must_be_named() {
    let v = MailVault::new();
    v.add_connector("ops", NOWHERE, NOWHERE, Grant::DeviceCode, None, None);
    v.add_connector("helpdesk", NOWHERE, NOWHERE, Grant::DeviceCode, None, None);
    let (code, _, err) = run(v.cmd().args(["mail", "list"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ops") && err.contains("helpdesk") && err.contains("--connector"),
        "{err}"
    );

    let (code, out, _) = run(v.cmd().args(["mail", "list", "-c", "nope", "--json"]));
    assert_eq!(code, 1);
    assert_eq!(json_error(&out)["error"]["code"], "no_such_connector");
}

#[test]
fn a_connector_without_a_token_needs_sign_in() {
    let v = MailVault::new();
    v.add_connector("ops", NOWHERE, NOWHERE, Grant::DeviceCode, None, None);
    let (code, out, _) = run(v.cmd().args(["mail", "list", "--json"]));
    assert_eq!(code, 4);
    let e = json_error(&out);
    assert_eq!(e["error"]["code"], "sign_in_needed");
    assert!(
        e["error"]["fix"]
            .as_str()
            .unwrap()
            .contains("connector login ops")
    );
}

#[test]
fn an_app_only_connector_needs_a_target_mailbox() {
    let v = MailVault::new();
    v.add_connector(
        "app",
        NOWHERE,
        NOWHERE,
        Grant::ClientCredentials,
        None,
        Some("t"),
    );
    let (code, _, err) = run(v.cmd().args(["mail", "folders"]));
    assert_eq!(code, 1);
    crate::support::mail::assert_contains(&err, "--mailbox");
}

#[test]
fn a_hard_delete_without_a_terminal_needs_yes() {
    let v = MailVault::new();
    v.add_connector("ops", NOWHERE, NOWHERE, Grant::DeviceCode, None, Some("t"));
    let (code, _, err) = run(v.cmd().args(["mail", "delete", "AAMk1", "--hard"]));
    assert_eq!(code, 2, "{err}");
    crate::support::mail::assert_contains(&err, "--yes");
}

#[test]
fn mark_needs_read_or_unread() {
    let v = MailVault::new();
    let (code, _, err) = run(v.cmd().args(["mail", "mark", "AAMk1"]));
    assert_eq!(code, 2);
    crate::support::mail::assert_contains_all(&err, &["--read", "--unread"]);
}

#[test]
fn an_unreachable_graph_is_reported_with_a_fix() {
    let v = MailVault::new();
    v.add_connector("ops", NOWHERE, NOWHERE, Grant::DeviceCode, None, Some("t"));
    let (code, out, _) = run(v.cmd().args(["mail", "folders", "--json"]));
    assert_eq!(code, 1);
    let e = json_error(&out);
    assert_eq!(e["error"]["code"], "network");
    assert!(e["error"]["fix"].as_str().unwrap().contains("network"));
}

#[test]
fn a_recipient_that_is_not_an_address_is_a_usage_error_with_the_fix() {
    let v = MailVault::new();
    v.add_connector("ops", NOWHERE, NOWHERE, Grant::DeviceCode, None, None);
    let (code, _, err) = run(v
        .cmd()
        .args(["mail", "send", "--to", "bob", "--subject", "x"]));
    assert_eq!(code, 2, "{err}");
    crate::support::mail::assert_contains(&err, "'bob' given to --to is not an email address");
    crate::support::mail::assert_contains_all(&err, &["fix:", "--to bob@contoso.com"]);

    let (code, out, _) = run(v.cmd().args([
        "mail",
        "send",
        "--to",
        "ana@contoso.com",
        "--cc",
        "not an address@x",
        "--subject",
        "x",
        "--json",
    ]));
    assert_eq!(code, 2);
    let e = json_error(&out);
    assert_eq!(e["error"]["code"], "invalid_address");
    assert!(e["error"]["message"].as_str().unwrap().contains("--cc"));

    let (code, _, err) = run(v.cmd().args(["mail", "forward", "ID", "--to", "bob"]));
    assert_eq!(code, 2, "forward checks its --to too: {err}");
}
