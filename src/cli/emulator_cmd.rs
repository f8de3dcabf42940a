//! `graphmail emulator`: the loopback identity platform + Graph mail service.

use super::{CliError, CliResult, EmulatorArgs, GlobalArgs};

pub fn run(_global: &GlobalArgs, _args: EmulatorArgs) -> CliResult {
    Err(CliError::failure(
        "not_available",
        "the emulator is not built yet",
    ))
}
