//! Keys: the vault's own X25519 key in its passphrase-protected key file, identities given by
//! the admin (age identity files, OpenSSH private keys), and recipient public keys.

use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::{VaultError, storage};

pub(crate) type BoxedIdentity = Box<dyn age::Identity + Send + Sync>;

/// scrypt work factor (log2 N) used when writing a key file.
pub const DEFAULT_WORK_FACTOR: u8 = 18;
/// The highest work factor accepted when reading: covers release builds and the age CLI.
pub const MAX_WORK_FACTOR: u8 = 22;
/// Hidden override of the write work factor, clamped to 10..=20 (tests use 10 to stay fast).
pub const WORK_FACTOR_ENV: &str = "GRAPHMAIL_SCRYPT_WORK_FACTOR";

const IDENTITY_SIZE_LIMIT: u64 = 1 << 20;

static WORK_FACTOR_OVERRIDE: AtomicU8 = AtomicU8::new(0);

/// Sets the scrypt work factor for key files written by this process (clamped to 10..=20).
/// Tests and benchmarks use 10; in a process with threads this is safer than the env var.
pub fn set_scrypt_work_factor(log_n: u8) {
    WORK_FACTOR_OVERRIDE.store(log_n.clamp(10, 20), Ordering::Relaxed);
}

fn work_factor() -> u8 {
    match WORK_FACTOR_OVERRIDE.load(Ordering::Relaxed) {
        0 => std::env::var(WORK_FACTOR_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u8>().ok())
            .map(|n| n.clamp(10, 20))
            .unwrap_or(DEFAULT_WORK_FACTOR),
        n => n,
    }
}

/// Where the passphrase of a protected identity comes from.
pub(crate) enum KeyPassphrase {
    Given(SecretString),
    /// Ask on the terminal, or fail clearly when there is none.
    Prompt,
}

impl KeyPassphrase {
    fn get(self, path: &Path) -> Result<SecretString, VaultError> {
        match self {
            KeyPassphrase::Given(p) => Ok(p),
            KeyPassphrase::Prompt => {
                let no_terminal = || VaultError::IdentityPassphraseNeeded {
                    path: path.to_path_buf(),
                };
                if !terminal_available() {
                    return Err(no_terminal());
                }
                let answer =
                    rpassword::prompt_password(format!("Passphrase for {}: ", path.display()))
                        .map_err(|_| no_terminal())?;
                Ok(SecretString::from(answer))
            }
        }
    }
}

/// True when a controlling terminal can be opened for a prompt.
pub fn terminal_available() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

/// Encrypts the vault's X25519 identity with `passphrase` (scrypt) into an age file that the
/// age CLI also accepts as `-i`.
pub(crate) fn seal_key(
    identity: &age::x25519::Identity,
    passphrase: &SecretString,
) -> Result<Vec<u8>, VaultError> {
    let text = Zeroizing::new(format!(
        "# graphmail vault key\n# public key: {}\n{}\n",
        identity.to_public(),
        identity.to_string().expose_secret()
    ));
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(work_factor());
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| VaultError::Invalid(format!("cannot protect the vault key: {e}")))?;
    let mut out = Vec::new();
    let written = (|| -> std::io::Result<()> {
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)?;
        let mut w = encryptor.wrap_output(armor)?;
        w.write_all(text.as_bytes())?;
        w.finish()?.finish()?;
        Ok(())
    })();
    written.map_err(storage::io_error("cannot encrypt the vault key"))?;
    Ok(out)
}

/// Decrypts a passphrase-protected age identity file (the vault key file, or any `age -p`
/// encrypted identity file) into its identities.
fn open_sealed(
    path: &Path,
    bytes: &[u8],
    passphrase: &SecretString,
) -> Result<Vec<BoxedIdentity>, VaultError> {
    let text = decrypt_sealed(path, bytes, passphrase)?;
    parse_age_identities(path, &text)
}

