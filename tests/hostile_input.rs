//! graphmail under hostile input and misbehaving servers: every input has a bound, every wait
//! an end, tokens are checked before they are kept, and nothing reaches the terminal raw.
//! The misbehaving services are small loopback servers in this file.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clap::CommandFactory;
use support::emulated::Emulated;
use support::vault::{find_program, graphmail, require_program, run, write_private};

/// ESC (a screen clear and an OSC title change), BEL, a C1 CSI, and bidi overrides.
const HOSTILE: &str = "x\x1b[2J\x1b]0;pwned\x07\u{9b}31m\u{202e}gnp.exe\u{2066}";

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
const MAILBOX: &str = "adele@contoso.com";

/// How the loopback service misbehaves.
#[derive(Clone, Copy)]
enum Mode {
    /// Tokens fine; every message page names itself as the next page.
    SelfLoopingNextLink,
    /// Tokens fine; message pages drip one byte a second.
    DripBody,
    /// The token endpoint answers `"access_token": ""`.
    EmptyToken,
    /// The token endpoint answers this status with an HTML page.
    TokenStatus(u16),
}

#[derive(Clone)]
struct Service {
    mode: Mode,
    base: String,
    pages: Arc<AtomicUsize>,
}

async fn handle(State(s): State<Service>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    if path.ends_with("/oauth2/v2.0/token") {
        return match s.mode {
            Mode::TokenStatus(code) => (
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "<html>busy</html>",
            )
                .into_response(),
            Mode::EmptyToken => json_reply(serde_json::json!({
                "token_type": "Bearer", "expires_in": 3599, "access_token": ""
            })),
            _ => json_reply(serde_json::json!({
                "token_type": "Bearer", "expires_in": 3599, "access_token": "eyJ0eXAi.e30.c2ln"
            })),
        };
    }
    if path.ends_with("/messages") {
        s.pages.fetch_add(1, Ordering::SeqCst);
        return match s.mode {
            Mode::DripBody => {
                let drip = futures_util::stream::unfold(0u32, |n| async move {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    (n < 600).then(|| {
                        (
                            Ok::<_, std::io::Error>(bytes::Bytes::from_static(b" ")),
                            n + 1,
                        )
                    })
                });
                Response::new(Body::from_stream(drip))
            }
            _ => {
                let link = format!("{}/v1.0/users/{MAILBOX}/mailFolders/inbox/messages", s.base);
                json_reply(serde_json::json!({
                    "value": [{ "id": "m1", "subject": "one", "isRead": false,
                                 "receivedDateTime": "2026-01-01T00:00:00Z" }],
                    "@odata.nextLink": link,
                }))
            }
        };
    }
    json_reply(serde_json::json!({
        "id": "u1", "displayName": "Adele", "mail": MAILBOX, "userPrincipalName": MAILBOX
    }))
}

fn json_reply(value: serde_json::Value) -> Response {
    ([("content-type", "application/json")], value.to_string()).into_response()
}

/// Starts the service on 127.0.0.1 in a thread of its own; returns its base URL.
fn start(mode: Mode) -> (String, Arc<AtomicUsize>) {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    std_listener.set_nonblocking(true).expect("nonblocking");
    let addr: SocketAddr = std_listener.local_addr().expect("address");
    let base = format!("http://{addr}");
    let pages = Arc::new(AtomicUsize::new(0));
    let service = Service {
        mode,
        base: base.clone(),
        pages: pages.clone(),
    };
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            let app = Router::new().fallback(handle).with_state(service);
            let _ = axum::serve(listener, app).await;
        });
    });
    (base, pages)
}

/// A vault with one client-credentials connector `x` pointed at `base`.
fn vault_with_connector(dir: &Path, base: &str) -> Vec<String> {
    let pass = dir.join("pass");
    write_private(&pass, "correct horse\n");
    let secret = dir.join("secret");
    write_private(&secret, "s3cret\n");
    let global = vec![
        "--vault".to_string(),
        dir.join("vault.age").display().to_string(),
        "--passphrase-file".to_string(),
        pass.display().to_string(),
    ];
    let (code, _, err) = run(graphmail(dir).args(&global).args(["vault", "init"]));
    assert_eq!(code, 0, "vault init: {err}");
    let (code, _, err) = run(graphmail(dir).args(&global).args([
        "connector",
        "add",
        "x",
        "--tenant",
        TENANT,
        "--client-id",
        CLIENT_ID,
        "--grant",
        "client-credentials",
        "--client-secret-file",
        &secret.display().to_string(),
        "--mailbox",
        MAILBOX,
        "--cloud",
        "custom",
        "--login-url",
        base,
        "--graph-url",
        &format!("{base}/v1.0"),
    ]));
    assert_eq!(code, 0, "connector add: {err}");
    global
}

