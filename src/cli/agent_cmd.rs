//! `graphmail unlock`, `graphmail lock`, the hidden `graphmail agent-serve`, and opening the
//! vault through a running agent for every other command.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::output::print_json;
use super::vault_cmd::{prompt, read_passphrase_file, vault_path};
use super::{CliError, CliResult, Exit, GlobalArgs};
use crate::agent::client::{self, AgentIdentity};
use crate::agent::launch::{self, Shell, Started};
use crate::agent::protocol::AgentStatus;
use crate::agent::{self, AgentError, location};
use crate::domain::sanitize;
use crate::vault::{Unlock, Vault, VaultError, terminal_available};

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Forget the key after this long without use: 90s, 30m, 8h, 1d [default: 1h]
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_for)]
    pub lifetime: Option<Duration>,
    /// Say what the running agent holds and until when; start nothing
    #[arg(long, conflicts_with_all = ["lifetime", "fish", "csh"])]
    pub status: bool,
    /// Print fish commands instead of sh ones
    #[arg(long, conflicts_with = "csh")]
    pub fish: bool,
    /// Print csh commands instead of sh ones
    #[arg(long)]
    pub csh: bool,
}

#[derive(Debug, Args)]
pub struct AgentServeArgs {
    #[arg(long)]
    pub socket: PathBuf,
    #[arg(long)]
    pub idle_secs: u64,
}

fn parse_for(text: &str) -> Result<Duration, String> {
    agent::parse_lifetime(text)
        .ok_or_else(|| "give a number and a unit: 90s, 30m, 8h or 1d".to_string())
}

fn agent_error(e: AgentError) -> CliError {
    CliError::failure("agent_failed", sanitize::line(&e.to_string()).into_owned())
}

fn start_fix() -> &'static str {
    "run `eval \"$(graphmail unlock)\"` to start one"
}

/// The agent a command talks to: `GRAPHMAIL_AGENT_SOCK`, else the one for this vault.
fn socket_of(global: &GlobalArgs) -> CliResult<(PathBuf, PathBuf)> {
    let vault = location::canonical_vault(&vault_path(global)?);
    let socket = match client::socket_from_env() {
        Some(socket) => socket,
        None => location::socket_for(&vault).map_err(agent_error)?,
    };
    Ok((vault, socket))
}

/// `graphmail unlock`: asks for the passphrase once and leaves the vault's key with an agent;
/// prints the shell lines that point later commands at it.
pub fn unlock(global: &GlobalArgs, args: UnlockArgs) -> CliResult {
    if args.status {
        return status(global);
    }
    if global.identity.is_some() {
        return Err(CliError::usage(
            "the agent holds the key of a passphrase vault; an identity file opens the vault without one",
        )
        .with_fix("leave out --identity (and GRAPHMAIL_IDENTITY) when running unlock"));
    }
    let path = vault_path(global)?;
    if !path.exists() {
        return Err(VaultError::NotFound { path }.into());
    }
    let vault = location::canonical_vault(&path);
    let socket = location::socket_for(&vault).map_err(agent_error)?;
    let shell = match (args.fish, args.csh) {
        (true, _) => Shell::Fish,
        (_, true) => Shell::Csh,
        _ => Shell::Sh,
    };
    if let Ok(running) = client::status(&socket)
        && running.vault == vault
    {
        let agent = Started {
            pid: running.pid,
            socket,
        };
        return print_agent(global, shell, &agent, &running);
    }
    if !Vault::has_passphrase(&vault) {
        return Err(VaultError::NoPassphrase { path: vault }.into());
    }
    let passphrase = match &global.passphrase_file {
        Some(file) => read_passphrase_file(file, Exit::Locked)?,
        None if terminal_available() => prompt("Vault passphrase: ", Exit::Locked)?,
        None => {
            return Err(CliError::new(
                Exit::Locked,
                "vault_locked",
                "there is no terminal to ask for the vault passphrase on",
            )
            .with_fix("pass --passphrase-file FILE (or set GRAPHMAIL_PASSPHRASE_FILE)"));
        }
    };
    let identity = Vault::unseal_identity(&vault, &passphrase)?;
    drop(passphrase);
    let idle = args.lifetime.unwrap_or(agent::DEFAULT_IDLE);
    let agent = launch::start(&vault, &socket, &identity, idle).map_err(agent_error)?;
    drop(identity);
    let running = client::status(&agent.socket).map_err(agent_error)?;
    print_agent(global, shell, &agent, &running)
}

