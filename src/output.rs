//! The one way out to the terminal: every line the command line prints passes here, and here it
//! passes the sanitiser, so an argument echoed back, a server's message or a file name can
//! never carry a control sequence to the terminal.
//!
//! Text goes through [`sanitize::text`] (lines and tabs kept, controls shown inert). JSON is
//! escaped by serde, which covers C0 controls only; this writer also writes DEL, C1 controls,
//! the line/paragraph separators and bidi controls as `\uXXXX`, which decodes to the same
//! string for every JSON reader.

use std::io::{self, Write};

use crate::domain::sanitize::{self, Layout};
use crate::error::UserError;

/// Prints `text` and a newline on stdout.
pub fn stdout(text: &str) {
    let _ = write_text(&mut io::stdout().lock(), text);
}

/// Prints `text` and a newline on stderr.
pub fn stderr(text: &str) {
    let _ = write_text(&mut io::stderr().lock(), text);
}

/// Prints one JSON value and a newline on stdout.
pub fn json(value: &serde_json::Value) {
    let _ = write_json(&mut io::stdout().lock(), value);
}

/// Prints a command's error: as JSON on stdout with `--json`, else as text on stderr.
pub fn error(err: &UserError, json_output: bool) {
    if json_output {
        json(&err.to_json());
    } else {
        stderr(&err.human());
    }
}

/// Writes `text`, sanitised, and a newline.
pub fn write_text(out: &mut impl Write, text: &str) -> io::Result<()> {
    writeln!(out, "{}", sanitize::text(text))
}

/// Writes `value` as one line of JSON in which no string holds a raw terminal control.
pub fn write_json(out: &mut impl Write, value: &serde_json::Value) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, InertJson);
    serde::Serialize::serialize(value, &mut ser).map_err(io::Error::from)?;
    writeln!(out)
}

/// serde_json's compact format, with the controls it leaves raw escaped as well.
struct InertJson;

impl serde_json::ser::Formatter for InertJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if sanitize::needs_rewrite(c, Layout::Text) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every character rewritten is in the Basic Multilingual Plane: one `\uXXXX`.
                write!(writer, "\\u{:04X}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests;
