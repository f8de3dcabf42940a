//! Dialogs, the help overlay (from the keymap) and toasts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::app::keymap::{Action, Context};
use crate::app::overlay::help::{self, HelpRow};
use crate::app::overlay::{GuideView, HelpView, Overlay, ToastLevel};
use crate::app::{Model, screen_key_contexts};
use crate::domain::guide::wrap_line;

use super::theme::Theme;
use super::widgets::{centered, clear, dialog, hanging};
use crate::app::overlay::help::wrap_words;

pub fn view(model: &Model, f: &mut Frame, area: Rect, theme: &Theme) {
    for o in &model.shared.overlays {
        match o {
            Overlay::Confirm {
                title,
                body,
                yes,
                no,
                ..
            } => {
                let w = 60.min(area.width.saturating_sub(4));
                // Wrapped here: the box is as tall as its text, so no line is lost.
                let text: Vec<Line> = wrap_words(body, usize::from(w.saturating_sub(4)))
                    .into_iter()
                    .map(Line::raw)
                    .collect();
                let r = centered(area, w, (text.len() as u16 + 4).min(area.height));
                let inner = dialog(
                    f,
                    r,
                    Line::styled(format!(" {title} "), theme.title()),
                    theme.warn(),
                );
                let [b, _, k] = Layout::vertical([
                    Constraint::Fill(1),
                    Constraint::Length(1),
                    Constraint::Length(1),
                ])
                .areas(inner.inner(ratatui::layout::Margin::new(1, 0)));
                f.render_widget(Paragraph::new(text), b);
                let km = &model.shared.keymap;
                f.render_widget(
                    Line::from(vec![
                        Span::styled(
                            format!(" {} ", km.key_name(Context::Dialog, Action::Confirm)),
                            theme.code(),
                        ),
                        Span::raw(format!(" {yes}    ")),
                        Span::styled(
                            format!(" {} ", km.key_name(Context::Dialog, Action::Cancel)),
                            theme.selected(),
                        ),
                        Span::raw(format!(" {no}")),
                    ]),
                    k,
                );
            }
            Overlay::Error { title, error } => {
                let w = 72.min(area.width.saturating_sub(2));
                let inner_w = usize::from(w.saturating_sub(4));
                let mut lines: Vec<Line> = hanging(&error.message, 0, inner_w)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.error()))
                    .collect();
                if let Some(fix) = error.fix_with_keys(&model.shared.keymap) {
                    lines.push(Line::raw(""));
                    for (i, part) in hanging(&format!("Fix: {fix}"), 5, inner_w)
                        .into_iter()
                        .enumerate()
                    {
                        lines.push(match part.strip_prefix("Fix: ") {
                            Some(rest) if i == 0 => Line::from(vec![
                                Span::styled("Fix: ", theme.ok()),
                                Span::raw(rest.to_string()),
                            ]),
                            _ => Line::raw(part),
                        });
                    }
                }
                if let Some(d) = &error.detail {
                    lines.push(Line::raw(""));
                    lines.extend(
                        hanging(d, 0, inner_w)
                            .into_iter()
                            .map(|l| Line::styled(l, theme.muted())),
                    );
                }
                // Taller than the screen: the end is cut, and the last row says so.
                let room = usize::from(area.height.saturating_sub(4)).max(1);
                if lines.len() > room {
                    lines.truncate(room.saturating_sub(1));
                    lines.push(Line::styled(
                        "(cut here: a taller terminal shows the rest)",
                        theme.muted(),
                    ));
                }
                let r = centered(area, w, (lines.len() as u16 + 4).min(area.height));
                let inner = dialog(
                    f,
                    r,
                    Line::styled(format!(" {title} "), theme.error()),
                    theme.error(),
                );
                let [b, k] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)])
                    .areas(inner.inner(ratatui::layout::Margin::new(1, 0)));
                f.render_widget(Paragraph::new(lines), b);
                let close = model
                    .shared
                    .keymap
                    .key_name(Context::Message, Action::Close);
                f.render_widget(
                    Line::from(vec![
                        Span::styled(format!(" {close} "), theme.selected()),
                        Span::raw(" close · any other key closes it and does its work"),
                    ]),
                    k,
                );
            }
            Overlay::Help(h) => help(model, h, f, area, theme),
            Overlay::Guide(g) => guide(g, f, area, theme),
        }
    }
}

fn wrapped_height(text: &str, width: u16) -> u16 {
    let w = width.max(1) as usize;
    text.lines()
        .map(|l| (l.chars().count().max(1)).div_ceil(w) as u16)
        .sum::<u16>()
        .max(1)
}

