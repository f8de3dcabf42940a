//! `graphmail connector …` and `graphmail permissions` through the real binary, against a real
//! vault in a temporary folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::signin::Out;

const TENANT: &str = "3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";
const CLIENT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// `connector add NAME --tenant TENANT --client-id CLIENT --grant GRANT REST…`
fn add<'a>(name: &'a str, grant: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    add_in(TENANT, name, grant, rest)
}

/// The same with another tenant.
fn add_in<'a>(tenant: &'a str, name: &'a str, grant: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["connector", "add", name, "--tenant", tenant];
    args.extend(["--client-id", CLIENT, "--grant", grant]);
    args.extend_from_slice(rest);
    args
}

/// A temporary home for one test: the vault in `vault/`, logs in `logs/`, inputs elsewhere.
struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    /// Everything the commands printed, stdout and stderr.
    transcript: String,
}

impl Env {
    fn new() -> Env {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().to_path_buf();
        std::fs::create_dir(root.join("inputs")).unwrap();
        Env {
            _tmp: tmp,
            root,
            transcript: String::new(),
        }
    }

    fn vault_dir(&self) -> PathBuf {
        self.root.join("vault")
    }

    fn log_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Writes an input file (passphrase, secret) outside the vault and log folders.
    fn input(&self, name: &str, content: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.root.join("inputs").join(name);
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphmail"));
        cmd.env("GRAPHMAIL_VAULT", self.vault_dir().join("vault.age"))
            .env("GRAPHMAIL_LOG_DIR", self.log_dir())
            // No config file: a developer's own must not change what the tests see.
            .env("GRAPHMAIL_CONFIG_DIR", self.log_dir())
            .env_remove("GRAPHMAIL_CONFIG")
            .env("GRAPHMAIL_SCRYPT_WORK_FACTOR", "10")
            // Tests talk to 127.0.0.1 only: no tenant check against Microsoft's clouds.
            .env("GRAPHMAIL_TENANT_CHECK", "off")
            .env(
                "GRAPHMAIL_PASSPHRASE_FILE",
                self.root.join("inputs/passphrase"),
            )
            .env_remove("GRAPHMAIL_IDENTITY")
            .env_remove("NO_COLOR");
        cmd
    }

