//! A ratatui `Buffer` drawn as an SVG picture of a dark terminal: one `<text>` per run of
//! cells in the same style, backgrounds as rectangles, box-drawing and block characters as
//! shapes. The output depends only on the buffer, so it is stable from run to run.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Position;
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

use crate::glyphs::{Glyph, glyph};

/// One cell in pixels: the usual 1:2 terminal cell, and a font whose advance is 0.6 em.
pub const CELL_W: f64 = 9.0;
pub const CELL_H: f64 = 18.0;
const FONT_SIZE: f64 = 15.0;
/// From the top of a cell to the text's baseline.
const BASELINE: f64 = 13.5;
/// The dark margin around the screen.
pub const PAD: f64 = 14.0;
const LIGHT: f64 = 1.0;
const HEAVY: f64 = 2.5;
const FONTS: &str = "ui-monospace, 'SF Mono', 'Cascadia Mono', Menlo, Consolas, \
                     'DejaVu Sans Mono', 'Liberation Mono', monospace";

pub type Rgb = [u8; 3];
pub const BACKGROUND: Rgb = [0x16, 0x18, 0x1d];
pub const FOREGROUND: Rgb = [0xd4, 0xd7, 0xdc];

/// The 16 named colours in ANSI order: black, red, green, yellow, blue, magenta, cyan, grey,
/// then their bright versions.
const PALETTE: [Rgb; 16] = [
    [0x1b, 0x1d, 0x23],
    [0xe0, 0x6c, 0x75],
    [0x98, 0xc3, 0x79],
    [0xe5, 0xc0, 0x7b],
    [0x2f, 0x5f, 0xa8],
    [0xc6, 0x78, 0xdd],
    [0x56, 0xb6, 0xc2],
    [0xab, 0xb2, 0xbf],
    [0x5c, 0x63, 0x70],
    [0xff, 0x8a, 0x93],
    [0xb5, 0xe8, 0x90],
    [0xf4, 0xd7, 0x8e],
    [0x7a, 0xb8, 0xff],
    [0xe0, 0xa6, 0xf2],
    [0x8a, 0xe1, 0xeb],
    [0xf5, 0xf6, 0xf8],
];

/// The colour a terminal with this palette shows; `None` for the terminal's default.
pub fn rgb(c: Color) -> Option<Rgb> {
    let named = |i: usize| Some(PALETTE[i]);
    match c {
        Color::Reset => None,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Rgb(r, g, b) => Some([r, g, b]),
        Color::Indexed(i) => Some(indexed(i)),
    }
}

/// xterm's 256 colours: the 16 named ones, a 6×6×6 cube, then 24 greys.
fn indexed(i: u8) -> Rgb {
    match i {
        0..=15 => PALETTE[usize::from(i)],
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = i - 16;
            [level(i / 36), level(i / 6 % 6), level(i % 6)]
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            [v, v, v]
        }
    }
}

pub fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn mix(a: Rgb, b: Rgb, keep: f64) -> Rgb {
    let m = |x: u8, y: u8| (f64::from(x) * keep + f64::from(y) * (1.0 - keep)).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// A cell's style as drawn: concrete colours, reverse video and dim already applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Look {
    fg: Rgb,
    bg: Rgb,
    bold: bool,
    italic: bool,
    underline: bool,
    crossed: bool,
    hidden: bool,
}

impl Look {
    fn of(cell: &Cell, cursor: bool) -> Look {
        let m = cell.modifier;
        let mut fg = rgb(cell.fg).unwrap_or(FOREGROUND);
        let mut bg = rgb(cell.bg).unwrap_or(BACKGROUND);
        // The cursor is a block: the cell in reverse video.
        if m.contains(Modifier::REVERSED) != cursor {
            std::mem::swap(&mut fg, &mut bg);
        }
        if m.contains(Modifier::DIM) {
            fg = mix(fg, bg, 0.55);
        }
        Look {
            fg,
            bg,
            bold: m.contains(Modifier::BOLD),
            italic: m.contains(Modifier::ITALIC),
            underline: m.contains(Modifier::UNDERLINED),
            crossed: m.contains(Modifier::CROSSED_OUT),
            hidden: m.contains(Modifier::HIDDEN),
        }
    }

    /// What a `<text>` element carries; runs of cells that agree on it share one element.
    fn text_key(&self) -> (Rgb, bool, bool) {
        (self.fg, self.bold, self.italic)
    }