/// The keys of the screen under the help, scrolled as the model says; the title tells where.
fn help(model: &Model, view: &HelpView, f: &mut Frame, area: Rect, theme: &Theme) {
    let l = help::layout(
        &model.shared.keymap,
        &screen_key_contexts(model),
        model.shared.demo,
        (area.width, area.height),
    );
    // The terminal may differ from the size the model last saw: stay within the rows.
    let first = view.scroll.min(l.max_scroll());
    let shown: Vec<&HelpRow> = l.rows.iter().skip(first).take(l.visible()).collect();
    let close = model.shared.keymap.key_name(Context::Help, Action::Close);
    let title = if l.max_scroll() == 0 {
        format!(" Keys — {close} closes ")
    } else {
        format!(
            " Keys {}–{}/{}{} · {close} closes ",
            first + 1,
            first + shown.len(),
            l.rows.len(),
            if first < l.max_scroll() {
                " · ↓ more"
            } else {
                ""
            }
        )
    };
    let r = centered(area, l.width, l.height);
    let inner = dialog(f, r, Line::styled(title, theme.title()), theme.accent());
    let lines: Vec<Line> = shown
        .into_iter()
        .map(|row| match row {
            HelpRow::Title(t) => Line::styled(*t, theme.title()),
            HelpRow::Blank => Line::raw(""),
            HelpRow::Binding { keys, desc } => Line::from(vec![
                Span::styled(
                    format!(
                        "  {keys}{}",
                        " ".repeat(l.key_width.saturating_sub(keys.width()) + 2)
                    ),
                    theme.key(),
                ),
                Span::raw(desc.clone()),
            ]),
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines),
        inner.inner(ratatui::layout::Margin::new(1, 0)),
    );
}

/// The app-registration guide: nearly the whole screen, scrolled by lines; the footer below
/// stays visible with the guide's keys.
fn guide(g: &GuideView, f: &mut Frame, area: Rect, theme: &Theme) {
    let r = centered(
        area,
        area.width.saturating_sub(2).min(110),
        area.height.saturating_sub(2),
    );
    let shown = format!(
        " {} — {}/{}{} ",
        g.title,
        (g.scroll + 1).min(g.lines.len()),
        g.lines.len(),
        if g.sent {
            " · commands sent (OSC 52)"
        } else {
            ""
        }
    );
    let inner = dialog(f, r, Line::styled(shown, theme.title()), theme.accent());
    let body = inner.inner(ratatui::layout::Margin::new(1, 0));
    let width = usize::from(body.width.max(20));
    let mut lines: Vec<Line> = Vec::new();
    for l in &g.lines[g.scroll.min(g.lines.len())..] {
        if lines.len() >= usize::from(body.height) {
            break;
        }
        let t = l.trim_start();
        let numbered = t.split_once(". ").is_some_and(|(n, _)| {
            !n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit())
        }) && !l.starts_with(' ');
        let style = if numbered || (!l.starts_with(' ') && l.ends_with(':')) {
            theme.title()
        } else if ["az ", "APP_ID=", "--", "| ", "graphmail "]
            .iter()
            .any(|p| t.starts_with(p))
        {
            theme.code()
        } else {
            Default::default()
        };
        lines.extend(
            wrap_line(l, width)
                .into_iter()
                .map(|part| Line::styled(part, style)),
        );
    }
    // Commands and URLs longer than the box still wrap (by character) rather than vanish.
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
}

/// Toasts stack in the bottom-right corner; a fading one is drawn dimmed.
pub fn toasts(model: &Model, f: &mut Frame, area: Rect, theme: &Theme) {
    let now = model.shared.now.mono_ms;
    let mut bottom = area.bottom().saturating_sub(1);
    for t in model.shared.toasts.iter().rev() {
        let w = (t.text.chars().count() as u16 + 4)
            .min(area.width.saturating_sub(2))
            .min(64);
        let h = wrapped_height(&t.text, w.saturating_sub(4)) + 2;
        if bottom < area.y + h {
            break;
        }
        let r = Rect::new(area.right().saturating_sub(w + 2), bottom - h, w, h);
        bottom -= h;
        let mut style = match t.level {
            ToastLevel::Info => theme.accent(),
            ToastLevel::Success => theme.ok(),
            ToastLevel::Error => theme.error(),
        };
        if t.fading(now) {
            style = style.patch(theme.muted());
        }
        clear(f, r);
        let block = ratatui::widgets::Block::bordered()
            .border_type(ratatui::widgets::BorderType::Rounded)
            .border_style(style);
        let inner = block.inner(r);
        f.render_widget(block, r);
        f.render_widget(
            Paragraph::new(t.text.as_str())
                .style(if t.fading(now) {
                    theme.muted()
                } else {
                    Default::default()
                })
                .wrap(Wrap { trim: true }),
            inner.inner(ratatui::layout::Margin::new(1, 0)),
        );
    }
}
