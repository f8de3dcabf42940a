//! Signing connectors in and keeping their tokens fresh.
//!
//! Every grant the identity platform offers a mail client: authorization code with PKCE
//! (loopback listener or a pasted redirect URL), device code, ROPC and client credentials, plus
//! refresh with rotation. Tokens live in the vault; [`fresh_access_token`] is what the Graph
//! client and the terminal app call for a token that is valid for at least five more minutes.
//! Nothing here logs a token, a secret or a password: only flow names and outcomes.

mod auth_code;
mod cache;
mod check;
mod claims;
mod client_credentials;
mod device_code;
mod environment;
mod error;
mod flow;
mod graph_tokens;
mod loopback;
mod oauth;
mod refresh;
mod ropc;
pub mod scopes;

use std::net::SocketAddr;

pub use cache::{
    FreshToken, REFRESH_MARGIN_SECS, forget_tokens, fresh_access_token, fresh_access_token_async,
    renew_access_token, renew_access_token_async, save_sign_in,
};
pub use check::{Check, CheckError, CheckReport, GraphFailure, check_connector};
pub use environment::{BrowserChoice, browser_choice, ssh_forward_hint};
pub use error::AuthError;
pub(crate) use error::network_message;
pub use flow::{FlowContext, TokenSet};
pub use graph_tokens::VaultTokens;
pub use oauth::{EntraErrorResponse, OAuthHttp};

use crate::domain::Grant;

/// What a sign-in shows the person in front of it. The CLI prints it (as text or JSON lines),
/// the terminal app draws it.
#[derive(Debug, Clone)]
pub enum Prompt {
    /// Authorization code: open this URL; the reply comes to `listening` or is pasted.
    AuthorizeUrl {
        url: String,
        redirect_uri: String,
        /// Where the loopback listener waits, when it could bind its port.
        listening: Option<SocketAddr>,
        /// Whether a browser was opened, and if not why.
        browser: BrowserChoice,
        /// `ssh -L …` to reach the listener from the admin's own machine, over SSH.
        ssh_hint: Option<String>,
    },
    /// Device code: enter `user_code` at `verification_uri` on any device.
    DeviceCode {
        verification_uri: String,
        user_code: String,
        expires_in: u64,
        interval: u64,
        message: Option<String>,
    },
}

/// How an interactive sign-in may reach the person.
#[derive(Default)]
pub struct SignInOptions {
    /// Never open a browser, only print the URL.
    pub no_browser: bool,
    /// Lines the person pastes (the final redirect URL of an authorization-code sign-in).
    /// `None` when nothing can be pasted; the loopback listener still works.
    pub pasted: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
}

/// Runs the connector's grant to the end and returns its tokens. Nothing is saved: pass the
/// result to [`save_sign_in`].
pub async fn sign_in(
    ctx: &FlowContext,
    http: &OAuthHttp,
    options: SignInOptions,
    show: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenSet, AuthError> {
    let grant = ctx.connector.grant;
    tracing::info!(
        connector = %ctx.connector.name,
        grant = grant.as_str(),
        "sign-in started"
    );
    let result = match grant {
        Grant::AuthCode => auth_code::run(ctx, http, options, show).await,
        Grant::DeviceCode => device_code::run(ctx, http, show).await,
        Grant::Ropc => ropc::run(ctx, http).await,
        Grant::ClientCredentials => client_credentials::run(ctx, http).await,
    };
    match &result {
        Ok(_) => {
            tracing::info!(connector = %ctx.connector.name, grant = grant.as_str(), "sign-in succeeded")
        }
        Err(e) => {
            tracing::warn!(connector = %ctx.connector.name, grant = grant.as_str(), code = e.code(), aadsts = ?e.aadsts(), "sign-in failed")
        }
    }
    result
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
