//! The command line: clap definitions and dispatch. Each command family lives in its own file.

mod agent_cmd;
mod audit_cmd;
mod config_cmd;
mod connector;
#[cfg(feature = "demo")]
mod emulator_cmd;
mod health_cmd;
mod mail;
mod meta_cmd;
pub mod output;
mod relay_cmd;
mod relay_queue;
mod sendmail_cmd;
mod signin_cmd;
mod token_cmd;
mod vault_cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

pub use crate::error::{Exit, UserError as CliError, UserResult as CliResult};
pub use mail::{ListArgs, MailArgs, MailCommand, SendArgs};

#[derive(Debug, Parser)]
#[command(
    name = "graphmail",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("GRAPHMAIL_GIT_REVISION"), ")"),
    about = "Microsoft Graph mail connectors for sysadmins: an encrypted vault, a TUI and a scriptable CLI",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command understands.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The vault file [default: `vault` in the config file, else in the platform data folder]
    #[arg(long, global = true, env = "GRAPHMAIL_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,
    /// Read the vault passphrase from this file (first line)
    #[arg(
        long,
        global = true,
        env = "GRAPHMAIL_PASSPHRASE_FILE",
        value_name = "FILE"
    )]
    pub passphrase_file: Option<PathBuf>,
    /// Unlock with an age identity file or an OpenSSH private key
    #[arg(long, global = true, env = "GRAPHMAIL_IDENTITY", value_name = "FILE")]
    pub identity: Option<PathBuf>,
    /// Give up on the command after this many seconds, 0 for never, not counting time spent in
    /// the editor or answering a question [default: 300; never for `mail list --all`, the
    /// terminal app, `connector login`, `unlock`, `relay` serving, `sendmail`, `demo` and
    /// `emulator`]
    #[arg(long, global = true, env = "GRAPHMAIL_TIMEOUT", value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Print JSON on stdout (errors too, as {"error":{"code","message"}})
    #[arg(long, global = true)]
    pub json: bool,
    /// The config file's settings; filled in after parsing, never from the command line.
    #[arg(skip)]
    pub config: crate::config::Config,
    /// Whether `vault` came from --vault or GRAPHMAIL_VAULT (for `config show`).
    #[arg(skip)]
    pub vault_source: Option<crate::config::Source>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and manage the encrypted vault
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Add, list, show, edit and remove connectors
    #[command(subcommand)]
    Connector(ConnectorCommand),
    /// Show what a set of permissions will request, without saving anything
    Permissions(PermissionsArgs),
    /// The steps to register an app for a grant and permissions in the Azure portal, and the
    /// same as Azure CLI commands (no vault or connector needed)
    Guide(GuideArgs),
    /// Use the mailbox behind a connector: folders, list, read, send, reply, move, delete…
    Mail(MailArgs),
    /// Run the emulated identity platform and Graph mail service on loopback
    #[cfg(feature = "demo")]
    Emulator(EmulatorArgs),
    /// Try graphmail against a built-in emulated tenant (no Microsoft account needed)
    #[cfg(feature = "demo")]
    Demo,
    /// Print a valid access token for a connector (renewed first when needed), for scripts
    Token {
        /// The connector [default: default_connector from the config file]
        name: Option<String>,
    },
    /// Renew connectors' tokens without a person (for cron or a systemd timer); exits 4
    /// naming the connectors that need a person to sign in again
    Refresh(RefreshArgs),
    /// A drop-in for /usr/sbin/sendmail: queue the message on stdin and send it through Graph
    /// (`sendmail -t`, `-i`, `-f ADDR`, `-F NAME`, `-bp`, `-c CONNECTOR`, recipients…)
    #[command(disable_help_flag = true)]
    Sendmail {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
    /// The SMTP relay for the server's programs, sending through Graph; and its queue
    Relay(relay_cmd::RelayArgs),
    /// Show the changes graphmail made to mailboxes (sends, replies, moves, deletes, marks)
    Audit(AuditArgs),
    /// The config file: `config path` prints where it is, `config show` the effective settings
    ///
    /// The config file is TOML, `config.toml` in $GRAPHMAIL_CONFIG_DIR or the platform config
    /// folder (GRAPHMAIL_CONFIG names a file instead). Its keys, all optional:
    /// default_connector, theme (auto, color, no-color), keymap, log_level, vault.
    /// A command-line flag wins over an environment variable, which wins over the file, which
    /// wins over the built-in default.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Unlock the vault once for this session: an agent keeps its key in memory, so later
    /// commands and the app open the vault without a passphrase (`eval "$(graphmail unlock)"`)
    Unlock(agent_cmd::UnlockArgs),
    /// Make the session agent forget the vault key now
    Lock,
    /// The session agent itself, started by `graphmail unlock`
    #[command(hide = true)]
    AgentServe(agent_cmd::AgentServeArgs),
    /// Print a shell completion script (e.g. `source <(graphmail completions bash)`)
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (e.g. `graphmail man | man -l -`)
    Man,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the path of the config file, whether or not it exists
    Path,
    /// Show the effective settings and where each comes from: flag, env, file or default
    Show,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["all", "name"])))]
