//! Whether a browser can be opened here: never over SSH, never without a desktop.

use std::ffi::OsString;

/// What happens with the authorize URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserChoice {
    /// Open the system browser (and print the URL too).
    Open,
    /// The session is remote (`SSH_CONNECTION` / `SSH_TTY`): print the URL and the tunnel line.
    Ssh,
    /// No `DISPLAY` or `WAYLAND_DISPLAY`: print the URL.
    NoDesktop,
    /// `--no-browser`.
    Refused,
}

impl BrowserChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            BrowserChoice::Open => "open",
            BrowserChoice::Ssh => "ssh",
            BrowserChoice::NoDesktop => "no_desktop",
            BrowserChoice::Refused => "no_browser",
        }
    }
}

/// Decides from the environment.
pub fn browser_choice(no_browser: bool) -> BrowserChoice {
    decide(no_browser, |k| std::env::var_os(k))
}

fn decide(no_browser: bool, env: impl Fn(&str) -> Option<OsString>) -> BrowserChoice {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    if no_browser {
        BrowserChoice::Refused
    } else if set("SSH_CONNECTION") || set("SSH_TTY") || set("SSH_CLIENT") {
        BrowserChoice::Ssh
    } else if !cfg!(any(target_os = "macos", windows)) && !set("DISPLAY") && !set("WAYLAND_DISPLAY")
    {
        BrowserChoice::NoDesktop
    } else {
        BrowserChoice::Open
    }
}

/// `ssh -L PORT:127.0.0.1:PORT [user@]host`: run on the admin's own machine so its browser
/// reaches the listener here.
pub fn ssh_forward_hint(port: u16) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "THIS-HOST".into());
    let target = match std::env::var("USER") {
        Ok(user) if !user.is_empty() => format!("{user}@{host}"),
        _ => host,
    };
    format!("ssh -L {port}:127.0.0.1:{port} {target}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn ssh_wins_over_a_desktop_and_the_flag_wins_over_all() {
        let both = env(&[("SSH_CONNECTION", "1 2 3 4"), ("DISPLAY", ":0")]);
        assert_eq!(decide(false, &both), BrowserChoice::Ssh);
        assert_eq!(decide(true, &both), BrowserChoice::Refused);
        assert_eq!(
            decide(false, env(&[("SSH_TTY", "/dev/pts/1")])),
            BrowserChoice::Ssh
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_desktop_opens_the_browser_and_none_prints() {
        assert_eq!(
            decide(false, env(&[("DISPLAY", ":0")])),
            BrowserChoice::Open
        );
        assert_eq!(
            decide(false, env(&[("WAYLAND_DISPLAY", "wayland-0")])),
            BrowserChoice::Open
        );
        assert_eq!(decide(false, env(&[])), BrowserChoice::NoDesktop);
        assert_eq!(
            decide(false, env(&[("DISPLAY", "")])),
            BrowserChoice::NoDesktop
        );
    }
}