#[test]
fn a_next_link_that_points_at_the_same_page_stops_the_listing_with_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (base, pages) = start(Mode::SelfLoopingNextLink);
    let global = vault_with_connector(dir.path(), &base);
    let (code, out, err) = run(graphmail(dir.path()).args(&global).args([
        "mail",
        "list",
        "--all",
        "--json",
        "--connector",
        "x",
    ]));
    assert_eq!(code, 1, "exit {code}\n{out}\n{err}");
    // With --json the error is the last line on stdout, after the one page listed once.
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "the page is listed once, then the error: {out}"
    );
    let error: serde_json::Value = serde_json::from_str(lines[1]).expect("a JSON error");
    assert_eq!(error["error"]["code"], "paging_loop", "{out}");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("leads back to a page already read"),
        "{out}"
    );
    assert!(error["error"]["fix"].is_string(), "{out}");
    // The first address carries the query; the self link is asked for once, then refused.
    assert!(
        pages.load(Ordering::SeqCst) <= 2,
        "{}",
        pages.load(Ordering::SeqCst)
    );
}

#[test]
fn a_reply_that_drips_ends_at_the_command_deadline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (base, _) = start(Mode::DripBody);
    let global = vault_with_connector(dir.path(), &base);
    let (code, _, err) = run(graphmail(dir.path()).args(&global).args([
        "--timeout",
        "3",
        "mail",
        "list",
        "--connector",
        "x",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("did not finish within 3 s"), "{err}");
    assert!(err.contains("--timeout SECONDS"), "{err}");
}

#[test]
fn an_empty_access_token_is_refused_and_nothing_is_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (base, _) = start(Mode::EmptyToken);
    let global = vault_with_connector(dir.path(), &base);
    let (code, out, err) = run(graphmail(dir.path()).args(&global).args(["token", "x"]));
    assert_ne!(code, 0, "an empty token is no token: {out:?}");
    assert!(out.trim().is_empty(), "{out:?}");
    assert!(err.contains("access token that is empty"), "{err}");
    let (_, status, _) =
        run(graphmail(dir.path())
            .args(&global)
            .args(["--json", "connector", "status"]));
    assert!(
        !status.contains("\"valid\""),
        "no token was stored: {status}"
    );
}

#[test]
fn the_token_endpoint_failing_is_named_unavailable_or_throttled() {
    for (status, code, words) in [
        (
            500,
            "identity_unavailable",
            "the identity platform is unavailable",
        ),
        (
            503,
            "identity_unavailable",
            "the identity platform is unavailable",
        ),
        (
            429,
            "identity_throttled",
            "the identity platform is throttling",
        ),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (base, _) = start(Mode::TokenStatus(status));
        let global = vault_with_connector(dir.path(), &base);
        let (exit, _, err) = run(graphmail(dir.path()).args(&global).args(["token", "x"]));
        assert_eq!(exit, 1, "{status}: {err}");
        assert!(err.contains(words), "{status}: {err}");
        assert!(!err.contains("cannot read"), "{status}: {err}");
        let (_, out, _) = run(graphmail(dir.path())
            .args(&global)
            .args(["--json", "token", "x"]));
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON error");
        assert_eq!(v["error"]["code"], code, "{status}: {out}");
    }
}

/// Peak resident memory of a finished command, in KiB, from GNU time.
fn peak_kib(time: &Path, dir: &Path, args: &[&str]) -> (i32, String, u64) {
    let mut cmd = graphmail(dir);
    cmd.args(args);
    peak_of(time, &cmd, &dir.join("time.txt"))
}

