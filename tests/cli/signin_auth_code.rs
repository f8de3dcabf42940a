//! Authorization code + PKCE through the real binary against the emulator: back through the
//! loopback listener, back through a pasted address, and a wrong `state` refused.

use std::io::Write;
use std::process::Stdio;

use crate::support::emu::{ADELE, Emu, PUBLIC_APP, WEB_APP};
use crate::support::signin::{Env, LoginChild, free_port};
use graphmail::domain::Grant;

fn auth_code_env(emu: &Emu, client_id: &str, secret: Option<String>) -> (Env, u16) {
    let env = Env::new();
    let port = free_port();
    let mut entry = emu.connector("web", Grant::AuthCode, client_id);
    entry.connector.redirect_port = port;
    entry.secrets.client_secret = secret;
    env.add(entry);
    (env, port)
}

#[test]
fn auth_code_comes_back_through_the_loopback_listener_with_pkce_checked() {
    let emu = Emu::start();
    let (env, port) = auth_code_env(&emu, PUBLIC_APP, None);
    let mut cmd = env.cmd(&["--json", "connector", "login", "web", "--no-browser"]);
    cmd.stdin(Stdio::piped()); // open but silent: only the listener answers
    let mut child = LoginChild::start(cmd);

    let shown = child.next_event();
    assert_eq!(shown["event"], "authorize_url", "{shown}");
    assert_eq!(shown["listening"], format!("127.0.0.1:{port}"));
    assert_eq!(shown["redirect_uri"], format!("http://localhost:{port}/"));
    let url = shown["url"].as_str().unwrap();
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "state=",
        "code_challenge=",
    ] {
        assert!(url.contains(part), "{part} missing from {url}");
    }

    let location = emu.browser_sign_in(url, ADELE, &emu.password(ADELE));
    assert!(
        location.starts_with(&format!("http://localhost:{port}/?")),
        "{location}"
    );
    let (status, page) = emu.follow(&location);
    assert_eq!(status, 200);
    assert!(page.contains("return to the terminal"));

    let done = child.next_event();
    assert_eq!(done["event"], "signed_in", "{done}");
    assert_eq!(done["user"], ADELE);
    let out = child.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        emu.pkce_verified(),
        "the emulator saw no matching S256 verifier"
    );
    assert_eq!(env.tokens("web").unwrap().user.as_deref(), Some(ADELE));
}

#[test]
fn auth_code_comes_back_through_a_pasted_address_for_a_confidential_app() {
    let emu = Emu::start();
    let secret = emu.secret(WEB_APP);
    let (env, port) = auth_code_env(&emu, WEB_APP, Some(secret));
    let mut cmd = env.cmd(&["connector", "login", "web"]);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());

    // Text mode over SSH: the URL, the tunnel line and the paste prompt.
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(
            std::io::BufRead::read_line(&mut stdout, &mut line).unwrap() > 0,
            "{seen}"
        );
        seen.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    let mut rest = String::new();
    while !seen.contains("paste") {
        rest.clear();
        std::io::BufRead::read_line(&mut stdout, &mut rest).unwrap();
        seen.push_str(&rest);
    }
    crate::support::mail::assert_contains(&seen, &format!("ssh -L {port}:127.0.0.1:{port} "));

    let location = emu.browser_sign_in(&url, ADELE, &emu.password(ADELE));
    writeln!(child.stdin.as_mut().unwrap(), "{location}").unwrap();
    let mut tail = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut tail).unwrap();
    let out = child.wait_with_output().unwrap();
    crate::support::mail::assert_success(&out);
    crate::support::mail::assert_contains(&tail, &format!("Signed in connector 'web' as {ADELE}"));
    assert!(emu.pkce_verified());
    assert!(env.tokens("web").unwrap().access_token.is_some());
}

#[test]
fn a_pasted_address_with_another_state_is_refused_and_nothing_is_saved() {
    let emu = Emu::start();
    let (env, _) = auth_code_env(&emu, PUBLIC_APP, None);
    let before = env.vault_files();
    let mut cmd = env.cmd(&["--json", "connector", "login", "web"]);
    cmd.stdin(Stdio::piped());
    let mut child = LoginChild::start(cmd);
    let shown = child.next_event();
    let location = emu.browser_sign_in(shown["url"].as_str().unwrap(), ADELE, &emu.password(ADELE));
    let forged = with_state(&location, "forged-state");
    writeln!(child.child.stdin.as_mut().unwrap(), "{forged}").unwrap();

    let failed = child.next_event();
    assert_eq!(failed["event"], "error", "{failed}");
    assert_eq!(failed["code"], "state_mismatch");
    let out = child.finish();
    assert_ne!(out.code, 0);
    assert_eq!(env.vault_files(), before);
}

#[test]
fn a_listener_reply_with_another_state_is_refused_and_nothing_is_saved() {
    let emu = Emu::start();
    let (env, _) = auth_code_env(&emu, PUBLIC_APP, None);
    let before = env.vault_files();
    let mut child = LoginChild::start(env.cmd(&["--json", "connector", "login", "web"]));
    let shown = child.next_event();
    let location = emu.browser_sign_in(shown["url"].as_str().unwrap(), ADELE, &emu.password(ADELE));
    let (status, page) = emu.follow(&with_state(&location, "forged-state"));
    assert_eq!(status, 400);
    assert!(page.contains("refused"));
    let failed = child.next_event();
    assert_eq!(failed["code"], "state_mismatch", "{failed}");
    let out = child.finish();
    assert_ne!(out.code, 0);
    assert_eq!(env.vault_files(), before);
}

fn with_state(location: &str, state: &str) -> String {
    let mut url = url::Url::parse(location).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, state.to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.to_string()
}
