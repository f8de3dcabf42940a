//! How `graphmail mail …` prints: tables fitted to the terminal, and JSON in which no control
//! character can reach the terminal raw. Every mailbox string passes the sanitiser first.

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::sanitize;
use crate::graph::{Address, Folder};

/// The width of output that goes to a file or a pipe: nothing is cut for a program to read.
pub const UNBOUNDED: usize = usize::MAX / 8;

/// Columns to fit output to: `COLUMNS` when set, else the terminal's width; no limit
/// ([`UNBOUNDED`]) when the output is not a terminal.
pub fn terminal_width() -> usize {
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c >= 20)
    {
        return cols;
    }
    if io::stdout().is_terminal()
        && let Ok((w, _)) = crossterm::terminal::size()
        && w >= 20
    {
        return w as usize;
    }
    if !io::stdout().is_terminal() {
        return UNBOUNDED;
    }
    80
}

/// A JSON formatter that, beyond what JSON requires, escapes DEL, C1 controls, bidi controls
/// and line/paragraph separators as `\uXXXX`. The data is unchanged; only its spelling is.
struct InertJson;

impl serde_json::ser::Formatter for InertJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if sanitize::needs_rewrite(c, sanitize::Layout::Line) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Writes `value` as compact JSON with every control character escaped.
pub fn write_json<W: Write, T: Serialize + ?Sized>(out: &mut W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, InertJson);
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// Display width of a string (East Asian wide characters count two).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending in `…` when something was cut.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    /// Never narrower than this (unless the whole table cannot fit).
    pub min: usize,
    /// Shrinks first when the table is too wide; larger numbers give way first.
    pub shrink: u8,
    pub right: bool,
    /// Never cut: an id must stay usable.
    pub whole: bool,
}

/// A table laid out for a width: each column's width, and whether the last (`whole`) column
/// moves to a line of its own because it cannot fit beside the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub widths: Vec<usize>,
    pub last_on_own_line: bool,
    /// Output to a pipe or file: cells are never cut, even past their column.
    pub whole_cells: bool,
}

const GAP: usize = 2;

/// Fits columns whose content is `natural` wide into `total` columns.
pub fn fit(cols: &[Column], natural: &[usize], total: usize) -> Layout {
    let mut widths: Vec<usize> = cols
        .iter()
        .zip(natural)
        .map(|(c, n)| (*n).max(width(c.header)))
        .collect();
    let sum = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    let mut own_line = false;
    if let Some(last) = cols.last()
        && last.whole
        && cols.len() > 1
    {
        // The id keeps its full width; if that leaves the rest less than half, it moves down.
        let rest_min: usize = cols[..cols.len() - 1].iter().map(|c| c.min + GAP).sum();
        if rest_min + widths[cols.len() - 1] > total {
            own_line = true;
        }
    }
    let shrinkable = if own_line { cols.len() - 1 } else { cols.len() };
    let mut order: Vec<usize> = (0..shrinkable).filter(|i| !cols[*i].whole).collect();
    order.sort_by_key(|i| std::cmp::Reverse(cols[*i].shrink));
    for i in order {
        let over = sum(&widths[..shrinkable]).saturating_sub(total);
        if over == 0 {
            break;
        }
        let room = widths[i].saturating_sub(cols[i].min);
        widths[i] -= room.min(over);
    }
    Layout {
        widths,
        last_on_own_line: own_line,
        whole_cells: total >= UNBOUNDED,
    }
}

/// Renders one row (already sanitised cells) in `layout`.
pub fn row(cols: &[Column], layout: &Layout, cells: &[String]) -> String {
    let n = if layout.last_on_own_line {
        cols.len() - 1
    } else {
        cols.len()
    };
    let mut line = String::new();
    for i in 0..n {
        if i > 0 {
            line.push_str(&" ".repeat(GAP));
        }
        let cell = if cols[i].whole || layout.whole_cells {
            Cow::Borrowed(cells[i].as_str())
        } else {
            truncate(&cells[i], layout.widths[i])
        };
        if i + 1 == n && !cols[i].right {
            line.push_str(&cell);
        } else {
            line.push_str(&pad(&cell, layout.widths[i], cols[i].right));
        }
    }
    if layout.last_on_own_line {
        let last = cols.len() - 1;
        line.push_str(&format!(
            "\n    {}: {}",
            cols[last].header.to_lowercase(),
            cells[last]
        ));
    }
    line
}

