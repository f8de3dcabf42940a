//! Authorization code + PKCE: the person signs in at the identity platform in a browser; the
//! code comes back to the loopback listener or is pasted, and is exchanged for tokens.

use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, Scope};

use crate::domain::aadsts::{self, RawIdentityError};

use super::loopback::{self, Listener, Reply};
use super::oauth::{self, OAuthHttp};
use super::{AuthError, BrowserChoice, FlowContext, Prompt, SignInOptions, TokenSet};

pub async fn run(
    ctx: &FlowContext,
    http: &OAuthHttp,
    mut options: SignInOptions,
    show: &mut (dyn FnMut(&Prompt) + Send),
) -> Result<TokenSet, AuthError> {
    let client = oauth::client(ctx)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(ctx.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge);
    if let Some(hint) = &ctx.login_hint {
        request = request.add_extra_param("login_hint", hint.clone());
    }
    let (url, state) = request.url();
    let redirect_uri = ctx.connector.redirect_uri();
    let path = url::Url::parse(&redirect_uri)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| "/".into());

    // The listener is the easy way back; when its port is taken, pasting still works.
    let mut listener = match Listener::bind(ctx.connector.redirect_port, &path, state.secret())
        .await
    {
        Ok(l) => Some(l),
        Err(e) if options.pasted.is_some() => {
            tracing::warn!(error = %e, "loopback listener unavailable; waiting for a pasted address");
            None
        }
        Err(e) => return Err(e),
    };
    let listening = listener.as_ref().map(Listener::local_addr);

    let mut browser = super::browser_choice(options.no_browser);
    if browser == BrowserChoice::Open && open::that_detached(url.as_str()).is_err() {
        browser = BrowserChoice::NoDesktop;
    }
    let ssh_hint = (browser == BrowserChoice::Ssh)
        .then(|| super::ssh_forward_hint(ctx.connector.redirect_port));
    show(&Prompt::AuthorizeUrl {
        url: url.to_string(),
        redirect_uri: redirect_uri.clone(),
        listening,
        browser,
        ssh_hint,
    });

    let reply = wait_for_reply(listener.as_mut(), options.pasted.as_mut(), state.secret()).await;
    drop(listener);
    let code = match reply? {
        Reply::Code(code) => code,
        Reply::Error { error, description } => {
            let raw = RawIdentityError {
                error,
                error_description: description,
                ..RawIdentityError::default()
            };
            return Err(AuthError::identity(aadsts::decode(
                &raw,
                &ctx.error_context(),
            )));
        }
    };
    tracing::info!(connector = %ctx.connector.name, "authorization code received; exchanging it");
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(http)
        .await
        .map_err(|e| oauth::request_error(ctx, e))?;
    TokenSet::from_response(&response, super::now())
}

/// Whichever comes first: the listener's reply or a pasted line. A pasted line that is not a
/// redirect is refused and the wait ends, like a reply with the wrong state.
async fn wait_for_reply(
    listener: Option<&mut Listener>,
    pasted: Option<&mut tokio::sync::mpsc::UnboundedReceiver<String>>,
    state: &str,
) -> Result<Reply, AuthError> {
    let from_listener = async {
        match listener {
            Some(l) => l.next().await,
            None => std::future::pending().await,
        }
    };
    let from_paste = async {
        let Some(rx) = pasted else {
            return std::future::pending().await;
        };
        loop {
            match rx.recv().await {
                // Stray Enter presses are not an answer.
                Some(line) if line.trim().is_empty() => continue,
                Some(line) => return loopback::parse_pasted(&line, state),
                // Nothing more can be pasted (stdin closed): only the listener is left.
                None => return std::future::pending().await,
            }
        }
    };
    tokio::select! {
        r = from_listener => r,
        r = from_paste => r,
    }
}
