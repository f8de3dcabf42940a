//! Client credentials: the app acts as itself with its client secret, on the mailbox named by
//! the connector. No person and no refresh token; a new token is simply requested.

use oauth2::Scope;

use super::oauth::{self, OAuthHttp};
use super::{AuthError, FlowContext, TokenSet};

pub async fn run(ctx: &FlowContext, http: &OAuthHttp) -> Result<TokenSet, AuthError> {
    if ctx.client_secret().is_none() {
        return Err(AuthError::config(
            format!(
                "connector '{}' uses client credentials but has no client secret stored",
                ctx.connector.name
            ),
            "store it with `graphmail connector edit NAME --client-secret-file F`",
        ));
    }
    let client = oauth::client(ctx)?;
    let response = client
        .exchange_client_credentials()
        .add_scopes(ctx.scopes.iter().cloned().map(Scope::new))
        .request_async(http)
        .await
        .map_err(|e| oauth::request_error(ctx, e))?;
    let mut set = TokenSet::from_response(&response, super::now())?;
    set.user = None;
    Ok(set)
}