fn print_agent(
    global: &GlobalArgs,
    shell: Shell,
    agent: &Started,
    running: &AgentStatus,
) -> CliResult {
    if global.json {
        print_json(&json!({
            "socket": agent.socket,
            "pid": agent.pid,
            "vault": running.vault,
            "idle_secs": running.idle_secs,
            "expires": rfc3339(running.expires_unix),
        }));
        return Ok(());
    }
    print!(
        "{}",
        launch::shell_lines(shell, agent).map_err(agent_error)?
    );
    Ok(())
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// `graphmail unlock --status`: what the agent holds and until when, never the key.
fn status(global: &GlobalArgs) -> CliResult {
    let (_, socket) = socket_of(global)?;
    let running = client::status(&socket).map_err(|e| {
        CliError::new(
            Exit::Locked,
            "agent_not_running",
            sanitize::line(&e.to_string()).into_owned(),
        )
        .with_fix(start_fix())
    })?;
    let expires = rfc3339(running.expires_unix);
    if global.json {
        print_json(&json!({
            "socket": socket,
            "pid": running.pid,
            "vault": running.vault,
            "public_key": running.public_key,
            "idle_secs": running.idle_secs,
            "expires": expires,
        }));
        return Ok(());
    }
    let line = |p: &Path| sanitize::line(&p.display().to_string()).into_owned();
    println!(
        "The agent (pid {}) holds the key of {} (public key {}).",
        running.pid,
        line(&running.vault),
        sanitize::line(&running.public_key)
    );
    println!(
        "It forgets it at {expires}, or {} after its last use.",
        describe(Duration::from_secs(running.idle_secs))
    );
    println!("Socket: {}", line(&socket));
    Ok(())
}

fn describe(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// `graphmail lock`: the agent forgets the key now and stops.
pub fn lock(global: &GlobalArgs) -> CliResult {
    let (_, socket) = socket_of(global)?;
    let locked = match client::lock(&socket) {
        Ok(()) => true,
        Err(AgentError::NotRunning { .. }) => false,
        Err(e) => return Err(agent_error(e)),
    };
    if global.json {
        print_json(&json!({ "locked": locked }));
    } else if locked {
        println!("The agent forgot the vault key and stopped.");
    } else {
        println!("No agent holds the vault key.");
    }
    Ok(())
}

/// `graphmail agent-serve` (hidden): the agent process that `unlock` starts.
pub fn serve(global: &GlobalArgs, args: AgentServeArgs) -> CliResult {
    let vault = global
        .vault
        .clone()
        .ok_or_else(|| CliError::usage("agent-serve needs --vault"))?;
    let options = agent::server::ServeOptions {
        vault,
        socket: args.socket,
        idle: Duration::from_secs(args.idle_secs.max(1)),
    };
    agent::server::serve(options).map_err(agent_error)?;
    Ok(())
}

/// Opens the vault through the agent named by `GRAPHMAIL_AGENT_SOCK`. None when it is not set,
/// or (after one line on stderr saying why) when that agent cannot open this vault.
pub(crate) fn open_through_agent(path: &Path) -> Option<Vault> {
    let socket = client::socket_from_env()?;
    let opened = AgentIdentity::for_vault(&socket, path)
        .map_err(|e| e.to_string())
        .and_then(|(identity, _)| {
            Vault::open(path, Unlock::Identity(Box::new(identity)))
                .map_err(|e| format!("its key does not open this vault ({e})"))
        });
    match opened {
        Ok(vault) => Some(vault),
        Err(why) => {
            eprintln!(
                "graphmail: not using the session agent: {}",
                sanitize::line(&why)
            );
            None
        }
    }
}
