//! Printing helpers shared by the commands.

/// Prints one JSON value on stdout, followed by a newline, through the sanitising writer.
pub fn print_json(value: &serde_json::Value) {
    crate::output::json(value);
}
