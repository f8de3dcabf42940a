//! Helpers shared by the sign-in tests: a vault in a temp folder, the real binary, and the
//! emulator running in this process on 127.0.0.1.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use graphmail::domain::permissions::Preset;
use graphmail::domain::{Cloud, Connector, Grant};
use graphmail::vault::{ConnectorEntry, ConnectorSecrets, TokenCache, Unlock, Vault};
use secrecy::SecretString;

pub const PASSPHRASE: &str = "signin test passphrase";

/// A temp folder with a vault, its passphrase file and the log folder.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        let pass = env.path("pass");
        std::fs::write(&pass, format!("{PASSPHRASE}\n")).unwrap();
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let out = run(env.cmd(&["vault", "init"]));
        assert_eq!(out.code, 0, "vault init: {}", out.stderr);
        env
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn vault_path(&self) -> PathBuf {
        self.path("data").join("vault.age")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.path("logs")
    }

    /// The real binary with this vault, its passphrase file and the log folder; as if on a
    /// server over SSH without a desktop, so no browser is ever opened.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphmail"));
        cmd.args(args)
            .env("GRAPHMAIL_VAULT", self.vault_path())
            .env("GRAPHMAIL_PASSPHRASE_FILE", self.path("pass"))
            .env_remove("GRAPHMAIL_IDENTITY")
            .env("GRAPHMAIL_SCRYPT_WORK_FACTOR", "10")
            // Only the emulator on 127.0.0.1 is ever asked anything.
            .env("GRAPHMAIL_TENANT_CHECK", "off")
            .env("GRAPHMAIL_LOG_DIR", self.log_dir())
            // No config file: a developer's own must not change what the tests see.
            .env("GRAPHMAIL_CONFIG_DIR", self.log_dir())
            .env_remove("GRAPHMAIL_CONFIG")
            .env("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 22")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    pub fn vault(&self) -> Vault {
        Vault::open(
            &self.vault_path(),
            Unlock::Passphrase(SecretString::from(PASSPHRASE)),
        )
        .unwrap()
    }

    pub fn add(&self, entry: ConnectorEntry) {
        self.vault()
            .update(|doc| {
                doc.connectors.push(entry);
                Ok::<_, graphmail::vault::VaultError>(())
            })
            .unwrap();
    }

    pub fn tokens(&self, name: &str) -> Option<TokenCache> {
        self.vault().read().unwrap().get(name)?.tokens.clone()
    }

    /// Every file of the vault folder with its bytes.
    pub fn vault_files(&self) -> BTreeMap<String, Vec<u8>> {
        let mut files = super::vault::snapshot(&self.path("data"));
        files.retain(|name, _| !name.ends_with(".lock"));
        files
    }

    /// Everything written to the log folder.
    pub fn logs(&self) -> String {
        let mut all = String::new();
        if let Ok(rd) = std::fs::read_dir(self.log_dir()) {
            for e in rd.flatten() {
                all.push_str(&String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()));
            }
        }
        all
    }
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The JSON lines of stdout.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Stdout as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}{}", self.stdout, self.stderr))
    }

    pub fn event(&self, name: &str) -> Option<serde_json::Value> {
        self.events().into_iter().find(|e| e["event"] == name)
    }
}

pub fn run(mut cmd: Command) -> Out {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the graphmail binary runs");
    Out {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A running `connector login --json` whose stdout is read line by line.
pub struct LoginChild {
    pub child: Child,
    lines: BufReader<ChildStdout>,
    pub seen: Vec<String>,
}

impl LoginChild {
    pub fn start(mut cmd: Command) -> LoginChild {
        let mut child = cmd.spawn().expect("graphmail starts");
        let lines = BufReader::new(child.stdout.take().unwrap());
        LoginChild {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next JSON event on stdout (panics when stdout ends first).
    pub fn next_event(&mut self) -> serde_json::Value {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.lines.read_line(&mut line).unwrap();
            assert!(
                n > 0,
                "graphmail ended its output early; saw {:?}",
                self.seen
            );
            self.seen.push(line.clone());
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                return v;
            }
        }
    }

    /// Waits for the process; returns the rest of its output.
    pub fn finish(mut self) -> Out {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut self.lines, &mut rest);
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        let status = self.child.wait().unwrap();
        Out {
            code: status.code().unwrap_or(-1),
            stdout: format!("{}{rest}", self.seen.concat()),
            stderr,
        }
    }
}

/// A connector of `tenant` in `cloud` (the emulator's, in most tests).
pub fn connector(
    cloud: Cloud,
    tenant: &str,
    name: &str,
    grant: Grant,
    client_id: &str,
) -> ConnectorEntry {
    ConnectorEntry {
        connector: Connector {
            name: name.into(),
            cloud,
            tenant: tenant.into(),
            client_id: client_id.into(),
            grant,
            presets: vec![
                Preset::Fetch,
                Preset::Send,
                Preset::Profile,
                Preset::Offline,
            ],
            extra_scopes: vec![],
            mailbox: None,
            redirect_port: 8400,
        },
        secrets: ConnectorSecrets::default(),
        tokens: None,
    }
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn assert_not_in(haystack: &str, needles: &[(&str, &str)], what: &str) {
    for (label, needle) in needles {
        assert!(
            needle.len() >= 8,
            "{label} is too short to search for meaningfully"
        );
        assert!(!haystack.contains(needle), "the {label} appears in {what}");
    }
}
