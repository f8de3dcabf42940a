//! The opened message as rows of the preview's width: headers, attachments, a rule, the body.
//! Sanitised and wrapped once per (message, width) and kept in the model, so that scrolling
//! knows where the end is and drawing a 1 MB body only touches the rows on screen.

use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::{MailboxState, layout};
use crate::domain::mail::{MessageView, Person};
use crate::domain::sanitize;

impl MailboxState {
    /// Forgets the opened message (and a reading still on its way).
    pub fn close_preview(&mut self) {
        self.preview = None;
        self.preview_text = None;
        self.reading = None;
        self.preview_scroll = 0;
    }

    /// Wraps the opened message again when it or the preview's width changed since.
    pub fn fit_preview(&mut self, size: (u16, u16)) {
        let width = layout::preview_text_width(size);
        match &self.preview {
            None => self.preview_text = None,
            Some(m)
                if self
                    .preview_text
                    .as_ref()
                    .is_some_and(|t| t.fits(&m.id, width)) => {}
            Some(m) => self.preview_text = Some(PreviewText::new(m, width)),
        }
        self.scroll_preview(size, 0);
    }

    /// Moves the preview `step` rows (up when negative), never past the end of the message:
    /// its last row stops on the pane's last row.
    pub fn scroll_preview(&mut self, size: (u16, u16), step: isize) {
        let rows = self.preview_text.as_ref().map_or(0, PreviewText::len);
        let last = rows.saturating_sub(layout::pane_height(size));
        self.preview_scroll = self.preview_scroll.saturating_add_signed(step).min(last);
    }
}

/// The rule under the headers is never longer than this.
const RULE_MAX: usize = 60;
/// Columns a tab stands for in a body.
const TAB: &str = "    ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Subject,
    Header,
    Attachment,
    Rule,
    Body,
}

/// One row on screen, as a range of the shared text; `label` bytes of it are a header's label.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    range: Range<usize>,
    label: usize,
    /// A header's later row: drawn under the value, not under the label.
    hang: bool,
    kind: RowKind,
}

/// The headers' label column, and the blank drawn in it on a header's later rows.
const LABEL_W: usize = 9;
const HANG: &str = "         ";

/// A row to draw: a header's label (empty on other rows) and the rest of the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewRow<'a> {
    pub kind: RowKind,
    pub label: &'a str,
    pub text: &'a str,
}

/// The opened message wrapped to `width` columns; every piece of it already sanitised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewText {
    pub message_id: String,
    pub width: u16,
    text: String,
    rows: Vec<Row>,
}

impl PreviewText {
    pub fn new(m: &MessageView, width: u16) -> PreviewText {
        PreviewText::first_rows(m, width, usize::MAX)
    }

    /// Only the first `limit` rows: enough to draw before the model has caught up with a resize.
    pub fn first_rows(m: &MessageView, width: u16, limit: usize) -> PreviewText {
        let mut b = Builder {
            width: usize::from(width.max(1)),
            limit,
            text: String::new(),
            rows: Vec::new(),
        };
        b.message(m);
        PreviewText {
            message_id: m.id.clone(),
            width,
            text: b.text,
            rows: b.rows,
        }
    }

    /// True when this is `message_id` wrapped at `width`.
    pub fn fits(&self, message_id: &str, width: u16) -> bool {
        self.message_id == message_id && self.width == width
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn row(&self, i: usize) -> Option<PreviewRow<'_>> {
        let r = self.rows.get(i)?;
        let (label, text) = self.text[r.range.clone()].split_at(r.label);
        Some(PreviewRow {
            kind: r.kind,
            label: if r.hang { HANG } else { label },
            text,
        })
    }
}

struct Builder {
    width: usize,
    limit: usize,
    text: String,
    rows: Vec<Row>,
}

impl Builder {
    fn full(&self) -> bool {
        self.rows.len() >= self.limit
    }

