//! How a `graphmail mail` command's failures become its error: Graph's, and writing the output.

use std::io;

use crate::cli::{CliError, Exit};
use crate::domain::sanitize;
use crate::graph::GraphError;

/// The error code of an id Graph cannot read; the message then names the id.
pub(super) const INVALID_ID: &str = "invalid_id";

pub(super) fn write_error(e: io::Error) -> CliError {
    CliError::failure("write_failed", format!("cannot write the output: {e}"))
}

/// Turns a Graph failure into the command's error: a sentence, the fix, a stable code.
pub(super) fn graph_error(e: GraphError) -> CliError {
    if e.code() == Some("ErrorInvalidIdMalformed") {
        return CliError::new(
            Exit::Usage,
            INVALID_ID,
            "that is not a message id: Graph cannot read it (ErrorInvalidIdMalformed)",
        )
        .with_fix(
            "use the id from `graphmail mail list` (the ID column, or \"id\" with --json), whole and unchanged",
        );
    }
    let fix = e.fix();
    let (exit, code) = match &e {
        GraphError::Token(t) if t.needs_sign_in => (Exit::SignIn, "sign_in_needed"),
        GraphError::Token(_) => (Exit::Failure, "token_failed"),
        GraphError::Api { status: 401, .. } => (Exit::SignIn, "sign_in_needed"),
        GraphError::Api { status: 403, .. } => (Exit::Failure, "access_denied"),
        GraphError::Api { status: 404, .. } => (Exit::Failure, "not_found"),
        GraphError::Api { .. } => (Exit::Failure, "graph_error"),
        GraphError::GaveUp { .. } => (Exit::Failure, "throttled"),
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
    let err = CliError::new(exit, code, sanitize::line(&message).into_owned());
    match fix {
        Some(f) => err.with_fix(f),
        None => err,
    }
}