pub struct RefreshArgs {
    /// Every connector in the vault
    #[arg(long)]
    pub all: bool,
    /// One connector
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this connector's changes
    #[arg(long, value_name = "NAME")]
    pub connector: Option<String>,
    /// Only changes since a date (2026-11-01), a time (RFC 3339) or an age (30m, 12h, 7d, 2w)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Create a new vault protected by a passphrase and/or recipients
    Init(VaultInitArgs),
    /// Change the vault passphrase
    Passwd(VaultPasswdArgs),
    /// Add, remove or list the public keys that can open the vault
    #[command(subcommand)]
    Recipients(RecipientsCommand),
}

#[derive(Debug, Args)]
pub struct VaultInitArgs {
    /// An age public key (age1…) or an SSH public key line; repeatable
    #[arg(long = "recipient", value_name = "KEY")]
    pub recipients: Vec<String>,
    /// A file of public keys, one per line (e.g. ~/.ssh/id_ed25519.pub); repeatable
    #[arg(long = "recipient-file", value_name = "FILE")]
    pub recipient_files: Vec<PathBuf>,
    /// Protect the vault with recipients only, without a passphrase
    #[arg(long)]
    pub no_passphrase: bool,
}

#[derive(Debug, Args)]
pub struct VaultPasswdArgs {
    /// Read the new passphrase from this file instead of asking twice
    #[arg(long, value_name = "FILE")]
    pub new_passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RecipientsCommand {
    /// Add a public key that can open the vault
    Add {
        /// age1… or an SSH public key line
        key: Option<String>,
        #[arg(long = "recipient-file", value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Remove a public key
    Remove {
        /// age1…, an SSH public key line, or its comment
        key: String,
    },
    /// List the public keys that can open the vault
    List,
}

#[derive(Debug, Subcommand)]
pub enum ConnectorCommand {
    /// Add a connector
    Add {
        name: String,
        #[command(flatten)]
        fields: ConnectorFields,
    },
    /// List connectors
    List {
        /// The columns to show, in order, separated by commas [default:
        /// name,grant,cloud,signed-in,tenant,mailbox]
        #[arg(long, value_name = "NAMES", value_enum, value_delimiter = ',')]
        columns: Vec<connector::ConnectorColumn>,
    },
    /// Show one connector with its permission summary and redirect URI
    Show { name: String },
    /// Change a connector
    Edit {
        name: String,
        #[command(flatten)]
        fields: ConnectorFields,
    },
    /// Remove a connector and its secrets
    Remove {
        name: String,
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Sign a connector in with its grant
    Login {
        name: String,
        /// Print the sign-in URL instead of opening a browser
        #[arg(long)]
        no_browser: bool,
    },
    /// Check a connector: get a token, read the user and open the Inbox
    Test { name: String },
    /// The steps to register this connector's app in the Azure portal, with its values, and
    /// the same as Azure CLI commands
    Guide { name: String },
    /// Forget a connector's tokens
    Logout { name: String },
    /// Token health of every connector: access-token expiry, refresh-token age against the
    /// 90-day inactivity limit, last successful use, last error
    Status,
}

/// The fields of a connector; `add` requires tenant, client ID and grant, `edit` changes what is given.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectorFields {
    /// Tenant ID (GUID), a verified domain, or organizations / common / consumers
    #[arg(long)]
    pub tenant: Option<String>,
    /// Application (client) ID, a GUID
    #[arg(long)]
    pub client_id: Option<String>,
    /// auth-code (recommended), device-code, ropc or client-credentials
    #[arg(long)]
    pub grant: Option<String>,
    /// Read the client secret from this file
    #[arg(long, value_name = "FILE", conflicts_with = "client_secret_stdin")]
    pub client_secret_file: Option<PathBuf>,
    /// Read the client secret from standard input
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Forget the stored client secret
    #[arg(long, conflicts_with_all = ["client_secret_file", "client_secret_stdin"])]
    pub clear_client_secret: bool,
    /// ROPC: the mailbox user name
    #[arg(long)]
    pub username: Option<String>,
    /// ROPC: read the password from this file
    #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
    pub password_file: Option<PathBuf>,
    /// ROPC: read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// Predefined permissions, comma separated: fetch, readwrite, send, shared, profile, offline
    /// [add without --permissions or --scopes: fetch,send,profile,offline; client credentials: fetch,send]
    #[arg(long, value_name = "LIST")]
    pub permissions: Option<String>,
    /// Further scopes, separated by spaces or commas (short or full-URI form); "" clears them
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// global, usgov, usgov-dod, china or custom
    #[arg(long)]
    pub cloud: Option<String>,
    /// custom cloud: the login base URL
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
    /// custom cloud: the Graph API root, including /v1.0
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Target mailbox (client credentials) or shared mailbox (delegated); "" clears it
    #[arg(long, value_name = "UPN")]
    pub mailbox: Option<String>,
    /// Loopback port of the auth-code redirect URI
    #[arg(long, value_name = "N")]
    pub redirect_port: Option<u16>,
}

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    /// auth-code, device-code, ropc or client-credentials
    #[arg(long, default_value = "auth-code")]
    pub grant: String,
    /// Predefined permissions, comma separated: fetch, readwrite, send, shared, profile, offline
    /// [without --permissions or --scopes: fetch,send,profile,offline; client credentials: fetch,send]
    #[arg(long, value_name = "LIST")]
    pub permissions: Option<String>,
    /// Further scopes, separated by spaces or commas (short or full-URI form)
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// global, usgov, usgov-dod, china or custom
    #[arg(long, default_value = "global")]
    pub cloud: String,
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
    #[arg(long, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Loopback port of the auth-code redirect URI
    #[arg(long, value_name = "N")]
    pub redirect_port: Option<u16>,
}

#[derive(Debug, Args)]
pub struct GuideArgs {
    #[command(flatten)]
    pub permissions: PermissionsArgs,
    /// The connector's name, used in the steps [default: new-connector]
    #[arg(long)]
    pub name: Option<String>,
    /// The tenant, when known [default: a <tenant-id> placeholder]
    #[arg(long)]
    pub tenant: Option<String>,
    /// The Application (client) ID, when the app exists [default: a <client-id> placeholder]
    #[arg(long)]
    pub client_id: Option<String>,
    /// A confidential app with a client secret (implied by client credentials)
    #[arg(long)]
    pub confidential: bool,
    /// Client credentials: the mailbox the app reads [default: a <mailbox> placeholder]
    #[arg(long, value_name = "UPN")]
    pub mailbox: Option<String>,
    /// ROPC: the mailbox user [default: a <user@domain> placeholder]
    #[arg(long, value_name = "UPN")]
    pub username: Option<String>,
}

#[cfg(feature = "demo")]
#[derive(Debug, Args)]
#[command(after_help = EMULATOR_EXAMPLES)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A tenant seed file instead of the built-in demo tenant
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Fill the first user's Inbox with this many generated messages (for benchmarks)
    #[arg(long, value_name = "N")]
    pub messages: Option<usize>,
    /// Faults to inject: rules joined by ";", each a fault and options joined by ",", e.g.
    /// "latency=50ms" or "429=1.5,share=0.2" (429 with Retry-After 1.5 s on a fifth of requests)
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
}

