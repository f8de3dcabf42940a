//! `graphmail vault init|passwd|recipients` through the real binary.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::vault::{
    Setup, age_identity, graphmail, graphmail_without_terminal, run, snapshot,
};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_with_a_passphrase_file_creates_a_private_vault() {
    let s = Setup::new();
    let pass = s.passphrase_file("pass", "correct horse battery\nsecond line is ignored\n");
    let (code, out, err) = s.with_pass(&pass, &["--json", "vault", "init"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["passphrase"], true);
    assert_eq!(json["recipients"], serde_json::json!([]));
    assert_eq!(json["vault"], s.vault().display().to_string());

    assert_eq!(mode(&s.path("data")), 0o700);
    assert_eq!(mode(&s.vault()), 0o600);
    assert_eq!(mode(&s.path("data").join("vault.age.key")), 0o600);

    // Only the first line is the passphrase.
    let first_line = s.passphrase_file("first", "correct horse battery");
    let (code, out, err) = s.with_pass(&first_line, &["vault", "recipients", "list"]);
    assert_eq!(code, 0, "{err}");
    crate::support::mail::assert_contains(&out, "passphrase: yes");

    // The passphrase never reaches a file in the clear.
    for folder in [s.path("data"), s.path("logs")] {
        if let Ok(entries) = std::fs::read_dir(&folder) {
            for e in entries {
                let bytes = std::fs::read(e.unwrap().path()).unwrap();
                assert!(!String::from_utf8_lossy(&bytes).contains("correct horse"));
            }
        }
    }
}

#[test]
fn environment_variables_name_the_vault_and_the_passphrase() {
    let s = Setup::new();
    s.init_with_passphrase("from the environment");
    let mut cmd = graphmail(s.dir.path());
    cmd.env("GRAPHMAIL_VAULT", s.vault())
        .env("GRAPHMAIL_PASSPHRASE_FILE", s.path("pass"))
        .args(["vault", "recipients", "list", "--json"]);
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["passphrase"], true);
}

#[test]
fn wrong_passphrase_exits_3_with_one_clear_sentence_and_changes_nothing() {
    let s = Setup::new();
    s.init_with_passphrase("the right one");
    let wrong = s.passphrase_file("wrong", "not it");
    let before = snapshot(&s.path("data"));
    let (code, out, err) = s.with_pass(&wrong, &["vault", "recipients", "list"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.starts_with("error: the passphrase is wrong\n"), "{err}");
    crate::support::mail::assert_contains(&err, "fix:");
    assert_eq!(snapshot(&s.path("data")), before);

    let (code, out, _) = s.with_pass(&wrong, &["--json", "vault", "recipients", "list"]);
    assert_eq!(code, 3);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["error"]["code"], "wrong_passphrase");
}

