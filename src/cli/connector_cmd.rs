//! `graphmail connector …` and `graphmail permissions`.

use super::{CliError, CliResult, ConnectorCommand, GlobalArgs, PermissionsArgs};

pub fn run(_global: &GlobalArgs, _cmd: ConnectorCommand) -> CliResult {
    Err(CliError::failure(
        "not_available",
        "connector commands are not built yet",
    ))
}

pub fn permissions(_global: &GlobalArgs, _args: PermissionsArgs) -> CliResult {
    Err(CliError::failure(
        "not_available",
        "the permission summary is not built yet",
    ))
}
