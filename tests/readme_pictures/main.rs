//! The README pictures in `assets/readme/` are drawn from the real model and view: this test
//! draws every screen again and fails when a committed picture differs from what the current
//! code draws. `GRAPHMAIL_WRITE_PICTURES=1` (or `scripts/readme-pictures`) writes them instead.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../support/mod.rs"]
mod support;

mod glyphs;
mod screens;
mod svg;
mod xml;

use std::fs;
use std::path::{Path, PathBuf};

/// Wide enough for the mailbox's three panes and the QR code beside the device code.
const SIZE: (u16, u16) = (120, 30);
const DIR: &str = "assets/readme";
const REGENERATE: &str = "regenerate them with `scripts/readme-pictures` \
    (GRAPHMAIL_WRITE_PICTURES=1 cargo test --locked --test readme_pictures), look at them, \
    and commit assets/readme/";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn writing() -> bool {
    std::env::var_os("GRAPHMAIL_WRITE_PICTURES").is_some_and(|v| v == "1")
}

/// Every picture: its file name and the SVG the current code draws.
fn pictures() -> Vec<(&'static str, String)> {
    let (w, h) = SIZE;
    screens::all(SIZE)
        .into_iter()
        .map(|s| {
            let text = support::tui::screen_text(&s.model, w, h);
            for want in s.shows {
                assert!(
                    text.contains(want),
                    "{}: the screen no longer shows {want:?}; fix the builder in \
                     tests/readme_pictures/screens.rs\n{text}",
                    s.file
                );
            }
            let t = support::tui::render(&s.model, w, h);
            let b = t.backend();
            let cursor = b.cursor_visible().then(|| b.cursor_position());
            let picture = svg::to_svg(b.buffer(), cursor, s.title);
            if let Err(e) = xml::check(&picture) {
                panic!("{}: the SVG is not well-formed: {e}", s.file);
            }
            (s.file, picture)
        })
        .collect()
}

/// The first line where two texts differ, counting from 1.
fn first_difference(a: &str, b: &str) -> usize {
    let mut lines = a.lines().zip(b.lines());
    lines
        .position(|(x, y)| x != y)
        .unwrap_or(a.lines().count().min(b.lines().count()))
        + 1
}

#[test]
fn the_readme_pictures_show_the_current_screens() {
    let dir = root().join(DIR);
    let pictures = pictures();
    if writing() {
        fs::create_dir_all(&dir).expect("create assets/readme");
        for (file, picture) in &pictures {
            let path = dir.join(file);
            if fs::read_to_string(&path).ok().as_deref() != Some(picture.as_str()) {
                fs::write(&path, picture).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
                println!("wrote {DIR}/{file}");
            }
        }
    }
    let mut problems = Vec::new();
    for (file, picture) in &pictures {
        let path = dir.join(file);
        match fs::read_to_string(&path) {
            // A checkout with CRLF line endings holds the same picture.
            Ok(old) if old.replace("\r\n", "\n") == *picture => {}
            Ok(old) => problems.push(format!(
                "{DIR}/{file} is out of date: the current code draws a different screen \
                 (first difference on line {})",
                first_difference(&old, picture)
            )),
            Err(e) => problems.push(format!("{DIR}/{file} is missing ({e})")),
        }
    }
    problems.extend(strays(&dir, &pictures));
    assert!(
        problems.is_empty(),
        "README pictures:\n  {}\n{REGENERATE}",
        problems.join("\n  ")
    );
}

/// SVG files in the folder that no screen draws any more.
fn strays(dir: &Path, pictures: &[(&str, String)]) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut strays: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".svg") && !pictures.iter().any(|(f, _)| f == n))
        .map(|n| format!("{DIR}/{n} is not drawn by any screen: delete it"))
        .collect();
    strays.sort();
    strays
}

#[test]
fn the_readme_embeds_every_picture_and_says_how_to_regenerate_them() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    for s in screens::all(SIZE) {
        assert!(
            readme.contains(&format!("({DIR}/{})", s.file)),
            "README.md does not show {DIR}/{}",
            s.file
        );
    }
    assert!(readme.contains("scripts/readme-pictures"));
}

#[test]
fn drawing_is_deterministic() {
    assert_eq!(pictures(), pictures());
}
