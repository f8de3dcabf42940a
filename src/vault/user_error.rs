//! What each vault error means for the user: its code, its exit status and its fix.

use super::VaultError;
use crate::error::{Exit, UserError};

impl From<VaultError> for UserError {
    fn from(e: VaultError) -> Self {
        let message = e.to_string();
        match e {
            VaultError::NotFound { .. } => UserError::failure("vault_not_found", message)
                .with_fix("create one with `graphmail vault init`, or point --vault / GRAPHMAIL_VAULT at it"),
            VaultError::AlreadyExists { .. } => UserError::failure("vault_exists", message)
                .with_fix("use it as it is, or choose another path with --vault"),
            VaultError::WrongPassphrase => UserError::new(Exit::Locked, "wrong_passphrase", message)
                .with_fix("try again; check --passphrase-file / GRAPHMAIL_PASSPHRASE_FILE"),
            VaultError::WrongIdentityPassphrase { .. } => UserError::new(Exit::Locked, "wrong_identity_passphrase", message)
                .with_fix("try again with the passphrase of that key file (not the vault passphrase)"),
            VaultError::NoMatchingIdentity => UserError::new(Exit::Locked, "no_matching_identity", message)
                .with_fix("use an identity whose public key is a vault recipient (`graphmail vault recipients list`)"),
            VaultError::NoPassphrase { .. } => UserError::new(Exit::Locked, "vault_no_passphrase", message)
                .with_fix("unlock it with --identity FILE (or GRAPHMAIL_IDENTITY) naming the private key of a recipient"),
            VaultError::IdentityReadable { ref path, .. } => {
                let fix = format!("chmod 600 {}", path.display());
                UserError::new(Exit::Locked, "identity_readable", message).with_fix(fix)
            }
            VaultError::IdentityUnusable { .. } => UserError::new(Exit::Locked, "identity_unusable", message)
                .with_fix("give --identity an age identity file or an OpenSSH ed25519 or rsa private key"),
            VaultError::IdentityPassphraseNeeded { .. } => UserError::new(Exit::Locked, "identity_passphrase_needed", message)
                .with_fix("run the command on a terminal, use a key without a passphrase, or unlock with --passphrase-file"),
            VaultError::Corrupt { ref path, .. } => {
                UserError::failure("vault_corrupt", message).with_fix(restore_fix(path))
            }
            VaultError::NewerSchema { .. } => UserError::failure("vault_newer_schema", message)
                .with_fix("upgrade graphmail to open this vault"),
            VaultError::InsecurePermissions { ref path, .. } => {
                let fix = format!("chmod 600 {0} and chmod 700 on its folder", path.display());
                UserError::failure("vault_insecure", message).with_fix(fix)
            }
            VaultError::UnsafePath { ref path, .. } => {
                let fix = format!(
                    "keep the vault as a regular file in a folder only you can change: `chmod go-w {0}`, or move the vault into a private folder (e.g. `mkdir -m 700 ~/.graphmail`) and point --vault at it",
                    path.display()
                );
                UserError::failure("vault_unsafe_path", message).with_fix(fix)
            }
            VaultError::Busy => UserError::failure("vault_busy", message)
                .with_fix("wait for the other graphmail process to finish, then try again"),
            VaultError::Invalid(_) => UserError::failure("vault_invalid", message),
            VaultError::Io { .. } => UserError::failure("io", message),
        }
    }
}

/// How to get back a damaged vault or key file: from the `.bak` beside it when there is one
/// (a vault gets one from its second save on, a key file when it is written), otherwise from
/// the user's own backup.
fn restore_fix(path: &std::path::Path) -> String {
    let bak = super::Vault::backup_path(path);
    let is_key = path.extension().is_some_and(|e| e == "key");
    match (bak.is_file(), is_key) {
        (true, _) => format!(
            "restore it from the copy beside it: `cp {} {}`",
            bak.display(),
            path.display()
        ),
        (false, true) => format!(
            "restore {} from a backup of your own; or unlock with --identity and a recipient's key, then set a new passphrase with `graphmail vault passwd`",
            path.display()
        ),
        (false, false) => format!("restore {} from a backup of your own", path.display()),
    }
}
