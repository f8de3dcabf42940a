//! Format, lock, permission and failure-mode tests of the vault.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use age::secrecy::ExposeSecret;
use secrecy::SecretString;

use super::*;
use crate::domain::{Cloud, Connector, Grant};

fn fast() {
    set_scrypt_work_factor(10);
}

fn pass(text: &str) -> SecretString {
    SecretString::from(text.to_string())
}

fn entry(name: &str, secret: &str) -> ConnectorEntry {
    ConnectorEntry {
        connector: Connector {
            name: name.into(),
            cloud: Cloud::Global,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "00000000-0000-0000-0000-000000000001".into(),
            grant: Grant::ClientCredentials,
            presets: vec![],
            extra_scopes: vec![],
            mailbox: Some("ops@contoso.com".into()),
            redirect_port: 8400,
        },
        secrets: ConnectorSecrets {
            client_secret: Some(secret.into()),
            username: None,
            password: None,
        },
        tokens: None,
    }
}

fn names(doc: &VaultDocument) -> Vec<String> {
    doc.connectors
        .iter()
        .map(|e| e.connector.name.clone())
        .collect()
}

/// A vault with a passphrase in a fresh private folder.
fn passphrase_vault(dir: &Path) -> PathBuf {
    fast();
    let path = dir.join("vault.age");
    Vault::init(
        &path,
        InitOptions {
            passphrase: Some(pass("right passphrase")),
            recipients: vec![],
        },
    )
    .unwrap();
    path
}

/// Every file in the folder with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn write_age_identity(dir: &Path) -> (PathBuf, String) {
    let id = age::x25519::Identity::generate();
    let file = dir.join("admin-key.txt");
    std::fs::write(&file, format!("{}\n", id.to_string().expose_secret())).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    (file, id.to_public().to_string())
}

