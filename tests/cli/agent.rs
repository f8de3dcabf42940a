//! `graphmail unlock` / `lock` and the session agent, through the real binary: commands open
//! the vault through the agent without a passphrase until it forgets, other users are refused,
//! and the key stays in the agent's memory only.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::vault::{graphmail_without_terminal, require_program, run, write_private};

const PASSPHRASE: &str = "unlock-once 9f3c7e horse battery";

/// A vault with a passphrase, its own HOME and runtime folder, and the agent it started
/// (stopped when the test ends, whatever happens).
struct Session {
    dir: tempfile::TempDir,
    agent_pid: Option<i32>,
    /// Run graphmail as this uid/gid through setpriv.
    as_user: Option<u32>,
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(pid) = self.agent_pid {
            // SAFETY: kill only sends a signal to the agent this test started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
    }
}

impl Session {
    fn new() -> Session {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "run", "data", "logs"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            std::fs::set_permissions(dir.path().join(sub), std::fs::Permissions::from_mode(0o700))
                .unwrap();
        }
        write_private(&dir.path().join("pass"), &format!("{PASSPHRASE}\n"));
        Session {
            dir,
            agent_pid: None,
            as_user: None,
        }
    }

    /// The same, every file owned by `uid`, whose commands run as that user.
    fn owned_by(uid: u32) -> Session {
        let mut s = Session::new();
        for entry in walk(s.dir.path()) {
            std::os::unix::fs::chown(&entry, Some(uid), Some(uid)).unwrap();
        }
        std::os::unix::fs::chown(s.dir.path(), Some(uid), Some(uid)).unwrap();
        s.as_user = Some(uid);
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn runtime(&self) -> PathBuf {
        self.path("run")
    }

    /// `graphmail --vault … ARGS` without a terminal, with this session's HOME and runtime
    /// folder, and `socket` as GRAPHMAIL_AGENT_SOCK when given.
    fn gm(&self, socket: Option<&Path>, args: &[&str]) -> (i32, String, String) {
        let mut cmd = graphmail_without_terminal(self.dir.path()).expect("setsid is installed");
        if let Some(uid) = self.as_user {
            let program = cmd.get_program().to_owned();
            let inner: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
            let mut wrapped = Command::new("setpriv");
            wrapped
                .args(["--reuid", &uid.to_string(), "--regid", &uid.to_string()])
                .arg("--clear-groups")
                .arg(program)
                .args(inner);
            for (key, value) in cmd.get_envs() {
                match value {
                    Some(v) => wrapped.env(key, v),
                    None => wrapped.env_remove(key),
                };
            }
            cmd = wrapped;
            cmd.stdin(std::process::Stdio::null());
        }
        cmd.env("HOME", self.path("home"))
            .env("XDG_RUNTIME_DIR", self.runtime())
            .env("GRAPHMAIL_LOG_DIR", self.path("logs"))
            .env_remove("GRAPHMAIL_AGENT_SOCK")
            .env_remove("GRAPHMAIL_AGENT_PID")
            .arg("--vault")
            .arg(self.path("data").join("vault.age"))
            .args(args);
        if let Some(socket) = socket {
            cmd.env("GRAPHMAIL_AGENT_SOCK", socket);
        }
        run(&mut cmd)
    }

    fn ok(&self, socket: Option<&Path>, args: &[&str]) -> String {
        let (code, out, err) = self.gm(socket, args);
        assert_eq!(code, 0, "graphmail {args:?} failed: {err}{out}");
        out
    }

    fn init(&self) {
        let pass = self.path("pass");
        self.ok(
            None,
            &["--passphrase-file", pass.to_str().unwrap(), "vault", "init"],
        );
    }

    /// `graphmail unlock --passphrase-file … EXTRA`; returns the exported socket.
    fn unlock(&mut self, extra: &[&str]) -> PathBuf {
        let pass = self.path("pass");
        let mut args = vec!["--passphrase-file", pass.to_str().unwrap(), "unlock"];
        args.extend_from_slice(extra);
        let out = self.ok(None, &args);
        let socket = exported(&out, "GRAPHMAIL_AGENT_SOCK")
            .unwrap_or_else(|| panic!("unlock exports the socket: {out}"));
        let pid = exported(&out, "GRAPHMAIL_AGENT_PID").expect("unlock exports the pid");
        self.agent_pid = Some(pid.parse().unwrap());
        PathBuf::from(socket)
    }

    fn list(&self, socket: &Path) -> (i32, String, String) {
        self.gm(Some(socket), &["connector", "list", "--json"])
    }

    /// Waits (at most 10 s) for the agent process to be gone; true when it is.
    fn agent_exits(&self) -> bool {
        let pid = self.agent_pid.expect("an agent was started");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // Gone, or a zombie waiting for its parent (init) to reap it.
            if state.is_empty() || state.contains(") Z ") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

/// The value of `NAME='value'` or `NAME=value` in `unlock`'s sh output.
fn exported(out: &str, name: &str) -> Option<String> {
    let line = out.lines().find(|l| l.starts_with(&format!("{name}=")))?;
    let value = line[name.len() + 1..].split(';').next()?;
    Some(value.trim_matches('\'').to_string())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path.clone());
            }
            found.push(path);
        }
    }
    found
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// True when this test may act as root (chown, setpriv, another process's memory). Otherwise
/// says the test is skipped, or fails it under GRAPHMAIL_REQUIRE_TOOLS=1.
fn running_as_root(why: &str) -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    if std::env::var("GRAPHMAIL_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("this test must run as root under GRAPHMAIL_REQUIRE_TOOLS=1: {why}");
    }
    eprintln!("SKIPPED: not running as root, so this test cannot {why}");
    false
}