/// Reads the vault key file with the passphrase into the vault's X25519 identity itself (for
/// the session agent, which holds it in memory).
pub(crate) fn unseal_vault_identity(
    path: &Path,
    passphrase: &SecretString,
) -> Result<age::x25519::Identity, VaultError> {
    let bytes = std::fs::read(path).map_err(storage::io_error(format!(
        "cannot read the vault key {}",
        path.display()
    )))?;
    let text = decrypt_sealed(path, &bytes, passphrase)?;
    let text = std::str::from_utf8(&text).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .find(|line| line.starts_with("AGE-SECRET-KEY-"))
        .and_then(|line| line.parse::<age::x25519::Identity>().ok())
        .ok_or_else(|| VaultError::IdentityUnusable {
            path: path.to_path_buf(),
            detail: "it holds no X25519 identity".into(),
        })
}

fn decrypt_sealed(
    path: &Path,
    bytes: &[u8],
    passphrase: &SecretString,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let damaged = |detail: String| VaultError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(bytes))
        .map_err(|e| damaged(e.to_string()))?;
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
                VaultError::WrongPassphrase
            }
            age::DecryptError::ExcessiveWork { .. } => VaultError::Invalid(format!(
                "{} needs more scrypt work than graphmail accepts (at most 2^{MAX_WORK_FACTOR}); re-encrypt it with a lower work factor",
                path.display()
            )),
            other => damaged(other.to_string()),
        })?;
    let mut text = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut text)
        .map_err(|e| damaged(e.to_string()))?;
    Ok(text)
}

fn parse_age_identities(path: &Path, text: &[u8]) -> Result<Vec<BoxedIdentity>, VaultError> {
    let unusable = |detail: String| VaultError::IdentityUnusable {
        path: path.to_path_buf(),
        detail,
    };
    let ids = age::IdentityFile::from_buffer(text)
        .map_err(|e| unusable(e.to_string()))?
        .into_identities()
        .map_err(|e| unusable(e.to_string()))?;
    if ids.is_empty() {
        return Err(unusable("it holds no age identity".into()));
    }
    Ok(ids)
}

/// Reads the vault key file with the passphrase.
pub(crate) fn open_key_file(
    path: &Path,
    passphrase: &SecretString,
) -> Result<Vec<BoxedIdentity>, VaultError> {
    let bytes = std::fs::read(path).map_err(storage::io_error(format!(
        "cannot read the vault key {}",
        path.display()
    )))?;
    open_sealed(path, &bytes, passphrase)
}

/// Loads an identity given with `--identity`: an age identity file (plain or passphrase
/// protected) or an OpenSSH private key (ed25519 or rsa, passphrase protected or not).
pub(crate) fn load_identity_file(
    path: &Path,
    passphrase: KeyPassphrase,
) -> Result<Vec<BoxedIdentity>, VaultError> {
    let unusable = |detail: &str| VaultError::IdentityUnusable {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    };
    let wrong_passphrase = || VaultError::WrongIdentityPassphrase {
        path: path.to_path_buf(),
    };
    let file = std::fs::File::open(path).map_err(|e| unusable(&e.to_string()))?;
    refuse_readable_by_others(path, &file)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(IDENTITY_SIZE_LIMIT)
        .read_to_end(&mut bytes)
        .map_err(|e| unusable(&e.to_string()))?;
    let text = String::from_utf8_lossy(&bytes);

    if bytes.starts_with(b"age-encryption.org/") || text.contains("BEGIN AGE ENCRYPTED FILE") {
        let pass = passphrase.get(path)?;
        return open_sealed(path, &bytes, &pass).map_err(|e| match e {
            VaultError::WrongPassphrase => wrong_passphrase(),
            other => other,
        });
    }
    if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----")
        || text.contains("-----BEGIN RSA PRIVATE KEY-----")
    {
        let name = Some(path.display().to_string());
        let identity = age::ssh::Identity::from_buffer(BufReader::new(&bytes[..]), name)
            .map_err(|e| unusable(&e.to_string()))?;
        return match identity {
            age::ssh::Identity::Unencrypted(_) => Ok(vec![Box::new(identity)]),
            age::ssh::Identity::Encrypted(key) => {
                let pass = passphrase.get(path)?;
                let key = key.decrypt(pass).map_err(|_| wrong_passphrase())?;
                Ok(vec![Box::new(age::ssh::Identity::from(key))])
            }
            age::ssh::Identity::Unsupported(_) => Err(unusable(
                "this kind of SSH key cannot open an age file (use ed25519 or rsa)",
            )),
        };
    }
    parse_age_identities(path, &bytes)
}

