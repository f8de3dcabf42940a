//! The permission picker: checkboxes, a field for further permissions, and the live summary.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::picker::EXTRA_ROW;
use crate::app::wizard::WizardState;
use crate::domain::Grant;
use crate::domain::permissions::Preset;

use super::theme::Theme;
use super::widgets::input_line;

pub fn view(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme, focus_ok: bool) {
    let p = &w.picker;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(44), Constraint::Fill(1)]).areas(area);
    let mut lines = Vec::new();
    for (i, preset) in Preset::ALL.iter().enumerate() {
        let on_row = focus_ok && p.cursor == i;
        let mark = if p.is_checked(*preset) { "[x]" } else { "[ ]" };
        let style = if on_row {
            theme.selected()
        } else {
            Default::default()
        };
        let disabled = w.grant == Grant::ClientCredentials && *preset == Preset::Offline;
        lines.push(Line::from(vec![
            Span::styled(if on_row { "▸" } else { " " }, theme.focus()),
            Span::styled(
                format!("{mark} {}", preset.label()),
                if disabled { theme.muted() } else { style },
            ),
        ]));
        lines.push(Line::styled(
            format!("      {}", preset.scopes().join(", ")),
            theme.muted(),
        ));
    }
    let list_h = lines.len() as u16;
    let [list, _, extra, extra_hint] = Layout::vertical([
        Constraint::Length(list_h),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(left.inner(Margin::new(0, 0)));
    f.render_widget(Paragraph::new(lines), list);
    input_line(
        f,
        extra,
        theme,
        "More",
        7,
        &p.extra,
        focus_ok && p.cursor == EXTRA_ROW,
        "e.g. Calendars.Read",
    );
    let problem = w.visible_problem(crate::app::wizard::Field::Permissions);
    match problem {
        Some(msg) => f.render_widget(Line::styled(format!("✗ {msg}"), theme.error()), extra_hint),
        None => f.render_widget(
            Line::styled("       spaces or commas between scopes", theme.muted()),
            extra_hint,
        ),
    }
    summary(w, f, right, theme);
}

fn summary(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme) {
    let sum = &w.picker.summary;
    let block = Block::new()
        .borders(Borders::LEFT)
        .border_style(theme.muted());
    let inner = block.inner(area).inner(Margin::new(1, 0));
    f.render_widget(block, area);
    let redirect_h = if sum.redirect_uri.is_some() { 3 } else { 0 };
    let [top, bottom] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(redirect_h)]).areas(inner);
    let application = w.grant == Grant::ClientCredentials;
    let width = top.width as usize;
    // Full scope URIs when they fit a line, else the short names under their resource.
    let longest = sum.scope_string.split(' ').map(str::len).max().unwrap_or(0);
    let resource = w.cloud().graph_resource();
    let mut lines = if longest <= width {
        vec![
            Line::styled("Requested", theme.title()),
            Line::styled(sum.scope_string.clone(), theme.accent()),
        ]
    } else {
        let short: Vec<&str> = sum
            .scope_string
            .split(' ')
            .map(|s| s.strip_prefix(&format!("{resource}/")).unwrap_or(s))
            .collect();
        vec![
            Line::from(vec![
                Span::styled("Requested ", theme.title()),
                Span::styled(format!("on {resource}/"), theme.muted()),
            ]),
            Line::styled(short.join(" "), theme.accent()),
        ]
    };
    lines.push(Line::raw(""));
    lines.extend([Line::styled(
        if application {
            "Application permissions (the app itself)"
        } else {
            "Delegated (as the signed-in user)"
        },
        theme.title(),
    )]);
    for s in &sum.scopes {
        let (consent, style) = match s.admin_consent {
            Some(true) => ("admin", theme.warn()),
            Some(false) => ("user ", theme.muted()),
            None => ("?    ", theme.warn()),
        };
        let enables = if s.known {
            s.enables.as_str()
        } else {
            "not known to graphmail"
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<17}", s.name)),
            Span::styled(format!("{consent} "), style),
            Span::styled(truncate(enables, width.saturating_sub(23)), theme.muted()),
        ]));
    }
    for warning in &sum.warnings {
        lines.push(Line::styled(format!("⚠ {warning}"), theme.warn()));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    if let Some(uri) = &sum.redirect_uri {
        f.render_widget(
            Paragraph::new(vec![
                Line::styled("Redirect URI to register in Azure", theme.title()),
                Line::styled(uri.clone(), theme.accent()),
                Line::styled(
                    "Authentication → Mobile and desktop applications",
                    theme.muted(),
                ),
            ]),
            bottom,
        );
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut t: String = text.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}