pub fn header(cols: &[Column], layout: &Layout) -> String {
    let cells: Vec<String> = cols.iter().map(|c| c.header.to_string()).collect();
    if layout.last_on_own_line {
        let n = cols.len() - 1;
        return row(
            &cols[..n],
            &Layout {
                widths: layout.widths[..n].to_vec(),
                last_on_own_line: false,
                whole_cells: layout.whole_cells,
            },
            &cells[..n],
        );
    }
    row(cols, layout, &cells)
}

/// `Adele Vance <adele@x.com>`, or whichever part exists; sanitised.
pub fn address(a: Option<&Address>) -> String {
    match a {
        None => String::new(),
        Some(a) => {
            let name = sanitize::line(a.name.trim());
            let addr = sanitize::line(a.address.trim());
            match (name.is_empty(), addr.is_empty()) {
                (false, false) => format!("{name} <{addr}>"),
                (false, true) => name.into_owned(),
                _ => addr.into_owned(),
            }
        }
    }
}

/// `2024-05-01T09:30:00Z` → `2024-05-01 09:30`.
pub fn short_time(iso: &str) -> String {
    let s = sanitize::line(iso);
    match (s.get(..10), s.get(11..16)) {
        (Some(d), Some(t)) if s.len() >= 16 => format!("{d} {t}"),
        _ => s.into_owned(),
    }
}

/// `1.2 MB`, `340 KB`, `12 B`.
pub fn size(bytes: u64) -> String {
    const K: f64 = 1024.0;
    let b = bytes as f64;
    if b < K {
        format!("{bytes} B")
    } else if b < K * K {
        format!("{:.0} KB", b / K)
    } else if b < K * K * K {
        format!("{:.1} MB", b / (K * K))
    } else {
        format!("{:.1} GB", b / (K * K * K))
    }
}

pub const FOLDER_COLUMNS: [Column; 5] = [
    Column {
        header: "FOLDER",
        min: 10,
        shrink: 2,
        right: false,
        whole: false,
    },
    Column {
        header: "UNREAD",
        min: 6,
        shrink: 0,
        right: true,
        whole: false,
    },
    Column {
        header: "TOTAL",
        min: 5,
        shrink: 0,
        right: true,
        whole: false,
    },
    Column {
        header: "WELL-KNOWN",
        min: 4,
        shrink: 1,
        right: false,
        whole: false,
    },
    Column {
        header: "ID",
        min: 2,
        shrink: 0,
        right: false,
        whole: true,
    },
];

/// The folder tree as table rows, children indented under their parent.
pub fn folder_rows(tree: &[Folder]) -> Vec<Vec<String>> {
    crate::graph::flatten_tree(tree)
        .into_iter()
        .map(|(depth, f)| {
            vec![
                format!("{}{}", "  ".repeat(depth), sanitize::line(&f.name)),
                f.unread.to_string(),
                f.total.to_string(),
                f.well_known.clone().unwrap_or_default(),
                sanitize::line(&f.id).into_owned(),
            ]
        })
        .collect()
}

/// Lays out and renders a whole table (header included).
pub fn table(cols: &[Column], rows: &[Vec<String>], total: usize) -> Vec<String> {
    let natural: Vec<usize> = (0..cols.len())
        .map(|i| rows.iter().map(|r| width(&r[i])).max().unwrap_or(0))
        .collect();
    let layout = fit(cols, &natural, total);
    let mut lines = vec![header(cols, &layout)];
    lines.extend(rows.iter().map(|r| row(cols, &layout, r)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::mail::columns::tests::summary;

    #[test]
    fn json_output_escapes_every_control_and_bidi_character() {
        let m = summary("\x1b[2Jhi\u{9b}31m\u{202E}\u{7f}", "Zoë 日本");
        let mut out = Vec::new();
        write_json(&mut out, &m).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(out.iter().all(|b| *b >= 0x20 && *b != 0x7f), "{text}");
        assert!(!text.contains('\u{9b}') && !text.contains('\u{202E}'));
        assert!(text.contains(r"\u001b[2Jhi\u009b31m\u202e\u007f"), "{text}");
        assert!(text.contains("Zoë 日本"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["subject"], "\x1b[2Jhi\u{9b}31m\u{202E}\u{7f}");
    }

    #[test]
    fn truncation_counts_wide_characters() {
        assert_eq!(truncate("日本語テキスト", 7), "日本語…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(size(1536), "2 KB");
        assert_eq!(size(3 * 1024 * 1024 + 1), "3.0 MB");
        assert_eq!(short_time("2024-05-01T09:30:00Z"), "2024-05-01 09:30");
    }
}