/// The examples of `graphmail emulator --help`; a test runs each line through the parser.
#[cfg(feature = "demo")]
pub const EMULATOR_EXAMPLES: &str = "Examples:
  graphmail emulator --json
  graphmail emulator --port 8400
  graphmail emulator --messages 100000
  graphmail emulator --faults latency=50ms
  graphmail emulator --faults \"429=1.5,share=0.2\"
  graphmail emulator --faults \"503=2,every=3;drop=after,path=*/sendMail,times=1\"

It prints where it listens, the demo tenant's apps and users, and for each app a
`graphmail connector add ...` line that points a connector at it.";

/// Parse arguments, run, print errors, and turn the outcome into an exit status.
pub fn main_entry() -> ExitCode {
    // A panic message can quote an argument: it goes out through the sanitiser too.
    std::panic::set_hook(Box::new(|info| {
        crate::output::stderr(&format!("graphmail stopped on an internal error: {info}"));
    }));
    // Run as `sendmail` (a symlink at /usr/sbin/sendmail): everything is sendmail's arguments.
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let invoked_as = argv
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned());
    if invoked_as.as_deref() == Some("sendmail") {
        argv.insert(1, "sendmail".into());
    }
    let parsed = Cli::command()
        .try_get_matches_from(argv)
        .and_then(|matches| {
            let cli = Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut Cli::command()))?;
            Ok((cli, matches))
        });
    let mut cli = match parsed {
        Ok((mut cli, matches)) => {
            cli.global.vault_source = match matches.value_source("vault") {
                Some(clap::parser::ValueSource::CommandLine) => Some(crate::config::Source::Flag),
                Some(clap::parser::ValueSource::EnvVariable) => Some(crate::config::Source::Env),
                _ => None,
            };
            cli
        }
        Err(e) => {
            return match e.kind() {
                // Help and version are graphmail's own text (and keep clap's colours).
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    ExitCode::SUCCESS
                }
                // A usage error echoes the arguments back: out through the sanitiser.
                _ => {
                    crate::output::stderr(e.render().to_string().trim_end());
                    ExitCode::from(Exit::Usage as u8)
                }
            };
        }
    };
    let location = crate::config::locate();
    let bad_config = match crate::config::load(&location) {
        Ok(config) => {
            cli.global.config = config;
            None
        }
        Err(bad) => Some(bad),
    };
    let log_level = cli.global.config.log_level.as_ref();
    let log_level = log_level.map(|l| l.value.as_str());
    // The demo logs into its temporary folder once it has made it.
    #[cfg(feature = "demo")]
    let demo = matches!(cli.command, Some(Command::Demo));
    #[cfg(not(feature = "demo"))]
    let demo = false;
    let _log_guard = if demo {
        None
    } else {
        crate::logging::init(log_level)
    };
    let json = cli.global.json;
    if let Some(Command::Sendmail { args }) = &cli.command {
        // sendmail speaks in sysexits codes, not graphmail's: 75 when it cannot queue.
        if let Some(bad) = &bad_config {
            crate::output::stderr(&CliError::from(bad.clone()).human());
            return ExitCode::from(75);
        }
        return sendmail_cmd::run(&cli.global, args);
    }
    if let Some(limit) = command_deadline(&cli) {
        watchdog(limit, json);
    }
    match run(cli, &location, bad_config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::warn!(code = err.code, "command failed");
            crate::output::error(&err, json);
            ExitCode::from(err.exit as u8)
        }
    }
}

