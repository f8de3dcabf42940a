//! What can go wrong talking to Graph, in words a sysadmin can act on.

use std::time::Duration;

use serde::Deserialize;

use super::client::TokenError;
use crate::domain::sanitize;
use crate::error::{Exit, SIGN_IN_AGAIN_IN_APP, UserError};

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// No usable access token: the connector needs signing in, or the refresh failed.
    #[error("{0}")]
    Token(#[from] TokenError),
    /// Graph answered with an error envelope. `message` is already sanitised.
    #[error("Graph answered {status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// Still throttled or unavailable after the retry budget.
    #[error(
        "Graph kept answering {status} ({}); gave up after {attempts} attempts and {:.1} s of waiting",
        status_meaning(*status),
        waited.as_secs_f64()
    )]
    GaveUp {
        status: u16,
        attempts: u32,
        waited: Duration,
    },
    /// The request could not be completed and was not (or could not safely be) repeated.
    #[error("could not reach Graph: {0}")]
    Transport(String),
    /// A call that sends mail failed after it went out: Graph may have sent it.
    #[error(
        "the {action} request failed after it reached Graph ({detail}), so the message may have been sent"
    )]
    MaybeSent {
        action: &'static str,
        detail: String,
    },
    /// A call that changes the mailbox failed after it went out: it may have taken effect.
    #[error(
        "the {action} request failed after it reached Graph ({detail}), so it may have taken effect"
    )]
    MaybeApplied {
        action: &'static str,
        detail: String,
    },
    /// Graph's reply did not have the expected shape.
    #[error("Graph sent a reply graphmail cannot read: {0}")]
    Decode(String),
    /// A `@odata.nextLink` that leads away from this Graph service; the token is not sent there.
    #[error("the next-page link leads to {0}, not to this Graph service, so paging stopped")]
    ForeignLink(String),
    /// A next-page link that repeats a page already read, or pages that stop advancing.
    #[error("paging stopped: {0}")]
    PagingLoop(String),
    /// No folder by that name, an empty recipient list, an unusable mailbox setting…
    #[error("{0}")]
    Invalid(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// What an HTTP status Graph gives up on means: 429 throttled, a 5xx unavailable.
pub fn status_meaning(status: u16) -> &'static str {
    match status {
        429 => "throttled: too many requests",
        500..=599 => "unavailable: a server error",
        _ => "an error",
    }
}

