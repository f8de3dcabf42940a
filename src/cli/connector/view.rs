//! How connectors and permission summaries are shown: JSON objects and tidy terminal tables.

use std::io::IsTerminal;

use crossterm::style::Stylize;
use serde_json::{Value, json};

use crate::domain::summary::{PermissionSummary, ScopeOrigin};
use crate::domain::{Cloud, Grant};
use crate::vault::ConnectorEntry;

/// Whether a secret is stored, as shown to people.
fn set(present: bool) -> &'static str {
    if present { "set" } else { "not set" }
}

fn signed_in(entry: &ConnectorEntry) -> bool {
    entry
        .tokens
        .as_ref()
        .is_some_and(|t| t.refresh_token.is_some() || t.access_token.is_some())
}

fn has_secret(entry: &ConnectorEntry) -> bool {
    entry.secrets.client_secret.is_some() || entry.secrets.password.is_some()
}

/// One connector for `list --json`: facts only, secrets as booleans.
pub fn connector_json(entry: &ConnectorEntry) -> Value {
    let c = &entry.connector;
    let summary = c.permission_summary();
    let mut v = json!({
        "name": c.name,
        "cloud": c.cloud.as_str(),
        "tenant": c.tenant,
        "client_id": c.client_id,
        "grant": c.grant,
        "scopes": summary.names(),
        "request": summary.request,
        "permissions": c.presets,
        "extra_scopes": c.extra_scopes,
        "mailbox": c.mailbox,
        "redirect_port": c.redirect_port,
        "redirect_uri": summary.redirect_uri,
        "has_secret": has_secret(entry),
        "has_client_secret": entry.secrets.client_secret.is_some(),
        "has_username": entry.secrets.username.is_some(),
        "has_password": entry.secrets.password.is_some(),
        "signed_in": signed_in(entry),
    });
    if let Cloud::Custom {
        login_url,
        graph_url,
    } = &c.cloud
    {
        v["login_url"] = json!(login_url);
        v["graph_url"] = json!(graph_url);
    }
    v
}

/// One connector for `show --json`: the listing fields plus the permission summary.
pub fn connector_detail_json(entry: &ConnectorEntry) -> Value {
    let mut v = connector_json(entry);
    v["summary"] = json!(entry.connector.permission_summary());
    v
}

/// Terminal facts that decide how human output looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Where prose wraps: `COLUMNS`, else the terminal's width, else 80.
    pub width: usize,
    /// What tables fit: the same on a terminal or with `COLUMNS`; no limit on a pipe or in a
    /// file, so no cell is cut.
    pub table_width: usize,
    pub color: bool,
}

impl Style {
    /// Colour on a terminal, unless `NO_COLOR` or the config file's theme says otherwise.
    pub fn detect(config: &crate::config::Config) -> Style {
        let tty = std::io::stdout().is_terminal();
        let table_width = crate::cli::mail::output::terminal_width().max(40);
        Style {
            // Prose wraps for reading even in a file; tables are cut only to fit a terminal.
            width: if tty {
                table_width
            } else {
                table_width.min(80)
            },
            table_width,
            color: tty && !config.no_color(),
        }
    }

    fn heading(&self, text: &str) -> String {
        if self.color {
            text.bold().to_string()
        } else {
            text.to_string()
        }
    }