#[test]
fn vault_readable_by_others_is_refused_with_the_chmod_fix() {
    let s = Setup::new();
    let pass = s.init_with_passphrase("pw for perms");
    std::fs::set_permissions(s.vault(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = s.with_pass(&pass, &["vault", "recipients", "list"]);
    assert_eq!(code, 1, "{err}");
    crate::support::mail::assert_contains(&err, "other users can access");
    crate::support::mail::assert_contains(&err, &format!("chmod 600 {}", s.vault().display()));
    assert_eq!(
        mode(&s.vault()),
        0o644,
        "graphmail must not change it itself"
    );
}

#[test]
fn passwd_changes_the_passphrase() {
    let s = Setup::new();
    let old = s.init_with_passphrase("old passphrase");
    let new = s.passphrase_file("new", "new passphrase");
    let (code, out, err) = s.passwd("--passphrase-file", &old, &new);
    assert_eq!(code, 0, "{err}");
    crate::support::mail::assert_contains(&out, "Changed the passphrase");

    let list = |file: &Path| s.with_pass(file, &["vault", "recipients", "list"]).0;
    assert_eq!(list(&old), 3);
    assert_eq!(list(&new), 0);
}

#[test]
fn recipients_are_added_listed_and_removed() {
    let s = Setup::new();
    let pass = s.init_with_passphrase("admin passphrase");
    let pass = pass.to_str().unwrap();
    let (bob_key, bob_public) = age_identity(s.dir.path(), "bob.txt");
    let ssh_line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAq+Tx12than11qkOMXFYad9KtNQ5mNLxoKDAdfteZB6 carol@ops";
    let carol_pub = s.path("carol.pub");
    std::fs::write(&carol_pub, format!("{ssh_line}\n")).unwrap();

    let (code, out, err) = s.gm(&[
        "--passphrase-file",
        pass,
        "vault",
        "recipients",
        "add",
        &bob_public,
    ]);
    assert_eq!(code, 0, "{err}");
    crate::support::mail::assert_contains(&out, "Added");
    let (code, _, err) = s.gm(&[
        "--passphrase-file",
        pass,
        "vault",
        "recipients",
        "add",
        "--recipient-file",
        carol_pub.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");

    // Bob's own key opens the vault now.
    let (code, out, err) = s.with_identity(&bob_key, &["--json", "vault", "recipients", "list"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lines: Vec<&str> = crate::support::json::field_strings(&json["recipients"], "line");
    assert_eq!(lines, [bob_public.as_str(), ssh_line]);
    assert_eq!(json["recipients"][1]["comment"], "carol@ops");

    // Removing by comment; then Bob is removed and locked out.
    let (code, _, err) = s.gm(&[
        "--passphrase-file",
        pass,
        "vault",
        "recipients",
        "remove",
        "carol@ops",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = s.gm(&[
        "--passphrase-file",
        pass,
        "vault",
        "recipients",
        "remove",
        &bob_public,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = s.with_identity(&bob_key, &["vault", "recipients", "list"]);
    assert_eq!(code, 3, "{err}");
    crate::support::mail::assert_contains(&err, "none of the given identities can open this vault");

    // An unknown recipient and a private key given by mistake are refused clearly.
    let (code, _, err) = s.gm(&[
        "--passphrase-file",
        pass,
        "vault",
        "recipients",
        "remove",
        "nobody@nowhere",
    ]);
    assert_eq!(code, 1);
    crate::support::mail::assert_contains(&err, "no recipient of this vault matches");
    let secret = std::fs::read_to_string(&bob_key).unwrap();
    let (code, _, err) = s.gm(&[
        "--passphrase-file",
        pass,
        "vault",
        "recipients",
        "add",
        secret.trim(),
    ]);
    assert_eq!(code, 2);
    crate::support::mail::assert_contains(&err, "that is a private key");
    assert!(
        !err.contains(secret.trim()),
        "the private key must not be echoed"
    );
}

#[test]
fn recipients_only_vault_needs_an_identity() {
    let s = Setup::new();
    let (key, public) = age_identity(s.dir.path(), "admin.txt");
    let (code, out, err) = s.gm(&[
        "--json",
        "vault",
        "init",
        "--no-passphrase",
        "--recipient",
        &public,
    ]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["passphrase"], false);
    assert!(!s.path("data").join("vault.age.key").exists());

    let pass = s.passphrase_file("pass", "whatever");
    let (code, _, err) = s.with_pass(&pass, &["vault", "recipients", "list"]);
    assert_eq!(code, 3, "{err}");
    crate::support::mail::assert_contains(&err, "has no passphrase");
    crate::support::mail::assert_contains(&err, "--identity");

    let (code, out, err) = s.with_identity(&key, &["vault", "recipients", "list"]);
    assert_eq!(code, 0, "{err}");
    crate::support::mail::assert_contains(&out, "passphrase: no");

    // passwd adds a passphrase to it.
    let (code, _, err) = s.passwd("--identity", &key, &pass);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = s.with_pass(&pass, &["vault", "recipients", "list"]);
    assert_eq!(code, 0, "{err}");
    crate::support::mail::assert_contains(&out, "passphrase: yes");
}

#[test]
fn init_refuses_what_it_cannot_do() {
    let s = Setup::new();
    let (code, _, err) = s.gm(&["vault", "init", "--no-passphrase"]);
    assert_eq!(code, 2, "{err}");
    crate::support::mail::assert_contains(&err, "--no-passphrase needs at least one recipient");

    let (code, _, err) = s.gm(&["vault", "init", "--recipient", "ssh-dss AAAAB3Nz bob@old"]);
    assert_eq!(code, 2, "{err}");
    crate::support::mail::assert_contains(&err, "cannot be used");
    assert!(!s.vault().exists());

    s.init_with_passphrase("first");
    let before = snapshot(&s.path("data"));
    let (code, _, err) = s.gm(&[
        "--passphrase-file",
        s.path("pass").to_str().unwrap(),
        "vault",
        "init",
    ]);
    assert_eq!(code, 1, "{err}");
    crate::support::mail::assert_contains(&err, "a vault already exists");
    assert_eq!(snapshot(&s.path("data")), before);
}

#[test]
fn missing_vault_says_how_to_create_one() {
    let s = Setup::new();
    let pass = s.passphrase_file("pass", "x");
    let (code, _, err) = s.with_pass(&pass, &["vault", "recipients", "list"]);
    assert_eq!(code, 1, "{err}");
    crate::support::mail::assert_contains(&err, "no vault at");
    crate::support::mail::assert_contains(&err, "graphmail vault init");
}

#[test]
fn without_a_terminal_the_error_names_the_flags() {
    let s = Setup::new();
    let Some(mut cmd) = graphmail_without_terminal(s.dir.path()) else {
        return;
    };
    cmd.arg("--vault").arg(s.vault()).args(["vault", "init"]);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 2, "{err}");
    crate::support::mail::assert_contains(&err, "no terminal");
    crate::support::mail::assert_contains(&err, "--passphrase-file");

    s.init_with_passphrase("locked");
    let mut cmd = graphmail_without_terminal(s.dir.path()).unwrap();
    cmd.arg("--vault")
        .arg(s.vault())
        .args(["vault", "recipients", "list"]);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 3, "{err}");
    crate::support::mail::assert_contains(&err, "the vault is locked and there is no terminal");
    crate::support::mail::assert_contains_all(&err, &["--passphrase-file", "--identity"]);
}
