//! Why a sign-in or a token request failed, with the fix.

use crate::domain::aadsts::DecodedError;
use crate::error::{EDIT_IN_APP, Exit, SIGN_IN_AGAIN_IN_APP, SIGN_IN_IN_APP, UserError};
use crate::vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The identity platform refused; decoded for the connector.
    #[error("{}", .0.message)]
    Identity(Box<DecodedError>),
    #[error("cannot reach the identity platform: {0}")]
    Network(String),
    /// The identity platform answered 5xx or 429 (down or throttling).
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Protocol(String),
    /// 429 from the token endpoint, without an identity error in the body.
    #[error("the identity platform is throttling graphmail (429 Too Many Requests)")]
    Throttled,
    /// The connector lacks something the grant needs.
    #[error("{message}")]
    Config { message: String, fix: String },
    #[error(
        "the sign-in reply did not carry the state graphmail sent, so it was refused and nothing was saved"
    )]
    StateMismatch,
    /// A pasted or received redirect that is not a sign-in reply.
    #[error("{0}")]
    BadRedirect(String),
    #[error("the loopback listener failed: {0}")]
    Listener(String),
    #[error("connector '{0}' is not signed in")]
    NotSignedIn(String),
    #[error("there is no connector named '{0}'")]
    UnknownConnector(String),
    #[error("the sign-in was cancelled")]
    Cancelled,
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// OAuth `error` values after which only a person signing in again helps.
const SIGN_IN_AGAIN: [&str; 6] = [
    "invalid_grant",
    "interaction_required",
    "login_required",
    "consent_required",
    "expired_token",
    "authorization_declined",
];

impl AuthError {
    pub(crate) fn identity(decoded: DecodedError) -> AuthError {
        AuthError::Identity(Box::new(decoded))
    }

    /// A connector that lacks a setting the grant needs.
    pub(crate) fn config(message: impl Into<String>, fix: impl Into<String>) -> AuthError {
        AuthError::Config {
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// A stable, machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Identity(_) => "identity_error",
            AuthError::Network(_) => "network",
            AuthError::Unavailable(_) => "identity_unavailable",
            AuthError::Protocol(_) => "identity_protocol",
            AuthError::Throttled => "identity_throttled",
            AuthError::Config { .. } => "connector_incomplete",
            AuthError::StateMismatch => "state_mismatch",
            AuthError::BadRedirect(_) => "bad_redirect",
            AuthError::Listener(_) => "listener_failed",
            AuthError::NotSignedIn(_) => "not_signed_in",
            AuthError::UnknownConnector(_) => "connector_not_found",
            AuthError::Cancelled => "cancelled",
            AuthError::Vault(_) => "vault",
        }
    }

    /// The AADSTS number, when the identity platform sent one.
    pub fn aadsts(&self) -> Option<u32> {
        match self {
            AuthError::Identity(d) => d.aadsts,
            _ => None,
        }
    }

    /// The decoded identity error, when there is one.
    pub fn decoded(&self) -> Option<&DecodedError> {
        match self {
            AuthError::Identity(d) => Some(d),
            _ => None,
        }
    }

    /// What to do about it.
    pub fn fix(&self) -> Option<String> {
        Some(match self {
            AuthError::Identity(d) => match &d.detail {
                Some(detail) => format!("{} {detail}", d.fix),
                None => d.fix.clone(),
            },
            AuthError::Network(_) => {
                "check the network and the connector's cloud (`graphmail connector show NAME`), then try again".into()
            }
            AuthError::Unavailable(_) => {
                "nothing was changed: try again in a few minutes; https://status.cloud.microsoft shows Microsoft outages".into()
            }
            AuthError::Protocol(_) => "try again; if it keeps failing check the connector's cloud and login URL".into(),
            AuthError::Throttled => {
                "wait a minute before trying again; if scripts renew tokens in a loop, space them out".into()
            }
            AuthError::Config { fix, .. } => fix.clone(),
            AuthError::StateMismatch => {
                "start the sign-in again and use only the newest sign-in link".into()
            }
            AuthError::BadRedirect(_) => "paste the whole address from the browser's address bar, starting with http://localhost".into(),
            AuthError::Listener(_) => "paste the final address from the browser instead, or choose another port with `graphmail connector edit NAME --redirect-port N`".into(),
            AuthError::NotSignedIn(name) => format!("sign in with `graphmail connector login {name}`"),
            AuthError::UnknownConnector(_) => "list the connectors with `graphmail connector list`".into(),
            AuthError::Cancelled => return None,
            AuthError::Vault(_) => return None,
        })
    }

