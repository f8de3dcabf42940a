//! Resource owner password credentials: the mailbox user name and password from the vault.
//! Discouraged (no MFA), but some unattended setups need it.

use oauth2::{ResourceOwnerPassword, ResourceOwnerUsername, Scope};

use super::oauth::{self, OAuthHttp};
use super::{AuthError, FlowContext, TokenSet};

pub async fn run(ctx: &FlowContext, http: &OAuthHttp) -> Result<TokenSet, AuthError> {
    let (Some(username), Some(password)) = (ctx.username(), ctx.password()) else {
        return Err(AuthError::config(
            format!(
                "connector '{}' uses the password grant but has no user name or password stored",
                ctx.connector.name
            ),
            "store them with `graphmail connector edit NAME --username U --password-file F`",
        ));
    };
    let client = oauth::client(ctx)?;
    let username = ResourceOwnerUsername::new(username.to_string());
    let password = ResourceOwnerPassword::new(password.to_string());
    let response = client
        .exchange_password(&username, &password)
        .add_scopes(ctx.scopes.iter().cloned().map(Scope::new))
        .request_async(http)
        .await
        .map_err(|e| oauth::request_error(ctx, e))?;
    let mut set = TokenSet::from_response(&response, super::now())?;
    if set.user.is_none() {
        set.user = Some(username.to_string());
    }
    Ok(set)
}
