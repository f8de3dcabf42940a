//! Tokens kept fresh without a person: renewal with rotation, concurrent callers, revocation.

use std::time::Duration;

use crate::support::emu::{ADELE, Clocks, DAEMON_APP, Emu, PUBLIC_APP};
use crate::support::signin::{Env, run};
use graphmail::domain::Grant;
use graphmail_emulator::tenant::TenantSeed;

/// Access tokens of one minute: always inside the five-minute renewal margin, so every
/// `graphmail token` renews.
fn short_lived() -> Emu {
    Emu::with(
        TenantSeed::demo(),
        Clocks {
            access_token_lifetime: Some(Duration::from_secs(60)),
            ..Clocks::default()
        },
    )
}

fn signed_in_ropc(emu: &Emu) -> Env {
    let env = Env::new();
    let mut entry = emu.connector("ro", Grant::Ropc, PUBLIC_APP);
    entry.secrets.username = Some(ADELE.into());
    entry.secrets.password = Some(emu.password(ADELE));
    env.add(entry);
    let out = run(env.cmd(&["connector", "login", "ro"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    env
}

#[test]
fn an_expiring_token_is_renewed_without_a_prompt_and_the_rotated_refresh_token_is_kept() {
    let emu = short_lived();
    let env = signed_in_ropc(&emu);
    let before = env.tokens("ro").unwrap();

    let out = run(env.cmd(&["token", "ro"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let token = out.stdout.trim();
    assert_ne!(
        Some(token),
        before.access_token.as_deref(),
        "the token was not renewed"
    );
    assert_eq!(emu.graph_status("/me", token), 200);

    let after = env.tokens("ro").unwrap();
    assert_eq!(after.access_token.as_deref(), Some(token));
    assert!(after.refresh_token.is_some());
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "the refresh token was not rotated"
    );
}

#[test]
fn two_token_processes_at_once_both_succeed_and_leave_a_working_refresh_token() {
    let emu = short_lived();
    let env = signed_in_ropc(&emu);
    let a = env.cmd(&["token", "ro"]).spawn().unwrap();
    let b = env.cmd(&["token", "ro"]).spawn().unwrap();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        crate::support::mail::assert_success(&out);
        let token = String::from_utf8(out.stdout).unwrap();
        assert_eq!(emu.graph_status("/me", token.trim()), 200);
    }
    // The refresh token left in the vault still works: this renewal uses it.
    let kept = env.tokens("ro").unwrap().refresh_token.clone();
    let out = run(env.cmd(&["token", "ro"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(env.tokens("ro").unwrap().refresh_token, kept);
}

#[test]
fn a_revoked_sign_in_asks_for_a_new_one_with_exit_4_and_leaves_the_vault() {
    let emu = short_lived();
    let env = signed_in_ropc(&emu);
    emu.revoke_user(ADELE);
    let before = env.vault_files();
    let out = run(env.cmd(&["token", "ro"]));
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    crate::support::mail::assert_contains(&out.stderr, "sign in again");
    assert_eq!(env.vault_files(), before);
}

#[test]
fn client_credentials_get_a_new_token_with_the_secret_and_test_the_mailbox() {
    let emu = short_lived();
    let env = Env::new();
    let mut entry = emu.connector("daemon", Grant::ClientCredentials, DAEMON_APP);
    entry.secrets.client_secret = Some(emu.secret(DAEMON_APP));
    entry.connector.mailbox = Some(ADELE.into());
    env.add(entry);
    let login = run(env.cmd(&["--json", "connector", "login", "daemon"]));
    assert_eq!(login.code, 0, "{}", login.stderr);
    let signed_in = login.event("signed_in").unwrap();
    assert!(signed_in["user"].is_null());
    assert!(env.tokens("daemon").unwrap().refresh_token.is_none());

    // One-minute tokens are always renewed; without a refresh token, with the secret.
    let out = run(env.cmd(&["token", "daemon"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        emu.graph_status(
            &format!("/users/{ADELE}/mailFolders/inbox"),
            out.stdout.trim()
        ),
        200
    );
    assert!(
        env.logs()
            .lines()
            .any(|l| l.contains("token renewed") && l.contains("client-credentials")),
        "{}",
        env.logs()
    );

    let test = run(env.cmd(&["--json", "connector", "test", "daemon"]));
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    let report = &test.events()[0];
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["mailbox_ok"], true);
    assert_eq!(report["user"], ADELE);
}

#[test]
fn connector_test_reports_user_scopes_mailbox_and_expiry() {
    let emu = Emu::start();
    let env = signed_in_ropc(&emu);
    let out = run(env.cmd(&["--json", "connector", "test", "ro"]));
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let r = &out.events()[0];
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["user"], ADELE);
    assert_eq!(r["mailbox_ok"], true);
    assert!(
        r["requested_scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "Mail.Send")
    );
    assert!(
        r["granted_scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "Mail.Read")
    );
    assert_eq!(r["missing_scopes"].as_array().unwrap().len(), 0, "{r}");
    assert!(r["expires_at"].as_str().unwrap().contains('T'));
    assert!(r["error"].is_null());
}

#[test]
fn the_graph_token_source_renews_from_the_vault_and_again_after_a_refusal() {
    use graphmail::graph::TokenSource;
    use secrecy::ExposeSecret;

    let emu = short_lived();
    let env = signed_in_ropc(&emu);
    let vault = std::sync::Arc::new(env.vault());
    let http = graphmail::auth::OAuthHttp::new().unwrap();
    let tokens = graphmail::auth::VaultTokens::new(vault, "ro", http);

    let first = emu.rt.block_on(tokens.token()).unwrap();
    assert_eq!(emu.graph_status("/me", first.expose_secret()), 200);
    let rotated = env.tokens("ro").unwrap().refresh_token.clone();

    // Graph refused `first`: the source renews (a new refresh token proves the round trip;
    // the emulator may mint a byte-identical JWT within the same second).
    let second = emu.rt.block_on(tokens.refresh()).unwrap();
    assert_eq!(emu.graph_status("/me", second.expose_secret()), 200);
    assert_ne!(env.tokens("ro").unwrap().refresh_token, rotated);
}
