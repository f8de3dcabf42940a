//! `graphmail emulator --port 0 --json` prints one JSON line as soon as it listens.
#![cfg(feature = "demo")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

#[test]
fn emulator_command_prints_its_json_line_then_serves() {
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
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(10));
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("a JSON line on stdout");
    let v: Value = serde_json::from_str(&line).expect("the line is JSON");
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
