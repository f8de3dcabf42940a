//! The mailbox: folder tree, message list and preview, folding to two panes or one when narrow.
//! Every piece of mailbox text goes through `domain::sanitize` here, just before it is drawn,
//! except the preview's rows, which `app::mailbox::preview` sanitised when it wrapped them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::app::Model;
use crate::app::keymap::{Action, Context};
use crate::app::mailbox::layout::{PREVIEW_MARGIN, pane_widths};
use crate::app::mailbox::preview::{PreviewRow, PreviewText, RowKind};
use crate::app::mailbox::{MailboxState, Pane, PromptKind, list_height, scroll_offset};
use crate::domain::access::Need;
use crate::domain::mail::{Importance, MessageRow, list_date};
use crate::domain::sanitize;

use super::theme::{SELECTED_MARK, Theme};
use super::widgets::{centered, dialog, input_line, spinner};

/// Mailbox text made inert for the terminal, on one line.
fn clean(s: &str) -> String {
    sanitize::line(s).into_owned()
}

/// Cuts `s` to `width` columns, with `…` when it was longer; pads it to `width`.
pub fn fit(s: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    if s.width() <= width {
        return format!("{s}{}", " ".repeat(width - s.width()));
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    format!("{out}{}", " ".repeat(width.saturating_sub(used)))
}

/// What every row of the list is drawn against: the width of the dates on screen and whether
/// the folder names the recipients instead of the sender.
#[derive(Clone, Copy)]
struct RowContext {
    recipients: bool,
    /// The narrow list's date column: as wide as the widest date on screen, so a screen of
    /// this year's mail leaves the room of the year to the subject.
    date_w: usize,
}

/// A message time as the list shows it: `09:30` today, `12 May` this year, the year when older.
fn short_date(iso: &str, now_unix: i64, compact: bool) -> String {
    list_date(iso, now_unix, compact).unwrap_or_else(|| clean(iso))
}

/// The sender, or in Sent Items and Drafts the recipients (`To Adele +2`).
fn who(r: &MessageRow, ctx: RowContext) -> String {
    if ctx.recipients {
        format!("To {}", clean(&r.to))
    } else {
        clean(&r.from)
    }
}

fn pane_block<'a>(title: String, focused: bool, theme: &Theme) -> Block<'a> {
    let style = if focused {
        theme.focus()
    } else {
        theme.muted()
    };
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(style)
        .title(Line::styled(title, theme.title()))
}

pub fn view(model: &Model, s: &MailboxState, f: &mut Frame, area: Rect, theme: &Theme) {
    let panes = s.visible_panes(area.width);
    let widths = pane_widths(&panes, area.width);
    let areas = Layout::horizontal(widths.into_iter().map(Constraint::Length)).split(area);
    for (pane, r) in panes.iter().zip(areas.iter()) {
        match pane {
            Pane::Folders => folders(model, s, f, *r, theme),
            Pane::List => list(model, s, f, *r, theme),
            Pane::Preview => preview(model, s, f, *r, theme),
        }
    }
    if let Some(p) = &s.prompt {
        prompt(model, s, p, f, area, theme);
    }
    if s.picker.is_some() {
        picker(s, f, area, theme);
    }
}

fn folders(model: &Model, s: &MailboxState, f: &mut Frame, area: Rect, theme: &Theme) {
    let title = match s.loading_folders {
        Some(_) if s.folders.is_empty() => format!(" Folders {} ", spinner(model.shared.frame)),
        _ => " Folders ".into(),
    };
    let block = pane_block(title, s.focus == Pane::Folders, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let height = inner.height as usize;
    let start = scroll_offset(0, s.folder_sel, height);
    let width = inner.width as usize;
    let lines: Vec<Line> = s
        .folders
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, folder)| {
            let count = if folder.unread > 0 {
                format!(" {}", folder.unread)
            } else {
                String::new()
            };
            let indent = "  ".repeat(folder.depth.min(4));
            let open = s.folder.names(folder);
            let name_w = width.saturating_sub(indent.len() + count.len() + 2);
            let mut style = if open { theme.accent() } else { Style::new() };
            if folder.unread > 0 {
                style = style.patch(theme.title());
            }
            let marker = if open { "▸" } else { " " };
            let cursor = i == s.folder_sel && s.focus == Pane::Folders;
            let mut line = Line::from(vec![
                Span::raw(if cursor { SELECTED_MARK } else { " " }),
                Span::styled(marker, theme.focus()),
                Span::raw(indent),
                Span::styled(fit(&clean(&folder.name), name_w), style),
                Span::styled(count, theme.key()),
            ]);
            if cursor {
                line = line.style(theme.selected());
            }
            line
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// The marker columns: unread, importance, flag, attachment.
fn markers(r: &MessageRow) -> String {
    let unread = if r.unread { '●' } else { ' ' };
    let importance = match r.importance {
        Importance::High => '!',
        Importance::Low => '↓',
        Importance::Normal => ' ',
    };
    let flag = if r.flagged { '⚑' } else { ' ' };
    let attachment = if r.attachment { '+' } else { ' ' };
    format!("{unread}{importance}{flag}{attachment}")
}

/// One list row, built only for the rows on screen: the selection's marker column, the batch
/// mark, then the message. On the `selected` row the date takes the selection's colours: dim
/// grey in reverse video could not be read.
fn row_line<'a>(
    r: &MessageRow,
    width: usize,
    theme: &Theme,
    selected: bool,
    marked: bool,
    date: &str,
    ctx: RowContext,
) -> Line<'a> {
    let marks = markers(r);
    let wide = width >= 60;
    let from_w = if wide { 18 } else { 11 };
    let date_w = if wide { 11 } else { ctx.date_w.clamp(5, 9) };
    let subject_w = width.saturating_sub(2 + 4 + 1 + date_w + 1 + from_w + 1);
    let strong = if r.unread {
        theme.title()
    } else {
        Style::new()
    };
    Line::from(vec![
        Span::raw(if selected { SELECTED_MARK } else { " " }),
        Span::styled(if marked { "✓" } else { " " }, theme.key()),
        Span::styled(marks, theme.key()),
        Span::raw(" "),
        Span::styled(
            fit(date, date_w),
            if selected {
                Style::new()
            } else {
                theme.muted()
            },
        ),
        Span::raw(" "),
        Span::styled(fit(&who(r, ctx), from_w), strong),
        Span::raw(" "),
        Span::styled(fit(&clean(&r.subject), subject_w), strong),
    ])
}

fn list(model: &Model, s: &MailboxState, f: &mut Frame, area: Rect, theme: &Theme) {
    let keymap = &model.shared.keymap;
    let mut title = format!(" {}", clean(&s.folder_name()));
    if let Some(q) = &s.search {
        title.push_str(&format!(" · search \"{}\"", clean(q)));
    }
    if s.unread_only {
        title.push_str(" · unread only");
    }
    let count = if s.more {
        format!("{}+", s.rows.len())
    } else {
        s.rows.len().to_string()
    };
    title.push_str(&format!(" ({count})"));
    if !s.marks.is_empty() {
        title.push_str(&format!(" · {} marked", s.marks.len()));
    }
    if s.listing_loading || s.paging.is_some() || !s.pending.is_empty() || s.marks.busy() {
        title.push_str(&format!(" {}", spinner(model.shared.frame)));
    }
    title.push(' ');
    let block = pane_block(title, s.focus == Pane::List, theme);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if s.rows.is_empty() {
        let text = if s.listing_loading {
            "Loading…".to_string()
        } else if s.search.is_some() {
            format!(
                "No message matches the search. {} shows the whole folder.",
                keymap.key_name(Context::Mailbox, Action::Back)
            )
        } else if s.unread_only {
            format!(
                "No unread messages here. {} shows them all.",
                keymap.key_name(Context::Mailbox, Action::UnreadOnly)
            )
        } else if !s.access.allows(Need::Read) {
            format!(
                "This connector may not read mail, only send it: {} writes a new one.",
                keymap.key_name(Context::Mailbox, Action::NewMail)
            )
        } else {
            "This folder is empty.".into()
        };
        f.render_widget(
            Paragraph::new(Line::styled(text, theme.muted())).wrap(Wrap { trim: true }),
            inner.inner(Margin::new(1, 0)),
        );
        return;
    }
    // Virtualised: only the rows that fit are turned into lines.
    let height = (inner.height as usize).min(list_height(model.shared.size).max(1));
    let height = height.max(1);
    let start = scroll_offset(s.offset, s.selected, height);
    let width = inner.width as usize;
    let shown = &s.rows[start..(start + height).min(s.rows.len())];
    let now_unix = model.shared.now.unix;
    // Each visible row's date, made once a frame: its width sets the column's.
    let wide = width >= 60;
    let dates: Vec<String> = shown
        .iter()
        .map(|r| short_date(&r.received, now_unix, !wide))
        .collect();
    let ctx = RowContext {
        recipients: s.folder.lists_recipients(&s.folders),
        date_w: dates.iter().map(|d| d.width()).max().unwrap_or(5),
    };
    let lines: Vec<Line> = shown
        .iter()
        .zip(&dates)
        .enumerate()
        .map(|(i, (r, date))| {
            let selected = start + i == s.selected;
            let marked = s.marks.contains(&r.id);
            let line = row_line(r, width, theme, selected, marked, date, ctx);
            if selected {
                line.style(if s.focus == Pane::List {
                    theme.selected()
                } else {
                    theme.input()
                })
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// One row of the opened message, styled by what it is.
fn preview_line<'a>(row: PreviewRow<'a>, theme: &Theme) -> Line<'a> {
    let style = match row.kind {
        RowKind::Subject => theme.title(),
        RowKind::Attachment => theme.accent(),
        RowKind::Rule => theme.muted(),
        RowKind::Header | RowKind::Body => Style::new(),
    };
    Line::from(vec![
        Span::styled(row.label, theme.muted()),
        Span::styled(row.text, style),
    ])
}

fn preview(model: &Model, s: &MailboxState, f: &mut Frame, area: Rect, theme: &Theme) {
    let block = pane_block(" Message ".into(), s.focus == Pane::Preview, theme);
    let inner = block.inner(area).inner(Margin::new(PREVIEW_MARGIN, 0));
    f.render_widget(block, area);
    let height = inner.height as usize;
    match &s.preview {
        Some(m) => {
            // Wrapped by the model; only a resize it has not seen yet wraps (the top of) it here.
            let fresh;
            let text = match &s.preview_text {
                Some(t) if t.fits(&m.id, inner.width) => t,
                _ => {
                    let rows = s.preview_scroll.saturating_add(height);
                    fresh = PreviewText::first_rows(m, inner.width, rows);
                    &fresh
                }
            };
            let top = s.preview_scroll.min(text.len().saturating_sub(height));
            let lines: Vec<Line> = (top..text.len().min(top + height))
                .filter_map(|i| text.row(i))
                .map(|row| preview_line(row, theme))
                .collect();
            f.render_widget(Paragraph::new(lines), inner);
        }
        None => {
            let text = if s.reading.is_some() {
                format!("{} Opening…", spinner(model.shared.frame))
            } else {
                format!(
                    "{} opens the selected message here.",
                    model.shared.keymap.key_name(Context::Mailbox, Action::Open)
                )
            };
            f.render_widget(
                Paragraph::new(Line::styled(text, theme.muted())).wrap(Wrap { trim: true }),
                inner,
            );
        }
    }
}

fn prompt(
    model: &Model,
    s: &MailboxState,
    p: &crate::app::mailbox::Prompt,
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let keymap = &model.shared.keymap;
    let (title, label, hint) = match p.kind {
        PromptKind::Search => (
            " Search ".to_string(),
            "Find",
            format!(
                "words, from:name, subject:word — {} searches, {} closes",
                keymap.key_name(Context::Prompt, Action::Confirm),
                keymap.key_name(Context::Prompt, Action::Cancel)
            ),
        ),
        PromptKind::SaveAttachment(i) => {
            let name = s
                .preview
                .as_ref()
                .and_then(|m| m.attachments.get(i))
                .map(|a| clean(&a.name))
                .unwrap_or_default();
            (
                format!(" Save {name} "),
                "Folder",
                format!(
                    "{} saves (an existing file is never overwritten), {}: next attachment",
                    keymap.key_name(Context::Prompt, Action::Confirm),
                    keymap.key_name(Context::Prompt, Action::NextField)
                ),
            )
        }
    };
    let w = 70.min(area.width.saturating_sub(2));
    let r = centered(area, w, 5);
    let inner = dialog(f, r, Line::styled(title, theme.title()), theme.accent());
    let [field, help] = Layout::vertical([Constraint::Length(1), Constraint::Length(2)])
        .areas(inner.inner(Margin::new(1, 0)));
    // "▸ Folder" and a space before the value.
    input_line(f, field, theme, label, 9, &p.field, true, "");
    f.render_widget(
        Paragraph::new(Line::styled(hint, theme.muted())).wrap(Wrap { trim: true }),
        help,
    );
}

fn picker(s: &MailboxState, f: &mut Frame, area: Rect, theme: &Theme) {
    let Some(p) = &s.picker else { return };
    let h = (s.folders.len() as u16 + 2).min(area.height.saturating_sub(2));
    let r = centered(area, 44.min(area.width), h);
    f.render_widget(Clear, r);
    let inner = dialog(
        f,
        r,
        Line::styled(" Move to… ", theme.title()),
        theme.accent(),
    );
    let height = inner.height as usize;
    let start = scroll_offset(0, p.selected, height);
    let lines: Vec<Line> = s
        .folders
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, folder)| {
            let mark = if i == p.selected { SELECTED_MARK } else { " " };
            let line = Line::raw(format!(
                "{mark}{}{}",
                "  ".repeat(folder.depth.min(4)),
                clean(&folder.name)
            ));
            if i == p.selected {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