impl GraphError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Api { status, .. } | GraphError::GaveUp { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Graph error code (`ErrorItemNotFound`, `ErrorAccessDenied`, …), when there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            GraphError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The same error again, for each of several items one failed request stood for (an I/O
    /// error is kept as its text).
    pub(crate) fn duplicate(&self) -> GraphError {
        match self {
            GraphError::Token(t) => GraphError::Token(t.clone()),
            GraphError::Api {
                status,
                code,
                message,
            } => GraphError::Api {
                status: *status,
                code: code.clone(),
                message: message.clone(),
            },
            GraphError::GaveUp {
                status,
                attempts,
                waited,
            } => GraphError::GaveUp {
                status: *status,
                attempts: *attempts,
                waited: *waited,
            },
            GraphError::Transport(s) => GraphError::Transport(s.clone()),
            GraphError::MaybeSent { action, detail } => GraphError::MaybeSent {
                action,
                detail: detail.clone(),
            },
            GraphError::MaybeApplied { action, detail } => GraphError::MaybeApplied {
                action,
                detail: detail.clone(),
            },
            GraphError::Decode(s) => GraphError::Decode(s.clone()),
            GraphError::ForeignLink(s) => GraphError::ForeignLink(s.clone()),
            GraphError::PagingLoop(s) => GraphError::PagingLoop(s.clone()),
            GraphError::Invalid(s) => GraphError::Invalid(s.clone()),
            GraphError::Io { context, source } => {
                GraphError::Transport(format!("{context}: {source}"))
            }
        }
    }

    /// True when the outcome of a send is unknown and the user must look in Sent Items.
    pub fn may_have_sent(&self) -> bool {
        matches!(self, GraphError::MaybeSent { .. })
    }

    /// What the user can do about it, in one sentence.
    pub fn fix(&self) -> Option<String> {
        let fix = match self {
            GraphError::Token(e) if e.needs_sign_in => {
                "sign the connector in again with `graphmail connector login NAME`"
            }
            GraphError::Token(TokenError { fix: Some(f), .. }) => return Some(f.clone()),
            GraphError::MaybeSent { .. } => {
                "check Sent Items before sending again, so the recipients do not get it twice"
            }
            GraphError::MaybeApplied { .. } => {
                "list the folder to see whether it happened before trying again"
            }
            GraphError::GaveUp { status: 429, .. } => {
                "Graph is throttling this mailbox: wait a few minutes, or list fewer messages at a time"
            }
            GraphError::GaveUp { .. } => {
                "Graph is unavailable for now: wait a few minutes and try again (https://status.cloud.microsoft shows outages)"
            }
            GraphError::PagingLoop(_) => {
                "the service's paging is broken; list with --top N instead of --all, and report the link to the service's owner"
            }
            GraphError::Transport(_) => "check the network and the connector's Graph URL",
            GraphError::Api { status: 401, .. } => {
                "sign the connector in again with `graphmail connector login NAME`"
            }
            GraphError::Api { status: 403, .. } => {
                "grant the connector the mail permission this needs (and admin consent for app-only connectors)"
            }
            GraphError::Api { status: 404, .. } => {
                "the item may have been moved or deleted; list the folder again for its current id"
            }
            _ => return None,
        };
        Some(fix.to_string())
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        GraphError::Io {
            context: context.into(),
            source,
        }
    }

    /// Builds the error for a non-success reply from its body (the Graph error envelope).
    pub(crate) fn from_reply(status: u16, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Envelope {
            error: Inner,
        }
        #[derive(Deserialize)]
        struct Inner {
            #[serde(default)]
            code: String,
            #[serde(default)]
            message: String,
        }
        let (code, message) = match serde_json::from_slice::<Envelope>(body) {
            Ok(env) => (env.error.code, env.error.message),
            Err(_) => (
                String::from("unknown"),
                String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
            ),
        };
        GraphError::Api {
            status,
            code: sanitize::line(&code).into_owned(),
            message: sanitize::line(&message).into_owned(),
        }
    }
}

/// The error code of an id Graph cannot read (the command line names the id in the message).
pub const INVALID_ID: &str = "invalid_id";

/// A Graph failure as the user sees it: a sentence, the fix (the `NAME` placeholder left for the
/// caller), a stable code; exit 4 when a person must sign in again.
impl From<GraphError> for UserError {
    fn from(e: GraphError) -> Self {
        if e.code() == Some("ErrorInvalidIdMalformed") {
            return UserError::new(
                Exit::Usage,
                INVALID_ID,
                "that is not a message id: Graph cannot read it (ErrorInvalidIdMalformed)",
            )
            .with_fix(
                "use the id from `graphmail mail list` (the ID column, or \"id\" with --json), whole and unchanged",
            );
        }
        let (exit, code) = match &e {
            GraphError::Token(t) if t.needs_sign_in => (Exit::SignIn, "sign_in_needed"),
            GraphError::Token(_) => (Exit::Failure, "token_failed"),
            GraphError::Api { status: 401, .. } => (Exit::SignIn, "sign_in_needed"),
            GraphError::Api { status: 403, .. } => (Exit::Failure, "access_denied"),
            GraphError::Api { status: 404, .. } => (Exit::Failure, "not_found"),
            GraphError::Api { .. } => (Exit::Failure, "graph_error"),
            GraphError::GaveUp { status: 429, .. } => (Exit::Failure, "throttled"),
            GraphError::GaveUp { .. } => (Exit::Failure, "unavailable"),
            GraphError::PagingLoop(_) => (Exit::Failure, "paging_loop"),
            GraphError::Transport(_) => (Exit::Failure, "network"),
            GraphError::MaybeSent { .. } => (Exit::Failure, "maybe_sent"),
            GraphError::MaybeApplied { .. } => (Exit::Failure, "maybe_applied"),
            GraphError::Decode(_) | GraphError::ForeignLink(_) => (Exit::Failure, "bad_reply"),
            GraphError::Invalid(_) => (Exit::Failure, "invalid"),
            GraphError::Io { .. } => (Exit::Failure, "io"),
        };
        let mut message = e.to_string();
        if e.may_have_sent() {
            message.push_str("; check Sent Items");
        }
        let mut out = UserError::new(exit, code, sanitize::line(&message).into_owned())
            .with_optional_fix(e.fix());
        if exit == Exit::SignIn {
            out = out.with_app_fix(SIGN_IN_AGAIN_IN_APP);
        }
        match e.code() {
            Some(c) => out.with_detail(format!("Graph error code: {c}")),
            None => out,
        }
    }
}

/// The text of a reqwest error with its causes, without anything secret (reqwest never puts
/// headers in its errors; the URL holds at most a mailbox address and item ids).
pub(crate) fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        format!(
            "no complete reply within {} s",
            crate::http::REQUEST_TIMEOUT.as_secs()
        )
    } else {
        err.to_string()
    };
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    sanitize::line(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_envelope_gives_code_and_a_sanitised_message() {
        let body = br#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store.\u001b[2J","innerError":{"date":"2023-02-20T05:06:48"}}}"#;
        let e = GraphError::from_reply(404, body);
        assert_eq!(e.code(), Some("ErrorItemNotFound"));
        assert!(!e.to_string().contains('\x1b'));
        assert!(e.fix().unwrap().contains("moved or deleted"));
    }

    #[test]
    fn a_body_that_is_not_an_envelope_still_makes_a_readable_error() {
        let e = GraphError::from_reply(502, b"<html>Bad gateway</html>");
        assert_eq!(e.status(), Some(502));
        assert!(e.to_string().contains("Bad gateway"));
    }
}
