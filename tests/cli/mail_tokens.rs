//! The access token behind `graphmail mail`, against the emulator's identity platform: a token
//! Graph refuses is renewed once and the call retried, an expired one is renewed before the
//! call without asking anything, and a renewal that fails too ends in "sign in again".

use crate::support::emulated::Emulated;
use serde_json::Value;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_graph_refuses_is_renewed_once_and_the_call_retried() {
    let s = Emulated::start().await;
    let before = s.tokens();
    // The cache says it is good for an hour, but Graph has stopped accepting it.
    let refused = s.mint(-600);
    s.edit_tokens(|t| {
        t.access_token = Some(refused.clone());
        t.expires_at = Some(now() + 3600);
    });
    let folders = s.json(&["folders"]).await;
    assert!(
        folders
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["well_known"] == "inbox")
    );
    let after = s.tokens();
    assert_ne!(after.access_token.as_deref(), Some(refused.as_str()));
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "the rotated refresh token was saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_renewed_before_the_call_without_a_prompt() {
    let s = Emulated::start().await;
    let old = s.tokens().access_token.clone();
    s.edit_tokens(|t| t.expires_at = Some(now() - 60));
    // stdin is closed: a prompt would fail the command.
    let out = s.ok(&["list", "--top", "2"]).await;
    assert!(
        out.contains("RECEIVED") && out.lines().count() == 3,
        "{out}"
    );
    let after = s.tokens();
    assert_ne!(after.access_token, old);
    assert!(after.expires_at.unwrap() > now() + 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_that_cannot_be_renewed_asks_to_sign_in_again() {
    let s = Emulated::start().await;
    let refused = s.mint(-600);
    s.edit_tokens(|t| {
        t.access_token = Some(refused.clone());
        t.expires_at = Some(now() + 3600);
        t.refresh_token = Some("not-a-refresh-token".into());
    });
    let (code, out, _) = s.mail(&["folders", "--json"]).await;
    assert_eq!(code, 4, "exit code for sign-in needed");
    let e: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(e["error"]["code"], "sign_in_needed");
    assert!(
        e["error"]["fix"]
            .as_str()
            .unwrap()
            .contains("connector login ops"),
        "{e}"
    );
    let text = String::from_utf8_lossy(&out);
    assert!(
        !text.contains(&refused),
        "the token never appears in output"
    );
}
