//! The agent process (`graphmail agent-serve`, started by `graphmail unlock`).
//!
//! It reads the vault's identity from its standard input (a pipe from `unlock`, never argv, the
//! environment or a file), says `ready` on its standard output, closes its standard streams and
//! serves one request per connection until its time is up, `graphmail lock`, a change of the
//! vault's key file, or SIGTERM / SIGHUP / SIGINT.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use age::secrecy::ExposeSecret;
use tokio::net::UnixStream;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;
use zeroize::Zeroizing;

use super::protocol::{self, AgentStatus, Reply, Request, WireKey};
use super::{AgentError, effective_uid, harden, location};

/// The most stanzas one request may carry (a vault has one per key it is encrypted to).
const MAX_STANZAS: usize = 64;
/// How often the agent looks at the vault's key file and its own socket.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// An age identity line is 74 characters; anything near this size is not one.
const IDENTITY_INPUT_LIMIT: usize = 4096;

/// What `graphmail agent-serve` is told on its command line (nothing secret).
pub struct ServeOptions {
    /// The vault (canonical path); its key file is watched.
    pub vault: PathBuf,
    pub socket: PathBuf,
    /// Forget the key after this long without use.
    pub idle: Duration,
}

/// Runs the agent until it stops; returns why it stopped.
pub fn serve(opts: ServeOptions) -> Result<String, AgentError> {
    let ready = harden::forbid_dumps()
        .map_err(AgentError::io("cannot make the agent process undumpable"))
        .and_then(|()| prepare(&opts));
    let mut out = std::io::stdout().lock();
    let (identity, listener) = match ready {
        Ok(ready) => {
            let _ = writeln!(out, "ready");
            let _ = out.flush();
            ready
        }
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            let _ = out.flush();
            return Err(e);
        }
    };
    drop(out);
    // Failing to leave the session only means a group leader ran us; the streams matter more.
    let _ = harden::new_session();
    harden::close_standard_streams().map_err(AgentError::io("cannot close standard streams"))?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AgentError::io("cannot start the agent's event loop"))?;
    let key_file = fingerprint(&crate::vault::Vault::key_path(&opts.vault));
    let socket_file = fingerprint(&opts.socket);
    let mut state = State {
        public_key: identity.to_public().to_string(),
        identity,
        vault: opts.vault,
        idle: opts.idle,
        deadline: Instant::now() + opts.idle,
        uid: effective_uid(),
        key_file,
    };
    tracing::info!(
        idle_secs = state.idle.as_secs(),
        "the agent holds the vault key"
    );
    let why = runtime.block_on(state.run(listener, &opts.socket, socket_file));
    drop(state);
    if fingerprint(&opts.socket) == socket_file {
        let _ = std::fs::remove_file(&opts.socket);
    }
    tracing::info!(reason = %why, "the agent forgot the vault key and stopped");
    Ok(why)
}

/// Reads the identity and binds the socket: everything that can fail before `ready`.
fn prepare(
    opts: &ServeOptions,
) -> Result<(Box<age::x25519::Identity>, std::os::unix::net::UnixListener), AgentError> {
    let identity = read_identity()?;
    if let Err(e) = harden::lock_in_memory(identity.as_ref()) {
        tracing::warn!(error = %e, "cannot lock the vault key in memory; it may be swapped out");
    }
    if let Some(folder) = opts.socket.parent() {
        location::check_private_folder(folder)?;
    }
    Ok((identity, bind(&opts.socket)?))
}

/// The identity from standard input, read without a buffer that would keep a copy.
fn read_identity() -> Result<Box<age::x25519::Identity>, AgentError> {
    let mut input = std::fs::File::from(
        std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(AgentError::io("cannot read the key from standard input"))?,
    );
    let mut buf = Zeroizing::new([0u8; IDENTITY_INPUT_LIMIT]);
    let mut len = 0;
    while len < buf.len() {
        match input.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(AgentError::io("cannot read the key from standard input")(e)),
        }
    }
    let text = std::str::from_utf8(&buf[..len]).unwrap_or_default().trim();
    text.parse::<age::x25519::Identity>()
        .map(Box::new)
        .map_err(|_| AgentError::Start("standard input did not hold an age identity".into()))
}

fn bind(socket: &Path) -> Result<std::os::unix::net::UnixListener, AgentError> {
    if socket.exists() {
        if std::os::unix::net::UnixStream::connect(socket).is_ok() {
            return Err(AgentError::Start(format!(
                "another agent listens at {} already",
                socket.display()
            )));
        }
        std::fs::remove_file(socket).map_err(AgentError::io(format!(
            "cannot remove the stale socket {}",
            socket.display()
        )))?;
    }
    let bound = AgentError::io(format!("cannot listen at {}", socket.display()));
    let listener = std::os::unix::net::UnixListener::bind(socket).map_err(bound)?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
        .and_then(|()| listener.set_nonblocking(true))
        .map_err(AgentError::io(format!(
            "cannot set up {}",
            socket.display()
        )))?;
    Ok(listener)
}

