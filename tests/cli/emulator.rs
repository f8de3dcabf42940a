//! `graphmail emulator --port 0 --json` prints one JSON line as soon as it listens.
#![cfg(feature = "demo")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// `graphmail emulator --port 0 --json` running, and the JSON line it printed.
struct Running {
    child: std::process::Child,
    _logs: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator() -> (Running, Value) {
    let logs = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphmail"))
        .args(["emulator", "--port", "0", "--json"])
        .env("GRAPHMAIL_LOG_DIR", logs.path())
        // No config file: a developer's own must not change what the tests see.
        .env("GRAPHMAIL_CONFIG_DIR", logs.path())
        .env_remove("GRAPHMAIL_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the graphmail binary runs");
    let stdout = child.stdout.take().unwrap();
    let running = Running { child, _logs: logs };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a JSON line on stdout");
    let v: Value = serde_json::from_str(&line).expect("the line is JSON");
    (running, v)
}

#[test]
fn emulator_command_prints_its_json_line_then_serves() {
    let (running, v) = start_emulator();
    drop(running);
    let login = v["login_url"].as_str().unwrap();
    assert!(login.starts_with("http://127.0.0.1:") && !login.ends_with(":0"));
    assert_eq!(v["graph_url"], format!("{login}/v1.0"));
    assert_eq!(v["tenant"]["domain"], "contoso-demo.onmicrosoft.com");
    assert!(v["tenant"]["id"].is_string());
    let apps = v["apps"].as_array().unwrap();
    assert!(
        apps.iter()
            .any(|a| a["kind"] == "public" && a.get("secret").is_none())
    );
    assert!(
        apps.iter()
            .any(|a| a["kind"] == "confidential" && a["secret"].is_string())
    );
    assert!(
        apps.iter()
            .all(|a| a["client_id"].is_string() && a["redirect_uris"].is_array())
    );
    let users = v["users"].as_array().unwrap();
    assert_eq!(users.len(), 3);
    assert!(users.iter().any(|u| u["mfa"] == true));
    assert!(
        users
            .iter()
            .all(|u| u["upn"].is_string() && u["password"].is_string())
    );
}

/// Runs a line the emulator printed, as a person pastes it into a shell, with `vault`'s
/// settings and this build of graphmail first on the PATH.
fn shell(vault: &crate::support::mail::MailVault, line: &str) -> (i32, String, String) {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_graphmail"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut sh = Command::new("sh");
    sh.args(["-c", line]).env("PATH", path).stdin(Stdio::null());
    for (key, value) in vault.cmd().get_envs() {
        match value {
            Some(v) => sh.env(key, v),
            None => sh.env_remove(key),
        };
    }
    let (code, out, err) = crate::support::mail::run(&mut sh);
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

#[test]
fn the_printed_connector_add_line_adds_a_connector_that_signs_in_and_lists_mail() {
    let (_running, v) = start_emulator();
    let apps = v["apps"].as_array().unwrap();
    let lines: Vec<&str> = apps
        .iter()
        .filter_map(|a| a["connector_add"].as_str())
        .collect();
    assert_eq!(lines.len(), 3, "one line per app that has permissions: {v}");
    let daemon = lines
        .iter()
        .find(|l| l.contains("--grant client-credentials"))
        .expect("the app-only app's line");
    let login = v["login_url"].as_str().unwrap();
    assert!(
        daemon.contains(&format!(
            "--cloud custom --login-url {login} --graph-url {login}/v1.0"
        )),
        "{daemon}"
    );

    let vault = crate::support::mail::MailVault::empty();
    let (code, _, err) = shell(&vault, "graphmail vault init");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = shell(&vault, daemon);
    assert_eq!(code, 0, "{daemon}: {err}");
    let (code, _, err) = shell(&vault, "graphmail connector login emu-daemon");
    assert_eq!(code, 0, "{err}");
    let (code, listed, err) = shell(&vault, "graphmail mail list -c emu-daemon --top 5 | cat");
    assert_eq!(code, 0, "{err}");
    assert!(listed.starts_with("FLAGS  RECEIVED"), "{listed}");
    assert_eq!(
        listed.lines().count(),
        6,
        "a header and five messages:\n{listed}"
    );
}