#[test]
fn commands_open_the_vault_through_the_agent_until_it_is_locked() {
    let mut s = Session::new();
    s.init();
    let socket = s.unlock(&[]);

    let (code, out, err) = s.list(&socket);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "[]");
    assert!(!err.contains("session agent"), "{err}");

    // A change is saved through the agent too, and the passphrase still opens the result.
    s.ok(
        Some(&socket),
        &[
            "connector",
            "add",
            "ops",
            "--tenant",
            "contoso.onmicrosoft.com",
            "--client-id",
            "00000000-0000-0000-0000-000000000001",
            "--grant",
            "device-code",
        ],
    );
    let pass = s.path("pass");
    let listed = s.ok(
        None,
        &[
            "--passphrase-file",
            pass.to_str().unwrap(),
            "connector",
            "list",
            "--json",
        ],
    );
    crate::support::mail::assert_contains(&listed, "\"ops\"");

    // A second unlock finds the running agent instead of asking again.
    let again = s.ok(None, &["unlock"]);
    assert_eq!(
        exported(&again, "GRAPHMAIL_AGENT_SOCK").as_deref(),
        socket.to_str()
    );

    let status = s.ok(Some(&socket), &["unlock", "--status"]);
    crate::support::mail::assert_contains(&status, "holds the key of");
    assert!(!status.contains("AGE-SECRET-KEY"), "{status}");

    let locked = s.ok(Some(&socket), &["lock"]);
    crate::support::mail::assert_contains(&locked, "forgot");
    assert!(s.agent_exits(), "the agent stops when locked");
    let (code, _, err) = s.list(&socket);
    assert_eq!(code, 3, "{err}");
    assert_eq!(
        err.lines().filter(|l| l.contains("session agent")).count(),
        1,
        "one line says why the agent is not used: {err}"
    );
    let (code, _, _) = s.gm(Some(&socket), &["unlock", "--status"]);
    assert_eq!(code, 3);
}

#[test]
fn an_agent_started_for_two_seconds_forgets_the_key_on_its_own() {
    let mut s = Session::new();
    s.init();
    let socket = s.unlock(&["--for", "2s"]);
    std::thread::sleep(Duration::from_secs(3));
    let (code, _, err) = s.list(&socket);
    assert_eq!(code, 3, "{err}");
    assert!(s.agent_exits(), "the agent stops when its time is up");
}

#[test]
fn an_agent_stops_when_the_vault_passphrase_changes() {
    let mut s = Session::new();
    s.init();
    let socket = s.unlock(&[]);
    write_private(&s.path("newpass"), "another passphrase entirely\n");
    let new = s.path("newpass");
    s.ok(
        Some(&socket),
        &[
            "vault",
            "passwd",
            "--new-passphrase-file",
            new.to_str().unwrap(),
        ],
    );
    assert!(s.agent_exits(), "the agent stops when the key file changes");
    let (code, _, err) = s.list(&socket);
    assert_eq!(code, 3, "{err}");
}

#[test]
fn a_connection_from_another_user_is_refused_and_the_socket_is_private() {
    if !running_as_root("run the agent as another user") {
        return;
    }
    if require_program("setpriv", "run the agent as another user").is_none() {
        return;
    }
    let mut s = Session::owned_by(65534);
    s.init();
    let socket = s.unlock(&[]);
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(socket.parent().unwrap()), 0o700);
    // The agent's own user opens the vault through it.
    let (code, _, err) = s.list(&socket);
    assert_eq!(code, 0, "{err}");

    // Root passes the file modes, so only the agent's peer check stands in the way.
    let root = Session {
        dir: tempfile::tempdir().unwrap(),
        agent_pid: None,
        as_user: None,
    };
    let mut cmd = graphmail_without_terminal(root.dir.path()).unwrap();
    cmd.env("GRAPHMAIL_AGENT_SOCK", &socket)
        .arg("--vault")
        .arg(s.path("data").join("vault.age"))
        .args(["connector", "list", "--json"]);
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 3, "{err}");
    crate::support::mail::assert_contains(&err, "refused the connection");
    let mut status = graphmail_without_terminal(root.dir.path()).unwrap();
    status
        .env("GRAPHMAIL_AGENT_SOCK", &socket)
        .args(["unlock", "--status"]);
    let (code, out, _) = run(&mut status);
    assert_eq!(code, 3, "{out}");

    let log = std::fs::read_to_string(s.path("logs").join("graphmail.log")).unwrap_or_default();
    crate::support::mail::assert_contains(&log, "refused a connection from another user");
    crate::support::mail::assert_contains(&log, "peer_uid=0");
}

