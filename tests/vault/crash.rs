//! Crash safety and concurrent updates, with real processes.
//!
//! The child processes are this test binary again, started with `VAULT_TEST_CHILD` set so that
//! `child_process_entry` plays the child instead of the tests.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::vault::{age_identity, entry};
use graphmail::vault::{InitOptions, Unlock, Vault, VaultError};

const CHILD_ENV: &str = "VAULT_TEST_CHILD";
const KILLS: usize = 200;

/// The connector whose name carries the save counter: `gen-<n>`.
fn generation(vault: &Vault) -> u64 {
    let doc = vault.read().expect("the vault opens after a crash");
    assert_eq!(doc.connectors.len(), 1, "exactly the one counter connector");
    doc.connectors[0]
        .connector
        .name
        .strip_prefix("gen-")
        .and_then(|n| n.parse().ok())
        .expect("a gen-N name")
}

fn spawn_child(mode: &str, vault: &Path, key: &Path, tag: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash::child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, mode)
        .env("VAULT_TEST_PATH", vault)
        .env("VAULT_TEST_KEY", key)
        .env("VAULT_TEST_TAG", tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Not a test of its own: the body of the child processes started by the tests below.
#[test]
fn child_process_entry() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let path = std::env::var_os("VAULT_TEST_PATH").unwrap();
    let key = std::env::var_os("VAULT_TEST_KEY").unwrap();
    let vault = Vault::open(Path::new(&path), Unlock::IdentityFile(key.into())).unwrap();
    let mut out = std::io::stdout().lock();
    match mode.as_str() {
        // Saves in a loop until killed, reporting each save once it is complete.
        "saver" => {
            for _ in 0..1_000_000 {
                let n = vault
                    .update(|doc| {
                        let counter = &mut doc.connectors[0].connector.name;
                        let n: u64 = counter["gen-".len()..].parse().unwrap();
                        *counter = format!("gen-{}", n + 1);
                        Ok::<_, VaultError>(n + 1)
                    })
                    .unwrap();
                writeln!(out, "committed {n}").unwrap();
                out.flush().unwrap();
            }
        }
        // Adds its own connectors, one update each.
        "adder" => {
            let tag = std::env::var("VAULT_TEST_TAG").unwrap();
            for i in 0..ADDS_PER_CHILD {
                vault
                    .update(|doc| {
                        doc.connectors.push(entry(&format!("{tag}-{i}"), "s"));
                        Ok::<_, VaultError>(())
                    })
                    .unwrap();
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn new_vault(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (key, public) = age_identity(dir, "key.txt");
    let path = dir.join("vault").join("vault.age");
    Vault::init(
        &path,
        InitOptions {
            passphrase: None,
            recipients: vec![public],
        },
    )
    .unwrap();
    (path, key)
}

#[test]
fn killing_a_process_in_the_middle_of_saves_never_loses_or_corrupts_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = new_vault(dir.path());
    let vault = Vault::open(&path, Unlock::IdentityFile(key.clone())).unwrap();
    vault
        .update(|doc| {
            doc.connectors.push(entry("gen-0", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap();

    let mut last = 0;
    let mut landed_in_flight = 0;
    for round in 0..KILLS {
        let mut child = spawn_child("saver", &path, &key, "");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Wait until the child is saving, then kill it after a delay that sweeps 0–12 ms.
        let mut reported = None;
        for line in lines.by_ref() {
            if let Some(n) = line.unwrap().strip_prefix("committed ") {
                reported = Some(n.parse::<u64>().unwrap());
                break;
            }
        }
        assert!(reported.is_some(), "the child saved at least once");
        std::thread::sleep(Duration::from_micros((round as u64 * 4_813) % 12_000));
        child.kill().unwrap();
        child.wait().unwrap();
        for line in lines {
            if let Some(n) = line.unwrap().strip_prefix("committed ") {
                reported = Some(n.parse().unwrap());
            }
        }
        let reported = reported.unwrap();

        // Every save the child reported is there; at most the one in flight got further.
        let found = generation(&vault);
        assert!(
            found == reported || found == reported + 1,
            "round {round}: vault holds gen-{found}, child had reported gen-{reported}"
        );
        assert!(found > last || round == 0, "round {round}: progress");
        if found == reported + 1 {
            landed_in_flight += 1;
        }
        last = found;
        // The backup is always a complete vault too.
        let bak = Vault::backup_path(&path);
        let backup_copy = dir.path().join("bak-check.age");
        std::fs::copy(&bak, &backup_copy).unwrap();
        assert!(
            format_opens(&backup_copy, &key),
            "round {round}: backup opens"
        );
    }
    eprintln!(
        "{KILLS} kills; {landed_in_flight} of them after the rename of a save the child had not reported yet"
    );
}

/// True when a copy of a vault file opens with the key (a copy has no lock or backup of its own).
fn format_opens(file: &Path, key: &Path) -> bool {
    Vault::open(file, Unlock::IdentityFile(key.to_path_buf()))
        .and_then(|v| v.read())
        .is_ok()
}

const ADDS_PER_CHILD: usize = 12;
const CONCURRENT_ROUNDS: usize = 6;

#[test]
fn two_processes_adding_at_the_same_time_both_keep_their_connectors() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = new_vault(dir.path());
    let mut expected = Vec::new();
    for round in 0..CONCURRENT_ROUNDS {
        let tags = [format!("r{round}a"), format!("r{round}b")];
        let children: Vec<Child> = tags
            .iter()
            .map(|tag| spawn_child("adder", &path, &key, tag))
            .collect();
        for mut child in children {
            assert!(
                child.wait().unwrap().success(),
                "round {round}: a child failed"
            );
        }
        for tag in &tags {
            expected.extend((0..ADDS_PER_CHILD).map(|i| format!("{tag}-{i}")));
        }
        let vault = Vault::open(&path, Unlock::IdentityFile(key.clone())).unwrap();
        let mut names: Vec<String> = vault
            .read()
            .unwrap()
            .connectors
            .iter()
            .map(|e| e.connector.name.clone())
            .collect();
        names.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(names, want, "round {round}");
    }
}
