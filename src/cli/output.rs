//! Printing helpers shared by the commands.

use std::io::Write;

/// Prints one JSON value on stdout, followed by a newline.
pub fn print_json(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, value);
    let _ = writeln!(out);
}
