//! The files graphmail makes are its owner's alone whatever the umask, the folders it did not
//! make keep their mode, an identity file others can read is refused with the fix, and the
//! fix for a damaged key file names a copy that is there.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::support::emulated::Emulated;
use crate::support::vault::{Setup, age_identity, modes_under, run, with_umask, write_private};

/// Two folders the vault needs that do not exist yet.
fn nested() -> Setup {
    Setup::at("data/nested/vault.age")
}

/// `graphmail --vault <vault> ARGS…` under umask 000.
fn open_umask(s: &Setup, args: &[&str]) -> (i32, String, String) {
    run(&mut with_umask(&s.cmd(args), "000"))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn under_umask_000_every_folder_and_file_graphmail_makes_is_private() {
    let s = nested();
    let pass = s.path("pass");
    let new_pass = s.path("new-pass");
    write_private(&pass, "first passphrase");
    write_private(&new_pass, "second passphrase");
    // Passphrase files handed in are read whatever their mode.
    set_mode(&new_pass, 0o644);
    // A folder graphmail did not make, holding the log folders it makes.
    let shared = s.path("shared");
    std::fs::create_dir(&shared).unwrap();
    set_mode(&shared, 0o755);
    let logs = shared.join("graphmail/logs");
    let (_, public) = age_identity(s.dir.path(), "admin.txt");
    let pass = pass.to_str().unwrap();
    let steps: [&[&str]; 4] = [
        &["--passphrase-file", pass, "vault", "init"],
        &[
            "--passphrase-file",
            pass,
            "vault",
            "recipients",
            "add",
            &public,
        ],
        &[
            "--passphrase-file",
            pass,
            "vault",
            "passwd",
            "--new-passphrase-file",
            new_pass.to_str().unwrap(),
        ],
        &[
            "--passphrase-file",
            new_pass.to_str().unwrap(),
            "vault",
            "recipients",
            "list",
        ],
    ];
    for args in steps {
        let mut cmd = s.cmd(args);
        cmd.env("GRAPHMAIL_LOG_DIR", &logs);
        let (code, _, err) = run(&mut with_umask(&cmd, "000"));
        assert_eq!(code, 0, "{args:?}: {err}");
    }

    let made = modes_under(&s.path("data"));
    let names: Vec<&str> = made.keys().map(String::as_str).collect();
    for expected in [
        "nested/vault.age",
        "nested/vault.age.bak",
        "nested/vault.age.key",
        "nested/vault.age.key.bak",
        "nested/vault.age.lock",
    ] {
        assert!(names.contains(&expected), "{expected} missing in {names:?}");
    }
    for (name, m) in &made {
        let want = if name == "nested" { 0o700 } else { 0o600 };
        assert_eq!(*m, want, "{name} is {m:o}");
    }
    assert_eq!(mode(&s.path("data")), 0o700);
    assert_eq!(mode(&shared), 0o755, "a folder graphmail did not make");
    assert_eq!(mode(&shared.join("graphmail")), 0o700);
    assert_eq!(mode(&logs), 0o700);
    assert_eq!(mode(&logs.join("graphmail.log")), 0o600);
    assert_eq!(mode(&new_pass), 0o644, "a file handed in keeps its mode");
}

#[test]
fn an_existing_log_folder_keeps_its_mode_and_the_log_in_it_is_private() {
    let s = nested();
    let logs = s.path("sticky");
    std::fs::create_dir(&logs).unwrap();
    set_mode(&logs, 0o1777);
    let mut cmd = s.cmd(&["connector", "list"]);
    cmd.env("GRAPHMAIL_LOG_DIR", &logs);
    run(&mut with_umask(&cmd, "000"));
    assert_eq!(mode(&logs), 0o1777);
    assert_eq!(mode(&logs.join("graphmail.log")), 0o600);
}

#[test]
fn an_identity_file_others_can_read_is_refused_with_the_chmod() {
    let s = nested();
    let (key, public) = age_identity(s.dir.path(), "admin.txt");
    let (code, _, err) = open_umask(
        &s,
        &["vault", "init", "--no-passphrase", "--recipient", &public],
    );
    assert_eq!(code, 0, "{err}");
    let key_arg = key.to_str().unwrap();
    for loose in [0o640, 0o604, 0o660] {
        set_mode(&key, loose);
        let (code, _, err) = s.gm(&["--identity", key_arg, "connector", "list"]);
        assert_eq!(code, 3, "mode {loose:o}: {err}");
        assert!(err.contains("other users can read"), "{err}");
        assert!(err.contains(&format!("chmod 600 {key_arg}")), "{err}");
        let (_, out, _) = s.gm(&["--json", "--identity", key_arg, "connector", "list"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("a JSON error");
        assert_eq!(v["error"]["code"], "identity_readable", "{out}");
    }
    // The same file through the environment, then after the fix.
    let mut cmd = s.cmd(&["connector", "list"]);
    cmd.env("GRAPHMAIL_IDENTITY", &key);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 3, "{err}");
    set_mode(&key, 0o600);
    let (code, _, err) = s.gm(&["--identity", key_arg, "connector", "list"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_damaged_key_file_names_a_copy_that_exists_and_the_copy_restores_it() {
    let s = nested();
    let pass = s.path("pass");
    write_private(&pass, "the passphrase");
    let pass = pass.to_str().unwrap();
    let (code, _, err) = open_umask(&s, &["--passphrase-file", pass, "vault", "init"]);
    assert_eq!(code, 0, "{err}");
    let key = s.path("data/nested/vault.age.key");
    let copy = s.path("data/nested/vault.age.key.bak");
    assert_eq!(std::fs::read(&key).unwrap(), std::fs::read(&copy).unwrap());
    assert_eq!(mode(&copy), 0o600);

    let good = std::fs::read(&key).unwrap();
    std::fs::write(&key, &good[..good.len() / 2]).unwrap();
    let (code, _, err) = s.gm(&["--passphrase-file", pass, "connector", "list"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("the vault key {} is damaged", key.display())),
        "{err}"
    );
    let cp = format!("cp {} {}", copy.display(), key.display());
    assert!(err.contains(&cp), "the fix names the copy: {err}");
    // Following the fix, as written, brings the vault back.
    let (code, _, err) = run(Command::new("sh").arg("-c").arg(&cp));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = s.gm(&["--passphrase-file", pass, "connector", "list"]);
    assert_eq!(code, 0, "{err}");

    // Without the copy, the fix names no file that is not there.
    std::fs::remove_file(&copy).unwrap();
    std::fs::write(&key, b"age-encryption.org/v1\n-> junk\n").unwrap();
    let (code, _, err) = s.gm(&["--passphrase-file", pass, "connector", "list"]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains(".bak"), "{err}");
    assert!(err.contains("backup of your own"), "{err}");
}

#[test]
fn a_new_passphrase_rewrites_the_key_copy_so_it_never_holds_an_older_key() {
    let s = nested();
    let old = s.path("old");
    let new = s.path("new");
    write_private(&old, "old passphrase");
    write_private(&new, "new passphrase");
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let (code, _, err) = s.gm(&["--passphrase-file", old, "vault", "init"]);
    assert_eq!(code, 0, "{err}");
    let copy = s.path("data/nested/vault.age.key.bak");
    let before = std::fs::read(&copy).unwrap();
    let (code, _, err) = s.gm(&[
        "--passphrase-file",
        old,
        "vault",
        "passwd",
        "--new-passphrase-file",
        new,
    ]);
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read(&copy).unwrap();
    assert_ne!(before, after);
    assert_eq!(
        after,
        std::fs::read(s.path("data/nested/vault.age.key")).unwrap()
    );
    // The copy is the new key: restoring from it opens the vault with the new passphrase.
    std::fs::copy(&copy, s.path("data/nested/vault.age.key")).unwrap();
    let (code, _, err) = s.gm(&["--passphrase-file", new, "connector", "list"]);
    assert_eq!(code, 0, "{err}");
}

/// `graphmail ARGS` against the emulated tenant under umask 000, with the audit log at `audit`.
async fn emulated_umask(s: &Emulated, args: Vec<String>, audit: &Path) {
    let mut cmd = s.vault.cmd();
    cmd.args(&args).env("GRAPHMAIL_AUDIT_LOG", audit);
    let mut cmd = with_umask(&cmd, "000");
    let (code, _, err) = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    assert_eq!(code, 0, "{args:?}: {err}");
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_umask_000_the_audit_log_and_saved_attachments_are_private() {
    let s = Emulated::start().await;
    let dir = s.vault.path().to_path_buf();
    let audit = dir.join("audit/deep/audit.jsonl");
    let note = dir.join("note.txt");
    std::fs::write(&note, "attached text").unwrap();
    let (me, subject) = (s.user().upn, "private files check");
    let mut send = strings(&["mail", "send", "--connector", "ops", "--to", &me]);
    send.extend(strings(&[
        "--subject",
        subject,
        "--allow-empty",
        "--attach",
        note.to_str().unwrap(),
    ]));
    emulated_umask(&s, send, &audit).await;
    let saved = dir.join("saved/here");
    let id = s.id_of(subject);
    let mut save = strings(&["mail", "attachments", "--connector", "ops", &id]);
    save.extend(strings(&["--save", saved.to_str().unwrap()]));
    emulated_umask(&s, save, &audit).await;

    for folder in ["audit", "audit/deep", "saved", "saved/here"] {
        assert_eq!(mode(&dir.join(folder)), 0o700, "{folder}");
    }
    assert_eq!(mode(&audit), 0o600);
    assert_eq!(mode(&saved.join("note.txt")), 0o600);
    assert_eq!(mode(&dir.join("logs/graphmail.log")), 0o600);
}
