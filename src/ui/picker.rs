//! The permission picker: checkboxes, a field for further permissions, and the live summary.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::picker::EXTRA_ROW;
use crate::app::wizard::WizardState;
use crate::domain::Grant;
use crate::domain::permissions::Preset;

use super::theme::Theme;
use super::widgets::{hanging, indented, input_line};

pub fn view(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme, focus_ok: bool) {
    let p = &w.picker;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(44), Constraint::Fill(1)]).areas(area);
    let width = usize::from(left.width);
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
        // The scopes under their preset, wrapped with the same indent: none is cut.
        let scopes = preset.scopes().join(", ");
        for part in indented(&scopes, 6, width) {
            lines.push(Line::styled(part, theme.muted()));
        }
    }
    let editing = focus_ok && p.cursor == EXTRA_ROW;
    let problem = w.visible_problem(crate::app::wizard::Field::Permissions);
    let under: Vec<Line> = match problem {
        Some(msg) => hanging(&format!("✗ {msg}"), 2, width)
            .into_iter()
            .map(|l| Line::styled(l, theme.error()))
            .collect(),
        // The typing hint, while it helps: the field is empty or being typed in.
        None if !p.extra.value().is_empty() && !editing => Vec::new(),
        None => indented("spaces or commas between scopes", 7, width)
            .into_iter()
            .map(|l| Line::styled(l, theme.muted()))
            .collect(),
    };
    let typed = p.extra.value();
    // Away from the field, scopes longer than it are shown whole, wrapped under its label.
    let whole: Vec<Line> = if !editing && typed.chars().count() + 8 > width {
        hanging(typed, 7, width)
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let lead = if i == 0 { "  More " } else { "" };
                Line::from(vec![Span::raw(lead), Span::styled(part, theme.input())])
            })
            .collect()
    } else {
        Vec::new()
    };
    let list_h = lines.len() as u16;
    // A blank row before the field when the rows allow it.
    let gap = u16::from(list_h + 1 + whole.len().max(1) as u16 + under.len() as u16 <= left.height);
    let [list, _, extra, extra_hint] = Layout::vertical([
        Constraint::Length(list_h),
        Constraint::Length(gap),
        Constraint::Length(whole.len().max(1) as u16),
        Constraint::Length(under.len() as u16),
    ])
    .areas(left);
    f.render_widget(Paragraph::new(lines), list);
    if whole.is_empty() {
        input_line(
            f,
            extra,
            theme,
            "More",
            7,
            &p.extra,
            editing,
            "e.g. Calendars.Read",
        );
    } else {
        f.render_widget(Paragraph::new(whole), extra);
    }
    f.render_widget(Paragraph::new(under), extra_hint);
    summary(w, f, right, theme);
}

