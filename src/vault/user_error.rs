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
            VaultError::IdentityUnusable { .. } => UserError::new(Exit::Locked, "identity_unusable", message)
                .with_fix("give --identity an age identity file or an OpenSSH ed25519 or rsa private key"),
            VaultError::IdentityPassphraseNeeded { .. } => UserError::new(Exit::Locked, "identity_passphrase_needed", message)
                .with_fix("run the command on a terminal, use a key without a passphrase, or unlock with --passphrase-file"),
            VaultError::Corrupt { ref path, .. } => {
                let fix = format!(
                    "restore the previous version from {}.bak, or a backup of your own",
                    path.display()
                );
                UserError::failure("vault_corrupt", message).with_fix(fix)
            }
            VaultError::NewerSchema { .. } => UserError::failure("vault_newer_schema", message)
                .with_fix("upgrade graphmail to open this vault"),
            VaultError::InsecurePermissions { ref path, .. } => {
                let fix = format!("chmod 600 {0} and chmod 700 on its folder", path.display());
                UserError::failure("vault_insecure", message).with_fix(fix)
            }
            VaultError::Busy => UserError::failure("vault_busy", message)
                .with_fix("wait for the other graphmail process to finish, then try again"),
            VaultError::Invalid(_) => UserError::failure("vault_invalid", message),
            VaultError::Io { .. } => UserError::failure("io", message),
        }
    }
}
