//! Writing a mail: the address fields, the subject, the editor and the attachment list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::Model;
use crate::app::compose::{ComposeField, ComposeState};
use crate::app::mailbox_data::ComposeKind;

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
        (s.attachments.len() as u16 + 1).min(4)
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
    let note_line = match (&s.problem, &s.kind) {
        (Some(p), _) => Line::styled(p.clone(), theme.error()),
        (None, ComposeKind::New) => Line::styled(
            "Ctrl+S sends after asking; Tab moves between fields.",
            theme.muted(),
        ),
        (None, _) => Line::styled(
            "Graph addresses it and quotes the original below your text.",
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
        let rows = Layout::vertical(vec![Constraint::Length(1); attach_h as usize]).split(attach);
        let shown = s.attachments.len().min(attach_h as usize - 1);
        for (i, path) in s.attachments.iter().rev().take(shown).rev().enumerate() {
            f.render_widget(
                Line::from(vec![
                    Span::styled("  + ", theme.key()),
                    Span::raw(path.clone()),
                ]),
                rows[i],
            );
        }
        input_line(
            f,
            rows[attach_h as usize - 1],
            theme,
            "Attach",
            10,
            &s.attach_field,
            s.focus == ComposeField::Attachments,
            "a file path, Enter adds it; Backspace removes the last",
        );
    }
}
