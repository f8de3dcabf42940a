//! Helpers shared by the vault integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The real `graphmail` binary, isolated from the caller's environment: no vault, passphrase or
/// identity from the environment, logs in `dir`, and a fast scrypt work factor.
pub fn graphmail(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphmail"));
    isolate(&mut cmd, dir);
    cmd
}

/// The same, started in a new session so that it has no controlling terminal to prompt on.
/// Returns None (after saying the test is skipped) when `setsid` is not installed.
pub fn graphmail_without_terminal(dir: &Path) -> Option<Command> {
    let setsid = require_program("setsid", "run graphmail without a terminal")?;
    let mut cmd = Command::new(setsid);
    cmd.arg(env!("CARGO_BIN_EXE_graphmail"));
    isolate(&mut cmd, dir);
    Some(cmd)
}

fn isolate(cmd: &mut Command, dir: &Path) {
    cmd.env_remove("GRAPHMAIL_VAULT")
        .env_remove("GRAPHMAIL_PASSPHRASE_FILE")
        .env_remove("GRAPHMAIL_IDENTITY")
        .env("GRAPHMAIL_SCRYPT_WORK_FACTOR", "10")
        // Tests talk to 127.0.0.1 only: no tenant check against Microsoft's clouds.
        .env("GRAPHMAIL_TENANT_CHECK", "off")
        .env("GRAPHMAIL_LOG_DIR", dir.join("logs"))
        // No config file: a developer's own must not change what the tests see.
        .env("GRAPHMAIL_CONFIG_DIR", dir.join("logs"))
        .env_remove("GRAPHMAIL_CONFIG")
        .stdin(std::process::Stdio::null());
}

/// Exit code, stdout and stderr as text.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let (code, stdout, stderr) = super::mail::run(cmd);
    (code, String::from_utf8_lossy(&stdout).into_owned(), stderr)
}

pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Finds an outside program. When it is missing the test is skipped with a message, unless
/// GRAPHMAIL_REQUIRE_TOOLS=1, in which case the test fails.
pub fn require_program(name: &str, why: &str) -> Option<PathBuf> {
    if let Some(found) = find_program(name) {
        return Some(found);
    }
    if std::env::var("GRAPHMAIL_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("`{name}` is not installed and GRAPHMAIL_REQUIRE_TOOLS=1: {why}");
    }
    eprintln!("SKIPPED: `{name}` is not installed, so this test cannot {why}");
    None
}

/// Writes a file only its owner can read (passphrase files, private keys).
pub fn write_private(path: &Path, content: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Every file in a folder with its bytes, to prove a failure left them untouched.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect()
}

/// A connector entry for documents written directly through the library.
pub fn entry(name: &str, secret: &str) -> graphmail::vault::ConnectorEntry {
    use graphmail::domain::{Cloud, Connector, Grant};
    graphmail::vault::ConnectorEntry {
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
        secrets: graphmail::vault::ConnectorSecrets {
            client_secret: Some(secret.into()),
            username: None,
            password: None,
        },
        tokens: None,
    }
}

/// Writes a fresh age X25519 identity file; returns its path and public key.
pub fn age_identity(dir: &Path, name: &str) -> (PathBuf, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    let file = dir.join(name);
    write_private(&file, &format!("{}\n", id.to_string().expose_secret()));
    (file, id.to_public().to_string())
}

/// `cmd` run through `sh` with `umask` set first (e.g. `"000"`), its environment kept.
pub fn with_umask(cmd: &Command, umask: &str) -> Command {
    let script = format!("umask {umask}; exec \"$0\" \"$@\"");
    let mut shell = wrapped("sh", &["-c".as_ref(), script.as_ref()], cmd);
    shell.stdin(std::process::Stdio::null());
    shell
}

/// `program FIRST… CMD-PROGRAM CMD-ARGS…`: `cmd` run by another program (a shell, GNU time),
/// with `cmd`'s environment and working folder.
pub fn wrapped(
    program: impl AsRef<std::ffi::OsStr>,
    first: &[&std::ffi::OsStr],
    cmd: &Command,
) -> Command {
    let mut outer = Command::new(program);
    outer
        .args(first)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => outer.env(key, v),
            None => outer.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        outer.current_dir(dir);
    }
    outer
}

/// The permission bits of every folder and file under `root` (not `root` itself), by path
/// relative to it.
pub fn modes_under(root: &Path) -> std::collections::BTreeMap<String, u32> {
    use std::os::unix::fs::PermissionsExt;
    let mut found = std::collections::BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            found.insert(name, meta.permissions().mode() & 0o7777);
            if meta.is_dir() {
                todo.push(path);
            }
        }
    }
    found
}

/// A temporary folder with a vault path in it, and the real binary run against that vault.
pub struct Setup {
    pub dir: tempfile::TempDir,
    vault: PathBuf,
}

impl Setup {
    /// The vault at `data/vault.age`.
    pub fn new() -> Setup {
        Setup::at("data/vault.age")
    }

    /// The vault at `relative` inside the temporary folder.
    pub fn at(relative: &str) -> Setup {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let vault = dir.path().join(relative);
        Setup { dir, vault }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn vault(&self) -> PathBuf {
        self.vault.clone()
    }

    pub fn passphrase_file(&self, name: &str, content: &str) -> PathBuf {
        let file = self.path(name);
        write_private(&file, content);
        file
    }

    /// The command `graphmail --vault <vault> ARGS…`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = graphmail(self.dir.path());
        cmd.arg("--vault").arg(&self.vault).args(args);
        cmd
    }

    /// Runs `graphmail --vault <vault> ARGS…`.
    pub fn gm(&self, args: &[&str]) -> (i32, String, String) {
        run(&mut self.cmd(args))
    }

    /// `graphmail --vault <vault> --passphrase-file FILE ARGS…`
    pub fn with_pass(&self, file: &Path, args: &[&str]) -> (i32, String, String) {
        self.with_file("--passphrase-file", file, args)
    }

    /// `graphmail --vault <vault> --identity FILE ARGS…`
    pub fn with_identity(&self, file: &Path, args: &[&str]) -> (i32, String, String) {
        self.with_file("--identity", file, args)
    }

    /// `vault passwd --new-passphrase-file NEW`, unlocked with `flag FILE`.
    pub fn passwd(&self, flag: &str, file: &Path, new: &Path) -> (i32, String, String) {
        let new = new.to_str().expect("a UTF-8 temporary path");
        self.with_file(
            flag,
            file,
            &["vault", "passwd", "--new-passphrase-file", new],
        )
    }

    pub fn with_file(&self, flag: &str, file: &Path, args: &[&str]) -> (i32, String, String) {
        let file = file.to_str().expect("a UTF-8 temporary path");
        let mut all = vec![flag, file];
        all.extend_from_slice(args);
        self.gm(&all)
    }

    pub fn init_with_passphrase(&self, passphrase: &str) -> PathBuf {
        let file = self.passphrase_file("pass", passphrase);
        let (code, _, err) = self.with_pass(&file, &["vault", "init"]);
        assert_eq!(code, 0, "{err}");
        file
    }
}
