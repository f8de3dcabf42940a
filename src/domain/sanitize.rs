//! The one sanitiser for text that comes from a mailbox (subjects, names, bodies, file names,
//! server error messages) before it reaches a terminal.
//!
//! A mail can carry bytes that a terminal obeys: ESC sequences that recolour, retitle or move the
//! cursor, C1 controls that some terminals read as CSI, carriage returns that overwrite a line,
//! and bidi overrides that make `gnp.exe` read as `exe.png`. Everything of that kind is shown
//! inert and visible instead: C0 controls and DEL in caret notation (`^[`, `^@`, `^?`), C1
//! controls and bidi controls as `<U+XXXX>`. Printable text, including every non-ASCII letter and
//! emoji, passes through unchanged.

use std::borrow::Cow;

/// How line structure is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One line (a subject, a name, a table cell): newlines and tabs become spaces.
    Line,
    /// A body: newlines and tabs stay; `\r\n` and lone `\r` become `\n`.
    Text,
}

/// Sanitises a one-line field.
pub fn line(s: &str) -> Cow<'_, str> {
    sanitize(s, Layout::Line)
}

/// Sanitises a body of text, keeping its lines and tabs.
pub fn text(s: &str) -> Cow<'_, str> {
    sanitize(s, Layout::Text)
}

/// Sanitises raw bytes as text; invalid UTF-8 becomes U+FFFD.
pub fn bytes(b: &[u8]) -> String {
    text(&String::from_utf8_lossy(b)).into_owned()
}

/// True for a bidi control: embeddings, overrides, isolates and the implicit marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// True for a character that never leaves the sanitiser as itself in the given layout.
pub fn needs_rewrite(c: char, layout: Layout) -> bool {
    match c {
        '\n' | '\t' => layout == Layout::Line,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => true,
        '\u{2028}' | '\u{2029}' => true,
        c => is_bidi_control(c),
    }
}

/// Sanitises `s` for the given layout. Borrows when nothing needs rewriting.
pub fn sanitize(s: &str, layout: Layout) -> Cow<'_, str> {
    let Some(first) = s.find(|c| needs_rewrite(c, layout)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    let mut chars = s[first..].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if layout == Layout::Text => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' | '\r' | '\u{2028}' | '\u{2029}' if layout == Layout::Line => out.push(' '),
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\n' | '\t' => out.push(c),
            '\u{0}'..='\u{1F}' => {
                out.push('^');
                out.push(char::from(c as u8 ^ 0x40));
            }
            '\u{7F}' => out.push_str("^?"),
            c if needs_rewrite(c, layout) => {
                out.push_str(&format!("<U+{:04X}>", c as u32));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// True when `s` could be printed as it is: it holds nothing the sanitiser would rewrite.
pub fn is_inert(s: &str, layout: Layout) -> bool {
    !s.chars().any(|c| needs_rewrite(c, layout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The property every output must have: no C0 control except `\n`/`\t` (text only), no DEL,
    /// no C1 control, no bidi control, no line/paragraph separator.
    fn assert_inert(out: &str, layout: Layout) {
        for c in out.chars() {
            let bad = match c {
                '\n' | '\t' => layout == Layout::Line,
                '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}' => true,
                c => is_bidi_control(c),
            };
            assert!(!bad, "{:?} survived in {:?}", c, out);
        }
        for b in out.bytes() {
            assert!(
                b >= 0x20 || b == b'\n' || b == b'\t',
                "byte {b:#x} in {out:?}"
            );
            assert_ne!(b, 0x7f);
        }
    }

    #[test]
    fn plain_and_non_ascii_text_passes_through_borrowed() {
        for s in [
            "Quarterly report",
            "Grüße aus Köln – café",
            "日本語の件名",
            "שלום עולם",
            "👩‍💻 deploy done ✅",
        ] {
            assert!(matches!(line(s), Cow::Borrowed(_)), "{s}");
            assert!(matches!(text(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn escape_sequences_are_shown_inert() {
        let hostile = "\x1b[2J\x1b[31mURGENT\x1b[0m \x1b]0;owned\x07 \x1bP+q\x1b\\";
        let out = line(hostile);
        assert_eq!(out, "^[[2J^[[31mURGENT^[[0m ^[]0;owned^G ^[P+q^[\\");
        assert_inert(&out, Layout::Line);
    }

    #[test]
    fn c1_controls_and_del_are_visible() {
        assert_eq!(line("a\u{9b}31mb\u{85}c\u{7f}"), "a<U+009B>31mb<U+0085>c^?");
        assert_eq!(line("nul\0bell\x07bs\x08"), "nul^@bell^Gbs^H");
    }

    #[test]
    fn bidi_overrides_are_neutralised() {
        let out = line("invoice_\u{202E}gnp.exe");
        assert_eq!(out, "invoice_<U+202E>gnp.exe");
        let out = line("\u{2066}a\u{2067}b\u{2068}c\u{2069}\u{200E}\u{200F}\u{061C}");
        assert_inert(&out, Layout::Line);
        assert!(out.contains("<U+2066>") && out.contains("<U+200F>"));
    }

    #[test]
    fn a_body_keeps_its_lines_and_tabs_but_not_carriage_returns() {
        assert_eq!(text("a\r\nb\tc\rd\u{2028}e"), "a\nb\tc\nd\ne");
        assert_eq!(line("a\r\nb\tc"), "a  b c");
    }

    #[test]
    fn random_bytes_never_leave_a_control_character() {
        let mut rng = StdRng::seed_from_u64(0x5eed);
        for round in 0..2000 {
            let len = rng.gen_range(0..200);
            let raw: Vec<u8> = (0..len)
                .map(|_| {
                    if round % 3 == 0 {
                        // Bias towards the dangerous ranges.
                        *[
                            0x1b, 0x07, 0x0d, 0x7f, 0xc2, 0x9b, 0xe2, 0x80, 0xae, b'[', b'a',
                        ]
                        .get(rng.gen_range(0..11))
                        .expect("index in range")
                    } else {
                        rng.r#gen()
                    }
                })
                .collect();
            let out = bytes(&raw);
            assert_inert(&out, Layout::Text);
            let lossy = String::from_utf8_lossy(&raw);
            assert_inert(&line(&lossy), Layout::Line);
        }
    }

    #[test]
    fn random_code_points_never_leave_a_control_character() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let s: String = (0..rng.gen_range(0..64))
                .filter_map(|_| char::from_u32(rng.gen_range(0..0x3000)))
                .collect();
            assert_inert(&text(&s), Layout::Text);
            assert_inert(&line(&s), Layout::Line);
        }
    }

    #[test]
    fn sanitising_twice_changes_nothing_more() {
        let s = "x\x1b[1m\u{202E}y\u{9b}\r\n";
        let once = text(s).into_owned();
        assert_eq!(text(&once), once.as_str());
    }
}
