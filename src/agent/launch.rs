//! Starting an agent for `graphmail unlock`, and the shell lines that point later commands at it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use age::secrecy::ExposeSecret;

use super::{AgentError, PID_ENV, SOCK_ENV};

/// How long `unlock` waits for the new agent to say it listens.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// The agent's first line is `ready` or `error: <one sentence>`.
const READY_LINE_LIMIT: u64 = 1024;

/// A running agent.
#[derive(Debug, Clone)]
pub struct Started {
    pub pid: u32,
    pub socket: PathBuf,
}

/// Starts `graphmail agent-serve` detached, hands it `identity` over a pipe, and waits until
/// it listens at `socket`.
pub fn start(
    vault: &Path,
    socket: &Path,
    identity: &age::x25519::Identity,
    idle: Duration,
) -> Result<Started, AgentError> {
    let exe = std::env::current_exe().map_err(AgentError::io(
        "cannot find the graphmail program to start the agent",
    ))?;
    let mut child = Command::new(exe)
        .arg("agent-serve")
        .arg("--vault")
        .arg(vault)
        .arg("--socket")
        .arg(socket)
        .arg("--idle-secs")
        .arg(idle.as_secs().to_string())
        .env_remove(SOCK_ENV)
        .env_remove(PID_ENV)
        // Keep no folder busy for as long as the agent runs.
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(AgentError::io("cannot start the agent"))?;
    let handed = child.stdin.take().map(|mut pipe| {
        pipe.write_all(identity.to_string().expose_secret().as_bytes())
            .and_then(|()| pipe.write_all(b"\n"))
    });
    let Some(Ok(())) = handed else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(AgentError::Start(
            "the key could not be handed to the agent".into(),
        ));
    };
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        return Err(AgentError::Start(
            "the agent has no output to report on".into(),
        ));
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = stdout.take(READY_LINE_LIMIT).read_to_string(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
    let line = line.lines().next().unwrap_or_default();
    if line == "ready" {
        // The agent runs on alone; it is not our child to wait for once we exit.
        return Ok(Started {
            pid: child.id(),
            socket: socket.to_path_buf(),
        });
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(AgentError::Start(match line.strip_prefix("error: ") {
        Some(why) => why.to_string(),
        None => "it did not say it was ready in time".into(),
    }))
}

/// The shell a caller evaluates `unlock`'s output in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Sh,
    Fish,
    Csh,
}

/// Lines that export the agent's socket and pid, like `ssh-agent -s`/`-c`. The socket path is
/// quoted; a path a shell could misread is refused.
pub fn shell_lines(shell: Shell, agent: &Started) -> Result<String, AgentError> {
    let path = agent.socket.to_str().filter(|p| {
        !p.chars()
            .any(|c| c == '\'' || c == '\\' || c == '!' || c.is_control())
    });
    let Some(path) = path else {
        return Err(AgentError::Start(format!(
            "the socket path {} has characters a shell would misread; set XDG_RUNTIME_DIR to a plain folder",
            crate::domain::sanitize::line(&agent.socket.display().to_string())
        )));
    };
    let pid = agent.pid;
    Ok(match shell {
        Shell::Sh => format!(
            "{SOCK_ENV}='{path}'; export {SOCK_ENV};\n{PID_ENV}={pid}; export {PID_ENV};\necho graphmail agent pid {pid};\n"
        ),
        Shell::Fish => format!(
            "set -gx {SOCK_ENV} '{path}';\nset -gx {PID_ENV} {pid};\necho graphmail agent pid {pid};\n"
        ),
        Shell::Csh => format!(
            "setenv {SOCK_ENV} '{path}';\nsetenv {PID_ENV} {pid};\necho graphmail agent pid {pid};\n"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(path: &str) -> Started {
        Started {
            pid: 42,
            socket: PathBuf::from(path),
        }
    }

    #[test]
    fn each_shell_gets_lines_it_can_evaluate() {
        let a = agent("/run/user/1000/graphmail/agent-ab.sock");
        let sh = shell_lines(Shell::Sh, &a).unwrap();
        assert!(sh.contains(
            "GRAPHMAIL_AGENT_SOCK='/run/user/1000/graphmail/agent-ab.sock'; export GRAPHMAIL_AGENT_SOCK;"
        ));
        assert!(sh.contains("GRAPHMAIL_AGENT_PID=42; export GRAPHMAIL_AGENT_PID;"));
        let fish = shell_lines(Shell::Fish, &a).unwrap();
        assert!(fish.contains("set -gx GRAPHMAIL_AGENT_PID 42;"));
        let csh = shell_lines(Shell::Csh, &a).unwrap();
        assert!(
            csh.contains("setenv GRAPHMAIL_AGENT_SOCK '/run/user/1000/graphmail/agent-ab.sock';")
        );
    }

    #[test]
    fn a_path_a_shell_would_misread_is_refused() {
        assert!(shell_lines(Shell::Sh, &agent("/tmp/it's/agent.sock")).is_err());
        assert!(shell_lines(Shell::Sh, &agent("/tmp/a\nb/agent.sock")).is_err());
    }
}
