//! `graphmail token [NAME]`: a fresh access token for curl, mutt and scripts.

use serde_json::json;

use super::config_cmd::with_connector;
use super::signin_cmd::{http, rfc3339, runtime};
use super::vault_cmd::unlock_vault;
use super::{CliError, CliResult, GlobalArgs, output};
use crate::auth;

/// `graphmail token [NAME]`: the name given, else the config file's `default_connector`.
pub(super) fn run(global: &GlobalArgs, name: Option<&str>) -> CliResult {
    with_connector(global, name, |name| match name {
        Some(name) => print_token(global, name),
        None => Err(CliError::usage("`graphmail token` needs a connector name").with_fix(NAME_FIX)),
    })
}

const NAME_FIX: &str = "give one, e.g. `graphmail token NAME` (`graphmail connector list` shows them), or set default_connector in the config file";

/// `graphmail token NAME`: only the token on stdout.
fn print_token(global: &GlobalArgs, name: &str) -> CliResult {
    let vault = unlock_vault(global)?;
    let http = http()?;
    let rt = runtime()?;
    let token =
        auth::fresh_access_token(&vault, name, &http, rt.handle()).map_err(CliError::from)?;
    if global.json {
        output::print_json(&json!({
            "access_token": token.secret(),
            "expires_at": rfc3339(token.expires_at),
        }));
    } else {
        println!("{}", token.secret());
    }
    Ok(())
}
