//! The `?` help as rows: what it lists, how wide its box is and where long text wraps.
//! The view draws these rows and the key handler scrolls them, so both agree on the length.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::keymap::{Action, Context, Keymap};

/// The widest help box, borders included: longer lines are hard to read.
const MAX_WIDTH: usize = 100;
/// Columns between the keys and their description.
const GAP: usize = 2;
/// Indent of a binding under its section title.
const INDENT: usize = 2;
/// Borders and the one-column margin inside them.
const FRAME: usize = 4;

/// How far the help is scrolled: the first row shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpView {
    pub scroll: usize,
}

/// One row of the help box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelpRow {
    Title(&'static str),
    Blank,
    /// A binding's keys (empty on its continuation rows) and a part of its description.
    Binding {
        keys: String,
        desc: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLayout {
    /// The box, borders included.
    pub width: u16,
    pub height: u16,
    /// Columns of the key column, without the indent and the gap.
    pub key_width: usize,
    pub rows: Vec<HelpRow>,
}

impl HelpLayout {
    /// Rows shown at once.
    pub fn visible(&self) -> usize {
        usize::from(self.height.saturating_sub(2))
    }

    /// The last first row worth scrolling to: at the end the box is still full.
    pub fn max_scroll(&self) -> usize {
        self.rows.len().saturating_sub(self.visible())
    }
}

/// The help of `contexts` laid out for an area of `size` (columns, rows).
pub fn layout(keymap: &Keymap, contexts: &[Context], demo: bool, size: (u16, u16)) -> HelpLayout {
    let sections: Vec<(Context, Vec<(String, &str)>)> = contexts
        .iter()
        .map(|ctx| {
            let bindings = keymap
                .bindings(*ctx)
                .filter(|b| demo || b.action != Action::DemoApprove)
                .map(|b| {
                    let keys: Vec<String> = b
                        .keys
                        .iter()
                        .map(|k| super::super::keymap::shown(*k))
                        .collect();
                    (keys.join(" "), b.desc.as_str())
                })
                .collect();
            (*ctx, bindings)
        })
        .filter(|(_, b): &(Context, Vec<_>)| !b.is_empty())
        .collect();
    let all = || sections.iter().flat_map(|(_, b)| b.iter());
    let room = usize::from(size.0).saturating_sub(2).min(MAX_WIDTH);
    let text_room = room.saturating_sub(FRAME).max(12);
    let longest_keys = all().map(|(k, _)| k.width()).max().unwrap_or(0);
    // Keys longer than this wrap, so descriptions keep most of a narrow box.
    let key_width = longest_keys.min(text_room * 2 / 5).max(1);
    let longest_desc = all().map(|(_, d)| d.width()).max().unwrap_or(0);
    let longest_title = sections
        .iter()
        .map(|(c, _)| c.title().width())
        .max()
        .unwrap_or(0);
    let text_width = (INDENT + key_width + GAP + longest_desc)
        .max(longest_title)
        .min(text_room);
    let desc_width = text_width.saturating_sub(INDENT + key_width + GAP).max(8);

    let mut rows = Vec::new();
    for (ctx, bindings) in &sections {
        if !rows.is_empty() {
            rows.push(HelpRow::Blank);
        }
        rows.push(HelpRow::Title(ctx.title()));
        for (keys, desc) in bindings {
            let keys = wrap_words(keys, key_width);
            let desc = wrap_words(desc, desc_width);
            for i in 0..keys.len().max(desc.len()) {
                rows.push(HelpRow::Binding {
                    keys: keys.get(i).cloned().unwrap_or_default(),
                    desc: desc.get(i).cloned().unwrap_or_default(),
                });
            }
        }
    }
    let height = (rows.len() + 2).min(usize::from(size.1));
    HelpLayout {
        width: u16::try_from(text_width + FRAME).unwrap_or(u16::MAX),
        height: u16::try_from(height).unwrap_or(u16::MAX),
        key_width,
        rows,
    }
}

/// Wraps `text` at spaces into lines of at most `width` columns; a longer word is split.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let needed = if cur.is_empty() { 0 } else { cur.width() + 1 };
        if needed + word.width() <= width {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        for c in word.chars() {
            if !cur.is_empty() && cur.width() + c.width().unwrap_or(0) > width {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_spaces_and_long_words_are_split() {
        assert_eq!(wrap_words("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("", 4), [""]);
        assert_eq!(wrap_words("田中 美咲", 4), ["田中", "美咲"]);
    }

    #[test]
    fn the_key_column_fits_the_longest_keys_and_the_end_fills_the_box() {
        let km = Keymap::defaults();
        let l = layout(&km, &[Context::Mailbox, Context::Global], false, (80, 22));
        assert_eq!(l.key_width, "Shift+Tab h ←".width());
        assert_eq!(l.height, 22);
        assert!(l.width <= 78);
        assert_eq!(l.max_scroll() + l.visible(), l.rows.len());
    }
}
