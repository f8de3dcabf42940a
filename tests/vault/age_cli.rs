//! Interoperability with the reference `age` CLI and with OpenSSH keys.

use std::path::Path;
use std::process::Command;

use crate::support::vault::{
    age_identity, entry, graphmail, graphmail_without_terminal, require_program, run,
};
use graphmail::vault::{Unlock, Vault, VaultDocument, VaultError, set_scrypt_work_factor};

/// Adds a connector through the library, opening the vault with `identity`.
fn add_connector(vault: &Path, identity: &Path, name: &str, secret: &str) {
    set_scrypt_work_factor(10);
    let vault = Vault::open(vault, Unlock::IdentityFile(identity.to_path_buf())).unwrap();
    vault
        .update(|doc| {
            doc.connectors.push(entry(name, secret));
            Ok::<_, VaultError>(())
        })
        .unwrap();
}

/// Decrypts the vault with the age CLI and the identity file, and reads the document.
fn age_decrypt(age: &Path, identity: &Path, vault: &Path) -> VaultDocument {
    let out = Command::new(age)
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(vault)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "age -d failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ssh_keygen(dir: &Path, kind: &str, passphrase: &str) -> Option<std::path::PathBuf> {
    let keygen = require_program("ssh-keygen", "make an OpenSSH key to unlock the vault with")?;
    let key = dir.join(format!("id_{kind}"));
    let mut cmd = Command::new(keygen);
    cmd.args([
        "-q",
        "-t",
        kind,
        "-N",
        passphrase,
        "-C",
        "admin@example",
        "-f",
    ])
    .arg(&key);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let status = cmd.status().unwrap();
    assert!(status.success());
    Some(key)
}

#[test]
fn age_cli_decrypts_a_vault_made_for_an_x25519_recipient() {
    let Some(age) = require_program("age", "check that the age CLI decrypts the vault") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = age_identity(dir.path(), "key.txt");
    let vault = dir.path().join("data").join("vault.age");
    let pass = dir.path().join("pass");
    crate::support::vault::write_private(&pass, "a passphrase as well");
    let (code, _, err) = run(graphmail(dir.path())
        .arg("--vault")
        .arg(&vault)
        .arg("--passphrase-file")
        .arg(&pass)
        .args(["vault", "init", "--recipient", &public]));
    assert_eq!(code, 0, "{err}");
    add_connector(&vault, &key, "payroll", "secret-for-age-cli");

    let doc = age_decrypt(&age, &key, &vault);
    assert_eq!(doc.schema, graphmail::vault::SCHEMA_VERSION);
    assert_eq!(doc.connectors.len(), 1);
    assert_eq!(doc.connectors[0].connector.name, "payroll");
    assert_eq!(
        doc.connectors[0].secrets.client_secret.as_deref(),
        Some("secret-for-age-cli")
    );
}

#[test]
fn openssh_ed25519_key_unlocks_a_vault_made_for_its_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let Some(key) = ssh_keygen(dir.path(), "ed25519", "") else {
        return;
    };
    let vault = dir.path().join("data").join("vault.age");
    let (code, _, err) = run(graphmail(dir.path())
        .arg("--vault")
        .arg(&vault)
        .args(["vault", "init", "--no-passphrase", "--recipient-file"])
        .arg(key.with_extension("pub")));
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = run(graphmail(dir.path())
        .arg("--vault")
        .arg(&vault)
        .arg("--identity")
        .arg(&key)
        .args(["--json", "vault", "recipients", "list"]));
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["recipients"][0]["kind"], "ssh-ed25519");
    assert_eq!(json["recipients"][0]["comment"], "admin@example");

    // The environment variable works as well, and changes made with the key are kept.
    add_connector(&vault, &key, "helpdesk", "s");
    let (code, _, err) = run(graphmail(dir.path())
        .env("GRAPHMAIL_VAULT", &vault)
        .env("GRAPHMAIL_IDENTITY", &key)
        .args(["vault", "recipients", "list"]));
    assert_eq!(code, 0, "{err}");

    // The age CLI accepts the same SSH key.
    if let Some(age) = require_program("age", "check that the age CLI decrypts with an SSH key") {
        let doc = age_decrypt(&age, &key, &vault);
        assert_eq!(doc.connectors[0].connector.name, "helpdesk");
    }
}

#[test]
fn openssh_rsa_key_unlocks_a_vault_shared_with_another_admin() {
    let dir = tempfile::tempdir().unwrap();
    let Some(rsa) = ssh_keygen(dir.path(), "rsa", "") else {
        return;
    };
    let (age_key, age_public) = age_identity(dir.path(), "other-admin.txt");
    let vault = dir.path().join("data").join("vault.age");
    let (code, _, err) = run(graphmail(dir.path())
        .arg("--vault")
        .arg(&vault)
        .args([
            "vault",
            "init",
            "--no-passphrase",
            "--recipient",
            &age_public,
        ])
        .arg("--recipient-file")
        .arg(rsa.with_extension("pub")));
    assert_eq!(code, 0, "{err}");
    // One admin saves, the other still opens it.
    add_connector(&vault, &age_key, "shared", "s");
    let (code, out, err) = run(graphmail(dir.path())
        .arg("--vault")
        .arg(&vault)
        .arg("--identity")
        .arg(&rsa)
        .args(["vault", "recipients", "list"]));
    assert_eq!(code, 0, "{err}");
    crate::support::mail::assert_contains(&out, "ssh-rsa ");
    let vault = Vault::open(&vault, Unlock::IdentityFile(rsa)).unwrap();
    assert_eq!(vault.read().unwrap().connectors[0].connector.name, "shared");
}

#[test]
fn passphrase_protected_ssh_key_without_a_terminal_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let Some(key) = ssh_keygen(dir.path(), "ed25519", "key passphrase") else {
        return;
    };
    let vault = dir.path().join("data").join("vault.age");
    let (code, _, err) = run(graphmail(dir.path())
        .arg("--vault")
        .arg(&vault)
        .args(["vault", "init", "--no-passphrase", "--recipient-file"])
        .arg(key.with_extension("pub")));
    assert_eq!(code, 0, "{err}");

    // A caller that has the key's passphrase (the TUI asks for it itself) opens the vault.
    set_scrypt_work_factor(10);
    let unlock = |passphrase: &str| Unlock::ProtectedIdentityFile {
        path: key.clone(),
        passphrase: passphrase.to_string().into(),
    };
    Vault::open(&vault, unlock("key passphrase")).unwrap();
    let err = Vault::open(&vault, unlock("wrong")).unwrap_err();
    assert!(
        matches!(err, VaultError::WrongIdentityPassphrase { .. }),
        "{err}"
    );

    let Some(mut cmd) = graphmail_without_terminal(dir.path()) else {
        return;
    };
    let (code, _, err) = run(cmd
        .arg("--vault")
        .arg(&vault)
        .arg("--identity")
        .arg(&key)
        .args(["vault", "recipients", "list"]));
    assert_eq!(code, 3, "{err}");
    crate::support::mail::assert_contains(
        &err,
        "is protected by a passphrase and there is no terminal to ask for it",
    );
    crate::support::mail::assert_contains(&err, "fix:");
}
