//! The hint line, generated from the keymap for the contexts in force.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::hints::{footer_rank, hint_label};
use crate::app::keymap::{Action, Binding, shown};
use crate::app::{Model, action_available, key_contexts, typing};

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
    let mut room = area.width as usize;
    if let Some((_, what)) = &model.shared.busy {
        let s = format!(" {} {what} ", spinner(model.shared.frame));
        room = room.saturating_sub(s.chars().count());
        spans.push(Span::styled(s, theme.accent()));
    }
    let typing = typing(model);
    let hints: Vec<(&Binding, String, String)> = hints(model)
        .into_iter()
        .filter_map(|b| {
            // While typing, a plain character would be typed: show a key that is not one. The
            // help key is said one way everywhere (F1 works in text fields too).
            let not_typed = b.keys.iter().find(|k| !k.is_plain_char());
            let k = match (typing, b.action == Action::Help) {
                (true, _) => not_typed?,
                (false, true) => not_typed.or(b.keys.first())?,
                (false, false) => b.keys.first()?,
            };
            Some((
                b,
                format!(" {}", shown(*k)),
                format!(" {} ", hint_label(model, b)?),
            ))
        })
        .collect();
    let len = |(_, k, l): &(&Binding, String, String)| k.chars().count() + l.chars().count();
    // The most used keys of the screen are kept when the line is narrow, help always; they are
    // shown in the keymap's order, help last.
    let mut order: Vec<usize> = (0..hints.len()).collect();
    order.sort_by_key(|&i| footer_rank(hints[i].0.action));
    let mut keep = vec![false; hints.len()];
    for i in order {
        let n = len(&hints[i]);
        if n <= room {
            room -= n;
            keep[i] = true;
        }
    }
    let shown = hints.iter().zip(&keep).filter(|(_, k)| **k).map(|(h, _)| h);
    let (help, others): (Vec<_>, Vec<_>) = shown.partition(|h| h.0.action == Action::Help);
    for h in others.into_iter().chain(help) {
        spans.push(Span::styled(h.1.clone(), theme.key()));
        spans.push(Span::styled(h.2.clone(), theme.muted()));
    }
    f.render_widget(Line::from(spans), area);
}