    fn text_attrs(&self) -> String {
        let mut a = String::new();
        if self.fg != FOREGROUND {
            let _ = write!(a, " fill=\"{}\"", hex(self.fg));
        }
        if self.bold {
            a.push_str(" font-weight=\"bold\"");
        }
        if self.italic {
            a.push_str(" font-style=\"italic\"");
        }
        a
    }
}

/// Coordinates with at most three decimals and no trailing zeros, so the output is stable.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A key for a coordinate, exact for the eighths of a cell that shapes use.
fn key(v: f64) -> i64 {
    (v * 8.0).round() as i64
}

/// Rectangles of one paint; a rectangle that continues the one to its left is merged into it.
#[derive(Default)]
struct Rects {
    list: Vec<[f64; 4]>,
    open: HashMap<(i64, i64, i64), usize>,
}

impl Rects {
    fn add(&mut self, x: f64, y: f64, w: f64, h: f64) {
        if let Some(i) = self.open.remove(&(key(x), key(y), key(h))) {
            self.list[i][2] += w;
            self.open.insert((key(x + w), key(y), key(h)), i);
            return;
        }
        self.open
            .insert((key(x + w), key(y), key(h)), self.list.len());
        self.list.push([x, y, w, h]);
    }

    fn path(&self) -> String {
        let mut d = String::new();
        for [x, y, w, h] in &self.list {
            let _ = write!(
                d,
                "M{} {}h{}v{}h-{}z",
                num(*x),
                num(*y),
                num(*w),
                num(*h),
                num(*w)
            );
        }
        d
    }
}

/// Line segments of one colour and weight; a segment that continues another is merged into it.
#[derive(Default)]
struct Strokes {
    /// (y, x0, x1) and (x, y0, y1).
    across: Vec<[f64; 3]>,
    down: Vec<[f64; 3]>,
    open_across: HashMap<(i64, i64), usize>,
    open_down: HashMap<(i64, i64), usize>,
    curves: String,
}

impl Strokes {
    fn across(&mut self, y: f64, x0: f64, x1: f64) {
        Self::add(&mut self.across, &mut self.open_across, y, x0, x1);
    }

    fn down(&mut self, x: f64, y0: f64, y1: f64) {
        Self::add(&mut self.down, &mut self.open_down, x, y0, y1);
    }

    fn add(
        list: &mut Vec<[f64; 3]>,
        open: &mut HashMap<(i64, i64), usize>,
        at: f64,
        a: f64,
        b: f64,
    ) {
        if let Some(i) = open.remove(&(key(at), key(a))) {
            list[i][2] = b;
            open.insert((key(at), key(b)), i);
            return;
        }
        open.insert((key(at), key(b)), list.len());
        list.push([at, a, b]);
    }

    fn path(&self) -> String {
        let mut d = String::new();
        for [y, x0, x1] in &self.across {
            let _ = write!(d, "M{} {}H{}", num(*x0), num(*y), num(*x1));
        }
        for [x, y0, y1] in &self.down {
            let _ = write!(d, "M{} {}V{}", num(*x), num(*y0), num(*y1));
        }
        d.push_str(&self.curves);
        d
    }
}

/// Everything drawn, by layer: backgrounds, filled shapes, lines, then text on top.
#[derive(Default)]
struct Layers {
    backgrounds: BTreeMap<Rgb, Rects>,
    fills: BTreeMap<(Rgb, u8), Rects>,
    strokes: BTreeMap<(Rgb, u8), Strokes>,
    text: String,
}

impl Layers {
    /// The lines of colour `fg` and weight `weight`.
    fn stroke(&mut self, fg: Rgb, weight: u8) -> &mut Strokes {
        self.strokes.entry((fg, weight)).or_default()
    }

    fn shape(&mut self, g: Glyph, fg: Rgb, x: f64, y: f64, w: f64) {
        match g {
            Glyph::Quarters(q) => {
                let rects = self.fills.entry((fg, 100)).or_default();
                for (bit, (qx, qy)) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
                    .into_iter()
                    .enumerate()
                {
                    if q & (1 << bit) != 0 {
                        let (hw, hh) = (w / 2.0, CELL_H / 2.0);
                        rects.add(x + qx * hw, y + qy * hh, hw, hh);
                    }
                }
            }
            Glyph::Part([x0, y0, x1, y1], opacity) => {
                self.fills.entry((fg, opacity)).or_default().add(
                    x + x0 * w,
                    y + y0 * CELL_H,
                    (x1 - x0) * w,
                    (y1 - y0) * CELL_H,
                );
            }
            Glyph::Lines { arms, round } => self.lines(arms, round, fg, x, y, w),
        }
    }

