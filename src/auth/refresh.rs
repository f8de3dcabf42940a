//! Refresh with rotation: the reply's new refresh token replaces the stored one.

use oauth2::{RefreshToken, Scope};

use super::oauth::{self, OAuthHttp};
use super::{AuthError, FlowContext, TokenSet};

pub async fn run(
    ctx: &FlowContext,
    http: &OAuthHttp,
    refresh_token: &str,
) -> Result<TokenSet, AuthError> {
    let client = oauth::client(ctx)?;
    let token = RefreshToken::new(refresh_token.to_string());
    // A refresh may name scopes of one resource only: the Graph permissions, not OIDC ones.
    let scopes = ctx
        .scopes
        .iter()
        .filter(|s| !matches!(s.as_str(), "openid" | "profile" | "email"))
        .cloned()
        .map(Scope::new);
    let response = client
        .exchange_refresh_token(&token)
        .add_scopes(scopes)
        .request_async(http)
        .await
        .map_err(|e| oauth::request_error(ctx, e))?;
    TokenSet::from_response(&response, super::now())
}
