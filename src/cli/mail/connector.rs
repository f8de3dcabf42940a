//! Which connector `graphmail mail` uses, and the access tokens for it (from the sign-in
//! module: renewed before they expire, and once more when Graph refuses one).

use crate::domain::access::{Access, Need};
use std::sync::Arc;

use crate::auth::{OAuthHttp, VaultTokens};
use crate::cli::{CliError, CliResult, Exit, GlobalArgs};
use crate::domain::{Connector, Grant};
use crate::graph::TokenSource;

/// The chosen connector and where its tokens come from.
pub(super) struct Session {
    pub connector: Connector,
    pub tokens: Arc<dyn TokenSource>,
    /// The signed-in user, when the sign-in named one.
    pub user: Option<String>,
}

/// Unlocks the vault and picks the connector (`name`, the config file's `default_connector`,
/// or the only one). A connector that was never signed in, and cannot sign in on its own, is
/// refused before anything goes out, and so is an action its permissions do not allow
/// (`need`): the granted scopes decide, the requested ones until the first sign-in.
pub(super) fn open(global: &GlobalArgs, name: Option<&str>, need: Need) -> CliResult<Session> {
    let vault = crate::cli::vault_cmd::unlock_vault(global)?;
    let doc = vault.read()?;
    let entry = crate::cli::config_cmd::with_connector(global, name, |n| pick_connector(&doc, n))?;
    let connector = entry.connector.clone();
    let granted = entry
        .tokens
        .as_ref()
        .map(|t| t.granted_scopes.clone())
        .unwrap_or_default();
    if let Some(refusal) = Access::of(&connector, &granted).refusal(need) {
        let name = &connector.name;
        return Err(CliError::new(
            Exit::NoPermission,
            "permission_missing",
            refusal.message(name),
        )
        .with_fix(refusal.cli_fix(name)));
    }
    let user = entry.tokens.as_ref().and_then(|t| t.user.clone());
    let signed_in = entry.tokens.as_ref().is_some_and(|t| {
        t.access_token.is_some() || t.refresh_token.as_deref().is_some_and(|r| !r.is_empty())
    });
    // Client credentials (and ROPC with a stored password) sign in again on their own.
    let self_renewing = connector.grant == Grant::ClientCredentials
        || (connector.grant == Grant::Ropc && entry.secrets.password.is_some());
    drop(doc);
    let name = connector.name.clone();
    if !signed_in && !self_renewing {
        return Err(CliError::new(
            Exit::SignIn,
            "sign_in_needed",
            format!("connector '{name}' is not signed in"),
        )
        .with_fix(format!(
            "sign it in with `graphmail connector login {name}`"
        )));
    }
    let oauth = OAuthHttp::new().map_err(|e| CliError::failure("network", e.to_string()))?;
    let tokens: Arc<dyn TokenSource> = Arc::new(VaultTokens::new(Arc::new(vault), &name, oauth));
    Ok(Session {
        connector,
        tokens,
        user,
    })
}

fn pick_connector<'d>(
    doc: &'d crate::vault::VaultDocument,
    name: Option<&str>,
) -> CliResult<&'d crate::vault::ConnectorEntry> {
    match name {
        Some(n) => doc.get(n).ok_or_else(|| {
            CliError::failure(
                "no_such_connector",
                format!("there is no connector called '{n}'"),
            )
            .with_fix("`graphmail connector list` shows the connectors")
        }),
        None => match doc.connectors.as_slice() {
            [one] => Ok(one),
            [] => Err(
                CliError::failure("no_connector", "the vault holds no connector yet")
                    .with_fix("add one with `graphmail connector add NAME …`"),
            ),
            many => {
                let names: Vec<&str> = many.iter().map(|e| e.connector.name.as_str()).collect();
                Err(CliError::usage(format!(
                    "the vault holds several connectors ({})",
                    names.join(", ")
                ))
                .with_fix("name one with --connector NAME (-c NAME)"))
            }
        },
    }
}