/// Runs `cmd` under GNU time: exit code, stderr, and peak resident memory in KiB.
fn peak_of(time: &Path, cmd: &Command, report: &Path) -> (i32, String, u64) {
    let first = [
        "-f".as_ref(),
        "%M".as_ref(),
        "-o".as_ref(),
        report.as_os_str(),
    ];
    let mut timed = support::vault::wrapped(time, &first, cmd);
    timed.stdin(std::process::Stdio::null());
    let (code, _, err) = run(&mut timed);
    let kib = std::fs::read_to_string(report)
        .expect("time's report")
        .trim()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("a peak size");
    (code, err, kib)
}

#[test]
fn secret_files_that_never_end_are_refused_with_the_limit_in_little_memory() {
    let Some(time) = require_program("time", "measure peak memory (GNU time)") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let pass = d.join("pass");
    write_private(&pass, "pw\n");
    let vault = d.join("vault.age").display().to_string();
    let pass_s = pass.display().to_string();
    let (code, _, err) = run(graphmail(d).args([
        "--vault",
        &vault,
        "--passphrase-file",
        &pass_s,
        "vault",
        "init",
    ]));
    assert_eq!(code, 0, "{err}");
    let add = |grant: &str, flag: &str, more: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "--vault",
            &vault,
            "--passphrase-file",
            &pass_s,
            "connector",
            "add",
            "y",
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT_ID,
            "--grant",
            grant,
        ]
        .iter()
        .chain(more)
        .map(|s| s.to_string())
        .collect();
        args.extend([flag.to_string(), "/dev/zero".to_string()]);
        args
    };
    let cases: Vec<Vec<String>> = vec![
        [
            "--vault",
            &vault,
            "--passphrase-file",
            "/dev/zero",
            "connector",
            "list",
        ]
        .map(String::from)
        .to_vec(),
        add(
            "client-credentials",
            "--client-secret-file",
            &["--mailbox", MAILBOX],
        ),
        add("ropc", "--password-file", &["--username", MAILBOX]),
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, err, kib) = peak_kib(&time, d, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("64 KiB"), "{args:?}: {err}");
        assert!(kib < 50 * 1024, "{args:?}: peak {kib} KiB");
    }
}

#[test]
fn recipients_and_message_ids_that_cannot_be_real_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (code, _, err) = run(graphmail(d).args([
        "mail",
        "send",
        "--to",
        "\u{202e}evil@x.com",
        "--subject",
        "s",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("<U+202E>evil@x.com"), "{err}");
    let long = "A".repeat(100_000);
    for id in ["", long.as_str(), "a\x1b]0;x\x07"] {
        let (code, _, err) = run(graphmail(d).args(["mail", "read", id]));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("message id"), "{err}");
        assert!(
            err.len() < 600,
            "the id is not echoed whole: {} bytes",
            err.len()
        );
    }
}

/// Every leaf command of the command tree, as the words that name it.
fn leaf_commands(
    cmd: &clap::Command,
    path: Vec<String>,
    out: &mut Vec<(Vec<String>, clap::Command)>,
) {
    let subs: Vec<_> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .collect();
    if subs.is_empty() {
        out.push((path, cmd.clone()));
        return;
    }
    for s in subs {
        let mut p = path.clone();
        p.push(s.get_name().to_string());
        leaf_commands(s, p, out);
    }
}

/// Argument lists that reach each command's error paths with the hostile text: every
/// positional hostile, then each value-taking option hostile in turn, then an unknown flag.
fn hostile_invocations(dir: &Path) -> Vec<Vec<String>> {
    let mut leaves = Vec::new();
    leaf_commands(&graphmail::cli::Cli::command(), Vec::new(), &mut leaves);
    let hostile_vault = dir.join(HOSTILE).display().to_string();
    let mut all = Vec::new();
    for (path, cmd) in leaves {
        if matches!(path.first().map(String::as_str), Some("demo" | "emulator")) {
            continue;
        }
        let positionals: Vec<String> = cmd.get_positionals().map(|_| HOSTILE.to_string()).collect();
        let base: Vec<String> = ["--vault", &hostile_vault, "--timeout", "3"]
            .iter()
            .map(|s| s.to_string())
            .chain(path.iter().cloned())
            .chain(positionals)
            .collect();
        all.push(base.clone());
        for opt in cmd.get_opts() {
            let Some(long) = opt.get_long() else { continue };
            if matches!(long, "vault" | "timeout") {
                continue;
            }
            let mut args = base.clone();
            args.push(format!("--{long}"));
            args.push(HOSTILE.to_string());
            all.push(args);
        }
        let mut unknown = base.clone();
        unknown.push(format!("--{HOSTILE}"));
        all.push(unknown);
    }
    all
}

