//! Connectors that say what they can do: `connector test` renews through the grant and checks
//! only what was requested, a refusal carries Microsoft's code and words, typed values are
//! checked as typed, and an action the permissions do not allow is refused before any request.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::emulator::Emulator;
use crate::support::vault::{graphmail, run, write_private};

const PASSPHRASE: &str = "connector truth passphrase";

/// A vault in a temp folder and the emulator in this process.
struct Setup {
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    emu: Emulator,
}

impl Setup {
    fn new() -> Setup {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let emu = rt.block_on(Emulator::start());
        let dir = tempfile::tempdir().expect("temp dir");
        write_private(&dir.path().join("pass"), &format!("{PASSPHRASE}\n"));
        let s = Setup { dir, rt, emu };
        let (code, _, err) = s.run(&["vault", "init"]);
        assert_eq!(code, 0, "vault init: {err}");
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        cmd_for(self.dir.path(), args)
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        run(&mut self.cmd(args))
    }

    /// `connector add NAME` against the emulator's tenant and public app, plus `more` flags.
    fn add(&self, name: &str, more: &[&str]) -> (i32, String, String) {
        let tenant = self.emu.seed().tenant.id.clone();
        self.add_at(name, self.emu.login_url(), &tenant, more)
    }

    /// The same with another identity platform (`login`) and tenant.
    fn add_at(
        &self,
        name: &str,
        login: &str,
        tenant: &str,
        more: &[&str],
    ) -> (i32, String, String) {
        let client = self.emu.public_app().client_id;
        let mut args = vec![
            "connector",
            "add",
            name,
            "--cloud",
            "custom",
            "--login-url",
            login,
            "--tenant",
            tenant,
            "--client-id",
            &client,
        ];
        let graph = format!("--graph-url={}", self.emu.graph_url());
        if !more.iter().any(|m| m.starts_with("--graph-url")) {
            args.push(&graph);
        }
        args.extend_from_slice(more);
        self.run(&args)
    }

    /// An ROPC connector of user `upn` with password `password`.
    fn add_ropc(&self, name: &str, upn: &str, password: &str, more: &[&str]) {
        let file = self.path(&format!("{name}.password"));
        write_private(&file, &format!("{password}\n"));
        let file = file.display().to_string();
        let mut args = vec![
            "--grant",
            "ropc",
            "--username",
            upn,
            "--password-file",
            &file,
        ];
        args.extend_from_slice(more);
        let (code, _, err) = self.add(name, &args);
        assert_eq!(code, 0, "connector add: {err}");
    }

    fn hook(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        self.rt.block_on(self.emu.hook(path, form)).as_u16()
    }
}