    fn warn(&self, text: &str) -> String {
        if self.color {
            text.yellow().to_string()
        } else {
            text.to_string()
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn truncate(s: &str, width: usize) -> String {
    if chars(s) <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A table whose columns share the terminal width; the last column wraps, others are cut. On a
/// pipe or in a file (no `COLUMNS`) the width has no limit, so every cell is written whole.
pub fn table(style: &Style, headers: &[&str], rows: &[Vec<String>]) -> String {
    let n = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| chars(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(chars(cell));
        }
    }
    let gap = 2;
    // Shrink the widest leading columns until the last one has room for at least 16 characters.
    while fixed_width(&widths, gap) + 16.min(widths[n - 1]) > style.table_width {
        let widest = widths[..n - 1]
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(_, w)| w);
        let Some((i, w)) = widest.filter(|&(_, w)| w > 8) else {
            break;
        };
        widths[i] = w - 1;
    }
    let last_width = style
        .table_width
        .saturating_sub(fixed_width(&widths, gap))
        .max(16);
    let mut out = String::new();
    let mut line = |cells: Vec<String>, head: bool| {
        let mut first = String::new();
        for (i, cell) in cells.iter().enumerate().take(n - 1) {
            let cut = truncate(cell, widths[i]);
            first.push_str(&format!("{cut:<w$}{:gap$}", "", w = widths[i]));
        }
        let indent = " ".repeat(chars(&first));
        let wrapped = wrap(&cells[n - 1], last_width);
        for (j, part) in wrapped.iter().enumerate() {
            let text = if j == 0 {
                format!("{first}{part}")
            } else {
                format!("{indent}{part}")
            };
            let text = text.trim_end().to_string();
            out.push_str(&if head { style.heading(&text) } else { text });
            out.push('\n');
        }
    };
    line(headers.iter().map(|h| h.to_string()).collect(), true);
    for row in rows {
        line(row.clone(), false);
    }
    out
}

fn fixed_width(widths: &[usize], gap: usize) -> usize {
    widths[..widths.len() - 1].iter().sum::<usize>() + gap * (widths.len() - 1)
}

/// Wraps text at spaces to `width` characters (long words are cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let word = truncate(word, width);
        if !cur.is_empty() && chars(&cur) + 1 + chars(&word) > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    lines.push(cur);
    lines
}

/// Label/value lines with aligned values that wrap under themselves.
fn pairs(style: &Style, items: &[(&str, String)]) -> String {
    let label_w = items.iter().map(|(l, _)| chars(l)).max().unwrap_or(0);
    let value_w = style.width.saturating_sub(label_w + 2).max(20);
    let mut out = String::new();
    for (label, value) in items {
        for (i, part) in wrap(value, value_w).iter().enumerate() {
            let l = if i == 0 { *label } else { "" };
            out.push_str(&format!(
                "{:<label_w$}  {part}",
                style.heading_pad(l, label_w)
            ));
            out.push('\n');
        }
    }
    out
}

impl Style {
    fn heading_pad(&self, label: &str, width: usize) -> String {
        let padded = format!("{label:<width$}");
        self.heading(&padded)
    }
}

/// A column of `connector list`, by the name `--columns` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConnectorColumn {
    Name,
    Grant,
    Cloud,
    /// Whether tokens are stored
    SignedIn,
    Tenant,
    /// The target mailbox (app-only connectors), else `-`
    Mailbox,
    ClientId,
}

impl ConnectorColumn {
    /// The columns shown without `--columns`.
    pub const DEFAULTS: [ConnectorColumn; 6] = [
        ConnectorColumn::Name,
        ConnectorColumn::Grant,
        ConnectorColumn::Cloud,
        ConnectorColumn::SignedIn,
        ConnectorColumn::Tenant,
        ConnectorColumn::Mailbox,
    ];

    fn header(self) -> &'static str {
        match self {
            ConnectorColumn::Name => "NAME",
            ConnectorColumn::Grant => "GRANT",
            ConnectorColumn::Cloud => "CLOUD",
            ConnectorColumn::SignedIn => "SIGNED IN",
            ConnectorColumn::Tenant => "TENANT",
            ConnectorColumn::Mailbox => "MAILBOX",
            ConnectorColumn::ClientId => "CLIENT ID",
        }
    }

    fn cell(self, e: &ConnectorEntry) -> String {
        let c = &e.connector;
        match self {
            ConnectorColumn::Name => c.name.clone(),
            ConnectorColumn::Grant => c.grant.as_str().to_string(),
            ConnectorColumn::Cloud => c.cloud.as_str().to_string(),
            ConnectorColumn::SignedIn => if signed_in(e) { "yes" } else { "no" }.to_string(),
            ConnectorColumn::Tenant => c.tenant.clone(),
            ConnectorColumn::Mailbox => c.mailbox.clone().unwrap_or_else(|| "-".into()),
            ConnectorColumn::ClientId => c.client_id.clone(),
        }
    }
}

/// The connector table of `connector list`, with `columns` in their order (each once).
pub fn list_human(
    style: &Style,
    entries: &[ConnectorEntry],
    columns: &[ConnectorColumn],
) -> String {
    if entries.is_empty() {
        return "No connectors yet. Add one with `graphmail connector add NAME --tenant T --client-id C --grant auth-code`.\n".to_string();
    }
    let mut chosen: Vec<ConnectorColumn> = Vec::new();
    for c in columns {
        if !chosen.contains(c) {
            chosen.push(*c);
        }
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| chosen.iter().map(|c| c.cell(e)).collect())
        .collect();
    let headers: Vec<&str> = chosen.iter().map(|c| c.header()).collect();
    table(style, &headers, &rows)
}

