//! The age-encrypted vault: connectors, their secrets and their tokens.

mod document;

use std::path::{Path, PathBuf};

use secrecy::SecretString;

pub use document::{ConnectorEntry, ConnectorSecrets, SCHEMA_VERSION, TokenCache, VaultDocument};

/// How the vault is unlocked.
pub enum Unlock {
    Passphrase(SecretString),
    /// An age identity file or an OpenSSH private key.
    IdentityFile(PathBuf),
}

/// What `vault init` protects the new vault with.
#[derive(Default)]
pub struct InitOptions {
    pub passphrase: Option<SecretString>,
    /// `age1…`, `ssh-ed25519 …` or `ssh-rsa …` lines.
    pub recipients: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {path}")]
    NotFound { path: PathBuf },
    #[error("a vault already exists at {path}")]
    AlreadyExists { path: PathBuf },
    #[error("the passphrase is wrong")]
    WrongPassphrase,
    #[error("none of the given identities can open this vault")]
    NoMatchingIdentity,
    #[error("the vault at {path} is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the vault was written by a newer graphmail (schema {found}, this build reads up to {supported})"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("{path} can be read by other users (mode {mode:o})")]
    InsecurePermissions { path: PathBuf, mode: u32 },
    #[error("the vault is busy: another graphmail process holds its lock")]
    Busy,
    #[error("{0}")]
    Invalid(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// An unlocked vault. It holds the keys, not the document: every read decrypts the file anew
/// and every change goes through [`Vault::update`] under the lock.
pub struct Vault {
    path: PathBuf,
}

impl Vault {
    pub fn default_path() -> Option<PathBuf> {
        todo!()
    }

    pub fn init(_path: &Path, _opts: InitOptions) -> Result<(), VaultError> {
        todo!()
    }

    pub fn open(path: &Path, _unlock: Unlock) -> Result<Vault, VaultError> {
        Ok(Vault {
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn read(&self) -> Result<VaultDocument, VaultError> {
        todo!()
    }

    /// Lock, read, apply `f`, save atomically, unlock. When `f` fails nothing is written.
    pub fn update<R, E: From<VaultError>>(
        &self,
        _f: impl FnOnce(&mut VaultDocument) -> Result<R, E>,
    ) -> Result<R, E> {
        todo!()
    }
}
