//! Talking to a running agent: its status, `lock`, and the [`AgentIdentity`] that a vault opens
//! with, which asks the agent to unwrap the file key and never sees the vault's identity.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use age_core::format::{FILE_KEY_BYTES, FileKey, Stanza};

use super::protocol::{self, AgentStatus, Reply, Request, WireStanza};
use super::{AgentError, SOCK_ENV, location};

/// The socket named by `GRAPHMAIL_AGENT_SOCK`, when it is set and not empty.
pub fn socket_from_env() -> Option<PathBuf> {
    std::env::var_os(SOCK_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// One request, one reply, on a fresh connection bounded by [`protocol::IO_TIMEOUT`].
fn exchange(socket: &Path, request: &Request) -> Result<Reply, AgentError> {
    let mut stream = UnixStream::connect(socket).map_err(|_| AgentError::NotRunning {
        socket: socket.to_path_buf(),
    })?;
    let talk = AgentError::io(format!("cannot talk to the agent at {}", socket.display()));
    stream
        .set_read_timeout(Some(protocol::IO_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(protocol::IO_TIMEOUT)))
        .map_err(talk)?;
    let refused = || AgentError::Refused {
        socket: socket.to_path_buf(),
    };
    // An agent that refuses the peer closes the connection without a word.
    protocol::write_frame(&mut stream, request).map_err(|_| refused())?;
    protocol::read_frame(&mut stream).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => refused(),
        _ => AgentError::Protocol(e.to_string()),
    })
}

fn unexpected(reply: &Reply) -> AgentError {
    match reply {
        Reply::Error { message } => AgentError::Protocol(message.clone()),
        _ => AgentError::Protocol("an unexpected reply".into()),
    }
}

/// What the agent at `socket` holds and until when.
pub fn status(socket: &Path) -> Result<AgentStatus, AgentError> {
    match exchange(socket, &Request::Status)? {
        Reply::Status(status) => Ok(status),
        other => Err(unexpected(&other)),
    }
}

/// Tells the agent at `socket` to forget its key and stop.
pub fn lock(socket: &Path) -> Result<(), AgentError> {
    match exchange(socket, &Request::Lock)? {
        Reply::Locked => Ok(()),
        other => Err(unexpected(&other)),
    }
}

/// An age identity that asks the agent: a vault opened with it never holds the vault's key.
pub struct AgentIdentity {
    socket: PathBuf,
}

impl AgentIdentity {
    /// Connects to the agent at `socket` when it holds the key of the vault at `vault`.
    pub fn for_vault(
        socket: &Path,
        vault: &Path,
    ) -> Result<(AgentIdentity, AgentStatus), AgentError> {
        let status = status(socket)?;
        if status.vault != location::canonical_vault(vault) {
            return Err(AgentError::OtherVault {
                socket: socket.to_path_buf(),
                holds: status.vault,
            });
        }
        let identity = AgentIdentity {
            socket: socket.to_path_buf(),
        };
        Ok((identity, status))
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    fn unwrap(&self, stanzas: &[Stanza]) -> Result<Option<FileKey>, AgentError> {
        // Only X25519 stanzas can be for the vault's own key; the others stay here.
        let ours: Vec<WireStanza> = stanzas
            .iter()
            .filter(|s| s.tag == "X25519")
            .map(WireStanza::from)
            .collect();
        if ours.is_empty() {
            return Ok(None);
        }
        match exchange(&self.socket, &Request::Unwrap { stanzas: ours })? {
            Reply::FileKey { key } if key.0.len() == FILE_KEY_BYTES => {
                Ok(Some(FileKey::init_with_mut(|k| k.copy_from_slice(&key.0))))
            }
            Reply::NoMatch => Ok(None),
            other => Err(unexpected(&other)),
        }
    }
}

impl age::Identity for AgentIdentity {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    /// One request for the whole header, so that opening the vault is one round trip.
    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        match self.unwrap(stanzas) {
            Ok(found) => found.map(Ok),
            Err(e) => {
                // The vault then reports that no identity opens it; the log says why.
                tracing::warn!(error = %e, "the agent did not unwrap the vault's file key");
                None
            }
        }
    }
}
