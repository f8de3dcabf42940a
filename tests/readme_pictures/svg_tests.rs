//! Tests of the Buffer → SVG converter, each a small buffer and the exact SVG it gives.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};

use super::*;
use crate::support::mail::assert_contains;
use crate::xml;

fn draw(w: u16, h: u16, put: &[(u16, u16, &str, Style)]) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    for (x, y, s, style) in put {
        buf.set_string(*x, *y, s, *style);
    }
    let svg = to_svg(&buf, None, "a <test> & more");
    xml::check(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    svg
}

fn texts(svg: &str) -> Vec<&str> {
    svg.lines().filter(|l| l.starts_with("<text")).collect()
}

#[test]
fn size_title_and_escaping() {
    let svg = draw(4, 2, &[(0, 0, "a<&>", Style::new())]);
    assert!(svg.starts_with(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\""
    ));
    assert!(svg.contains("<title>a &lt;test&gt; &amp; more</title>"));
    assert_eq!(
        texts(&svg),
        ["<text x=\"0\" y=\"13.5\" textLength=\"36\">a&lt;&amp;&gt;</text>"]
    );
    let mut s = String::new();
    escape("\u{1b}[2J\u{9b}\t\u{fffe}", &mut s);
    assert_eq!(s, "\u{fffd}[2J\u{fffd} \u{fffd}");
}

#[test]
fn one_text_per_run_of_the_same_style() {
    let bold_red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let svg = draw(
        20,
        1,
        &[
            (0, 0, "ab cd", Style::new()),
            (5, 0, "EF", bold_red),
            (9, 0, "g  h", Style::new()),
        ],
    );
    assert_eq!(
        texts(&svg),
        [
            "<text x=\"0\" y=\"13.5\" textLength=\"45\">ab cd</text>",
            "<text x=\"45\" y=\"13.5\" textLength=\"18\" fill=\"#e06c75\" font-weight=\"bold\">EF</text>",
            // Two blanks or more split a run, so collapsed spaces cannot shift "h".
            "<text x=\"81\" y=\"13.5\">g</text>",
            "<text x=\"108\" y=\"13.5\">h</text>",
        ]
    );
}

#[test]
fn wide_characters_take_two_cells_and_others_are_centred() {
    let svg = draw(8, 1, &[(0, 0, "日本x✓", Style::new())]);
    assert_eq!(
        texts(&svg),
        [
            "<text x=\"9\" y=\"13.5\" text-anchor=\"middle\">日</text>",
            "<text x=\"27\" y=\"13.5\" text-anchor=\"middle\">本</text>",
            "<text x=\"36\" y=\"13.5\">x</text>",
            "<text x=\"49.5\" y=\"13.5\" text-anchor=\"middle\">✓</text>",
        ]
    );
}

#[test]
fn backgrounds_reverse_dim_underline_hidden_and_cursor() {
    let svg = draw(
        10,
        1,
        &[
            (0, 0, "ab", Style::new().bg(Color::Blue)),
            (
                2,
                0,
                "R",
                Style::new().fg(Color::Red).add_modifier(Modifier::REVERSED),
            ),
            (3, 0, "d", Style::new().add_modifier(Modifier::DIM)),
            (
                4,
                0,
                "u",
                Style::new().add_modifier(Modifier::UNDERLINED | Modifier::ITALIC),
            ),
            (5, 0, "h", Style::new().add_modifier(Modifier::HIDDEN)),
        ],
    );
    assert_contains(&svg, "<path fill=\"#2f5fa8\" d=\"M0 0h18v18h-18z\"/>");
    assert_contains(&svg, "<path fill=\"#e06c75\" d=\"M18 0h9v18h-9z\"/>");
    assert!(svg.contains("fill=\"#16181d\">R</text>"), "reversed: {svg}");
    let dim = hex(mix(FOREGROUND, BACKGROUND, 0.55));
    assert_contains(&svg, &format!("fill=\"{dim}\">d</text>"));
    assert_contains(&svg, "font-style=\"italic\">u</text>");
    assert!(svg.contains("M36 15h9v1h-9z"), "underline: {svg}");
    assert!(!svg.contains(">h</text>"), "hidden: {svg}");

    let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
    buf.set_string(0, 0, "ok", Style::new());
    let svg = to_svg(&buf, Some(Position::new(1, 0)), "cursor");
    assert_contains(&svg, "<path fill=\"#d4d7dc\" d=\"M9 0h9v18h-9z\"/>");
    assert_contains(&svg, "fill=\"#16181d\">k</text>");
}

#[test]
fn box_drawing_and_blocks_are_shapes_merged_along_the_row() {
    let svg = draw(
        3,
        3,
        &[(0, 0, "┌─┐", Style::new()), (0, 1, "│▀█", Style::new())],
    );
    assert!(texts(&svg).is_empty(), "{svg}");
    assert!(
        svg.contains("d=\"M4 9.5H23M4.5 9V36M22.5 9V18\""),
        "one line across, the left side down two rows: {svg}"
    );
    assert_contains(&svg, "d=\"M9 18h18v9h-18zM18 27h9v9h-9z\"");
}

#[test]
fn colours_follow_the_palette_and_xterm_cube() {
    assert_eq!(rgb(Color::Reset), None);
    assert_eq!(rgb(Color::Red), Some(PALETTE[1]));
    assert_eq!(rgb(Color::Indexed(9)), rgb(Color::LightRed));
    assert_eq!(rgb(Color::Indexed(16)), Some([0, 0, 0]));
    assert_eq!(rgb(Color::Indexed(196)), Some([255, 0, 0]));
    assert_eq!(rgb(Color::Indexed(67)), Some([95, 135, 175]));
    assert_eq!(rgb(Color::Indexed(232)), Some([8, 8, 8]));
    assert_eq!(rgb(Color::Indexed(255)), Some([238, 238, 238]));
    assert_eq!(rgb(Color::Rgb(1, 2, 3)), Some([1, 2, 3]));
    assert_eq!(hex([1, 171, 255]), "#01abff");
}

#[test]
fn the_same_buffer_gives_the_same_bytes() {
    let put = [(0, 0, "╭─ title ─╮", Style::new().fg(Color::Cyan))];
    assert_eq!(draw(12, 1, &put), draw(12, 1, &put));
}
