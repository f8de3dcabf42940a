//! The real binary in tmux: create a vault, add a connector through the wizard with keystrokes
//! only, choose permissions, see it listed, quit, and find the terminal restored.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn run(args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        Tmux::run(&args);
    }

    /// Literal text, so that words like "Enter" are typed, not pressed.
    fn type_text(&self, text: &str) {
        Tmux::run(&["send-keys", "-t", &self.session, "-l", text]);
    }

    fn screen(&self) -> String {
        Tmux::run(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Waits until the screen shows `text`; fails with the screen after 20 s.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}; it shows:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        Tmux::run(&["kill-session", "-t", &self.session]);
    }
}

fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("GRAPHMAIL_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "tmux is required (GRAPHMAIL_REQUIRE_TOOLS=1) but is not installed"
        );
        eprintln!("skipped: tmux is not installed, so the terminal app cannot be driven");
    }
    found
}

fn start(dir: &Path, name: &str) -> Tmux {
    let bin = env!("CARGO_BIN_EXE_graphmail");
    let cmd = format!(
        "env -u NO_COLOR GRAPHMAIL_VAULT={v} GRAPHMAIL_LOG_DIR={l} GRAPHMAIL_CONFIG_DIR={c} {bin}; echo GRAPHMAIL-EXIT=$?; sleep 120",
        v = dir.join("vault.age").display(),
        l = dir.join("log").display(),
        c = dir.join("config").display(),
    );
    let session = format!("graphmail-e2e-{name}-{}", std::process::id());
    Tmux::run(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "100",
        "-y",
        "30",
        &cmd,
    ]);
    Tmux { session }
}

#[test]
fn a_connector_is_created_through_the_wizard_and_the_terminal_is_restored() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let t = start(dir.path(), "wizard");
    t.wait_for("Create the vault");
    t.type_text("e2e passphrase 1");
    t.send(&["Tab"]);
    t.type_text("e2e passphrase 1");
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");

    t.send(&["a"]);
    t.wait_for("Step 1/5");
    t.type_text("e2e-box");
    t.send(&["Enter"]);
    t.wait_for("Step 2/5");
    // Typing a bad tenant shows the problem beside the field and blocks Next.
    t.send(&["Tab"]);
    t.type_text("not a tenant");
    t.send(&["Enter"]);
    t.wait_for("Next is blocked");
    t.send(&["C-u"]);
    t.type_text("contoso.onmicrosoft.com");
    t.send(&["Tab"]);
    t.type_text("11111111-2222-3333-4444-555555555555");
    t.send(&["Enter"]);
    t.wait_for("Step 3/5");
    // Device code.
    t.send(&["Right"]);
    t.wait_for("(•) Device code");
    t.send(&["Enter"]);
    t.wait_for("Step 4/5");
    // Tick "Read and write mail": the summary follows.
    t.send(&["Down"]);
    t.send(&["Space"]);
    t.wait_for("Mail.ReadWrite   user");
    t.send(&["Enter"]);
    t.wait_for("Step 5/5");
    t.send(&["Enter"]);
    let list = t.wait_for("Saved e2e-box");
    assert!(
        list.contains("device code") && list.contains("needs sign-in"),
        "{list}"
    );

    t.send(&["q"]);
    let after = t.wait_for("GRAPHMAIL-EXIT=0");
    assert!(
        !after.contains("Connectors ("),
        "the app's screen is gone:\n{after}"
    );
    let alt = Tmux::run(&["display-message", "-p", "-t", &t.session, "#{alternate_on}"]);
    assert_eq!(alt.trim(), "0", "the alternate screen was left");

    // The connector is in the vault, as the CLI sees it.
    let pp = dir.path().join("pp");
    std::fs::write(&pp, "e2e passphrase 1\n").expect("passphrase file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pp, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_graphmail"))
        .args(["connector", "show", "e2e-box", "--json"])
        .env("GRAPHMAIL_VAULT", dir.path().join("vault.age"))
        .env("GRAPHMAIL_PASSPHRASE_FILE", &pp)
        .env("GRAPHMAIL_LOG_DIR", dir.path().join("log"))
        .output()
        .expect("graphmail runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("device-code") && text.contains("Mail.ReadWrite"),
        "{text}"
    );
}

#[test]
fn a_wrong_passphrase_is_refused_and_the_right_one_opens_the_vault() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let t = start(dir.path(), "unlock");
    t.wait_for("Create the vault");
    t.type_text("right passphrase");
    t.send(&["Tab"]);
    t.type_text("right passphrase");
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");
    t.send(&["q"]);
    t.wait_for("GRAPHMAIL-EXIT=0");
    drop(t);

    let t = start(dir.path(), "unlock2");
    t.wait_for("Unlock the vault");
    t.type_text("wrong passphrase");
    t.send(&["Enter"]);
    t.wait_for("The passphrase is wrong");
    t.type_text("right passphrase");
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");
    t.send(&["C-c"]);
    t.wait_for("GRAPHMAIL-EXIT=0");
}