/// The raw terminal controls in `text`, after the colour codes graphmail writes itself.
fn raw_controls(text: &str) -> Vec<char> {
    let mut found = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            // graphmail's own colour codes: ESC [ digits ; … m
            let rest: String = chars.clone().skip(1).take_while(|c| *c != 'm').collect();
            if rest.len() <= 16 && rest.chars().all(|c| c.is_ascii_digit() || c == ';') {
                for _ in 0..rest.len() + 2 {
                    chars.next();
                }
                continue;
            }
        }
        let raw = matches!(c, '\x1b' | '\x07' | '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if raw {
            found.push(c);
        }
    }
    found
}

#[test]
fn every_cli_error_path_with_hostile_arguments_prints_nothing_raw_piped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let invocations = hostile_invocations(dir.path());
    assert!(
        invocations.len() > 100,
        "the command tree was walked: {}",
        invocations.len()
    );
    for args in &invocations {
        let (_, out, err) = run(graphmail(dir.path()).args(args));
        let raw = raw_controls(&format!("{out}{err}"));
        assert!(raw.is_empty(), "{args:?} printed {raw:?}:\n{out}\n{err}");
    }
}

#[test]
fn every_cli_error_path_with_hostile_arguments_prints_nothing_raw_on_a_terminal() {
    let Some(script) = find_program("script") else {
        if std::env::var_os("GRAPHMAIL_REQUIRE_TOOLS").is_some() {
            panic!("script (util-linux) is needed for the pseudo-terminal test");
        }
        eprintln!(
            "SKIPPED: `script` (util-linux) is not installed, so the pseudo-terminal test cannot run"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = env!("CARGO_BIN_EXE_graphmail");
    let invocations = hostile_invocations(dir.path());
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    // One pseudo-terminal session runs them all, in batches, to stay quick.
    for batch in invocations.chunks(60) {
        let line: Vec<String> = batch
            .iter()
            .map(|args| {
                let words: Vec<String> = args.iter().map(|a| quote(a)).collect();
                format!("{} {} </dev/null", quote(bin), words.join(" "))
            })
            .collect();
        let mut cmd = graphmail(dir.path());
        let envs: Vec<_> = cmd
            .get_envs()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned())))
            .collect();
        let _ = &mut cmd;
        // What the commands wrote to the terminal comes out on script's stdout.
        let (code, text, err) = run(Command::new(&script)
            .arg("-qfec")
            .arg(line.join("; "))
            .arg("/dev/null")
            .envs(envs)
            .env("GRAPHMAIL_TENANT_CHECK", "off")
            .env_remove("NO_COLOR")
            .stdin(std::process::Stdio::null()));
        assert!(code >= 0, "script ran: {err}");
        assert!(
            text.contains("error"),
            "the commands ran on the terminal: {text}"
        );
        let raw = raw_controls(&text);
        assert!(raw.is_empty(), "raw {raw:?} on the terminal:\n{text}");
    }
}

#[test]
fn a_vault_others_could_change_or_swap_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let pass = d.join("pass");
    write_private(&pass, "pw\n");
    let pass_s = pass.display().to_string();
    let folder = d.join("shared");
    std::fs::create_dir(&folder).expect("folder");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let vault = folder.join("vault.age");
    let vault_s = vault.display().to_string();
    let open = |v: &str| {
        run(graphmail(d).args([
            "--vault",
            v,
            "--passphrase-file",
            &pass_s,
            "connector",
            "list",
        ]))
    };
    let (code, _, err) = run(graphmail(d).args([
        "--vault",
        &vault_s,
        "--passphrase-file",
        &pass_s,
        "vault",
        "init",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(open(&vault_s).0, 0);

    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let (code, _, err) = open(&vault_s);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("can be changed by other users (mode 777)"),
        "{err}"
    );
    assert!(err.contains("chmod go-w"), "{err}");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");

    let link = d.join("link.age");
    std::os::unix::fs::symlink(&vault, &link).expect("symlink");
    let (code, _, err) = open(&link.display().to_string());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");

    let (code, _, err) = open("/");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("/ is not a file"), "{err}");
    assert!(!err.contains("passphrase"), "{err}");
}

