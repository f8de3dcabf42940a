//! Commands about graphmail itself: shell completions and the manual page.

use std::io::{self, Write};

use clap::CommandFactory;

use super::{Cli, CliError, CliResult};

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> CliResult {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "graphmail", &mut out);
    write_stdout(&out)
}

/// Prints the manual page (roff) on stdout.
pub fn man() -> CliResult {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| CliError::failure("io", format!("cannot render the manual page: {e}")))?;
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> CliResult {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        // `graphmail man | head` closes the pipe early; that is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::failure(
            "write_failed",
            format!("cannot write to standard output: {e}"),
        )
        .with_fix("check where the output goes (a full disk or a closed pipe)")),
    }
}
