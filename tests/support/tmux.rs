//! Driving the real binary in tmux: keys in, screen text out, and the checks that the
//! terminal was restored after the app quit.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub session: String,
}

impl Tmux {
    pub fn run(args: &[&str]) -> String {
        let out = Command::new("tmux").args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        Tmux::run(&args);
    }

    /// Literal text, so that words like "Enter" are typed, not pressed.
    pub fn type_text(&self, text: &str) {
        Tmux::run(&["send-keys", "-t", &self.session, "-l", text]);
    }

    pub fn screen(&self) -> String {
        Tmux::run(&["capture-pane", "-p", "-t", &self.session])
    }

    /// The screen with the lines the terminal wrapped itself joined again (`capture-pane -J`):
    /// a long line written whole reads back as one line.
    pub fn screen_joined(&self) -> String {
        Tmux::run(&["capture-pane", "-p", "-J", "-t", &self.session])
    }

    /// Waits until the screen shows `text`; fails with the screen after 20 s.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Waits until the screen shows `what` (20 s), so a half-drawn frame is never judged.
    pub fn wait_until(&self, what: &str, shows: impl Fn(&str) -> bool) -> String {
        self.wait_until_within(what, Duration::from_secs(20), shows)
    }

    pub fn wait_until_within(
        &self,
        what: &str,
        limit: Duration,
        shows: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let s = self.screen();
            if shows(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {what}; it shows:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Tmux {
    pub fn format(&self, what: &str) -> String {
        Tmux::run(&["display-message", "-p", "-t", &self.session, what])
            .trim()
            .to_string()
    }

    /// After quitting: the app exited with 0, left the alternate screen, showed the cursor
    /// again, and put the terminal back in cooked mode (`stty -a` in the pane says so).
    pub fn assert_restored(&self) {
        let after = self.wait_for("STTY-DONE");
        assert!(after.contains("GRAPHMAIL-EXIT=0"), "{after}");
        assert!(
            !after.contains("Connectors ("),
            "the app's screen is gone:\n{after}"
        );
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "the alternate screen was left"
        );
        assert_eq!(self.format("#{cursor_flag}"), "1", "the cursor is visible");
        let flags: Vec<&str> = after.split_whitespace().collect();
        for on in ["echo", "icanon", "icrnl", "isig"] {
            assert!(
                flags.contains(&on),
                "stty shows `{on}` on after the app:\n{after}"
            );
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        Tmux::run(&["kill-session", "-t", &self.session]);
    }
}

/// Whether tmux is installed; when not, says so (or fails when CI requires the tools).
pub fn tmux_available() -> bool {
    super::vault::require_program("tmux", "drive the terminal app").is_some()
}

/// Starts `cmd` in a new detached session `name`-<pid> of `width`×`height`.
pub fn start_session(name: &str, width: u16, height: u16, cmd: &str) -> Tmux {
    let session = format!("graphmail-e2e-{name}-{}", std::process::id());
    let (w, h) = (width.to_string(), height.to_string());
    Tmux::run(&["new-session", "-d", "-s", &session, "-x", &w, "-y", &h, cmd]);
    Tmux { session }
}

/// Starts the real binary with `args` in a new session `name` of `width`×`height`, isolated
/// from the caller's environment: no config, identity, passphrase file or vault of theirs,
/// logs and config in `dir`, colours on, and `settings` (`NAME=value …`) added. After the app
/// the pane prints its exit code and `stty -a`, then stays open `linger` seconds for the checks.
pub fn start_graphmail(
    name: &str,
    (width, height): (u16, u16),
    dir: &std::path::Path,
    settings: &str,
    args: &str,
    linger: u32,
) -> Tmux {
    let cmd = format!(
        "env -u NO_COLOR -u GRAPHMAIL_CONFIG -u GRAPHMAIL_IDENTITY -u GRAPHMAIL_PASSPHRASE_FILE -u GRAPHMAIL_VAULT GRAPHMAIL_TENANT_CHECK=off {settings} GRAPHMAIL_LOG_DIR={l} GRAPHMAIL_CONFIG_DIR={c} {bin} {args}; echo GRAPHMAIL-EXIT=$?; stty -a; echo STTY-DONE; sleep {linger}",
        l = dir.join("log").display(),
        c = dir.join("config").display(),
        bin = env!("CARGO_BIN_EXE_graphmail"),
    );
    start_session(name, width, height, &cmd)
}
