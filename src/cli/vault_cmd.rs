//! `graphmail vault …` and unlocking the vault for every other command.

use super::{CliError, CliResult, GlobalArgs, VaultCommand};
use crate::vault::Vault;

pub fn run(_global: &GlobalArgs, _cmd: VaultCommand) -> CliResult {
    Err(CliError::failure(
        "not_available",
        "vault commands are not built yet",
    ))
}

/// Opens the vault named by the global options, unlocking it with the passphrase file, the
/// identity, or a prompt on the terminal (in that order).
pub(crate) fn unlock_vault(_global: &GlobalArgs) -> CliResult<Vault> {
    Err(CliError::failure(
        "not_available",
        "the vault is not built yet",
    ))
}
