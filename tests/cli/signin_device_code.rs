//! Device code through the real binary against the emulator: approved, declined, expired.

use crate::support::emu::{ADELE, Clocks, Emu, PUBLIC_APP};
use crate::support::signin::{Env, LoginChild};
use graphmail::domain::Grant;

#[test]
fn device_code_signs_in_once_approved_and_keeps_the_tokens() {
    let emu = Emu::start();
    let env = Env::new();
    env.add(emu.connector("dev", Grant::DeviceCode, PUBLIC_APP));

    let mut child = LoginChild::start(env.cmd(&["--json", "connector", "login", "dev"]));
    let shown = child.next_event();
    assert_eq!(shown["event"], "device_code", "{shown}");
    let user_code = shown["user_code"].as_str().unwrap().to_string();
    assert!(!shown["verification_uri"].as_str().unwrap().is_empty());
    assert!(shown["message"].as_str().unwrap().contains(&user_code));
    assert_eq!(shown["interval"], 1);
    assert!(shown["expires_in"].as_u64().unwrap() > 0);

    emu.approve_device(&user_code, ADELE);
    let done = child.next_event();
    assert_eq!(done["event"], "signed_in", "{done}");
    assert_eq!(done["user"], ADELE);
    let scopes: Vec<&str> = crate::support::json::strings(&done["scopes"]);
    assert!(
        scopes.contains(&"Mail.Read") && scopes.contains(&"Mail.Send"),
        "{scopes:?}"
    );
    let out = child.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);

    let tokens = env.tokens("dev").expect("tokens saved");
    assert_eq!(tokens.user.as_deref(), Some(ADELE));
    assert!(tokens.refresh_token.is_some());
    let access = tokens.access_token.clone().unwrap();
    assert_eq!(emu.graph_status("/me", &access), 200);
}

#[test]
fn a_declined_device_code_is_explained_and_saves_nothing() {
    let emu = Emu::start();
    let env = Env::new();
    env.add(emu.connector("dev", Grant::DeviceCode, PUBLIC_APP));
    let before = env.vault_files();

    let mut child = LoginChild::start(env.cmd(&["--json", "connector", "login", "dev"]));
    let shown = child.next_event();
    emu.decline_device(shown["user_code"].as_str().unwrap());
    let failed = child.next_event();
    assert_eq!(failed["event"], "error", "{failed}");
    assert_eq!(failed["code"], "authorization_declined");
    assert!(
        failed["message"].as_str().unwrap().contains("declined"),
        "{failed}"
    );
    assert!(failed["fix"].as_str().unwrap().contains("approve"));
    let out = child.finish();
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(env.vault_files(), before);
}

#[test]
fn an_expired_device_code_is_explained_and_saves_nothing() {
    let emu = Emu::with(
        graphmail_emulator::tenant::TenantSeed::demo(),
        Clocks {
            device_expires_in: std::time::Duration::from_secs(2),
            ..Clocks::default()
        },
    );
    let env = Env::new();
    env.add(emu.connector("dev", Grant::DeviceCode, PUBLIC_APP));
    let before = env.vault_files();
    let mut cmd = env.cmd(&["connector", "login", "dev"]);
    cmd.stdout(std::process::Stdio::piped());
    let out = crate::support::signin::run(cmd);
    assert_ne!(out.code, 0);
    crate::support::mail::assert_contains(&out.stderr, "expired before the sign-in was finished");
    crate::support::mail::assert_contains(&out.stderr, "start the sign-in again");
    assert_eq!(env.vault_files(), before);
}