/// Refuses a private key that group or others may read, as OpenSSH does: whoever else could
/// read it could open the vault. The mode is read from the opened file, so it is the one read.
fn refuse_readable_by_others(path: &Path, file: &std::fs::File) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = file.metadata().map_err(|e| VaultError::IdentityUnusable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        let mode = meta.permissions().mode() & 0o777;
        // Only a regular file has a mode that means something here (`<(…)` is a pipe).
        if meta.is_file() && mode & 0o077 != 0 {
            return Err(VaultError::IdentityReadable {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, file);
    Ok(())
}

/// A public key that can open the vault, kept as a normalised text line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientKey {
    line: String,
}

impl RecipientKey {
    /// Parses `age1…`, `ssh-ed25519 AAAA… [comment]` or `ssh-rsa AAAA… [comment]`.
    pub fn parse(text: &str) -> Result<RecipientKey, VaultError> {
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = RecipientKey { line };
        key.to_age()?;
        Ok(key)
    }

    pub fn as_str(&self) -> &str {
        &self.line
    }

    /// `age1…`, `ssh-ed25519` or `ssh-rsa`.
    pub fn kind(&self) -> &str {
        if self.line.starts_with("age1") {
            "age"
        } else {
            self.line.split(' ').next().unwrap_or_default()
        }
    }

    /// The key without its comment: what makes two lines the same recipient.
    pub fn key(&self) -> &str {
        match self.line.match_indices(' ').nth(1) {
            Some((i, _)) => &self.line[..i],
            None => &self.line,
        }
    }

    /// The comment of an SSH key line (often `user@host`).
    pub fn comment(&self) -> Option<&str> {
        self.line
            .match_indices(' ')
            .nth(1)
            .map(|(i, _)| &self.line[i + 1..])
    }

    /// True when `query` names this recipient: the whole line, the key, or the comment.
    pub fn matches(&self, query: &str) -> bool {
        let query = query.split_whitespace().collect::<Vec<_>>().join(" ");
        query == self.line || query == self.key() || Some(query.as_str()) == self.comment()
    }

    pub(crate) fn to_age(&self) -> Result<Box<dyn age::Recipient + Send>, VaultError> {
        let line = self.line.as_str();
        if line.starts_with("age1") {
            return line
                .parse::<age::x25519::Recipient>()
                .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
                .map_err(|_| not_a_public_key(line));
        }
        if line.starts_with("ssh-") {
            return line
                .parse::<age::ssh::Recipient>()
                .map(|r| Box::new(r) as Box<dyn age::Recipient + Send>)
                .map_err(|_| not_a_public_key(line));
        }
        Err(not_a_public_key(line))
    }
}

impl std::fmt::Display for RecipientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.line)
    }
}

/// The error for text that is not a usable public key. It never repeats the text, which may
/// be a private key pasted by mistake; only a recognisable key type is named.
fn not_a_public_key(text: &str) -> VaultError {
    let first = text.split(' ').next().unwrap_or_default();
    let message = if text.starts_with("AGE-SECRET-KEY") || text.starts_with("-----BEGIN") {
        "that is a private key; give the matching public key (age1… or the .pub file)".to_string()
    } else if first.starts_with("ssh-") || first.starts_with("ecdsa-") || first.starts_with("sk-") {
        format!(
            "this {first} public key cannot be used; give an age1… key or an ssh-ed25519 / ssh-rsa public key"
        )
    } else {
        "that is not a public key graphmail can use; give an age1… key or an ssh-ed25519 / ssh-rsa public key line".to_string()
    };
    VaultError::Invalid(message)
}
