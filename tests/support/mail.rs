//! Helpers shared by the mail tests: a vault holding connectors that point at a loopback Graph,
//! the real binary run against it, and the check that nothing hostile reached stdout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use graphmail::domain::{Cloud, Connector, Grant};
use graphmail::vault::{ConnectorEntry, InitOptions, TokenCache, Unlock, Vault, VaultError};
use secrecy::SecretString;

const PASSPHRASE: &str = "correct horse battery staple";

/// A private folder with a passphrase-protected vault in it.
pub struct MailVault {
    pub dir: tempfile::TempDir,
    pub vault: PathBuf,
    pub pass_file: PathBuf,
}

impl MailVault {
    pub fn new() -> MailVault {
        let v = MailVault::empty();
        Vault::init(
            &v.vault,
            InitOptions {
                passphrase: Some(SecretString::from(PASSPHRASE)),
                recipients: vec![],
            },
        )
        .unwrap();
        v
    }

    /// The folder and the passphrase file, with no vault yet (`graphmail vault init` makes it).
    pub fn empty() -> MailVault {
        graphmail::vault::set_scrypt_work_factor(10);
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.age");
        let pass_file = dir.path().join("pass");
        std::fs::write(&pass_file, PASSPHRASE).unwrap();
        set_private(&pass_file);
        MailVault {
            dir,
            vault,
            pass_file,
        }
    }

    pub fn open(&self) -> Vault {
        Vault::open(
            &self.vault,
            Unlock::Passphrase(SecretString::from(PASSPHRASE)),
        )
        .unwrap()
    }

    /// Adds a connector whose Graph is `graph_url` (…/v1.0), with `token` cached for an hour.
    pub fn add_connector(
        &self,
        name: &str,
        graph_url: &str,
        login_url: &str,
        grant: Grant,
        mailbox: Option<&str>,
        token: Option<&str>,
    ) {
        let connector = Connector {
            name: name.into(),
            cloud: Cloud::Custom {
                login_url: login_url.into(),
                graph_url: graph_url.into(),
            },
            tenant: "contoso-demo.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            grant,
            presets: vec![],
            extra_scopes: vec![],
            mailbox: mailbox.map(String::from),
            redirect_port: 8400,
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let tokens = token.map(|t| {
            let mut cache = TokenCache::default();
            cache.access_token = Some(t.into());
            cache.expires_at = Some(now + 3600);
            cache
        });
        self.open()
            .update(|doc| {
                doc.connectors.push(ConnectorEntry {
                    connector,
                    secrets: Default::default(),
                    tokens,
                });
                Ok::<_, VaultError>(())
            })
            .unwrap();
    }

    /// The real binary, pointed at this vault, 100 columns wide, without a terminal.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphmail"));
        cmd.env("GRAPHMAIL_VAULT", &self.vault)
            .env("GRAPHMAIL_PASSPHRASE_FILE", &self.pass_file)
            .env_remove("GRAPHMAIL_IDENTITY")
            .env("GRAPHMAIL_LOG_DIR", self.dir.path().join("logs"))
            // No config file: a developer's own must not change what the tests see.
            .env("GRAPHMAIL_CONFIG_DIR", self.dir.path().join("logs"))
            .env_remove("GRAPHMAIL_CONFIG")
            .env("COLUMNS", "100")
            // Only the emulator on 127.0.0.1 is ever asked anything.
            .env("GRAPHMAIL_TENANT_CHECK", "off")
            .env(graphmail::vault::WORK_FACTOR_ENV, "10")
            .stdin(Stdio::null());
        cmd
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn set_private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Exit code, stdout (raw bytes), stderr.
pub fn run(cmd: &mut Command) -> (i32, Vec<u8>, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("the graphmail binary runs");
    (
        status.code().unwrap_or(-1),
        stdout,
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Runs `cmd` with `stdin` written to its standard input; stdout and stderr are captured.
pub fn output_with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    use std::io::Write;
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("the command starts");
    let mut pipe = child.stdin.take().expect("piped stdin");
    pipe.write_all(stdin.as_bytes())
        .expect("stdin takes the text");
    drop(pipe);
    child.wait_with_output().expect("the command finishes")
}

/// Fails with the command's stderr unless it exited 0.
pub fn assert_success(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// Fails, showing the whole text, unless `text` contains `needle`.
pub fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

/// Fails, showing the whole text, unless `text` contains every one of `needles`.
pub fn assert_contains_all(text: &str, needles: &[&str]) {
    for needle in needles {
        assert_contains(text, needle);
    }
}

/// Fails when stdout holds a control byte a terminal would act on: any C0 control but `\n` and
/// `\t`, DEL, a C1 control (raw byte or UTF-8 encoded), or a bidi control.
pub fn assert_inert(stdout: &[u8]) {
    for (i, b) in stdout.iter().enumerate() {
        assert!(
            *b >= 0x20 || *b == b'\n' || *b == b'\t',
            "control byte {b:#04x} at {i} in stdout"
        );
        assert_ne!(*b, 0x7f, "DEL at {i} in stdout");
    }
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    for c in text.chars() {
        assert!(
            !('\u{80}'..='\u{9f}').contains(&c),
            "C1 control {:?} in stdout",
            c
        );
        assert!(
            !graphmail::domain::sanitize::is_bidi_control(c),
            "bidi control {:?} in stdout",
            c
        );
    }
}

/// `cmd` as one shell line (`env`, its environment changes, the program and its arguments),
/// to run it on a terminal in tmux.
pub fn shell_line(cmd: &Command) -> String {
    let quote = |s: String| shlex::try_quote(&s).expect("no NUL").into_owned();
    let mut words = vec!["env".to_string()];
    let (unset, set): (Vec<_>, Vec<_>) = cmd.get_envs().partition(|(_, v)| v.is_none());
    for (k, _) in unset {
        words.push("-u".into());
        words.push(quote(k.to_string_lossy().into_owned()));
    }
    for (k, v) in set {
        let v = v.expect("set").to_string_lossy();
        words.push(quote(format!("{}={v}", k.to_string_lossy())));
    }
    words.push(quote(cmd.get_program().to_string_lossy().into_owned()));
    words.extend(
        cmd.get_args()
            .map(|a| quote(a.to_string_lossy().into_owned())),
    );
    words.join(" ")
}

/// An executable shell script `name` in `dir` standing in for the user's editor: `script`
/// runs with the file to edit as `$1`.
pub fn scripted_editor(dir: &Path, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    path
}