/// Identifies one version of a file: a replaced or rewritten file gets another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: i64,
    mtime_nsec: i64,
}

fn fingerprint(path: &Path) -> Option<Fingerprint> {
    std::fs::symlink_metadata(path).ok().map(|m| Fingerprint {
        dev: m.dev(),
        ino: m.ino(),
        len: m.len(),
        mtime: m.mtime(),
        mtime_nsec: m.mtime_nsec(),
    })
}

#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

struct State {
    /// Boxed so that its one page can be locked; the secret is wiped when dropped.
    identity: Box<age::x25519::Identity>,
    public_key: String,
    vault: PathBuf,
    idle: Duration,
    deadline: Instant,
    uid: u32,
    key_file: Option<Fingerprint>,
}

impl State {
    async fn run(
        &mut self,
        listener: std::os::unix::net::UnixListener,
        socket: &Path,
        socket_file: Option<Fingerprint>,
    ) -> String {
        let signals = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        );
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = signals else {
            return "it could not watch for signals".into();
        };
        let listener = match tokio::net::UnixListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => return format!("it could not listen: {e}"),
        };
        let mut watch = tokio::time::interval(WATCH_EVERY);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted
                        && self.serve(stream).await == Flow::Stop
                    {
                        return "graphmail lock".into();
                    }
                }
                () = tokio::time::sleep_until(self.deadline) => return "its time was up".into(),
                _ = term.recv() => return "SIGTERM".into(),
                _ = hup.recv() => return "SIGHUP".into(),
                _ = int.recv() => return "SIGINT".into(),
                _ = watch.tick() => {
                    if fingerprint(&crate::vault::Vault::key_path(&self.vault)) != self.key_file {
                        return "the vault's key file changed".into();
                    }
                    if fingerprint(socket) != socket_file {
                        return "its socket was removed or replaced".into();
                    }
                }
            }
        }
    }

    /// One connection: the peer's uid is checked, then one request is answered, all within
    /// [`protocol::IO_TIMEOUT`].
    async fn serve(&mut self, mut stream: UnixStream) -> Flow {
        match stream.peer_cred() {
            Ok(cred) if cred.uid() == self.uid => {}
            Ok(cred) => {
                tracing::warn!(
                    peer_uid = cred.uid(),
                    peer_pid = cred.pid(),
                    "refused a connection from another user"
                );
                return Flow::Continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "refused a connection whose peer is unknown");
                return Flow::Continue;
            }
        }
        let exchange = async {
            let request: Request = protocol::read_frame_async(&mut stream).await?;
            let (reply, flow) = self.answer(request);
            protocol::write_frame_async(&mut stream, &reply).await?;
            Ok::<_, std::io::Error>(flow)
        };
        match tokio::time::timeout(protocol::IO_TIMEOUT, exchange).await {
            Ok(Ok(flow)) => flow,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "dropped a connection");
                Flow::Continue
            }
            Err(_) => {
                tracing::debug!("dropped a connection that took too long");
                Flow::Continue
            }
        }
    }

    fn answer(&mut self, request: Request) -> (Reply, Flow) {
        match request {
            Request::Status => (Reply::Status(self.status()), Flow::Continue),
            Request::Lock => (Reply::Locked, Flow::Stop),
            Request::Unwrap { stanzas } if stanzas.len() > MAX_STANZAS => (
                Reply::Error {
                    message: format!("more than {MAX_STANZAS} stanzas"),
                },
                Flow::Continue,
            ),
            Request::Unwrap { stanzas } => {
                let Some(stanzas) = stanzas
                    .iter()
                    .map(|s| s.to_stanza())
                    .collect::<Option<Vec<_>>>()
                else {
                    let message = "a stanza body is not base64".to_string();
                    return (Reply::Error { message }, Flow::Continue);
                };
                let reply = match age::Identity::unwrap_stanzas(self.identity.as_ref(), &stanzas) {
                    Some(Ok(file_key)) => {
                        self.deadline = Instant::now() + self.idle;
                        Reply::FileKey {
                            key: WireKey(file_key.expose_secret().to_vec()),
                        }
                    }
                    Some(Err(_)) => Reply::Error {
                        message: "the stanza for this key does not unwrap".into(),
                    },
                    None => Reply::NoMatch,
                };
                (reply, Flow::Continue)
            }
        }
    }

    fn status(&self) -> AgentStatus {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let left = self.deadline.saturating_duration_since(Instant::now());
        AgentStatus {
            pid: std::process::id(),
            vault: self.vault.clone(),
            public_key: self.public_key.clone(),
            idle_secs: self.idle.as_secs(),
            expires_unix: now + left.as_secs() as i64,
        }
    }
}