    /// Arms from the cell centre to its edges; each arm reaches past the centre by half the
    /// width of the arms across it, so joints are filled.
    fn lines(&mut self, arms: [u8; 4], round: bool, fg: Rgb, x: f64, y: f64, w: f64) {
        let width = |weight: u8| if weight == 2 { HEAVY } else { LIGHT };
        // Centred on half pixels, so 1-pixel lines are crisp at 1:1.
        let (cx, cy) = (x + (w / 2.0).floor() + 0.5, y + CELL_H / 2.0 + 0.5);
        let (x1, y1) = (x + w, y + CELL_H);
        let [up, right, down, left] = arms;
        let half = |a: u8, b: u8| width(a.max(b)) / 2.0 * f64::from(u8::from(a.max(b) > 0));
        let (reach_h, reach_v) = (half(up, down), half(left, right));
        if round {
            let r = (w / 2.0).min(CELL_H / 2.0);
            let (sx, sy) = (
                if right > 0 { 1.0 } else { -1.0 },
                if down > 0 { 1.0 } else { -1.0 },
            );
            let (hx, vy) = (
                if right > 0 { x1 } else { x },
                if down > 0 { y1 } else { y },
            );
            let s = self.stroke(fg, up.max(right).max(down).max(left));
            let _ = write!(
                s.curves,
                "M{} {}H{}Q{} {} {} {}V{}",
                num(hx),
                num(cy),
                num(cx + sx * r),
                num(cx),
                num(cy),
                num(cx),
                num(cy + sy * r),
                num(vy)
            );
            return;
        }
        for (weight, from, to) in halves(left, right, x, cx, x1, reach_h) {
            self.stroke(fg, weight).across(cy, from, to);
        }
        for (weight, from, to) in halves(up, down, y, cy, y1, reach_v) {
            self.stroke(fg, weight).down(cx, from, to);
        }
    }
}

/// The segments of a line across a cell from `start` to `end` through its centre `centre`,
/// `a` the weight of the half at the start and `b` of the half at the end: one segment when
/// both are the same, else each drawn half reaching `reach` past the centre to join the other.
fn halves(a: u8, b: u8, start: f64, centre: f64, end: f64, reach: f64) -> Vec<(u8, f64, f64)> {
    if a > 0 && a == b {
        return vec![(a, start, end)];
    }
    [(a, start, centre + reach), (b, centre - reach, end)]
        .into_iter()
        .filter(|&(weight, ..)| weight > 0)
        .collect()
}

/// Text as XML character data: markup escaped, characters XML cannot hold replaced.
pub fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' '
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || c == '\u{fffe}'
                || c == '\u{ffff}' =>
            {
                out.push('\u{fffd}')
            }
            c => out.push(c),
        }
    }
}

/// A run of cells drawn as one `<text>`: ASCII words with single spaces between them, so
/// every font and renderer keeps it on the grid.
struct Run {
    x: u16,
    look: Look,
    text: String,
    /// Blank cells seen after the text; kept only if the run goes on after them.
    blanks: u16,
}

fn close(run: &mut Option<Run>, top: f64, out: &mut String) {
    let Some(r) = run.take() else { return };
    let cells = r.text.chars().count();
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\"",
        num(f64::from(r.x) * CELL_W),
        num(top + BASELINE)
    );
    if cells > 1 {
        let _ = write!(out, " textLength=\"{}\"", num(cells as f64 * CELL_W));
    }
    out.push_str(&r.look.text_attrs());
    out.push('>');
    escape(&r.text, out);
    out.push_str("</text>\n");
}