/// The 32 bytes of an `AGE-SECRET-KEY-1…` string (bech32, checksum left out).
fn secret_key_bytes(text: &str) -> Vec<u8> {
    const CHARSET: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let lower = text.to_ascii_lowercase();
    let data = &lower[lower.rfind('1').unwrap() + 1..];
    let values: Vec<u32> = data
        .chars()
        .map(|c| CHARSET.find(c).unwrap() as u32)
        .collect();
    let mut bytes = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in &values[..values.len() - 6] {
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    bytes
}

/// The vault's identity, read from its key file with the passphrase (as the age CLI would).
fn vault_secret_key(key_file: &Path) -> String {
    use std::io::Read;
    let bytes = std::fs::read(key_file).unwrap();
    let decryptor =
        age::Decryptor::new_buffered(age::armor::ArmoredReader::new(&bytes[..])).unwrap();
    let identity = age::scrypt::Identity::new(age::secrecy::SecretString::from(PASSPHRASE));
    let mut text = String::new();
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let line = text.lines().find(|l| l.starts_with("AGE-SECRET-KEY-1"));
    line.expect("the key file holds an identity").to_string()
}

/// Every readable mapping of a process's memory, read through /proc/PID/mem.
fn process_memory(pid: i32) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut all = Vec::new();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !perms.starts_with('r') || line.ends_with("[vvar]") {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        let mut chunk = vec![0u8; (end - start) as usize];
        if mem.seek(SeekFrom::Start(start)).is_ok() && mem.read_exact(&mut chunk).is_ok() {
            all.extend_from_slice(&chunk);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_agent_never_holds_the_passphrase_and_no_file_holds_the_key() {
    if !running_as_root("read the agent's memory") {
        return;
    }
    let mut s = Session::new();
    s.init();
    let socket = s.unlock(&[]);
    let (code, _, err) = s.list(&socket);
    assert_eq!(code, 0, "{err}");

    let memory = process_memory(s.agent_pid.unwrap());
    let status = s.ok(Some(&socket), &["unlock", "--status", "--json"]);
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let public_key = status["public_key"].as_str().unwrap();
    assert!(
        contains(&memory, public_key.as_bytes()),
        "the memory read is the agent's (it holds its public key)"
    );
    assert!(
        !contains(&memory, PASSPHRASE.as_bytes()),
        "the agent never holds the passphrase"
    );

    let secret = vault_secret_key(&s.path("data").join("vault.age.key"));
    let raw = secret_key_bytes(&secret);
    assert_eq!(raw.len(), 32);
    let mut searched = 0;
    for file in walk(s.dir.path()).into_iter().chain(walk(&s.runtime())) {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        searched += 1;
        for needle in [
            secret.as_bytes(),
            secret.to_ascii_lowercase().as_bytes(),
            &raw[..],
        ] {
            assert!(
                !contains(&bytes, needle),
                "{} holds the vault's key",
                file.display()
            );
        }
    }
    assert!(
        searched >= 4,
        "the vault, its key file, the passphrase and the log were searched"
    );
}

#[test]
fn the_app_says_the_agent_opened_the_vault_and_l_makes_it_forget() {
    use crate::support::tui::{list_model, press, rows, screen_text};
    use graphmail::app::keys::Key;
    use graphmail::app::{Cmd, Screen};

    let header = |m: &graphmail::app::Model| {
        let text = screen_text(m, 120, 40);
        text.lines().next().unwrap_or_default().to_string()
    };
    let mut m = list_model(rows());
    m.shared.through_agent = true;
    assert!(header(&m).contains("unlocked by agent"), "{}", header(&m));
    let cmds = press(&mut m, Key::ch('L'));
    assert!(cmds.iter().any(|c| matches!(c, Cmd::LockAgent)), "{cmds:?}");
    assert!(
        matches!(m.screen, Screen::Unlock(_)),
        "the passphrase is asked again"
    );
    assert!(m.shared.connectors.is_empty());
    assert!(!header(&m).contains("agent"), "{}", header(&m));

    // Opened another way, L only says there is nothing to lock.
    let mut plain = list_model(rows());
    assert!(!header(&plain).contains("agent"));
    assert!(press(&mut plain, Key::ch('L')).is_empty());
    assert!(matches!(plain.screen, Screen::Connectors(_)));
}