    fn message(&mut self, m: &MessageView) {
        let people = |list: &[Person]| {
            list.iter()
                .map(|p| sanitize::line(&p.label()).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.header(RowKind::Subject, "Subject", &sanitize::line(&m.subject));
        if let Some(from) = &m.from {
            self.header(RowKind::Header, "From", &sanitize::line(&from.label()));
        }
        if !m.to.is_empty() {
            self.header(RowKind::Header, "To", &people(&m.to));
        }
        if !m.cc.is_empty() {
            self.header(RowKind::Header, "Cc", &people(&m.cc));
        }
        let date = m.received.replace('T', " ").replace('Z', " UTC");
        self.header(RowKind::Header, "Date", &sanitize::line(&date));
        for (i, a) in m.attachments.iter().enumerate() {
            let kind = if a.is_file { "" } else { " (item)" };
            let text = format!("{}  {} bytes{kind}", sanitize::line(&a.name), a.size);
            let label = if i == 0 { "Attached" } else { "" };
            self.header(RowKind::Attachment, label, &text);
        }
        self.line(RowKind::Rule, 0, &"─".repeat(self.width.min(RULE_MAX)));
        for raw in m.body.lines() {
            if self.full() {
                return;
            }
            // Line by line, so that drawing the top of a huge body never reads all of it.
            let clean = sanitize::text(raw);
            if clean.is_empty() {
                self.line(RowKind::Body, 0, "");
            }
            for l in clean.lines() {
                self.line(RowKind::Body, 0, &l.replace('\t', TAB));
            }
        }
    }

    /// A header line: its label padded to the labels' column, then the value.
    /// A value longer than a row goes on under itself, so the labels stay a column of their own.
    fn header(&mut self, kind: RowKind, label: &str, value: &str) {
        let label = format!("{label:<LABEL_W$}");
        let room = self.width.saturating_sub(LABEL_W);
        if room < 8 || self.full() {
            // Too narrow for a column of labels: the header wraps as one line.
            self.line(kind, label.len(), &format!("{label}{value}"));
            return;
        }
        let start = self.text.len();
        self.text.push_str(&label);
        let at = self.text.len();
        self.text.push_str(value);
        for (i, r) in wrap(value, room).into_iter().enumerate() {
            let first = i == 0;
            self.rows.push(Row {
                range: if first { start } else { at + r.start }..at + r.end,
                label: if first { label.len() } else { 0 },
                hang: !first,
                kind,
            });
        }
        self.rows.truncate(self.limit);
    }

    /// One line of text, wrapped; its first `label` bytes are a label.
    fn line(&mut self, kind: RowKind, label: usize, line: &str) {
        if self.full() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(line);
        let first = self.rows.len();
        for r in wrap(line, self.width) {
            self.rows.push(Row {
                range: start + r.start..start + r.end,
                label: 0,
                hang: false,
                kind,
            });
        }
        if let Some(r) = self.rows.get_mut(first) {
            r.label = label.min(r.range.len());
        }
        self.rows.truncate(self.limit);
    }
}

/// Splits `line` into rows of at most `width` columns, at the last space that fits, or inside a
/// word longer than a row. The space a row breaks at is dropped; other spaces are kept.
pub fn wrap(line: &str, width: usize) -> Vec<Range<usize>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    // The last space on the row: its byte index and the columns up to and with it.
    let mut space: Option<(usize, usize)> = None;
    for (i, c) in line.char_indices() {
        let w = c.width().unwrap_or(0);
        if c == ' ' && used + w > width {
            rows.push(start..i);
            start = i + 1;
            used = 0;
            space = None;
            continue;
        }
        while used + w > width && used > 0 {
            match space.take() {
                Some((at, cols)) if at > start => {
                    rows.push(start..at);
                    start = at + 1;
                    used -= cols;
                }
                _ => {
                    rows.push(start..i);
                    start = i;
                    used = 0;
                }
            }
        }
        used += w;
        if c == ' ' {
            space = Some((i, used));
        }
    }
    if start < line.len() || rows.is_empty() {
        rows.push(start..line.len());
    }
    rows
}