/// The default overall time limit of a command that is not meant to run on.
pub const DEFAULT_COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// How long the command may run: `--timeout`, else the default for the command.
pub fn command_deadline(cli: &Cli) -> Option<std::time::Duration> {
    if let Some(secs) = cli.global.timeout {
        return (secs > 0).then(|| std::time::Duration::from_secs(secs));
    }
    let runs_on = match &cli.command {
        None
        | Some(
            Command::Connector(ConnectorCommand::Login { .. })
            | Command::Unlock(_)
            | Command::AgentServe(_),
        ) => true,
        Some(Command::Relay(r)) => r.command.is_none(),
        #[cfg(feature = "demo")]
        Some(Command::Demo | Command::Emulator(_)) => true,
        Some(Command::Mail(m)) => matches!(&m.command, MailCommand::List(l) if l.all),
        _ => false,
    };
    (!runs_on).then_some(DEFAULT_COMMAND_TIMEOUT)
}

/// People the command is waiting on now (the editor, a question), and the milliseconds it has
/// waited on them: the time limit counts neither.
static PERSON_WAITS: AtomicU32 = AtomicU32::new(0);
static PERSON_WAITED_MS: AtomicU64 = AtomicU64::new(0);

/// Runs `f`, which waits on a person (an editor, a yes/no question), outside the command's time
/// limit: a person writing takes the time they need, and the limit still bounds the rest.
pub fn waiting_on_person<T>(f: impl FnOnce() -> T) -> T {
    PERSON_WAITS.fetch_add(1, Ordering::SeqCst);
    let since = std::time::Instant::now();
    let out = f();
    let ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
    PERSON_WAITED_MS.fetch_add(ms, Ordering::SeqCst);
    PERSON_WAITS.fetch_sub(1, Ordering::SeqCst);
    out
}

