//! `graphmail refresh` and `graphmail connector status` against the emulator.

use crate::support::emu::{ADELE, Emu, PUBLIC_APP};
use crate::support::signin::{Env, assert_not_in, run};
use graphmail::domain::Grant;

fn add_ropc(emu: &Emu, env: &Env, name: &str) {
    let mut entry = emu.connector(name, Grant::Ropc, PUBLIC_APP);
    entry.secrets.username = Some(ADELE.into());
    entry.secrets.password = Some(emu.password(ADELE));
    env.add(entry);
    let out = run(env.cmd(&["connector", "login", name]));
    assert_eq!(out.code, 0, "login {name}: {}", out.stderr);
}

#[test]
fn refresh_all_renews_every_connector_rotates_refresh_tokens_and_exits_4_naming_the_revoked_one() {
    let emu = Emu::start();
    let env = Env::new();
    for name in ["alpha", "beta", "gamma"] {
        add_ropc(&emu, &env, name);
    }
    let before: Vec<_> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|n| env.tokens(n).unwrap())
        .collect();
    let revoked = before[2].refresh_token.clone().unwrap();
    let status = emu.hook("/revoke", &[("refresh_token", revoked.as_str())]);
    assert!(status < 300, "revoke answered {status}");

    let out = run(env.cmd(&["refresh", "--all"]));
    assert_eq!(out.code, 4, "{}", out.all());
    let last = out.stderr.lines().last().unwrap_or_default().to_string();
    let error = out
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(error.contains("gamma"), "{}", out.stderr);
    assert!(
        !error.contains("alpha") && !error.contains("beta"),
        "{error}"
    );
    crate::support::mail::assert_contains(&last, "graphmail connector login gamma");
    crate::support::mail::assert_contains(&out.stdout, "alpha: renewed");
    crate::support::mail::assert_contains(&out.stdout, "beta: renewed");

    for (i, name) in ["alpha", "beta"].iter().enumerate() {
        let after = env.tokens(name).unwrap();
        assert_ne!(after.access_token, before[i].access_token, "{name}");
        assert!(after.refresh_token.is_some());
        assert_ne!(
            after.refresh_token, before[i].refresh_token,
            "{name}: the refresh token was not rotated"
        );
        let token = after.access_token.clone().unwrap();
        assert_eq!(emu.graph_status("/me", &token), 200);
    }
    let gamma = env.tokens("gamma").unwrap();
    assert_eq!(gamma.refresh_token.as_deref(), Some(revoked.as_str()));
    assert!(gamma.last_error.is_some());

    let secrets = [
        ("revoked refresh token", revoked.as_str()),
        ("password", &emu.password(ADELE)),
    ];
    assert_not_in(&out.all(), &secrets, "the refresh output");
}

#[test]
fn refresh_json_names_each_connector_and_a_single_healthy_one_exits_0() {
    let emu = Emu::start();
    let env = Env::new();
    add_ropc(&emu, &env, "alpha");
    let out = run(env.cmd(&["--json", "refresh", "alpha"]));
    assert_eq!(out.code, 0, "{}", out.all());
    let events = out.events();
    assert_eq!(events.len(), 1, "{}", out.stdout);
    assert_eq!(events[0]["connector"], "alpha");
    assert_eq!(events[0]["ok"], true);

    let out = run(env.cmd(&["refresh", "nope"]));
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("nope"));
    let out = run(env.cmd(&["refresh"]));
    assert_eq!(
        out.code, 2,
        "refresh without --all or a name is a usage error"
    );
}

#[test]
fn status_shows_expiry_refresh_age_last_use_and_last_error_for_every_connector() {
    let emu = Emu::start();
    let env = Env::new();
    add_ropc(&emu, &env, "alpha");
    add_ropc(&emu, &env, "gamma");
    env.add(emu.connector("fresh", Grant::DeviceCode, PUBLIC_APP));
    emu.revoke_user(ADELE);
    let out = run(env.cmd(&["refresh", "gamma"]));
    assert_eq!(out.code, 4, "{}", out.all());

    let out = run(env.cmd(&["--json", "connector", "status"]));
    assert_eq!(out.code, 0, "{}", out.all());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let list = doc.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let by = |n: &str| list.iter().find(|c| c["name"] == n).unwrap().clone();

    let alpha = by("alpha");
    assert_eq!(alpha["health"], "ok");
    assert_eq!(alpha["access_token"]["present"], true);
    assert!(alpha["access_token"]["expires_in_secs"].as_i64().unwrap() > 30 * 60);
    assert_eq!(alpha["refresh_token"]["age_days"], 0);
    assert_eq!(alpha["refresh_token"]["days_left"], 90);
    assert_eq!(alpha["refresh_token"]["inactivity_limit_days"], 90);
    assert!(alpha["last_success"].is_string());
    assert!(alpha["last_error"].is_null());

    let gamma = by("gamma");
    let err = gamma["last_error"].as_str().unwrap();
    assert!(!err.is_empty());

    let fresh = by("fresh");
    assert_eq!(fresh["health"], "needs_sign_in");
    assert_eq!(fresh["access_token"]["present"], false);
    assert!(fresh["last_success"].is_null());

    let human = run(env.cmd(&["connector", "status"]));
    assert_eq!(human.code, 0);
    assert!(human.stdout.contains("fresh (device-code): needs sign-in"));
    assert!(
        human
            .stdout
            .contains("0 days old, 90 of 90 inactivity days left")
    );
    assert!(human.stdout.contains("last error:"));

    let alpha_tokens = env.tokens("alpha").unwrap();
    let at = alpha_tokens.access_token.clone().unwrap();
    let rt = alpha_tokens.refresh_token.clone().unwrap();
    let secrets = [
        ("access token", at.as_str()),
        ("refresh token", rt.as_str()),
    ];
    assert_not_in(&out.stdout, &secrets, "connector status --json");
    assert_not_in(&human.stdout, &secrets, "connector status");
}
