//! Small pieces the screens share: input lines, centred boxes, the spinner.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub use crate::app::overlay::help::wrap_words;
use crate::app::text_field::TextField;

use super::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(frame: u64) -> &'static str {
    SPINNER[(frame % SPINNER.len() as u64) as usize]
}

/// `text` within `width` columns, cut with "…" when longer.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        text.to_string()
    } else {
        ellipsis(text, width)
    }
}

/// `text` ending in "…" within `width` columns: for text cut short, even where it would fit.
pub fn ellipsis(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A rectangle of at most `w`×`h` in the middle of `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    c
}

/// Clears `area` for a pop-up. A double-width glyph just left of it would still cover the
/// area's first column on the terminal (`Clear` only blanks its right half), so it is blanked.
pub fn clear(f: &mut Frame, area: Rect) {
    f.render_widget(Clear, area);
    let buf = f.buffer_mut();
    if area.x <= buf.area.x || area.is_empty() {
        return;
    }
    for y in area.top()..area.bottom() {
        if let Some(cell) = buf.cell_mut((area.x - 1, y))
            && cell.symbol().width() > 1
        {
            cell.set_symbol(" ");
        }
    }
}

/// Clears `area` and draws a bordered box titled `title`; returns the inside.
pub fn dialog(f: &mut Frame, area: Rect, title: Line<'_>, border: ratatui::style::Style) -> Rect {
    clear(f, area);
    let block = Block::bordered()
        .border_type(ratatui::widgets::BorderType::Rounded)
        .border_style(border)
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    inner
}

/// One input line: `label  value`, with the cursor placed when focused.
/// `placeholder` shows, dimmed, while the field is empty.
#[allow(
    clippy::too_many_arguments,
    reason = "a flat call reads better at the many call sites than a builder"
)]
pub fn input_line(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    label: &str,
    label_width: u16,
    field: &TextField,
    focused: bool,
    placeholder: &str,
) {
    let [l, v] =
        Layout::horizontal([Constraint::Length(label_width), Constraint::Fill(1)]).areas(area);
    let label_style = if focused {
        theme.focus()
    } else {
        ratatui::style::Style::new()
    };
    let marker = if focused { "▸ " } else { "  " };
    f.render_widget(
        Line::from(vec![
            Span::styled(marker, theme.focus()),
            Span::styled(label, label_style),
        ]),
        l,
    );
    let width = v.width.saturating_sub(1) as usize;
    let shown = field.display();
    let chars: Vec<char> = shown.chars().collect();
    // Scroll so the cursor stays visible in long values.
    let start = field.cursor().saturating_sub(width);
    let visible: String = chars.iter().skip(start).take(width).collect();
    let pad = width.saturating_sub(visible.chars().count());
    let line = if field.is_empty() && !placeholder.is_empty() {
        Line::from(vec![Span::styled(
            format!("{placeholder:<width$}"),
            theme.input().patch(theme.muted()),
        )])
    } else {
        Line::from(Span::styled(
            format!("{visible}{}", " ".repeat(pad)),
            theme.input(),
        ))
    };
    f.render_widget(line, v);
    if focused {
        let x = v.x + (field.cursor() - start) as u16;
        f.set_cursor_position(Position::new(x.min(v.right().saturating_sub(1)), v.y));
    }
}

/// Splits a long unbroken string (a URL) into lines of `width` characters.
pub fn chunk(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

/// `n` seconds as `m:ss`.
pub fn mm_ss(secs: i64) -> String {
    let s = secs.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

/// How long ago, in words.
pub fn ago(now: i64, then: Option<i64>) -> String {
    match then {
        None => "never".into(),
        Some(t) => {
            let d = (now - t).max(0);
            match d {
                0..=59 => "just now".into(),
                60..=3599 => format!("{} min ago", d / 60),
                3600..=86_399 => format!("{} h ago", d / 3600),
                _ => format!("{} d ago", d / 86_400),
            }
        }
    }
}

/// `text` wrapped at word boundaries to `width` columns less `hang`, its later lines indented
/// by `hang` columns (the first follows a label or mark of that width): a long value stays
/// readable under its label, and no word is cut at the edge.
pub fn hanging(text: &str, hang: usize, width: usize) -> Vec<String> {
    let room = width.saturating_sub(hang).max(8);
    crate::app::overlay::help::wrap_words(text, room)
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l
            } else {
                format!("{}{l}", " ".repeat(hang))
            }
        })
        .collect()
}

/// `text` wrapped to `width` columns with every line indented by `indent` columns: a block set
/// in under what it belongs to.
pub fn indented(text: &str, indent: usize, width: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    crate::app::overlay::help::wrap_words(text, width.saturating_sub(indent).max(8))
        .into_iter()
        .map(|l| format!("{pad}{l}"))
        .collect()
}

/// A label in a column of `indent` and its value wrapped under it: no value is cut.
pub fn labelled(
    label: &str,
    value: &str,
    style: ratatui::style::Style,
    label_style: ratatui::style::Style,
    indent: usize,
    width: u16,
) -> Vec<Line<'static>> {
    wrap_labelled(
        Line::from(vec![
            Span::styled(format!("{label:<indent$}"), label_style),
            Span::styled(value.to_string(), style),
        ]),
        width,
    )
}

/// A labelled line wrapped to `width` at word boundaries, each later row indented by the
/// label's width, the spans keeping their styles: a detail's value stays under its label.
pub fn wrap_labelled(line: Line<'static>, width: u16) -> Vec<Line<'static>> {
    let mut spans = line.spans.into_iter();
    let Some(label) = spans.next() else {
        return vec![Line::raw("")];
    };
    let indent = label.content.width();
    let room = usize::from(width).saturating_sub(indent).max(8);
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0usize;
    for span in spans {
        // Words keep the spaces before them, so a span's own padding is kept on a row.
        let text = span.content.to_string();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let lead = rest.len() - rest.trim_start().len();
            let word_end = rest[lead..].find(' ').map_or(rest.len(), |i| lead + i);
            let piece = &rest[..word_end];
            rest = &rest[word_end..];
            let w = piece.width();
            if used > 0 && used + w > room {
                rows.push(Vec::new());
                used = 0;
            }
            let piece = if used == 0 { piece.trim_start() } else { piece };
            // A word longer than a row is split by character.
            let mut chunk = String::new();
            for c in piece.chars() {
                let cw = c.width().unwrap_or(0);
                if used + chunk.width() + cw > room && !chunk.is_empty() {
                    if let Some(row) = rows.last_mut() {
                        row.push(Span::styled(std::mem::take(&mut chunk), span.style));
                    }
                    rows.push(Vec::new());
                    used = 0;
                }
                chunk.push(c);
            }
            used += chunk.width();
            if let Some(row) = rows.last_mut() {
                row.push(Span::styled(chunk, span.style));
            }
        }
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let lead = if i == 0 {
                label.clone()
            } else {
                Span::raw(" ".repeat(indent))
            };
            Line::from([vec![lead], row].concat())
        })
        .collect()
}