/// The summary's lines wrapped to `width`, and for each the scope it is about (to keep the
/// scopes of the row under the cursor in sight).
fn summary_lines(
    w: &WizardState,
    width: usize,
    theme: &Theme,
) -> Vec<(Line<'static>, Option<String>)> {
    let sum = &w.picker.summary;
    let application = w.grant == Grant::ClientCredentials;
    let mut out: Vec<(Line<'static>, Option<String>)> = Vec::new();
    // Full scope URIs when they fit a line, else the short names under their resource.
    let longest = sum.scope_string.split(' ').map(str::len).max().unwrap_or(0);
    let resource = w.cloud().graph_resource();
    let requested = if longest <= width {
        out.push((Line::styled("Requested", theme.title()), None));
        sum.scope_string.clone()
    } else {
        out.push((
            Line::from(vec![
                Span::styled("Requested ", theme.title()),
                Span::styled(format!("on {resource}/"), theme.muted()),
            ]),
            None,
        ));
        sum.scope_string
            .split(' ')
            .map(|s| s.strip_prefix(&format!("{resource}/")).unwrap_or(s))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for part in hanging(&requested, 0, width) {
        out.push((Line::styled(part, theme.accent()), None));
    }
    out.push((Line::raw(""), None));
    out.push((
        Line::styled(
            if application {
                "Application permissions (the app itself)"
            } else {
                "Delegated (as the signed-in user)"
            },
            theme.title(),
        ),
        None,
    ));
    // Wide: name, consent and what it enables on one line (wrapped under the text); narrow:
    // name and consent, then the text indented below.
    let wide = width >= 60;
    for s in &sum.scopes {
        let (consent, style) = match s.admin_consent {
            Some(true) => ("admin", theme.warn()),
            Some(false) => ("user", theme.muted()),
            None => ("?", theme.warn()),
        };
        let enables = if s.known {
            s.enables.as_str()
        } else {
            "not known to graphmail"
        };
        let tag = Some(s.name.clone());
        if wide {
            for (i, part) in hanging(enables, 23, width).into_iter().enumerate() {
                let line = if i == 0 {
                    Line::from(vec![
                        Span::raw(format!("{:<17}", s.name)),
                        Span::styled(format!("{consent:<6}"), style),
                        Span::styled(part, theme.muted()),
                    ])
                } else {
                    Line::styled(part, theme.muted())
                };
                out.push((line, tag.clone()));
            }
        } else {
            for (i, part) in hanging(&s.name, 2, width.saturating_sub(7))
                .into_iter()
                .enumerate()
            {
                let mut spans = vec![Span::raw(part)];
                if i == 0 {
                    spans.push(Span::styled(format!("  {consent}"), style));
                }
                out.push((Line::from(spans), tag.clone()));
            }
            for part in indented(enables, 2, width) {
                out.push((Line::styled(part, theme.muted()), tag.clone()));
            }
        }
    }
    for warning in &sum.warnings {
        for part in hanging(&format!("⚠ {warning}"), 2, width) {
            out.push((Line::styled(part, theme.warn()), None));
        }
    }
    out
}

fn summary(w: &WizardState, f: &mut Frame, area: Rect, theme: &Theme) {
    let sum = &w.picker.summary;
    let block = Block::new()
        .borders(Borders::LEFT)
        .border_style(theme.muted());
    let inner = block.inner(area).inner(Margin::new(1, 0));
    f.render_widget(block, area);
    let width = usize::from(inner.width);
    let redirect: Vec<Line> = match &sum.redirect_uri {
        Some(uri) => {
            let mut l = vec![Line::styled(
                "Redirect URI to register in Azure",
                theme.title(),
            )];
            l.extend(
                hanging(uri, 0, width)
                    .into_iter()
                    .map(|p| Line::styled(p, theme.accent())),
            );
            l.extend(
                hanging("Authentication → Mobile and desktop applications", 0, width)
                    .into_iter()
                    .map(|p| Line::styled(p, theme.muted())),
            );
            l
        }
        None => Vec::new(),
    };
    let [top, bottom] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(redirect.len() as u16),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(redirect), bottom);
    let lines = summary_lines(w, width, theme);
    let height = usize::from(top.height);
    if lines.len() <= height {
        f.render_widget(
            Paragraph::new(lines.into_iter().map(|(l, _)| l).collect::<Vec<_>>()),
            top,
        );
        return;
    }
    // Too long for the rows: it follows the cursor (the focused preset's scopes, or the
    // typed ones), and says how much is above and below.
    let wanted: Vec<String> = match Preset::ALL.get(w.picker.cursor) {
        Some(preset) => preset.scopes().iter().map(|s| s.to_string()).collect(),
        None => w.picker.extra_scopes(),
    };
    let hit = |tag: &Option<String>| {
        tag.as_ref()
            .is_some_and(|t| wanted.iter().any(|s| s.eq_ignore_ascii_case(t)))
    };
    let first_hit = lines.iter().position(|(_, t)| hit(t)).unwrap_or(0);
    let last_hit = lines.iter().rposition(|(_, t)| hit(t)).unwrap_or(0);
    let body = height.saturating_sub(2).max(1);
    let mut start = 0;
    if last_hit + 1 > body {
        start = (last_hit + 1 - body).min(first_hit);
    }
    start = start.min(lines.len().saturating_sub(body));
    // Start on a permission's first line, not in the middle of its text.
    while start > 0
        && start < first_hit
        && lines[start].1.is_some()
        && lines[start].1 == lines[start - 1].1
    {
        start += 1;
    }
    let above = start;
    let below = lines.len().saturating_sub(start + body);
    let more = |n: usize, arrow: &str| {
        Line::styled(
            if n == 0 {
                String::new()
            } else {
                format!(
                    "{arrow} {n} more line{}: the summary follows the cursor",
                    if n == 1 { "" } else { "s" }
                )
            },
            theme.muted(),
        )
    };
    let mut shown = vec![more(above, "↑")];
    shown.extend(lines.into_iter().skip(start).take(body).map(|(l, _)| l));
    shown.push(more(below, "↓"));
    f.render_widget(Paragraph::new(shown), top);
}
