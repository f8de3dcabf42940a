//! The hint line, generated from the keymap for the contexts in force.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::keymap::Binding;
use crate::app::{Model, action_available, key_contexts};

use super::theme::Theme;
use super::widgets::spinner;

/// Bindings flagged for the footer, most specific context first, each action once.
pub fn hints(model: &Model) -> Vec<&Binding> {
    let mut out: Vec<&Binding> = Vec::new();
    for ctx in key_contexts(model) {
        for b in model.shared.keymap.bindings(ctx) {
            if b.hint.is_some()
                && action_available(model, b.action)
                && !out.iter().any(|o| o.action == b.action)
            {
                out.push(b);
            }
        }
    }
    out
}

pub fn view(model: &Model, f: &mut Frame, area: Rect, theme: &Theme) {
    let mut spans: Vec<Span> = Vec::new();
    let width = area.width as usize;
    let mut used = 0;
    if let Some((_, what)) = &model.shared.busy {
        let s = format!(" {} {what} ", spinner(model.shared.frame));
        used += s.chars().count();
        spans.push(Span::styled(s, theme.accent()));
    }
    for b in hints(model) {
        let Some(k) = b.keys.first() else { continue };
        let key = format!(" {k}");
        let label = format!(" {} ", b.hint.as_deref().unwrap_or_default());
        let len = key.chars().count() + label.chars().count();
        if used + len > width {
            break;
        }
        used += len;
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(label, theme.muted()));
    }
    f.render_widget(Line::from(spans), area);
}
