//! The session agent behind `graphmail unlock`, modelled on ssh-agent.
//!
//! `graphmail unlock` reads the vault key file with the passphrase once (scrypt) and hands the
//! vault's X25519 identity over a pipe to a detached `graphmail agent-serve` process. That
//! process keeps it in memory only (locked against swapping, the process not dumpable) and
//! listens on a Unix socket in a private folder. A client never receives the identity: it sends
//! the vault's header stanzas and gets back the file key, then decrypts and encrypts itself.
//!
//! - [`protocol`]: the requests and replies, framed with a length and bounded in size and time.
//! - [`location`]: where the socket lives (`$XDG_RUNTIME_DIR/graphmail`, 0700).
//! - [`server`]: the agent process itself.
//! - [`client`]: status, lock, and the [`client::AgentIdentity`] that asks the agent to unwrap.
//! - [`launch`]: starting an agent and the shell lines that point commands at it.

pub mod client;
mod harden;
pub mod launch;
pub mod location;
pub mod protocol;
pub mod server;

use std::path::PathBuf;
use std::time::Duration;

/// The environment variable naming the agent's socket.
pub const SOCK_ENV: &str = "GRAPHMAIL_AGENT_SOCK";
/// The environment variable holding the agent's process id.
pub const PID_ENV: &str = "GRAPHMAIL_AGENT_PID";
/// How long an agent keeps the key without being used, unless `--for` says otherwise.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(3600);

/// Why the agent cannot be used. Each says it in one sentence, without any key material.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("no agent is listening at {socket}")]
    NotRunning { socket: PathBuf },
    #[error("the agent at {socket} refused the connection")]
    Refused { socket: PathBuf },
    #[error("the agent at {socket} holds the key of another vault ({holds})")]
    OtherVault { socket: PathBuf, holds: PathBuf },
    #[error("the agent at {socket} does not hold a key that opens this vault")]
    NoMatch { socket: PathBuf },
    #[error("the agent's runtime folder {path} is not private: {detail}")]
    UnsafeFolder { path: PathBuf, detail: String },
    #[error("the agent answered something graphmail does not understand: {0}")]
    Protocol(String),
    #[error("the agent could not start: {0}")]
    Start(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl AgentError {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> AgentError {
        let context = context.into();
        move |source| AgentError::Io { context, source }
    }
}

/// Parses `--for`: a number followed by `s`, `m`, `h` or `d` (`90s`, `30m`, `8h`); a bare
/// number is seconds. Zero is refused: an agent that forgets at once is of no use.
pub fn parse_lifetime(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(unit).map(Duration::from_secs)
}

/// The user id this process runs as.
pub(crate) fn effective_uid() -> u32 {
    // SAFETY: geteuid takes no arguments, touches no memory and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_take_a_unit_and_refuse_nonsense() {
        assert_eq!(parse_lifetime("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_lifetime("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_lifetime("8h"), Some(Duration::from_secs(8 * 3600)));
        assert_eq!(parse_lifetime("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_lifetime("0m"), None);
        assert_eq!(parse_lifetime("m"), None);
        assert_eq!(parse_lifetime("3 weeks"), None);
        assert_eq!(parse_lifetime("-5m"), None);
    }
}