/// Runs the real binary against the emulated tenant with extra environment, off the runtime.
async fn emulated_run(s: &Emulated, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = s.vault.cmd();
    cmd.args(args).envs(env.iter().copied());
    let (code, _, err) = tokio::task::spawn_blocking(move || support::mail::run(&mut cmd))
        .await
        .expect("the command runs");
    (code, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_text_tokens_and_secrets_never_reach_the_log_even_at_trace() {
    let s = Emulated::start().await;
    let subject = "Quarterly zebra-7731 figures";
    let body_words = "the okapi-4412 ledger balances";
    let sender = "marmot-5590@fabrikam.example";
    let deliver = s
        .emu
        .http
        .post(format!("{}/_emulator/deliver", s.emu.login_url()))
        .json(&serde_json::json!({
            "mailbox": s.user().upn,
            "message": {
                "subject": subject,
                "body": { "contentType": "HTML",
                          "content": format!("<html><body><p>Dear team, {body_words}.</p></body></html>") },
                "from": { "emailAddress": { "address": sender, "name": "Marmot" } },
                "toRecipients": [{ "emailAddress": { "address": s.user().upn } }],
            }
}));
    let delivered = support::json::send_json(deliver).await;
    let id = delivered["id"].as_str().expect("an id").to_owned();
    let sent_subject = "Outgoing heron-2209 plan";
    let sent_body = "meet at the pelican-8834 gate";
    let recipient = s.colleague().upn;
    let body_file = s.vault.path().join("body.txt");
    std::fs::write(&body_file, sent_body).unwrap();
    let trace = [("GRAPHMAIL_LOG", "trace")];
    let body_arg = body_file.to_str().unwrap();
    let runs: [&[&str]; 5] = [
        &["mail", "list", "--connector", "ops"],
        &["mail", "list", "--connector", "ops", "--json"],
        &["mail", "read", "--connector", "ops", &id],
        &["mail", "read", "--connector", "ops", "--json", &id],
        &[
            "mail",
            "send",
            "--connector",
            "ops",
            "--to",
            &recipient,
            "--subject",
            sent_subject,
            "--body-file",
            body_arg,
        ],
    ];
    for args in runs {
        let (code, err) = emulated_run(&s, args, &trace).await;
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    assert_eq!(s.sent_with_subject(sent_subject).await.len(), 1);

    let log = std::fs::read_to_string(s.vault.path().join("logs/graphmail.log")).expect("a log");
    let lines = log.lines().count();
    eprintln!("log at trace: {lines} lines, {} bytes", log.len());
    assert!(lines > 5, "the runs were logged: {log}");
    let tokens = s.tokens();
    let mut secret: Vec<String> = vec![
        s.user().password.clone(),
        "correct horse battery staple".into(),
        tokens.access_token.clone().expect("an access token"),
    ];
    secret.extend(tokens.refresh_token.clone());
    let mail_text = [
        subject,
        body_words,
        "okapi",
        sender,
        sent_subject,
        sent_body,
        "pelican",
    ];
    for needle in mail_text
        .iter()
        .copied()
        .chain(secret.iter().map(String::as_str))
    {
        assert!(!log.contains(needle), "the log holds {needle:?}");
    }
    assert!(!log.contains(&recipient), "the log holds the recipient");
    // Neither Bearer headers nor bodies from the HTTP stack.
    for needle in ["Bearer ", "authorization", "contentBytes", "\"body\""] {
        assert!(
            !log.to_lowercase().contains(&needle.to_lowercase()),
            "{needle}"
        );
    }
}

/// A file of `size` bytes whose content depends on its offset, so a swapped chunk is seen.
fn patterned_file(path: &Path, size: usize) {
    let block: Vec<u8> = (0..1_048_573u32).map(|i| (i % 251) as u8).collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        std::io::Write::write_all(&mut out, &block[..n]).unwrap();
        left -= n;
    }
    std::io::Write::flush(&mut out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20_mib_attachment_goes_out_and_comes_back_a_chunk_at_a_time() {
    let Some(time) = require_program("time", "measure peak memory (GNU time)") else {
        return;
    };
    let s = Emulated::start().await;
    let dir = s.vault.path().to_path_buf();
    let me = s.user().upn;
    let mut peaks = Vec::new();
    for (mib, subject) in [(4, "four mebibytes"), (20, "twenty mebibytes")] {
        let file = dir.join(format!("data-{mib}.bin"));
        patterned_file(&file, mib << 20);
        let mut cmd = s.vault.cmd();
        cmd.args([
            "mail",
            "send",
            "--connector",
            "ops",
            "--to",
            &me,
            "--subject",
            subject,
            "--allow-empty",
        ])
        .arg("--attach")
        .arg(&file);
        let report = dir.join("time.txt");
        let (code, err, sent_kib) = tokio::task::spawn_blocking({
            let time = time.clone();
            move || peak_of(&time, &cmd, &report)
        })
        .await
        .unwrap();
        assert_eq!(code, 0, "{err}");
        let sent = s.sent_with_subject(subject).await;
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0]["message"]["attachments"][0]["size"],
            (mib << 20) as u64
        );

        // Delivered to the owner inside the tenant; saved back to a new folder.
        let id = s.id_of(subject);
        let saved = dir.join(format!("saved-{mib}"));
        let mut cmd = s.vault.cmd();
        cmd.args(["mail", "attachments", "--connector", "ops", &id, "--save"])
            .arg(&saved);
        let report = dir.join("time.txt");
        let (code, err, saved_kib) = tokio::task::spawn_blocking({
            let time = time.clone();
            move || peak_of(&time, &cmd, &report)
        })
        .await
        .unwrap();
        assert_eq!(code, 0, "{err}");
        let back = std::fs::read(saved.join(format!("data-{mib}.bin"))).unwrap();
        assert!(
            back == std::fs::read(&file).unwrap(),
            "the saved file differs"
        );
        peaks.push((sent_kib, saved_kib));
    }
    // What the binary takes for a command that moves no attachment at all.
    let mut cmd = s.vault.cmd();
    cmd.args(["mail", "folders", "--connector", "ops"]);
    let report = dir.join("time.txt");
    let (code, err, base) = tokio::task::spawn_blocking(move || peak_of(&time, &cmd, &report))
        .await
        .unwrap();
    assert_eq!(code, 0, "{err}");
    let ((send4, save4), (send20, save20)) = (peaks[0], peaks[1]);
    eprintln!(
        "peak KiB: no attachment {base}; send 4 MiB {send4}, 20 MiB {send20}; save 4 MiB {save4}, 20 MiB {save20}"
    );
    // Five times the file costs next to nothing more: memory does not follow the file size,
    // and the 20 MiB transfers take far less than 20 MiB above a command that moves none.
    assert!(send20 < send4 + 4 * 1024, "send: {send4} → {send20} KiB");
    assert!(save20 < save4 + 4 * 1024, "save: {save4} → {save20} KiB");
    for peak in [send20, save20] {
        assert!(peak < base + 8 * 1024, "{peak} KiB against {base} KiB");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_over_150_mib_is_refused_with_the_limit_before_any_request() {
    let s = Emulated::start().await;
    let huge = s.vault.path().join("huge.iso");
    // Sparse: nothing is written.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(150 * 1024 * 1024 + 1)
        .unwrap();
    let drafts = s.graph("/mailFolders/drafts").await["totalItemCount"].clone();
    let huge_arg = huge.to_str().unwrap();
    let (code, err) = emulated_run(
        &s,
        &[
            "mail",
            "send",
            "--connector",
            "ops",
            "--to",
            &s.colleague().upn,
            "--subject",
            "too big",
            "--allow-empty",
            "--attach",
            huge_arg,
        ],
        &[],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("150 MiB"), "{err}");
    assert!(err.contains(huge_arg), "{err}");
    assert!(s.sent().await.is_empty());
    assert_eq!(
        s.graph("/mailFolders/drafts").await["totalItemCount"],
        drafts
    );
}
