//! How a `graphmail mail` command's failures become its error: Graph's, and writing the output.

use std::io;

use crate::cli::CliError;
use crate::graph::GraphError;

pub(super) fn write_error(e: io::Error) -> CliError {
    CliError::failure("write_failed", format!("cannot write the output: {e}"))
}

/// Turns a Graph failure into the command's error (see `From<GraphError> for CliError`).
pub(super) fn graph_error(e: GraphError) -> CliError {
    e.into()
}
