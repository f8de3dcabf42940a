//! Where the agent's socket lives: `$XDG_RUNTIME_DIR/graphmail/` (or `graphmail-UID` in the
//! temp folder when there is no runtime folder), 0700 and owned by the user, one socket per
//! vault named after a hash of the vault's path.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{AgentError, effective_uid};

/// Unix sockets paths are limited to 108 bytes on Linux, the terminating NUL included.
const MAX_SOCKET_PATH: usize = 107;

/// The private folder for agent sockets, created 0700 when missing. An existing folder must
/// be a real folder owned by this user and closed to others, or it is refused.
pub fn runtime_folder() -> Result<PathBuf, AgentError> {
    let folder = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("graphmail"),
        _ => std::env::temp_dir().join(format!("graphmail-{}", effective_uid())),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&folder) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(AgentError::io(format!(
                "cannot create {}",
                folder.display()
            ))(e));
        }
    }
    check_private_folder(&folder)?;
    Ok(folder)
}

pub(super) fn check_private_folder(folder: &Path) -> Result<(), AgentError> {
    let unsafe_folder = |detail: String| AgentError::UnsafeFolder {
        path: folder.to_path_buf(),
        detail,
    };
    let meta = std::fs::symlink_metadata(folder)
        .map_err(AgentError::io(format!("cannot read {}", folder.display())))?;
    if !meta.file_type().is_dir() {
        return Err(unsafe_folder("it is not a folder".into()));
    }
    if meta.uid() != effective_uid() {
        return Err(unsafe_folder(format!("it belongs to uid {}", meta.uid())));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(unsafe_folder(format!("its mode is {mode:o}, not 700")));
    }
    Ok(())
}

/// The socket of the agent for the vault at `vault` (a canonical path).
pub fn socket_for(vault: &Path) -> Result<PathBuf, AgentError> {
    let digest = Sha256::digest(vault.as_os_str().as_encoded_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let socket = runtime_folder()?.join(format!("agent-{name}.sock"));
    if socket.as_os_str().len() > MAX_SOCKET_PATH {
        return Err(AgentError::Start(format!(
            "the socket path {} is longer than Unix sockets allow; set XDG_RUNTIME_DIR to a shorter folder",
            socket.display()
        )));
    }
    Ok(socket)
}

/// The vault path as the agent knows it, so that two spellings of one file meet one agent.
pub fn canonical_vault(vault: &Path) -> PathBuf {
    vault.canonicalize().unwrap_or_else(|_| vault.to_path_buf())
}