    /// Runs graphmail with `args`, feeding `stdin`, and records its output.
    fn run_with_stdin(&mut self, args: &[&str], stdin: Option<&str>) -> Out {
        let mut cmd = self.command();
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("graphmail starts");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            pipe.write_all(text.as_bytes()).unwrap();
        }
        let output = child.wait_with_output().expect("graphmail finishes");
        let out = Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        self.transcript.push_str(&out.stdout);
        self.transcript.push_str(&out.stderr);
        out
    }

    fn run(&mut self, args: &[&str]) -> Out {
        self.run_with_stdin(args, None)
    }

    fn ok(&mut self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?} failed: {}{}", out.stdout, out.stderr);
        out
    }

    fn init_vault(&mut self) {
        self.input("passphrase", "correct horse battery staple\n");
        self.ok(&["vault", "init"]);
    }

    fn names(&mut self) -> Vec<String> {
        let list = self.ok(&["connector", "list", "--json"]).json();
        list.as_array()
            .expect("an array")
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[test]
fn connectors_of_every_grant_go_through_add_list_show_edit_and_remove() {
    let mut env = Env::new();
    env.init_vault();
    let secret = env.input("secret", "app-secret-value\n");
    let password = env.input("password", "user-password\n");

    env.ok(&add(
        "interactive",
        "auth-code",
        &["--redirect-port", "9123"],
    ));
    env.ok(&add_in(
        "organizations",
        "device",
        "device-code",
        &["--permissions", "readwrite,send"],
    ));
    env.ok(&add_in(
        "contoso.onmicrosoft.com",
        "legacy",
        "ropc",
        &[
            "--username",
            "alex@contoso.com",
            "--password-file",
            path(&password),
        ],
    ));
    env.ok(&add(
        "daemon",
        "client-credentials",
        &[
            "--client-secret-file",
            path(&secret),
            "--mailbox",
            "support@contoso.com",
            "--cloud",
            "usgov",
        ],
    ));

    let list = env.ok(&["connector", "list", "--json"]).json();
    let list = list.as_array().expect("list --json prints an array");
    assert_eq!(list.len(), 4);
    let by_name = |n: &str| {
        list.iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("{n} missing"))
            .clone()
    };
    let interactive = by_name("interactive");
    assert_eq!(interactive["grant"], "auth-code");
    assert_eq!(interactive["cloud"], "global");
    assert_eq!(interactive["tenant"], TENANT);
    assert_eq!(interactive["client_id"], CLIENT);
    assert_eq!(interactive["has_secret"], false);
    assert_eq!(interactive["signed_in"], false);
    assert_eq!(interactive["mailbox"], Value::Null);
    // No permissions given: fetch, send, profile and keep signed in.
    assert_eq!(
        interactive["scopes"],
        serde_json::json!(["Mail.Read", "Mail.Send", "User.Read", "offline_access"])
    );
    assert_eq!(
        by_name("device")["scopes"],
        serde_json::json!(["Mail.ReadWrite", "Mail.Send", "offline_access"])
    );
    let legacy = by_name("legacy");
    assert_eq!(legacy["grant"], "ropc");
    assert_eq!(legacy["has_secret"], true);
    assert_eq!(legacy["has_password"], true);
    let daemon = by_name("daemon");
    assert_eq!(daemon["grant"], "client-credentials");
    assert_eq!(daemon["cloud"], "usgov");
    assert_eq!(daemon["mailbox"], "support@contoso.com");
    assert_eq!(daemon["has_secret"], true);
    assert_eq!(
        daemon["request"],
        serde_json::json!(["https://graph.microsoft.us/.default"])
    );

    let show = env.ok(&["connector", "show", "interactive"]);
    crate::support::mail::assert_contains(
        &show.stdout,
        "Request scope  Mail.Read Mail.Send User.Read offline_access",
    );
    crate::support::mail::assert_contains(&show.stdout, "http://localhost:9123/");
    crate::support::mail::assert_contains(&show.stdout, "Client secret  not set");
    assert!(!show.stdout.contains('\u{1b}'), "no colour on a pipe");
    let show = env.ok(&["connector", "show", "daemon"]);
    assert!(show.stdout.contains("Client secret  set"));
    crate::support::mail::assert_contains(&show.stdout, "reach every mailbox");
    let show = env
        .ok(&["connector", "show", "interactive", "--json"])
        .json();
    assert_eq!(show["summary"]["redirect_uri"], "http://localhost:9123/");
    assert_eq!(show["summary"]["scopes"][0]["kind"], "delegated");

    env.ok(&[
        "connector",
        "edit",
        "interactive",
        "--permissions",
        "readwrite",
        "--scopes",
        "https://graph.microsoft.com/user.read MailboxSettings.Read",
    ]);
    let show = env
        .ok(&["connector", "show", "interactive", "--json"])
        .json();
    assert_eq!(
        show["scopes"],
        serde_json::json!([
            "Mail.ReadWrite",
            "MailboxSettings.Read",
            "User.Read",
            "offline_access"
        ])
    );
    assert_eq!(
        show["redirect_port"], 9123,
        "edit keeps what it was not given"
    );

    // Without a terminal and without --yes, remove refuses and keeps the connector.
    let refused = env.run(&["connector", "remove", "legacy"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    crate::support::mail::assert_contains(&refused.stderr, "--yes");
    assert!(env.names().contains(&"legacy".to_string()));

    env.ok(&["connector", "remove", "legacy", "--yes"]);
    assert_eq!(env.names(), ["interactive", "device", "daemon"]);
    let gone = env.run(&["connector", "show", "legacy", "--json"]);
    assert_eq!(gone.code, 1);
    assert_eq!(gone.json()["error"]["code"], "connector_not_found");
}

#[test]
fn secrets_reach_neither_disk_in_the_clear_nor_any_output() {
    const CLIENT_SECRET: &str = "Zq8~cLiEnT-sEcReT-7f3e1b0a9d";
    const STDIN_SECRET: &str = "Yp4~StDiN-sEcReT-2c8d6e0f1a";
    const PASSWORD: &str = "Pw!d-RoPc-PaSsWoRd-5b9a3c7e";
    const NEW_PASSWORD: &str = "Pw!d-NeW-PaSsWoRd-8e2f4a6c";
    let mut env = Env::new();
    env.init_vault();
    let secret = env.input("secret", &format!("{CLIENT_SECRET}\r\n"));
    let new_password = env.input("new-password", &format!("{NEW_PASSWORD}\n"));

    env.ok(&add(
        "daemon",
        "client-credentials",
        &[
            "--client-secret-file",
            path(&secret),
            "--mailbox",
            "support@contoso.com",
        ],
    ));
    let out = env.run_with_stdin(
        &add(
            "legacy",
            "ropc",
            &["--username", "alex@contoso.com", "--password-stdin"],
        ),
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = env.run_with_stdin(
        &add("web", "auth-code", &["--client-secret-stdin"]),
        Some(STDIN_SECRET),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A refused command after reading a secret must not echo it either.
    let dup = env.run(&add(
        "daemon",
        "client-credentials",
        &[
            "--client-secret-file",
            path(&secret),
            "--mailbox",
            "support@contoso.com",
        ],
    ));
    assert_eq!(
        dup.code, 2,
        "a duplicate name is a usage error: {}",
        dup.stderr
    );
    crate::support::mail::assert_contains(&dup.stderr, "already exists");
    env.ok(&[
        "connector",
        "edit",
        "legacy",
        "--password-file",
        path(&new_password),
    ]);
    for args in [
        &["connector", "list"][..],
        &["connector", "list", "--json"],
        &["connector", "show", "daemon"],
        &["connector", "show", "daemon", "--json"],
        &["connector", "show", "legacy"],
        &["connector", "show", "legacy", "--json"],
        &["connector", "show", "web", "--json"],
    ] {
        env.ok(args);
    }
    // The secrets were stored, so not finding them below means something.
    let daemon = env.ok(&["connector", "show", "daemon", "--json"]).json();
    assert_eq!(daemon["has_client_secret"], true);
    let web = env.ok(&["connector", "show", "web", "--json"]).json();
    assert_eq!(web["has_client_secret"], true);
    let legacy = env.ok(&["connector", "show", "legacy", "--json"]).json();
    assert_eq!(legacy["has_password"], true);

    let mut files = Vec::new();
    collect_files(&env.vault_dir(), &mut files);
    collect_files(&env.log_dir(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("vault.age")), "{files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("graphmail.log")),
        "{files:?}"
    );
    for needle in [CLIENT_SECRET, STDIN_SECRET, PASSWORD, NEW_PASSWORD] {
        assert!(!env.transcript.contains(needle), "a secret was printed");
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "a secret is in the clear in {}",
                file.display()
            );
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn bad_flags_are_usage_errors_naming_the_field_and_the_fix() {
    let mut env = Env::new();
    env.init_vault();
    let out = env.run(&[
        "connector",
        "add",
        "x",
        "--tenant",
        "common",
        "--client-id",
        "not-a-guid",
        "--grant",
        "client-credentials",
    ]);
    assert_eq!(out.code, 2);
    for part in [
        "tenant: client credentials needs the app's own tenant",
        "client ID: 'not-a-guid' is not a GUID",
        "client secret:",
        "mailbox:",
        "fix: correct --tenant, --client-id, --client-secret-file / --client-secret-stdin, --mailbox",
    ] {
        assert!(
            out.stderr.contains(part),
            "missing {part:?} in:\n{}",
            out.stderr
        );
    }
    let ropc_on_common = add_in(
        "common",
        "x",
        "ropc",
        &[
            "--username",
            "alex@contoso.com",
            "--password-stdin",
            "--json",
        ],
    );
    let out = env.run(&ropc_on_common);
    // The password is empty (stdin is closed): refused before the vault is opened.
    assert_eq!(out.code, 2);
    assert_eq!(out.json()["error"]["code"], "usage");
    let out = env.run_with_stdin(&ropc_on_common, Some("pw\n"));
    assert_eq!(out.code, 2);
    let err = out.json();
    assert_eq!(err["error"]["code"], "invalid_connector");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("tenant: ROPC")
    );
    assert!(env.names().is_empty(), "nothing was saved");
}

#[test]
fn a_wrong_passphrase_is_exit_code_3() {
    let mut env = Env::new();
    env.init_vault();
    env.input("passphrase", "not the passphrase\n");
    let out = env.run(&["connector", "list", "--json"]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(out.json()["error"]["code"].is_string());
}

#[test]
fn permissions_prints_a_summary_and_saves_nothing() {
    let mut env = Env::new();
    let out = env.ok(&[
        "permissions",
        "--grant",
        "auth-code",
        "--permissions",
        "fetch,readwrite",
    ]);
    crate::support::mail::assert_contains(
        &out.stdout,
        "Request scope  Mail.Read Mail.ReadWrite offline_access",
    );
    assert!(
        out.stdout
            .contains("Mail.ReadWrite already includes Mail.Read")
    );
    assert!(out.stdout.contains("http://localhost:8400/"));

    let out = env.ok(&[
        "permissions",
        "--grant",
        "client-credentials",
        "--cloud",
        "china",
        "--json",
        "--scopes",
        "mail.send,Not.AScope",
    ]);
    let s = out.json();
    assert_eq!(
        s["request"],
        serde_json::json!(["https://microsoftgraph.chinacloudapi.cn/.default"])
    );
    assert_eq!(
        s["grant_in_portal"],
        serde_json::json!(["Mail.Send", "Not.AScope"])
    );
    assert!(
        s["warnings"]
            .to_string()
            .contains("Not.AScope is not a Microsoft Graph permission graphmail knows")
    );
    assert_eq!(s["redirect_uri"], Value::Null);

    let out = env.run(&["permissions", "--grant", "nope", "--json"]);
    assert_eq!(out.code, 2);
    assert!(
        out.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("grant: ")
    );
    assert!(
        !env.vault_dir().exists(),
        "permissions never touches the vault"
    );
}
