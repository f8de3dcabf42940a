//! The age-encrypted vault: connectors, their secrets and their tokens.
//!
//! Files, for a vault at `vault.age`:
//! - `vault.age`: an age file encrypted to the vault's own X25519 key (when it has a
//!   passphrase) and to every admin recipient (age or SSH public keys). Its plaintext is the
//!   JSON [`VaultDocument`] plus an `access` section listing those keys, so any of them can
//!   open it, change it and encrypt it again to all of them.
//! - `vault.age.key`: the vault's X25519 identity, encrypted with the passphrase (scrypt); the
//!   age CLI accepts it as `-i`. Absent for a vault made with recipients only.
//! - `vault.age.key.bak`: a copy of the key file, written with it.
//! - `vault.age.bak`: the previous version; `vault.age.lock`: the advisory lock.

mod document;
mod format;
mod keys;
mod storage;
#[cfg(test)]
mod tests;
mod user_error;

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;

pub use document::{
    ConnectorEntry, ConnectorSecrets, RelayUser, SCHEMA_VERSION, TokenCache, VaultDocument,
};
pub use keys::{
    DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR, RecipientKey, WORK_FACTOR_ENV, set_scrypt_work_factor,
    terminal_available,
};

use format::Access;
use keys::{BoxedIdentity, KeyPassphrase};

/// How long a change waits for another process to release the vault before giving up.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// How the vault is unlocked.
pub enum Unlock {
    Passphrase(SecretString),
    /// An age identity file or an OpenSSH private key. When the key is itself protected by a
    /// passphrase, it is asked on the terminal (an error says so when there is none).
    IdentityFile(PathBuf),
    /// A passphrase-protected identity whose passphrase the caller already has.
    ProtectedIdentityFile {
        path: PathBuf,
        passphrase: SecretString,
    },
    /// An identity the caller already holds (the session agent's client, which asks the agent
    /// to unwrap the file key).
    Identity(Box<dyn age::Identity + Send + Sync>),
}

/// What `vault init` protects the new vault with.
#[derive(Default)]
pub struct InitOptions {
    pub passphrase: Option<SecretString>,
    /// `age1…`, `ssh-ed25519 …` or `ssh-rsa …` lines.
    pub recipients: Vec<String>,
}

/// Who can open the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultAccess {
    /// The vault has a passphrase (a key file beside it).
    pub passphrase: bool,
    pub recipients: Vec<RecipientKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {path}")]
    NotFound { path: PathBuf },
    #[error("a vault already exists at {path}")]
    AlreadyExists { path: PathBuf },
    #[error("the passphrase is wrong")]
    WrongPassphrase,
    #[error("the passphrase of the key {path} is wrong")]
    WrongIdentityPassphrase { path: PathBuf },
    #[error("none of the given identities can open this vault")]
    NoMatchingIdentity,
    #[error("the vault at {path} has no passphrase; it opens only with a recipient's private key")]
    NoPassphrase { path: PathBuf },
    #[error("other users can read the identity file {path} (mode {mode:o})")]
    IdentityReadable { path: PathBuf, mode: u32 },
    #[error("{path} cannot be used as an identity: {detail}")]
    IdentityUnusable { path: PathBuf, detail: String },
    #[error("{path} is protected by a passphrase and there is no terminal to ask for it")]
    IdentityPassphraseNeeded { path: PathBuf },
    #[error("{} is damaged: {detail}", damaged_what(path))]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the vault was written by a newer graphmail (schema {found}, this build reads up to {supported})"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("other users can access {path} (mode {mode:o})")]
    InsecurePermissions { path: PathBuf, mode: u32 },
    #[error("the vault is not safe: {} {why}", path.display())]
    UnsafePath { path: PathBuf, why: String },
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

/// "the vault at PATH", or "the vault key PATH" for its key file.
fn damaged_what(path: &Path) -> String {
    match path.extension() {
        Some(e) if e == "key" => format!("the vault key {}", path.display()),
        _ => format!("the vault at {}", path.display()),
    }
}

/// An unlocked vault. It holds the keys, not the document: every read decrypts the file anew
/// and every change goes through [`Vault::update`] under the lock.
pub struct Vault {
    path: PathBuf,
    identities: Vec<BoxedIdentity>,
    lock_timeout: Duration,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).finish()
    }
}

impl Vault {
    /// `vault.age` in the platform data folder.
    pub fn default_path() -> Option<PathBuf> {
        let dirs = directories::ProjectDirs::from("", "", "graphmail")?;
        Some(dirs.data_dir().join("vault.age"))
    }

    /// The passphrase-protected key file beside a vault.
    pub fn key_path(path: &Path) -> PathBuf {
        storage::sibling(path, ".key")
    }