/// `connector show`: the connector, its secrets as set / not set, then the permission summary.
pub fn show_human(style: &Style, entry: &ConnectorEntry) -> String {
    let c = &entry.connector;
    let mut items = vec![
        ("Name", c.name.clone()),
        ("Cloud", cloud_line(&c.cloud)),
        ("Tenant", c.tenant.clone()),
        ("Client ID", c.client_id.clone()),
        ("Grant", c.grant.label().to_string()),
        ("Mailbox", c.mailbox.clone().unwrap_or_else(|| "-".into())),
        (
            "Client secret",
            set(entry.secrets.client_secret.is_some()).into(),
        ),
    ];
    if c.grant == Grant::Ropc || entry.secrets.username.is_some() {
        items.push(("Username", set(entry.secrets.username.is_some()).into()));
        items.push(("Password", set(entry.secrets.password.is_some()).into()));
    }
    items.push((
        "Signed in",
        if signed_in(entry) { "yes" } else { "no" }.into(),
    ));
    let mut out = pairs(style, &items);
    out.push('\n');
    out.push_str(&summary_human(style, &c.permission_summary()));
    out
}

fn cloud_line(cloud: &Cloud) -> String {
    match cloud {
        Cloud::Custom {
            login_url,
            graph_url,
        } => format!("custom (login {login_url}, Graph {graph_url})"),
        other => format!(
            "{} (login {}, Graph {})",
            other.as_str(),
            other.login_host(),
            other.graph_host()
        ),
    }
}

fn origin(o: ScopeOrigin) -> String {
    match o {
        ScopeOrigin::Preset(p) => p.as_str().to_string(),
        ScopeOrigin::Additional => "scopes".into(),
        ScopeOrigin::Automatic => "always".into(),
    }
}

/// The permission summary: scope string, one row per permission, warnings, redirect URI.
pub fn summary_human(style: &Style, s: &PermissionSummary) -> String {
    let mut out = pairs(
        style,
        &[
            ("Grant", s.grant.label().to_string()),
            ("Request scope", s.scope_string.clone()),
        ],
    );
    out.push('\n');
    let rows: Vec<Vec<String>> = s
        .scopes
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                l.kind.as_str().to_string(),
                match l.admin_consent {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "?",
                }
                .to_string(),
                origin(l.origin),
                if l.known {
                    l.enables.clone()
                } else {
                    "(not in graphmail's catalog)".to_string()
                },
            ]
        })
        .collect();
    out.push_str(&table(
        style,
        &[
            "PERMISSION",
            "TYPE",
            "ADMIN CONSENT",
            "FROM",
            "ENABLES IN GRAPHMAIL",
        ],
        &rows,
    ));
    if !s.grant_in_portal.is_empty() {
        out.push('\n');
        let kind = if s.grant == Grant::ClientCredentials {
            "Application permissions to grant in the Azure portal (with admin consent)"
        } else {
            "Needs admin consent in the Azure portal"
        };
        out.push_str(&style.heading(kind));
        out.push_str(&format!(": {}\n", s.grant_in_portal.join(", ")));
    }
    if !s.warnings.is_empty() {
        out.push('\n');
        out.push_str(&style.heading("Warnings"));
        out.push('\n');
        for w in &s.warnings {
            for (i, part) in wrap(w, style.width.saturating_sub(4)).iter().enumerate() {
                let bullet = if i == 0 { "  ! " } else { "    " };
                out.push_str(&style.warn(&format!("{bullet}{part}")));
                out.push('\n');
            }
        }
    }
    if let Some(uri) = &s.redirect_uri {
        out.push('\n');
        out.push_str(&style.heading("Redirect URI to register"));
        out.push_str(&format!(": {uri}\n"));
        out.push_str(
            "  (Azure portal: the app's Authentication page, platform Mobile and desktop applications)\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(width: usize) -> Style {
        Style {
            width,
            table_width: width,
            color: false,
        }
    }

    #[test]
    fn table_lines_fit_the_width_and_wrap_the_last_column() {
        let rows = vec![vec![
            "a-very-long-connector-name-indeed".to_string(),
            "x".repeat(30),
            "words ".repeat(30),
        ]];
        let out = table(&plain(60), &["NAME", "TENANT", "NOTES"], &rows);
        for line in out.lines() {
            assert!(line.chars().count() <= 60, "too wide: {line:?}");
        }
        assert!(out.lines().count() > 3, "the last column wraps:\n{out}");
        assert!(out.contains('…'), "a long cell is cut:\n{out}");
    }

    #[test]
    fn plain_style_prints_no_escape_codes() {
        let out = table(&plain(80), &["A", "B"], &[vec!["1".into(), "2".into()]]);
        assert!(!out.contains('\u{1b}'));
        assert!(out.starts_with("A  B\n1  2\n"), "{out:?}");
    }
}
