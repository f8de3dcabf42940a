//! Sign-in commands that fail before any network traffic: the message, the fix, the exit
//! status, and a vault left as it was.

use crate::support::emu::{DAEMON_APP, PUBLIC_APP};
use crate::support::signin::{Env, connector, run};
use graphmail::domain::{Cloud, Grant};

/// A cloud nobody listens on (a closed loopback port).
fn closed_cloud() -> Cloud {
    let port = crate::support::signin::free_port();
    Cloud::Custom {
        login_url: format!("http://127.0.0.1:{port}"),
        graph_url: format!("http://127.0.0.1:{port}/v1.0"),
    }
}

/// A connector of the demo tenant's apps in the closed cloud.
fn offline(name: &str, grant: Grant, client_id: &str) -> graphmail::vault::ConnectorEntry {
    connector(
        closed_cloud(),
        "contoso.onmicrosoft.com",
        name,
        grant,
        client_id,
    )
}

#[test]
fn a_token_for_a_connector_never_signed_in_asks_for_a_sign_in_with_exit_4() {
    let env = Env::new();
    env.add(offline("mail", Grant::DeviceCode, PUBLIC_APP));
    let before = env.vault_files();
    let out = run(env.cmd(&["token", "mail"]));
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    crate::support::mail::assert_contains(&out.stderr, "not signed in");
    crate::support::mail::assert_contains(&out.stderr, "graphmail connector login mail");
    assert_eq!(env.vault_files(), before);
}

#[test]
fn an_unknown_connector_is_named_with_a_fix() {
    let env = Env::new();
    for args in [
        &["token", "nope"][..],
        &["connector", "login", "nope"],
        &["connector", "logout", "nope"],
        &["connector", "test", "nope"],
    ] {
        let out = run(env.cmd(args));
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("no connector named 'nope'")
                && out.stderr.contains("graphmail connector list"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn ropc_without_a_stored_password_says_how_to_store_one_and_saves_nothing() {
    let env = Env::new();
    env.add(offline("pw", Grant::Ropc, PUBLIC_APP));
    let before = env.vault_files();
    let out = run(env.cmd(&["--json", "connector", "login", "pw"]));
    assert_ne!(out.code, 0);
    let event = out.event("error").expect("an error event");
    assert_eq!(event["code"], "connector_incomplete");
    assert!(event["fix"].as_str().unwrap().contains("--password-file"));
    // One error line, the stream's last, with the `error` object of every --json command.
    let events = out.events();
    assert_eq!(events.len(), 1, "{}", out.stdout);
    assert_eq!(event["error"]["code"], "connector_incomplete", "{event}");
    assert_eq!(env.vault_files(), before);
}

#[test]
fn an_unreachable_identity_platform_is_a_network_error_and_saves_nothing() {
    let env = Env::new();
    let mut entry = offline("daemon", Grant::ClientCredentials, DAEMON_APP);
    entry.secrets.client_secret = Some("offline-test-secret-value".into());
    env.add(entry);
    let before = env.vault_files();
    let out = run(env.cmd(&["connector", "login", "daemon"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    crate::support::mail::assert_contains(&out.stderr, "cannot reach the identity platform");
    assert!(!out.all().contains("offline-test-secret-value"));
    assert_eq!(env.vault_files(), before);
}

#[test]
fn logout_forgets_tokens_and_says_so() {
    let env = Env::new();
    let mut entry = offline("mail", Grant::DeviceCode, PUBLIC_APP);
    let mut cache = graphmail::vault::TokenCache::default();
    cache.access_token = Some("at-to-forget".into());
    cache.expires_at = Some(i64::MAX / 2);
    cache.refresh_token = Some("rt-to-forget".into());
    entry.tokens = Some(cache);
    env.add(entry);
    let out = run(env.cmd(&["connector", "logout", "mail"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Signed out"));
    assert!(env.tokens("mail").is_none());
    let again = run(env.cmd(&["--json", "connector", "logout", "mail"]));
    assert_eq!(again.events()[0]["signed_out"], false);
}

#[test]
fn a_cached_token_with_time_left_is_printed_without_any_request() {
    let env = Env::new();
    let mut entry = offline("mail", Grant::DeviceCode, PUBLIC_APP);
    let in_an_hour = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    let mut cache = graphmail::vault::TokenCache::default();
    cache.access_token = Some("cached-access-token".into());
    cache.expires_at = Some(in_an_hour);
    entry.tokens = Some(cache);
    env.add(entry);
    let out = run(env.cmd(&["token", "mail"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "cached-access-token\n");
    assert!(out.stderr.is_empty());
}