/// Ends the process with a timeout error once `limit` has passed, not counting the time spent
/// waiting on a person. Vault writes are atomic (a temporary file renamed into place), so
/// stopping mid-command loses nothing.
fn watchdog(limit: std::time::Duration, json: bool) {
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        loop {
            let allowed =
                limit + std::time::Duration::from_millis(PERSON_WAITED_MS.load(Ordering::SeqCst));
            let used = start.elapsed();
            if used >= allowed && PERSON_WAITS.load(Ordering::SeqCst) == 0 {
                break;
            }
            // Checked again at the new end, or each second while a person is being waited on.
            let left = allowed.saturating_sub(used);
            std::thread::sleep(left.clamp(
                std::time::Duration::from_millis(50),
                std::time::Duration::from_secs(1),
            ));
        }
        let err = CliError::failure(
            "timeout",
            format!("the command did not finish within {} s", limit.as_secs()),
        )
        .with_fix("try again later, or give more time with --timeout SECONDS (0 for no limit)");
        tracing::warn!(code = err.code, "command timed out");
        crate::output::error(&err, json);
        std::process::exit(Exit::Failure as i32);
    });
}

/// Runs a command; `bad_config` is why the config file could not be used (its settings are
/// already in `cli.global.config` otherwise).
pub fn run(
    cli: Cli,
    config_at: &crate::config::Location,
    bad_config: Option<crate::config::ConfigError>,
) -> CliResult {
    let global = cli.global;
    // A file that cannot be used stops every command but these, which help to fix it.
    let bad_config = match (&cli.command, bad_config) {
        (Some(Command::Config(_) | Command::Completions { .. } | Command::Man), bad) => bad,
        (_, Some(bad)) => return Err(bad.into()),
        (_, None) => None,
    };
    match cli.command {
        Some(Command::Config(cmd)) => config_cmd::run(&global, &cmd, config_at, bad_config),
        Some(Command::Vault(cmd)) => vault_cmd::run(&global, cmd),
        Some(Command::Token { name }) => token_cmd::run(&global, name.as_deref()),
        Some(Command::Refresh(args)) => health_cmd::refresh(&global, args),
        Some(Command::Audit(args)) => audit_cmd::run(&global, args),
        Some(Command::Unlock(args)) => agent_cmd::unlock(&global, args),
        Some(Command::Lock) => agent_cmd::lock(&global),
        Some(Command::AgentServe(args)) => agent_cmd::serve(&global, args),
        Some(Command::Completions { shell }) => meta_cmd::completions(shell),
        Some(Command::Man) => meta_cmd::man(),
        Some(Command::Connector(cmd)) => connector::run(&global, cmd),
        Some(Command::Permissions(args)) => connector::permissions(&global, args),
        Some(Command::Guide(args)) => connector::guide(&global, args),
        Some(Command::Mail(args)) => mail::run(&global, args),
        Some(Command::Relay(args)) => relay_cmd::run(&global, args),
        Some(Command::Sendmail { .. }) => Err(CliError::usage(
            "sendmail reports in sysexits codes and runs through main_entry",
        )),
        #[cfg(feature = "demo")]
        Some(Command::Emulator(args)) => emulator_cmd::run(&global, args),
        #[cfg(feature = "demo")]
        Some(Command::Demo) => {
            crate::demo::run(global.config.log_level.as_ref().map(|l| l.value.as_str()))
        }
        None => {
            let path = vault_cmd::vault_path(&global)?;
            if global.identity.is_none()
                && global.passphrase_file.is_none()
                && path.exists()
                && let Some(vault) = agent_cmd::open_through_agent(&path)
            {
                return crate::tui::run_through_agent(path, vault, &global.config);
            }
            // With an identity or passphrase file the vault opens before the screen does.
            let opened = (global.identity.is_some() || global.passphrase_file.is_some())
                .then(|| vault_cmd::unlock_vault(&global))
                .transpose()?;
            crate::tui::run(path, opened, &global.config)
        }
    }
}