#[test]
fn init_open_update_read_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    assert!(vault.read().unwrap().connectors.is_empty());

    vault
        .update(|doc| {
            doc.connectors.push(entry("first", "s1"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    let reopened = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    let doc = reopened.read().unwrap();
    assert_eq!(names(&doc), ["first"]);
    assert_eq!(
        doc.get("first").unwrap().secrets.client_secret.as_deref(),
        Some("s1")
    );
    assert_eq!(doc.schema, SCHEMA_VERSION);
}

#[test]
fn files_are_private_and_folder_is_created_0700() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("new").join("place");
    let path = passphrase_vault(&folder);
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&Vault::key_path(&path)), 0o600);
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    vault
        .update(|doc| {
            doc.connectors.push(entry("a", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&Vault::backup_path(&path)), 0o600);
}

#[test]
fn vault_file_is_not_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    vault
        .update(|doc| {
            doc.connectors
                .push(entry("a", "very-distinctive-secret-4711"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    for (name, bytes) in snapshot(dir.path()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("very-distinctive-secret-4711"), "{name}");
        assert!(!text.contains("right passphrase"), "{name}");
    }
}

#[test]
fn backup_holds_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    for name in ["one", "two"] {
        vault
            .update(|doc| {
                doc.connectors.push(entry(name, "s"));
                Ok::<_, VaultError>(())
            })
            .unwrap();
    }
    let bak = std::fs::read(Vault::backup_path(&path)).unwrap();
    let (doc, _) = format::open(&path, &bak, &vault.identities).unwrap();
    assert_eq!(names(&doc), ["one"]);
}

#[test]
fn wrong_passphrase_is_reported_and_leaves_files_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let before = snapshot(dir.path());
    let err = Vault::open(&path, Unlock::Passphrase(pass("wrong"))).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassphrase), "{err}");
    assert_eq!(err.to_string(), "the passphrase is wrong");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn corrupt_vault_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 5;
    bytes[last] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    let before = snapshot(dir.path());
    let err = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap_err();
    assert!(matches!(err, VaultError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("is damaged"), "{err}");
    assert_eq!(snapshot(dir.path()), before);

    // A truncated file and a file that is not age at all are damaged too.
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap_err();
    assert!(matches!(err, VaultError::Corrupt { .. }), "{err}");
    std::fs::write(&path, b"hello").unwrap();
    let err = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap_err();
    assert!(matches!(err, VaultError::Corrupt { .. }), "{err}");
}

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    let (_, access) = vault.load().unwrap();
    let future = VaultDocument {
        schema: SCHEMA_VERSION + 1,
        ..VaultDocument::new()
    };
    let sealed = format::seal(&access, &format::plaintext(&future, &access).unwrap()).unwrap();
    std::fs::write(&path, sealed).unwrap();
    let before = snapshot(dir.path());

    let err = vault
        .update(|doc| {
            doc.connectors.push(entry("x", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap_err();
    assert!(matches!(err, VaultError::NewerSchema { .. }), "{err}");
    let err = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap_err();
    assert!(
        err.to_string().contains("newer graphmail (schema 2"),
        "{err}"
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn insecure_vault_or_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let set =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();

    set(&path, 0o644);
    let err = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap_err();
    assert!(
        matches!(err, VaultError::InsecurePermissions { mode: 0o644, .. }),
        "{err}"
    );
    set(&path, 0o620);
    assert!(matches!(
        Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))),
        Err(VaultError::InsecurePermissions { .. })
    ));
    set(&path, 0o600);
    let key = Vault::key_path(&path);
    set(&key, 0o640);
    let err = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap_err();
    match err {
        VaultError::InsecurePermissions { path: p, .. } => assert_eq!(p, key),
        other => panic!("{other}"),
    }
    set(&key, 0o600);
    Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
}

#[test]
fn busy_lock_makes_update_fail_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase")))
        .unwrap()
        .with_lock_timeout(Duration::from_millis(150));
    let before = snapshot(dir.path());
    let held = storage::lock(&path, Duration::ZERO).unwrap();
    let err = vault
        .update(|doc| {
            doc.connectors.push(entry("x", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap_err();
    assert!(matches!(err, VaultError::Busy), "{err}");
    assert_eq!(snapshot(dir.path()), before);
    drop(held);
    vault
        .update(|doc| {
            doc.connectors.push(entry("x", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    assert_eq!(names(&vault.read().unwrap()), ["x"]);
}

#[test]
fn failing_update_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    vault.update(|_| Ok::<_, VaultError>(())).unwrap(); // creates the lock file
    let before = snapshot(dir.path());
    let err = vault
        .update(|doc| {
            doc.connectors.push(entry("x", "s"));
            Err::<(), _>(VaultError::Invalid("no".into()))
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "no");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn stale_temp_files_are_cleared_by_the_next_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let stale = dir.path().join(".vault.age.tmp.99999.0");
    std::fs::write(&stale, b"half a vault").unwrap();
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    vault
        .update(|doc| {
            doc.connectors.push(entry("x", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    assert!(!stale.exists());
}

#[test]
fn init_refuses_an_existing_vault_and_an_unprotected_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let before = snapshot(dir.path());
    let err = Vault::init(
        &path,
        InitOptions {
            passphrase: Some(pass("other")),
            recipients: vec![],
        },
    )
    .unwrap_err();
    assert!(matches!(err, VaultError::AlreadyExists { .. }), "{err}");
    assert_eq!(snapshot(dir.path()), before);
    let err = Vault::init(&dir.path().join("other.age"), InitOptions::default()).unwrap_err();
    assert!(err.to_string().contains("needs a passphrase"), "{err}");
}

#[test]
fn recipients_only_vault_opens_with_identity_and_not_with_passphrase() {
    fast();
    let dir = tempfile::tempdir().unwrap();
    let (key_file, public) = write_age_identity(dir.path());
    let path = dir.path().join("vault.age");
    Vault::init(
        &path,
        InitOptions {
            passphrase: None,
            recipients: vec![public.clone()],
        },
    )
    .unwrap();
    assert!(!Vault::has_passphrase(&path));
    let err = Vault::open(&path, Unlock::Passphrase(pass("anything"))).unwrap_err();
    assert!(matches!(err, VaultError::NoPassphrase { .. }), "{err}");

    let vault = Vault::open(&path, Unlock::IdentityFile(key_file)).unwrap();
    let access = vault.access().unwrap();
    assert!(!access.passphrase);
    assert_eq!(access.recipients.len(), 1);
    assert_eq!(access.recipients[0].as_str(), public);

    // The only way in cannot be removed.
    let before = snapshot(dir.path());
    let err = vault.remove_recipient(&public).unwrap_err();
    assert!(err.to_string().contains("lock everyone out"), "{err}");
    assert_eq!(snapshot(dir.path()), before);

    // Giving it a passphrase makes both work.
    let mut vault = vault;
    vault.change_passphrase(&pass("now with one")).unwrap();
    assert!(Vault::has_passphrase(&path));
    Vault::open(&path, Unlock::Passphrase(pass("now with one"))).unwrap();
    assert!(vault.access().unwrap().passphrase);
}

#[test]
fn wrong_identity_is_reported() {
    fast();
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let (key_file, _) = write_age_identity(dir.path());
    let err = Vault::open(&path, Unlock::IdentityFile(key_file)).unwrap_err();
    assert!(matches!(err, VaultError::NoMatchingIdentity), "{err}");
    let junk = dir.path().join("junk");
    std::fs::write(&junk, "not a key\n").unwrap();
    std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = Vault::open(&path, Unlock::IdentityFile(junk)).unwrap_err();
    assert!(matches!(err, VaultError::IdentityUnusable { .. }), "{err}");
}

#[test]
fn key_file_works_as_a_protected_identity() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(
        &path,
        Unlock::ProtectedIdentityFile {
            path: Vault::key_path(&path),
            passphrase: pass("right passphrase"),
        },
    )
    .unwrap();
    assert!(vault.read().unwrap().connectors.is_empty());
    let err = Vault::open(
        &path,
        Unlock::ProtectedIdentityFile {
            path: Vault::key_path(&path),
            passphrase: pass("not it"),
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, VaultError::WrongIdentityPassphrase { .. }),
        "{err}"
    );
}

#[test]
fn recipients_can_be_added_and_removed_and_every_save_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let (key_file, public) = write_age_identity(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    let key = RecipientKey::parse(&public).unwrap();
    assert!(vault.add_recipient(&key).unwrap());
    assert!(!vault.add_recipient(&key).unwrap());

    // A save by the admin's identity keeps the passphrase working, and the other way round.
    let admin = Vault::open(&path, Unlock::IdentityFile(key_file.clone())).unwrap();
    admin
        .update(|doc| {
            doc.connectors.push(entry("by-admin", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    vault
        .update(|doc| {
            doc.connectors.push(entry("by-passphrase", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    assert_eq!(names(&admin.read().unwrap()), ["by-admin", "by-passphrase"]);

    assert_eq!(vault.remove_recipient(&public).unwrap(), key);
    let err = Vault::open(&path, Unlock::IdentityFile(key_file)).unwrap_err();
    assert!(matches!(err, VaultError::NoMatchingIdentity), "{err}");
    // Nor does the backup open with the removed key.
    let bak = std::fs::read(Vault::backup_path(&path)).unwrap();
    let err = format::open(&path, &bak, &admin.identities).unwrap_err();
    assert!(matches!(err, VaultError::NoMatchingIdentity), "{err}");
}

#[test]
fn changing_the_passphrase_retires_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let old_key_file = std::fs::read(Vault::key_path(&path)).unwrap();
    let mut vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    vault
        .update(|doc| {
            doc.connectors.push(entry("kept", "s"));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    vault.change_passphrase(&pass("brand new")).unwrap();
    // The handle keeps working.
    assert_eq!(names(&vault.read().unwrap()), ["kept"]);

    let err = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassphrase), "{err}");
    let reopened = Vault::open(&path, Unlock::Passphrase(pass("brand new"))).unwrap();
    assert_eq!(names(&reopened.read().unwrap()), ["kept"]);
    assert_eq!(mode(&Vault::key_path(&path)), 0o600);

    // A copy of the old key file with the old passphrase opens neither the vault nor its backup.
    let old_copy = dir.path().join("old.key");
    std::fs::write(&old_copy, old_key_file).unwrap();
    let old_ids = keys::open_key_file(&old_copy, &pass("right passphrase")).unwrap();
    for file in [path.clone(), Vault::backup_path(&path)] {
        let bytes = std::fs::read(&file).unwrap();
        let err = format::open(&file, &bytes, &old_ids).unwrap_err();
        assert!(matches!(err, VaultError::NoMatchingIdentity), "{err}");
    }
}

#[test]
fn recipient_keys_parse_and_match() {
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let key = RecipientKey::parse(&format!("  {public}  ")).unwrap();
    assert_eq!(key.kind(), "age");
    assert_eq!(key.as_str(), public);
    assert_eq!(key.comment(), None);

    let ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAq+Tx12than11qkOMXFYad9KtNQ5mNLxoKDAdfteZB6   alice@host";
    let key = RecipientKey::parse(ssh).unwrap();
    assert_eq!(key.kind(), "ssh-ed25519");
    assert_eq!(key.comment(), Some("alice@host"));
    assert!(key.matches("alice@host"));
    assert!(key.matches(key.key()));
    assert!(!key.matches("bob@host"));

    // A private key pasted by mistake is refused without being repeated.
    let secret = id.to_string().expose_secret().to_string();
    let err = RecipientKey::parse(&secret).unwrap_err().to_string();
    assert!(err.contains("private key"), "{err}");
    assert!(!err.contains(&secret[15..]), "{err}");
    let err = RecipientKey::parse("hello world").unwrap_err().to_string();
    assert!(err.contains("not a public key"), "{err}");
}

#[test]
fn debug_output_holds_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    let shown = format!("{vault:?}");
    assert!(!shown.contains("AGE-SECRET-KEY"), "{shown}");
    assert!(shown.contains("vault.age"), "{shown}");
}

#[test]
fn armored_vault_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = passphrase_vault(dir.path());
    let vault = Vault::open(&path, Unlock::Passphrase(pass("right passphrase"))).unwrap();
    let (doc, access) = vault.load().unwrap();
    let plain = format::plaintext(&doc, &access).unwrap();
    let recipients: Vec<_> = access
        .vault_keys
        .iter()
        .map(|k| RecipientKey::parse(k).unwrap().to_age().unwrap())
        .collect();
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r.as_ref() as _)).unwrap();
    let mut out = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor).unwrap();
    let mut w = enc.wrap_output(armor).unwrap();
    std::io::Write::write_all(&mut w, &plain).unwrap();
    w.finish().unwrap().finish().unwrap();
    std::fs::write(&path, out).unwrap();
    assert!(vault.read().unwrap().connectors.is_empty());
}
