//! `graphmail vault …` and unlocking the vault for every other command.

use super::{CliError, CliResult, GlobalArgs, VaultCommand};

pub fn run(_global: &GlobalArgs, _cmd: VaultCommand) -> CliResult {
    Err(CliError::failure(
        "not_available",
        "vault commands are not built yet",
    ))
}