fn cmd_for(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = graphmail(dir);
    // Every connector here lives on 127.0.0.1, so the tenant check may run.
    cmd.args(args)
        .env_remove("GRAPHMAIL_TENANT_CHECK")
        .env("GRAPHMAIL_VAULT", dir.join("data").join("vault.age"))
        .env("GRAPHMAIL_PASSPHRASE_FILE", dir.join("pass"))
        .env("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 22")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    cmd
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn a_device_code_connector_for_fetch_and_send_passes_its_test_until_its_refresh_token_is_revoked() {
    let s = Setup::new();
    let (code, _, err) = s.add(
        "dev",
        &["--grant", "device-code", "--permissions", "fetch,send"],
    );
    assert_eq!(code, 0, "{err}");

    let mut child = s
        .cmd(&["--json", "connector", "login", "dev"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("graphmail starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines
        .next()
        .expect("a first event")
        .expect("a readable line");
    let shown: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    assert_eq!(shown["event"], "device_code", "{shown}");
    let user_code = shown["user_code"]
        .as_str()
        .expect("a user code")
        .to_string();
    let upn = s.emu.user(0).upn;
    let status = s.hook(
        "/device/approve",
        &[("user_code", &user_code), ("upn", &upn)],
    );
    assert!(status < 300, "approve answered {status}");
    let done: serde_json::Value = serde_json::from_str(
        &lines
            .next()
            .expect("a second event")
            .expect("a readable line"),
    )
    .expect("JSON");
    assert_eq!(done["event"], "signed_in", "{done}");
    assert!(child.wait().expect("login ends").success());

    // The test passes: the user from the ID token, the Inbox read, sending granted but not
    // exercised, and no /me (User.Read was not requested).
    let (code, out, err) = s.run(&["--json", "connector", "test", "dev"]);
    assert_eq!(code, 0, "{out}{err}");
    let report = &json_lines(&out)[0];
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["user"], upn.as_str());
    assert_eq!(report["mailbox_ok"], true);
    assert_eq!(report["missing_scopes"], serde_json::json!([]));
    let checks = report["checks"].as_array().expect("checks");
    let check = |name: &str| checks.iter().find(|c| c["name"] == name).cloned();
    assert_eq!(check("token").expect("a token check")["ok"], true);
    assert_eq!(check("mailbox").expect("a mailbox check")["ok"], true);
    let send = check("send").expect("a send check");
    assert_eq!(send["detail"], "granted, not exercised", "{send}");
    assert!(check("profile").is_none(), "{report}");

    // Revoked: the cached access token still has an hour, but the test renews and fails.
    assert!(s.hook("/revoke", &[("upn", &upn)]) < 300);
    let (code, out, err) = s.run(&["connector", "test", "dev"]);
    assert_eq!(code, 4, "{out}{err}");
    assert!(err.contains("dev"), "the fix names the connector: {err}");
    let (code, out, _) = s.run(&["--json", "connector", "test", "dev"]);
    assert_eq!(code, 4, "{out}");
    assert_eq!(json_lines(&out)[0]["ok"], false, "{out}");
}

#[test]
fn a_wrong_ropc_password_says_aadsts50126_microsofts_words_and_the_fix() {
    let s = Setup::new();
    let user = s.emu.admin();
    s.add_ropc("ro", &user.upn, "not the password", &[]);

    let (code, out, err) = s.run(&["connector", "login", "ro"]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("AADSTS50126"), "{err}");
    assert!(
        err.contains("Error validating credentials due to invalid username or password."),
        "Microsoft's description: {err}"
    );
    assert!(err.contains("fix:") && err.contains("password"), "{err}");

    let (_, out, _) = s.run(&["--json", "connector", "login", "ro"]);
    let last = json_lines(&out).pop().expect("a JSON error");
    assert_eq!(last["aadsts"], 50126, "{last}");
    assert!(
        last["description"]
            .as_str()
            .is_some_and(|d| d.contains("invalid username or password")),
        "{last}"
    );
    assert!(last["error"]["fix"].as_str().is_some(), "{last}");
    assert!(
        last["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("AADSTS50126")),
        "{last}"
    );
}

#[test]
fn an_account_that_needs_mfa_says_aadsts50076() {
    let s = Setup::new();
    let user = s
        .emu
        .seed()
        .users
        .iter()
        .find(|u| u.mfa)
        .cloned()
        .expect("the demo tenant has an MFA user");
    s.add_ropc("mfa", &user.upn, &user.password, &[]);
    let (code, out, err) = s.run(&["connector", "login", "mfa"]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("AADSTS50076"), "{err}");
    assert!(err.contains("auth-code or device-code"), "{err}");
}

#[test]
fn a_graph_url_without_a_version_gets_v1_and_the_connector_works() {
    let s = Setup::new();
    let user = s.emu.admin();
    let bare = s
        .emu
        .graph_url()
        .strip_suffix("/v1.0")
        .expect("the emulator's Graph ends in /v1.0")
        .to_string();
    let graph = format!("--graph-url={bare}");
    s.add_ropc("bare", &user.upn, &user.password, &[&graph]);
    let (code, out, err) = s.run(&["--json", "connector", "show", "bare"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("{bare}/v1.0")),
        "the stored Graph URL ends in /v1.0: {out}"
    );
    let (code, out, err) = s.run(&["connector", "test", "bare"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_misspelt_permission_gets_a_suggestion_and_a_real_one_no_warning() {
    let s = Setup::new();
    let (code, _, err) = s.add("typo", &["--grant", "device-code", "--scopes", "Mail.Sned"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("did you mean Mail.Send?"), "{err}");

    let (code, out, err) = s.add(
        "cal",
        &["--grant", "device-code", "--scopes", "Calendars.Read"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("note:"),
        "no warning for a real permission: {err}"
    );
    assert!(out.contains("Calendars.Read"), "{out}");
}

#[test]
fn a_fetch_only_connector_refuses_delete_with_exit_5_before_any_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_private(&dir.path().join("pass"), &format!("{PASSPHRASE}\n"));
    let (code, _, err) = run(&mut cmd_for(dir.path(), &["vault", "init"]));
    assert_eq!(code, 0, "{err}");
    // Graph and the identity platform are a listener that counts who calls.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    // Client credentials renew on their own: no sign-in stands in the way of the check.
    let secret = dir.path().join("secret");
    write_private(&secret, "s3cret-value\n");
    let graph = format!("{url}/v1.0");
    let secret = secret.display().to_string();
    let (code, _, err) = run(&mut cmd_for(
        dir.path(),
        &[
            "connector",
            "add",
            "reader",
            "--cloud",
            "custom",
            "--login-url",
            &url,
            "--graph-url",
            &graph,
            "--tenant",
            "contoso.onmicrosoft.com",
            "--client-id",
            "11111111-2222-3333-4444-555555555555",
            "--grant",
            "client-credentials",
            "--client-secret-file",
            &secret,
            "--mailbox",
            "ops@contoso.com",
            "--permissions",
            "fetch",
        ],
    ));
    assert_eq!(code, 0, "{err}");
    // `connector add` asked the listener for the tenant's discovery document (and got no answer,
    // so no verdict): those connections are not the point here.
    while listener.accept().is_ok() {}
    let (code, out, err) = run(&mut cmd_for(
        dir.path(),
        &[
            "mail",
            "delete",
            "AAMkAGI2",
            "--yes",
            "--connector",
            "reader",
        ],
    ));
    assert_eq!(code, 5, "{out}{err}");
    assert!(err.contains("Mail.ReadWrite"), "{err}");
    assert!(err.contains("readwrite"), "the fix names the preset: {err}");
    assert!(
        listener.accept().is_err(),
        "no request reached Graph or the identity platform"
    );
}

/// One row of the health table: a grant, what the vault holds, and the words both show.
struct HealthCase {
    name: &'static str,
    grant: graphmail::domain::Grant,
    password: bool,
    /// Seconds the access token has left; `None`: no access token.
    access_left: Option<i64>,
    refresh: bool,
    last_error: bool,
    expected: &'static str,
}

#[test]
fn the_app_and_connector_status_say_the_same_token_health_for_every_grant_and_state() {
    use graphmail::domain::Grant;
    use graphmail::vault::{TokenCache, Unlock, Vault};

    let case = |name, grant, password, access_left, refresh, last_error, expected| HealthCase {
        name,
        grant,
        password,
        access_left,
        refresh,
        last_error,
        expected,
    };
    let table = [
        case(
            "ac-new",
            Grant::AuthCode,
            false,
            None,
            false,
            false,
            "needs sign-in",
        ),
        case(
            "ac-valid",
            Grant::AuthCode,
            false,
            Some(3600),
            true,
            false,
            "valid",
        ),
        case(
            "ac-soon",
            Grant::AuthCode,
            false,
            Some(300),
            true,
            false,
            "expires in 5 min",
        ),
        case(
            "ac-renew",
            Grant::AuthCode,
            false,
            Some(-60),
            true,
            false,
            "renews on use",
        ),
        case(
            "dc-gone",
            Grant::DeviceCode,
            false,
            Some(-60),
            false,
            false,
            "needs sign-in",
        ),
        case(
            "dc-error",
            Grant::DeviceCode,
            false,
            Some(-60),
            true,
            true,
            "error",
        ),
        case(
            "ropc-pw",
            Grant::Ropc,
            true,
            None,
            false,
            false,
            "renews by itself",
        ),
        case(
            "ropc-nopw",
            Grant::Ropc,
            false,
            None,
            false,
            false,
            "needs sign-in",
        ),
        case(
            "cc-new",
            Grant::ClientCredentials,
            false,
            None,
            false,
            false,
            "renews by itself",
        ),
        case(
            "cc-valid",
            Grant::ClientCredentials,
            false,
            Some(3600),
            false,
            false,
            "valid",
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    write_private(&dir.path().join("pass"), &format!("{PASSPHRASE}\n"));
    let (code, _, err) = run(&mut cmd_for(dir.path(), &["vault", "init"]));
    assert_eq!(code, 0, "{err}");
    let vault = Vault::open(
        &dir.path().join("data").join("vault.age"),
        Unlock::Passphrase(secrecy::SecretString::from(PASSPHRASE)),
    )
    .expect("the vault opens");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let entries: Vec<_> = table
        .iter()
        .map(|c| {
            let mut e = crate::support::vault::entry(c.name, "app-secret");
            e.connector.grant = c.grant;
            if c.grant != Grant::ClientCredentials {
                e.secrets.client_secret = None;
                e.connector.mailbox = None;
            }
            if c.password {
                e.secrets.username = Some("ana@contoso.com".into());
                e.secrets.password = Some("pw".into());
            }
            if c.access_left.is_some() || c.refresh || c.last_error {
                let mut t = TokenCache::default();
                if let Some(left) = c.access_left {
                    t.access_token = Some("at".into());
                    t.expires_at = Some(now + left);
                }
                if c.refresh {
                    t.refresh_token = Some("rt".into());
                    t.refresh_issued_at = Some(now - 3 * 86_400);
                }
                if c.last_error {
                    t.last_error = Some("the refresh token was revoked".into());
                }
                e.tokens = Some(t);
            }
            e
        })
        .collect();
    vault
        .update(|doc| {
            doc.connectors.extend(entries.iter().cloned());
            Ok::<_, graphmail::vault::VaultError>(())
        })
        .expect("the connectors are saved");

    let (code, human, err) = run(&mut cmd_for(dir.path(), &["connector", "status"]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&mut cmd_for(dir.path(), &["--json", "connector", "status"]));
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON array");
    let list = list.as_array().expect("a bare array");
    for (c, e) in table.iter().zip(&entries) {
        let in_app =
            graphmail::app::TokenHealth::of(&graphmail::worker::connector_row(e).token, now)
                .label();
        assert_eq!(in_app, c.expected, "the app's words for {}", c.name);
        let line = format!("{} ({}): {}", c.name, c.grant.as_str(), c.expected);
        assert!(human.contains(&line), "{line} in:\n{human}");
        let json = list.iter().find(|j| j["name"] == c.name).expect("listed");
        assert_eq!(json["token_health"], c.expected, "{json}");
    }
}

#[test]
fn a_read_only_connector_opens_messages_without_an_error_and_says_why_delete_is_unavailable() {
    use crate::support::tmux::{start_session, tmux_available};
    use graphmail::domain::permissions::Preset;
    use graphmail::domain::{Cloud, Grant};
    use graphmail::vault::{TokenCache, Unlock, Vault};
    use graphmail_emulator::AccessClaims;

    if !tmux_available() {
        return;
    }
    let s = Setup::new();
    let user = s.emu.user(0);
    // A token that can only read: the emulator refuses any change made with it (403).
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let tid = s.emu.seed().tenant.id.clone();
    let token = s.emu.running.state.signer.sign(&AccessClaims {
        iss: format!("{}/{tid}/v2.0", s.emu.login_url()),
        tid: tid.clone(),
        appid: s.emu.public_app().client_id,
        oid: Some(user.id.clone()),
        upn: Some(user.upn.clone()),
        scp: "Mail.Read".into(),
        roles: vec![],
        aud: "https://graph.microsoft.com".into(),
        iat: now - 60,
        nbf: now - 60,
        exp: now + 3600,
    });
    let mut entry = crate::support::vault::entry("reader", "unused");
    entry.connector.cloud = Cloud::Custom {
        login_url: s.emu.login_url().to_string(),
        graph_url: s.emu.graph_url().to_string(),
    };
    entry.connector.tenant = tid;
    entry.connector.client_id = s.emu.public_app().client_id;
    entry.connector.grant = Grant::DeviceCode;
    entry.connector.presets = vec![Preset::Fetch, Preset::Offline];
    entry.connector.mailbox = None;
    entry.secrets.client_secret = None;
    let mut cache = TokenCache::default();
    cache.access_token = Some(token);
    cache.expires_at = Some(now + 3600);
    cache.granted_scopes = vec!["Mail.Read".into()];
    cache.user = Some(user.upn.clone());
    entry.tokens = Some(cache);
    Vault::open(
        &s.path("data").join("vault.age"),
        Unlock::Passphrase(secrecy::SecretString::from(PASSPHRASE)),
    )
    .expect("the vault opens")
    .update(|doc| {
        doc.connectors.push(entry);
        Ok::<_, graphmail::vault::VaultError>(())
    })
    .expect("the connector is saved");

    let bin = env!("CARGO_BIN_EXE_graphmail");
    let cmd = format!(
        "env -u NO_COLOR -u GRAPHMAIL_CONFIG -u GRAPHMAIL_IDENTITY -u GRAPHMAIL_PASSPHRASE_FILE GRAPHMAIL_VAULT={v} GRAPHMAIL_LOG_DIR={l} GRAPHMAIL_CONFIG_DIR={l} {bin}; sleep 60",
        v = s.path("data").join("vault.age").display(),
        l = s.path("logs").display(),
    );
    let t = start_session("truth-readonly", 120, 36, &cmd);
    t.wait_for("Unlock the vault");
    t.type_text(PASSPHRASE);
    t.send(&["Enter"]);
    t.wait_for("reader");
    t.send(&["Enter"]);
    t.wait_until("the Inbox listed", |s| {
        s.contains("Inbox (") && !s.contains("Inbox (0)") && !s.contains("Loading")
    });
    let mut screen = String::new();
    for i in 0..3 {
        if i > 0 {
            t.send(&["j"]);
        }
        t.send(&["Enter"]);
        screen = t.wait_until("the message opened", |s| {
            !s.contains("Enter opens the selected message here") && !s.contains("Loading")
        });
    }
    for refused in ["ErrorAccessDenied", "403", "Access is denied"] {
        assert!(
            !screen.contains(refused),
            "no error after opening:\n{screen}"
        );
    }
    t.send(&["d"]);
    let said = t.wait_for("Unavailable");
    assert!(said.contains("Mail.ReadWrite"), "{said}");
    assert!(
        !said.contains("Delete message"),
        "no confirmation is asked: {said}"
    );
}

#[test]
fn another_resources_scope_junk_scopes_and_folder_like_names_are_refused_as_typed() {
    let s = Setup::new();
    let (code, out, err) = s.add(
        "smtp",
        &[
            "--grant",
            "device-code",
            "--scopes",
            "https://outlook.office.com/SMTP.Send",
        ],
    );
    assert_eq!(code, 2, "{out}{err}");
    for part in ["https://outlook.office.com", "one resource", "AADSTS28000"] {
        assert!(err.contains(part), "{part} in: {err}");
    }
    let long = format!("Mail.{}", "R".repeat(300));
    for junk in [
        "/etc/passwd",
        "Mail/Read",
        "Mail.Read, Mail Send",
        long.as_str(),
        "Mail.Read\u{1b}[2J",
    ] {
        let (code, out, err) = s.add("junk", &["--grant", "device-code", "--scopes", junk]);
        assert_eq!(code, 2, "{junk:?} is refused: {out}{err}");
        assert!(err.contains("--scopes"), "the flag is named: {err}");
        assert!(!err.contains('\u{1b}'), "nothing raw reaches the terminal");
    }
    for name in [".", "..", "-"] {
        let (code, out, err) = s.add(name, &["--grant", "device-code"]);
        assert_eq!(code, 2, "{name:?} is refused: {out}{err}");
        assert!(err.contains("letter or digit"), "{err}");
    }
    // Nothing was saved by any of them.
    let (_, out, _) = s.run(&["--json", "connector", "list"]);
    assert_eq!(out.trim(), "[]", "{out}");

    // Edit checks the same way.
    let (code, _, err) = s.add("ok", &["--grant", "device-code"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = s.run(&[
        "connector",
        "edit",
        "ok",
        "--scopes",
        "https://outlook.office.com/SMTP.Send",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("AADSTS28000"), "{err}");
}

#[test]
fn a_guid_given_as_the_client_secret_warns_that_it_is_the_secrets_id() {
    let s = Setup::new();
    let id = s.path("secret-id");
    write_private(&id, "6f1c2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f\n");
    let id = id.display().to_string();
    let mailbox = s.emu.admin().upn;
    let add = |name: &str, secret: &str| {
        s.add(
            name,
            &[
                "--grant",
                "client-credentials",
                "--client-secret-file",
                secret,
                "--mailbox",
                &mailbox,
            ],
        )
    };
    let (code, out, err) = add("app", &id);
    assert_eq!(code, 0, "a warning, not a refusal: {out}{err}");
    assert!(err.contains("warning:"), "{err}");
    assert!(
        err.contains("secret's ID") && err.contains("not its Value"),
        "{err}"
    );
    assert!(
        !err.contains("6f1c2e3d"),
        "the secret itself is not printed: {err}"
    );

    let value = s.path("secret-value");
    write_private(&value, "Xy7~Q8s.abcDEF_1234567890abcdEFGH12\n");
    let value = value.display().to_string();
    let (code, _, err) = add("app2", &value);
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("warning:"),
        "a real Value draws no warning: {err}"
    );

    let (code, _, err) = s.run(&["connector", "edit", "app2", "--client-secret-file", &id]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("not its Value"), "edit warns too: {err}");
}

#[test]
fn connector_add_asks_discovery_about_the_tenant_and_never_blocks_on_no_answer() {
    let s = Setup::new();
    // The emulator's own tenant: found, nothing to say.
    let (code, out, err) = s.add("known", &["--grant", "device-code"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("AADSTS90002"), "{err}");

    // A tenant the identity platform does not know: saved, with a warning naming AADSTS90002.
    let add_with = |name: &str, login: &str, tenant: &str| {
        s.add_at(name, login, tenant, &["--grant", "device-code"])
    };
    let (code, out, err) = add_with("typo", s.emu.login_url(), "fabrikam-typo.example");
    assert_eq!(code, 0, "a warning, never a block: {out}{err}");
    for part in [
        "warning:",
        "AADSTS90002",
        "fabrikam-typo.example",
        "not found",
    ] {
        assert!(err.contains(part), "{part} in: {err}");
    }

    // Nobody answers (a listener that never replies, a closed port): no verdict, no warning.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let silent_url = format!("http://{}", silent.local_addr().expect("an address"));
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        format!("http://{}", l.local_addr().expect("an address"))
    };
    for (name, login) in [("silent", silent_url.as_str()), ("closed", closed.as_str())] {
        let (code, out, err) = add_with(name, login, "contoso.onmicrosoft.com");
        assert_eq!(code, 0, "{name}: {out}{err}");
        assert!(!err.contains("warning: tenant"), "{name}: {err}");
    }
    let (_, out, _) = s.run(&["--json", "connector", "list"]);
    let names: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(out.trim())
        .expect("a JSON array")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        names,
        ["known", "typo", "silent", "closed"],
        "all were saved"
    );
}

#[test]
fn a_taken_redirect_port_is_said_at_once_with_another_port_and_its_redirect_uri() {
    use std::io::Write;
    let s = Setup::new();
    // Another program holds the connector's redirect port.
    let holder = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = holder.local_addr().expect("an address").port();
    let other = port + 1;
    let (code, _, err) = s.add(
        "web",
        &["--grant", "auth-code", "--redirect-port", &port.to_string()],
    );
    assert_eq!(code, 0, "{err}");
    let mut child = s
        .cmd(&["connector", "login", "web", "--no-browser"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("graphmail starts");
    // Not a redirect: the wait ends once the prompt is out.
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"not an address\n")
        .expect("written");
    let out = child.wait_with_output().expect("login ends");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    for part in [
        format!("port {port} on 127.0.0.1 is in use"),
        format!("graphmail connector edit web --redirect-port {other}"),
        format!("http://localhost:{other}/"),
        "paste the address".to_string(),
    ] {
        assert!(err.contains(&part), "{part} in: {err}");
    }
    drop(holder);
}
