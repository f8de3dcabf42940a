//! Writing a mail: the address fields, the subject, the editor and the attachment list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::Model;
use crate::app::compose::{ComposeField, ComposeState};
use crate::app::keymap::{Action, Context};
use crate::domain::mail::ComposeKind;
use crate::domain::sanitize;

use super::theme::Theme;
use super::widgets::{input_line, spinner};

pub fn view(model: &Model, s: &ComposeState, f: &mut Frame, area: Rect, theme: &Theme) {
    let mut title = format!(" {} ", s.title());
    if s.sending.is_some() {
        title = format!(" {} — sending {} ", s.title(), spinner(model.shared.frame));
    }
    let outer = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.muted())
        .title(Line::styled(title, theme.title()));
    let inner = outer.inner(area).inner(Margin::new(1, 0));
    f.render_widget(outer, area);
    let attach_h = if s.kind == ComposeKind::New {
        ((s.attachments.len() + s.checking.len()) as u16 + 1).min(4)
    } else {
        0
    };
    let [to, cc, bcc, subject, note, body, attach] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(attach_h),
    ])
    .areas(inner);
    let fields = [
        (to, "To", &s.to, ComposeField::To, "name@domain, …"),
        (cc, "Cc", &s.cc, ComposeField::Cc, ""),
        (bcc, "Bcc", &s.bcc, ComposeField::Bcc, ""),
        (subject, "Subject", &s.subject, ComposeField::Subject, ""),
    ];
    for (r, label, field, which, placeholder) in fields {
        if s.editable(which) {
            input_line(f, r, theme, label, 10, field, s.focus == which, placeholder);
        } else {
            let value = if field.is_empty() {
                "—".to_string()
            } else {
                field.value().to_string()
            };
            f.render_widget(
                Line::from(vec![
                    Span::styled(format!("  {label:<8}"), theme.muted()),
                    Span::styled(value, theme.muted()),
                ]),
                r,
            );
        }
    }
    let keymap = &model.shared.keymap;
    let note_line = match (&s.problem, &s.kind) {
        (Some(p), _) => Line::styled(p.clone(), theme.error()),
        (None, ComposeKind::New) => Line::styled(
            format!(
                "{} sends after asking; {} moves between fields.",
                keymap.key_name(Context::Compose, Action::Send),
                keymap.key_name(Context::Compose, Action::NextField)
            ),
            theme.muted(),
        ),
        (None, ComposeKind::Forward { .. }) => Line::styled(
            "Write the recipients in To; Graph adds the original below your text.",
            theme.muted(),
        ),
        (None, ComposeKind::Reply { .. }) => Line::styled(
            "Graph sends it to the people above and quotes the original below your text.",
            theme.muted(),
        ),
    };
    f.render_widget(Paragraph::new(note_line).wrap(Wrap { trim: true }), note);
    let editor_style = if s.focus == ComposeField::Body {
        theme.focus()
    } else {
        theme.muted()
    };
    let mut editor = s.body.clone();
    editor.set_block(
        Block::bordered()
            .border_type(BorderType::Plain)
            .border_style(editor_style),
    );
    if s.focus != ComposeField::Body {
        editor.set_cursor_style(ratatui::style::Style::new());
    }
    f.render_widget(&editor, body);
    if attach_h > 0 {
        attachment_rows(s, f, attach, attach_h as usize, theme);
    }
}

/// `1.2 MB`, `48 KB`, `12 B`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1_000_000.0),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} B"),
    }
}

/// The chosen files (the one picked with Up/Down highlighted), the ones being checked, and the
/// path field last.
fn attachment_rows(s: &ComposeState, f: &mut Frame, area: Rect, height: usize, theme: &Theme) {
    let rows = Layout::vertical(vec![Constraint::Length(1); height]).split(area);
    let mut lines: Vec<Line> = s
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let chosen = s.attach_sel == Some(i) && s.focus == ComposeField::Attachments;
            let marker = if chosen { "  ▸ " } else { "  + " };
            let path = Span::raw(sanitize::line(&a.path).into_owned());
            Line::from(vec![
                Span::styled(marker, theme.key()),
                if chosen {
                    path.style(theme.focus())
                } else {
                    path
                },
                Span::styled(format!("  {}", size(a.size)), theme.muted()),
            ])
        })
        .collect();
    lines.extend(s.checking.iter().map(|(_, p)| {
        Line::styled(
            format!("  … {} (checking)", sanitize::line(p)),
            theme.muted(),
        )
    }));
    let shown = height - 1;
    // Keep the chosen file in view; otherwise show the last ones.
    let end = match s.attach_sel {
        Some(i) => (i + 1).max(shown.min(lines.len())),
        None => lines.len(),
    };
    let start = end.saturating_sub(shown);
    for (row, line) in rows.iter().zip(lines.drain(start..end.min(lines.len()))) {
        f.render_widget(line, *row);
    }
    let hint = if s.attachments.is_empty() {
        "a file path; Enter adds it"
    } else {
        "a file path; Enter adds it; ↑ chooses a file, Delete removes it"
    };
    input_line(
        f,
        rows[height - 1],
        theme,
        "Attach",
        10,
        &s.attach_field,
        s.focus == ComposeField::Attachments && s.attach_sel.is_none(),
        hint,
    );
}