    /// True when only a person signing in again helps (exit status 4).
    pub fn needs_sign_in(&self) -> bool {
        match self {
            AuthError::NotSignedIn(_) => true,
            AuthError::Identity(d) => SIGN_IN_AGAIN.contains(&d.error.as_str()),
            _ => false,
        }
    }
}

/// The decoded failure with its fix (the `NAME` placeholder left for the caller); exit 4 when a
/// person must sign in again. The app's fix says where to sign in there.
impl From<AuthError> for UserError {
    fn from(err: AuthError) -> Self {
        let exit = if err.needs_sign_in() {
            Exit::SignIn
        } else {
            Exit::Failure
        };
        let app_fix = match &err {
            AuthError::NotSignedIn(_) => Some(SIGN_IN_IN_APP.to_string()),
            // Signing in again with the same stored password or grant fails the same way.
            AuthError::Identity(d) if d.aadsts == Some(50126) => Some(format!(
                "change the stored password (or user name): {EDIT_IN_APP}, then sign in again"
            )),
            AuthError::Identity(d) if matches!(d.aadsts, Some(50076 | 50079)) => Some(format!(
                "switch the grant to authorization code or device code: {EDIT_IN_APP}, then sign in again"
            )),
            e if e.needs_sign_in() => Some(SIGN_IN_AGAIN_IN_APP.to_string()),
            // The app shows the service's ids on a line of their own, not in the fix.
            AuthError::Identity(d) => Some(d.fix.clone()),
            _ => None,
        };
        let detail = err.decoded().map(support_line);
        let fix = err.fix();
        let said = err.decoded().map(|d| {
            serde_json::json!({ "aadsts": d.aadsts, "error_code": d.error, "description": d.description })
        });
        let message = match err.decoded() {
            Some(d) => with_code(d),
            None => err.to_string(),
        };
        let mut out = match err {
            AuthError::Vault(v) => return v.into(),
            other => UserError::new(exit, other.code(), message),
        }
        .with_optional_fix(fix);
        if let Some(said) = said {
            out = out.with_json_fields(serde_json::json!({ "identity": said }));
        }
        if let Some(f) = app_fix {
            out = out.with_app_fix(f);
        }
        if let Some(d) = detail {
            out = out.with_detail(d);
        }
        out
    }
}

/// The decoded message with the code and Microsoft's own words: `The user name or password is
/// wrong. [AADSTS50126: "Error validating credentials due to invalid username or password."]`
fn with_code(d: &DecodedError) -> String {
    let code = match d.aadsts {
        Some(n) => format!("AADSTS{n}"),
        None => d.error.clone(),
    };
    match &d.description {
        Some(said) => format!("{} [{code}: Microsoft says \"{said}\"]", d.message),
        None => format!("{} [{code}]", d.message),
    }
}

/// `AADSTS50126 (invalid_grant) · trace id …, correlation id …`: what support asks for.
fn support_line(d: &DecodedError) -> String {
    let code = match d.aadsts {
        Some(n) => format!("AADSTS{n} ({})", d.error),
        None => d.error.clone(),
    };
    match &d.detail {
        Some(more) => {
            let more = more.trim();
            let more = more
                .strip_prefix('(')
                .and_then(|m| m.strip_suffix(')'))
                .unwrap_or(more);
            format!("{code} · {more}")
        }
        None => code,
    }
}

/// A transport failure in words, without the request (whose URL may carry a code).
pub(crate) fn network_message(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "the connection failed"
    } else {
        "the request failed"
    };
    match e.url().and_then(|u| u.host_str()) {
        Some(host) => format!("{what} ({host})"),
        None => what.to_string(),
    }
}
