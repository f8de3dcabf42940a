//! Box-drawing and block characters as shapes: fonts leave gaps between rows, shapes do not,
//! so borders join up and the QR code stays square and scannable.

/// How a character is drawn when it is not drawn as text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Glyph {
    /// Lines from the cell centre to the edges: weights of the up, right, down, left arms
    /// (0 none, 1 light, 2 heavy), and whether the corner is rounded.
    Lines { arms: [u8; 4], round: bool },
    /// Filled quarters of the cell: bit 0 top left, 1 top right, 2 bottom left, 3 bottom right.
    Quarters(u8),
    /// A filled part of the cell in fractions (x0, y0, x1, y1), and its opacity in percent.
    Part([f64; 4], u8),
}

const LINES: [(char, [u8; 4], bool); 41] = [
    ('─', [0, 1, 0, 1], false),
    ('│', [1, 0, 1, 0], false),
    ('┌', [0, 1, 1, 0], false),
    ('┐', [0, 0, 1, 1], false),
    ('└', [1, 1, 0, 0], false),
    ('┘', [1, 0, 0, 1], false),
    ('├', [1, 1, 1, 0], false),
    ('┤', [1, 0, 1, 1], false),
    ('┬', [0, 1, 1, 1], false),
    ('┴', [1, 1, 0, 1], false),
    ('┼', [1, 1, 1, 1], false),
    ('╭', [0, 1, 1, 0], true),
    ('╮', [0, 0, 1, 1], true),
    ('╯', [1, 0, 0, 1], true),
    ('╰', [1, 1, 0, 0], true),
    ('━', [0, 2, 0, 2], false),
    ('┃', [2, 0, 2, 0], false),
    ('┏', [0, 2, 2, 0], false),
    ('┓', [0, 0, 2, 2], false),
    ('┗', [2, 2, 0, 0], false),
    ('┛', [2, 0, 0, 2], false),
    ('┣', [2, 2, 2, 0], false),
    ('┫', [2, 0, 2, 2], false),
    ('┳', [0, 2, 2, 2], false),
    ('┻', [2, 2, 0, 2], false),
    ('╋', [2, 2, 2, 2], false),
    ('┝', [1, 2, 1, 0], false),
    ('┥', [1, 0, 1, 2], false),
    ('┯', [0, 2, 1, 2], false),
    ('┷', [1, 2, 0, 2], false),
    ('┿', [1, 2, 1, 2], false),
    ('┠', [2, 1, 2, 0], false),
    ('┨', [2, 0, 2, 1], false),
    ('╴', [0, 0, 0, 1], false),
    ('╵', [1, 0, 0, 0], false),
    ('╶', [0, 1, 0, 0], false),
    ('╷', [0, 0, 1, 0], false),
    ('╸', [0, 0, 0, 2], false),
    ('╹', [2, 0, 0, 0], false),
    ('╺', [0, 2, 0, 0], false),
    ('╻', [0, 0, 2, 0], false),
];

const QUARTERS: [(char, u8); 15] = [
    ('▘', 0b0001),
    ('▝', 0b0010),
    ('▀', 0b0011),
    ('▖', 0b0100),
    ('▌', 0b0101),
    ('▞', 0b0110),
    ('▛', 0b0111),
    ('▗', 0b1000),
    ('▚', 0b1001),
    ('▐', 0b1010),
    ('▜', 0b1011),
    ('▄', 0b1100),
    ('▙', 0b1101),
    ('▟', 0b1110),
    ('█', 0b1111),
];

/// The shape for `symbol`, if it is one drawn as shapes.
pub fn glyph(symbol: &str) -> Option<Glyph> {
    let mut chars = symbol.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    if let Some((_, arms, round)) = LINES.iter().find(|(l, _, _)| *l == c) {
        return Some(Glyph::Lines {
            arms: *arms,
            round: *round,
        });
    }
    if let Some((_, q)) = QUARTERS.iter().find(|(b, _)| *b == c) {
        return Some(Glyph::Quarters(*q));
    }
    let eighth = |n: u32| f64::from(n) / 8.0;
    match c {
        // Lower one to seven eighths.
        '▁'..='▇' => Some(Glyph::Part(
            [0.0, 1.0 - eighth(c as u32 - '▁' as u32 + 1), 1.0, 1.0],
            100,
        )),
        // Left seven to one eighths.
        '▉'..='▏' => Some(Glyph::Part(
            [0.0, 0.0, eighth(7 - (c as u32 - '▉' as u32)), 1.0],
            100,
        )),
        '▔' => Some(Glyph::Part([0.0, 0.0, 1.0, 0.125], 100)),
        '▕' => Some(Glyph::Part([0.875, 0.0, 1.0, 1.0], 100)),
        '░' => Some(Glyph::Part([0.0, 0.0, 1.0, 1.0], 25)),
        '▒' => Some(Glyph::Part([0.0, 0.0, 1.0, 1.0], 50)),
        '▓' => Some(Glyph::Part([0.0, 0.0, 1.0, 1.0], 75)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_blocks_and_text() {
        assert_eq!(
            glyph("╭"),
            Some(Glyph::Lines {
                arms: [0, 1, 1, 0],
                round: true
            })
        );
        assert_eq!(glyph("▀"), Some(Glyph::Quarters(0b0011)));
        assert_eq!(glyph("▁"), Some(Glyph::Part([0.0, 0.875, 1.0, 1.0], 100)));
        assert_eq!(glyph("▏"), Some(Glyph::Part([0.0, 0.0, 0.125, 1.0], 100)));
        assert_eq!(glyph("▉"), Some(Glyph::Part([0.0, 0.0, 0.875, 1.0], 100)));
        assert_eq!(glyph(" "), None);
        assert_eq!(glyph("a"), None);
        assert_eq!(glyph("──"), None);
    }
}