/// The SVG picture of `buf`, with a block cursor at `cursor` and `title` for screen readers.
pub fn to_svg(buf: &Buffer, cursor: Option<Position>, title: &str) -> String {
    let area = buf.area;
    let mut layers = Layers::default();
    for y in 0..area.height {
        let top = f64::from(y) * CELL_H;
        let mut run: Option<Run> = None;
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(area.x + x, area.y + y)];
            let at_cursor = cursor == Some(Position::new(area.x + x, area.y + y));
            let look = Look::of(cell, at_cursor);
            let symbol = match cell.symbol() {
                "" => " ",
                s => s,
            };
            // A wide character covers the cells after it; ratatui leaves those blank.
            let cells = (symbol.width() as u16).clamp(1, area.width - x);
            let (left, w) = (f64::from(x) * CELL_W, f64::from(cells) * CELL_W);
            if look.bg != BACKGROUND {
                layers
                    .backgrounds
                    .entry(look.bg)
                    .or_default()
                    .add(left, top, w, CELL_H);
            }
            if look.underline {
                layers.fills.entry((look.fg, 100)).or_default().add(
                    left,
                    top + CELL_H - 3.0,
                    w,
                    1.0,
                );
            }
            if look.crossed {
                layers.fills.entry((look.fg, 100)).or_default().add(
                    left,
                    top + CELL_H / 2.0,
                    w,
                    1.0,
                );
            }
            let single_ascii = symbol.len() == 1 && symbol.is_ascii() && cells == 1;
            if look.hidden || symbol.trim().is_empty() {
                if let Some(r) = &mut run {
                    r.blanks += cells;
                }
            } else if let Some(g) = glyph(symbol) {
                close(&mut run, top, &mut layers.text);
                layers.shape(g, look.fg, left, top, w);
            } else if single_ascii {
                match &mut run {
                    // Two blanks or more start a new run: renderers that collapse spaces
                    // then cannot move the text off the grid.
                    Some(r) if r.look.text_key() == look.text_key() && r.blanks < 2 => {
                        r.text
                            .extend(std::iter::repeat_n(' ', usize::from(r.blanks)));
                        r.blanks = 0;
                        r.text.push_str(symbol);
                    }
                    _ => {
                        close(&mut run, top, &mut layers.text);
                        run = Some(Run {
                            x,
                            look,
                            text: symbol.into(),
                            blanks: 0,
                        });
                    }
                }
            } else {
                // Anything else stands alone, centred on its cells, whatever width the font gives it.
                close(&mut run, top, &mut layers.text);
                let t = &mut layers.text;
                let _ = write!(
                    t,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{}>",
                    num(left + w / 2.0),
                    num(top + BASELINE),
                    look.text_attrs()
                );
                escape(symbol, t);
                t.push_str("</text>\n");
            }
            x += cells;
        }
        close(&mut run, top, &mut layers.text);
    }
    document(&layers, area.width, area.height, title)
}

fn document(layers: &Layers, cols: u16, rows: u16, title: &str) -> String {
    let width = f64::from(cols) * CELL_W + 2.0 * PAD;
    let height = f64::from(rows) * CELL_H + 2.0 * PAD;
    let (w, h) = (num(width), num(height));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" role=\"img\">"
    );
    out.push_str("<title>");
    escape(title, &mut out);
    out.push_str("</title>\n");
    let _ = writeln!(
        out,
        "<rect width=\"{w}\" height=\"{h}\" rx=\"8\" fill=\"{}\"/>",
        hex(BACKGROUND)
    );
    let _ = writeln!(
        out,
        "<g transform=\"translate({} {})\">",
        num(PAD),
        num(PAD)
    );
    for (c, rects) in &layers.backgrounds {
        let _ = writeln!(out, "<path fill=\"{}\" d=\"{}\"/>", hex(*c), rects.path());
    }
    for ((c, opacity), rects) in &layers.fills {
        let o = if *opacity < 100 {
            format!(" fill-opacity=\"{}\"", num(f64::from(*opacity) / 100.0))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<path fill=\"{}\"{o} d=\"{}\"/>",
            hex(*c),
            rects.path()
        );
    }
    for ((c, weight), strokes) in &layers.strokes {
        let _ = writeln!(
            out,
            "<path fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" d=\"{}\"/>",
            hex(*c),
            num(if *weight == 2 { HEAVY } else { LIGHT }),
            strokes.path()
        );
    }
    let _ = writeln!(
        out,
        "<g font-family=\"{FONTS}\" font-size=\"{}\" fill=\"{}\" xml:space=\"preserve\" \
         style=\"white-space:pre\">",
        num(FONT_SIZE),
        hex(FOREGROUND)
    );
    out.push_str(&layers.text);
    out.push_str("</g>\n</g>\n</svg>\n");
    out
}

// The converter's own tests: runs, escaping, wide characters, styles, shapes, colours.
#[cfg(test)]
#[path = "svg_tests.rs"]
mod tests;
