//! The guide as plain lines, and the wrapping that keeps its words whole.

use super::Guide;

/// Wraps `line` at spaces, continuation lines indented under its text; a word longer than
/// the width is never cut.
pub fn wrap_line(line: &str, width: usize) -> Vec<String> {
    let indent = line.len() - line.trim_start().len();
    let hang = line
        .trim_start()
        .find(". ")
        .filter(|&i| i <= 3 && line.trim_start()[..i].chars().all(|c| c.is_ascii_digit()))
        .map_or(indent, |i| indent + i + 2)
        + usize::from(line.trim_start().starts_with("- "));
    let mut out = Vec::new();
    let mut cur = " ".repeat(indent);
    let mut empty = true;
    for word in line.split_whitespace() {
        if !empty && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::replace(&mut cur, " ".repeat(hang)));
            empty = true;
        }
        if !empty {
            cur.push(' ');
        }
        cur.push_str(word);
        empty = false;
    }
    out.push(cur);
    out
}

impl Guide {
    /// The guide as plain lines (not wrapped): the numbered steps, the Azure CLI commands, the
    /// admin-consent URL and the warnings. The CLI prints them; the terminal app shows them.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            format!(
                "App registration for connector {} ({}, {} cloud)",
                self.connector,
                self.grant.label(),
                self.cloud
            ),
            String::new(),
        ];
        for (i, step) in self.steps.iter().enumerate() {
            out.push(format!("{}. {}", i + 1, step.title));
            out.extend(step.lines.iter().map(|l| format!("   {l}")));
            out.push(String::new());
        }
        out.push("With the Azure CLI instead (az login first):".into());
        for cmd in &self.az_commands {
            out.extend(cmd.lines().map(|l| format!("   {l}")));
        }
        out.push(String::new());
        out.push(if self.admin_consent_required {
            "Admin-consent URL (for a tenant admin, in any browser):".into()
        } else {
            "Admin-consent URL (optional: consents for the whole tenant at once):".into()
        });
        out.push(format!("   {}", self.admin_consent_url));
        if !self.warnings.is_empty() {
            out.push(String::new());
            out.push("Keep in mind:".into());
            out.extend(self.warnings.iter().map(|w| format!(" - {w}")));
        }
        out
    }
}