    /// The previous version of a vault, kept by every save.
    pub fn backup_path(path: &Path) -> PathBuf {
        storage::sibling(path, ".bak")
    }

    /// True when the vault at `path` can be unlocked with a passphrase.
    pub fn has_passphrase(path: &Path) -> bool {
        Self::key_path(path).exists()
    }

    /// The vault's own X25519 identity, read from its key file with the passphrase (scrypt).
    /// Only the session agent keeps it; everything else opens the vault with [`Vault::open`].
    pub fn unseal_identity(
        path: &Path,
        passphrase: &SecretString,
    ) -> Result<age::x25519::Identity, VaultError> {
        let key_path = Self::key_path(path);
        if !key_path.exists() {
            return Err(VaultError::NoPassphrase {
                path: path.to_path_buf(),
            });
        }
        storage::check_private(&key_path)?;
        keys::unseal_vault_identity(&key_path, passphrase)
    }

    /// Creates a new, empty vault. The folder is created private (0700) when missing.
    pub fn init(path: &Path, opts: InitOptions) -> Result<(), VaultError> {
        if path.exists() {
            return Err(VaultError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        let mut access = Access::default();
        for line in &opts.recipients {
            let key = RecipientKey::parse(line)?;
            if !access.recipient_keys().iter().any(|k| k.key() == key.key()) {
                access.recipients.push(key.as_str().to_string());
            }
        }
        if opts.passphrase.is_none() && access.recipients.is_empty() {
            return Err(VaultError::Invalid(
                "a vault needs a passphrase, at least one recipient, or both".into(),
            ));
        }
        storage::create_private_folder(&storage::folder_of(path))?;
        let guard = storage::lock(path, DEFAULT_LOCK_TIMEOUT)?;
        if path.exists() {
            return Err(VaultError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        storage::remove_stale_temps(path);
        let key_path = Self::key_path(path);
        match &opts.passphrase {
            Some(passphrase) => {
                let identity = age::x25519::Identity::generate();
                write_key_file(&key_path, &keys::seal_key(&identity, passphrase)?)?;
                access.vault_keys.push(identity.to_public().to_string());
            }
            // A key file left by an earlier vault at this path would claim a passphrase.
            None if key_path.exists() => std::fs::remove_file(&key_path).map_err(
                storage::io_error(format!("cannot remove {}", key_path.display())),
            )?,
            None => {}
        }
        save(path, &guard, &VaultDocument::new(), &access, false)
    }

    /// Refuses a vault path another user could change or swap (see `storage::check_safe_path`).
    pub fn check_path(path: &Path) -> Result<(), VaultError> {
        storage::check_safe_path(path)
    }

    /// Unlocks the vault and checks that it opens. Nothing is written.
    pub fn open(path: &Path, unlock: Unlock) -> Result<Vault, VaultError> {
        if !path.exists() {
            return Err(VaultError::NotFound {
                path: path.to_path_buf(),
            });
        }
        storage::check_safe_path(path)?;
        storage::check_private(path)?;
        let identities = match unlock {
            Unlock::Passphrase(passphrase) => {
                let key_path = Self::key_path(path);
                if !key_path.exists() {
                    return Err(VaultError::NoPassphrase {
                        path: path.to_path_buf(),
                    });
                }
                storage::check_private(&key_path)?;
                keys::open_key_file(&key_path, &passphrase)?
            }
            Unlock::IdentityFile(file) => keys::load_identity_file(&file, KeyPassphrase::Prompt)?,
            Unlock::ProtectedIdentityFile {
                path: file,
                passphrase,
            } => keys::load_identity_file(&file, KeyPassphrase::Given(passphrase))?,
            Unlock::Identity(identity) => vec![identity],
        };
        let vault = Vault {
            path: path.to_path_buf(),
            identities,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        };
        vault.load()?;
        Ok(vault)
    }

    /// How long [`Vault::update`] waits for another process before failing with `Busy`.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn read(&self) -> Result<VaultDocument, VaultError> {
        self.load().map(|(doc, _)| doc)
    }

    /// Lock, read, apply `f`, save atomically, unlock. When `f` fails nothing is written.
    pub fn update<R, E: From<VaultError>>(
        &self,
        f: impl FnOnce(&mut VaultDocument) -> Result<R, E>,
    ) -> Result<R, E> {
        let guard = storage::lock(&self.path, self.lock_timeout)?;
        let (mut doc, access) = self.load()?;
        let before = format::plaintext(&doc, &access)?;
        let result = f(&mut doc)?;
        doc.schema = SCHEMA_VERSION;
        if format::plaintext(&doc, &access)? != before {
            save(&self.path, &guard, &doc, &access, true)?;
        }
        Ok(result)
    }

    /// Who can open the vault.
    pub fn access(&self) -> Result<VaultAccess, VaultError> {
        let (_, access) = self.load()?;
        Ok(VaultAccess {
            passphrase: !access.vault_keys.is_empty(),
            recipients: access.recipient_keys(),
        })
    }

    /// Adds a recipient and re-encrypts the vault. Returns false when it was there already.
    pub fn add_recipient(&self, key: &RecipientKey) -> Result<bool, VaultError> {
        self.change_access(false, |access| {
            if access.recipient_keys().iter().any(|k| k.key() == key.key()) {
                return Ok(false);
            }
            access.recipients.push(key.as_str().to_string());
            Ok(true)
        })
    }

    /// Removes the recipient named by `query` (the key line, the key, or its comment) and
    /// re-encrypts the vault and its backup, so the removed key opens neither.
    pub fn remove_recipient(&self, query: &str) -> Result<RecipientKey, VaultError> {
        self.change_access(true, |access| {
            let keys = access.recipient_keys();
            let found: Vec<&RecipientKey> = keys.iter().filter(|k| k.matches(query)).collect();
            let key = match found.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(VaultError::Invalid(
                        "no recipient of this vault matches that key or comment; see `graphmail vault recipients list`".into(),
                    ));
                }
                _ => {
                    return Err(VaultError::Invalid(
                        "several recipients match that comment; give the whole public key".into(),
                    ));
                }
            };
            access.recipients.retain(|line| {
                RecipientKey::parse(line).map_or(true, |k| k.key() != key.key())
            });
            if access.vault_keys.is_empty() && access.recipients.is_empty() {
                return Err(VaultError::Invalid(
                    "removing the last recipient of a vault without a passphrase would lock everyone out; set a passphrase first with `graphmail vault passwd` or add another recipient".into(),
                ));
            }
            Ok(key)
        })
    }

    /// Sets a new passphrase (or gives a recipients-only vault one). The vault gets a fresh
    /// key: afterwards neither the vault nor its backup opens with the old key file.
    ///
    /// Each step leaves a vault that opens: first the vault is encrypted to the old and the
    /// new key, then the key file is replaced, then the old key is dropped.
    pub fn change_passphrase(&mut self, passphrase: &SecretString) -> Result<(), VaultError> {
        let guard = storage::lock(&self.path, self.lock_timeout)?;
        let (doc, mut access) = self.load()?;
        let identity = age::x25519::Identity::generate();
        let public = identity.to_public().to_string();
        let sealed = keys::seal_key(&identity, passphrase)?;

        access.vault_keys.push(public.clone());
        save(&self.path, &guard, &doc, &access, true)?;
        let key_path = Self::key_path(&self.path);
        write_key_file(&key_path, &sealed)?;
        access.vault_keys = vec![public];
        save(&self.path, &guard, &doc, &access, false)?;
        storage::backup_current(&self.path)?;
        self.identities.push(Box::new(identity));
        Ok(())
    }

    fn change_access<R>(
        &self,
        revoke: bool,
        f: impl FnOnce(&mut Access) -> Result<R, VaultError>,
    ) -> Result<R, VaultError> {
        let guard = storage::lock(&self.path, self.lock_timeout)?;
        let (doc, mut access) = self.load()?;
        let before = access.clone();
        let result = f(&mut access)?;
        if access != before {
            save(&self.path, &guard, &doc, &access, !revoke)?;
            if revoke {
                storage::backup_current(&self.path)?;
            }
        }
        Ok(result)
    }

    fn load(&self) -> Result<(VaultDocument, Access), VaultError> {
        storage::check_private(&self.path)?;
        let bytes = std::fs::read(&self.path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => VaultError::NotFound {
                path: self.path.clone(),
            },
            _ => storage::io_error(format!("cannot read {}", self.path.display()))(e),
        })?;
        format::open(&self.path, &bytes, &self.identities)
    }
}

/// Writes the vault's key file and a copy of it, `<key>.bak`, from which a damaged key file
/// can be restored. Both are 0600; the copy never holds an older key than the file.
fn write_key_file(key_path: &Path, sealed: &[u8]) -> Result<(), VaultError> {
    storage::replace(key_path, sealed, false)?;
    storage::replace(&Vault::backup_path(key_path), sealed, false)
}

/// Encrypts and writes the vault. The caller holds the lock (`_guard` proves it).
fn save(
    path: &Path,
    _guard: &storage::LockGuard,
    doc: &VaultDocument,
    access: &Access,
    backup: bool,
) -> Result<(), VaultError> {
    storage::remove_stale_temps(path);
    let plaintext = format::plaintext(doc, access)?;
    let sealed = format::seal(access, &plaintext)?;
    storage::replace(path, &sealed, backup)
}
