//! What fits on the screen: the `?` help scrolls to every binding, the footer keeps `? help`,
//! toasts and pop-ups stay whole over other drawings (CJK text too), wizard messages are not
//! cut, and the connector table keeps the names readable at any width.

use crate::support::tui::*;
use crate::support::tui_mailbox::*;
use graphmail::app::keymap::Context;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::wizard::Field;
use graphmail::app::{Model, Screen};
use graphmail::domain::Grant;
use graphmail::domain::permissions::Preset;

fn lines(text: &str) -> Vec<Vec<char>> {
    text.lines().map(|l| l.chars().collect()).collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The rows inside the help box (between its borders), as drawn.
fn help_rows(m: &Model, w: u16, h: u16) -> (String, Vec<String>) {
    let screen = lines(&screen_text(m, w, h));
    let (top, left) = screen
        .iter()
        .enumerate()
        .find_map(|(y, row)| {
            let s: String = row.iter().collect();
            s.find("╭ Keys").map(|b| (y, s[..b].chars().count()))
        })
        .expect("the help box is drawn");
    let title: String = screen[top].iter().collect();
    let right = left
        + screen[top][left..]
            .iter()
            .position(|c| *c == '╮')
            .expect("top right corner");
    let mut rows = Vec::new();
    for row in &screen[top + 1..] {
        if row[left] == '╰' {
            return (title, rows);
        }
        rows.push(row[left + 1..right].iter().collect::<String>());
    }
    panic!("the help box has no bottom border")
}

/// Scrolls the help one row at a time to its end; returns every row in order and the titles.
fn whole_help(m: &mut Model, w: u16, h: u16) -> (Vec<String>, Vec<String>) {
    let (title, mut all) = help_rows(m, w, h);
    let mut titles = vec![title];
    for _ in 0..200 {
        code(m, KeyCode::Down);
        let (title, rows) = help_rows(m, w, h);
        if title == *titles.last().unwrap() {
            return (all, titles);
        }
        all.push(rows.last().unwrap().clone());
        titles.push(title);
    }
    panic!("the help never stops scrolling")
}

fn assert_every_binding_shown(m: &mut Model, contexts: &[Context], w: u16, h: u16) {
    let keymap = m.shared.keymap.clone();
    let (rows, titles) = whole_help(m, w, h);
    let text = collapse(&rows.join(" "));
    for ctx in contexts {
        for b in keymap.bindings(*ctx) {
            let keys = b
                .keys
                .iter()
                .map(|k| graphmail::app::keymap::shown(*k))
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                rows.iter()
                    .any(|r| r.trim_start().starts_with(&format!("{keys}  "))),
                "{keys} is shown, two spaces before its description: {rows:#?}"
            );
            assert!(
                text.contains(&collapse(&b.desc)),
                "the whole description of {keys} is shown: {:?} in {rows:#?}",
                b.desc
            );
        }
    }
    if titles.len() > 1 {
        let total = rows.len();
        assert!(
            titles.last().unwrap().contains(&format!("/{total}")),
            "the title says where the help is: {titles:?}"
        );
    }
}

#[test]
fn the_mailbox_help_at_80x24_scrolls_to_every_binding() {
    let (mut m, _) = loaded_mailbox((80, 24), 50, true);
    m.shared.toasts.clear();
    press(&mut m, Key::ch('?'));
    let (title, rows) = help_rows(&m, 80, 24);
    assert!(
        title.contains("1–") && title.contains('/'),
        "a help taller than the screen says so: {title}"
    );
    assert!(rows.len() >= 18, "the box uses the screen: {rows:#?}");
    assert_every_binding_shown(&mut m, &[Context::Mailbox, Context::Global], 80, 24);
    // End and Home jump; PgUp/PgDn move by pages.
    code(&mut m, KeyCode::End);
    let (_, last) = help_rows(&m, 80, 24);
    assert!(collapse(&last.join(" ")).contains("Quit graphmail"));
    code(&mut m, KeyCode::Home);
    assert_eq!(help_rows(&m, 80, 24).1, rows);
    code(&mut m, KeyCode::PageDown);
    assert_ne!(help_rows(&m, 80, 24).1, rows);
    code(&mut m, KeyCode::PageUp);
    assert_eq!(help_rows(&m, 80, 24).1, rows);
    press(&mut m, Key::ch('j'));
    press(&mut m, Key::ch('k'));
    assert_eq!(help_rows(&m, 80, 24).1, rows, "j and k scroll too");
    code(&mut m, KeyCode::Esc);
    assert!(m.shared.overlays.is_empty());
}

#[test]
fn the_list_help_wraps_long_descriptions_under_their_column() {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    press(&mut m, Key::ch('?'));
    assert_every_binding_shown(&mut m, &[Context::List, Context::Global], 80, 24);
    let mut m = list_model(rows());
    press(&mut m, Key::ch('?'));
    let (_, rows) = help_rows(&m, 80, 24);
    let at = rows
        .iter()
        .position(|r| r.contains("How to register"))
        .expect("the guide key is listed");
    let col = rows[at].find("How to").unwrap();
    let next = &rows[at + 1];
    assert!(
        next[..col].trim().is_empty() && !next[col..].trim().is_empty(),
        "the rest of the description continues under it: {rows:#?}"
    );
    // Wider terminals get a wider box, up to a limit.
    let (_, wide) = help_rows(&m, 120, 40);
    assert!(wide[0].chars().count() > rows[0].chars().count());
    assert_every_binding_shown(&mut m, &[Context::List, Context::Global], 120, 40);
}

#[test]
fn the_footer_keeps_help_and_the_most_used_keys_at_80_columns() {
    let m = list_model(rows());
    let text = screen_text(&m, 80, 24);
    let footer = text.lines().last().unwrap();
    assert!(footer.contains("F1 help"), "{footer}");
    assert!(footer.contains("q quit"), "{footer}");
    assert!(footer.contains("Enter open"), "open is named: {footer}");
    let text = screen_text(&m, 50, 24);
    let footer = text.lines().last().unwrap();
    assert!(footer.contains("F1 help"), "{footer}");

    let (mut m, _) = loaded_mailbox((80, 24), 50, true);
    code(&mut m, KeyCode::Down);
    let text = screen_text(&m, 80, 24);
    let footer = text.lines().last().unwrap();
    assert!(footer.contains("F1 help"), "{footer}");
    for most_used in ["Enter open", "d delete", "c new"] {
        assert!(
            footer.contains(most_used),
            "the most used keys stay: {footer}"
        );
    }
}

/// The screen as a terminal shows it: the cell after a double-width glyph is covered by it.
fn visible_cells(m: &Model, w: u16, h: u16) -> Vec<Vec<String>> {
    let t = render(m, w, h);
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| {
            let mut row = Vec::new();
            let mut covered = false;
            for x in 0..w {
                let cell = &buf[(x, y)];
                if covered {
                    row.push("<covered>".to_string());
                    covered = false;
                } else {
                    covered = unicode_width(cell.symbol()) > 1;
                    row.push(cell.symbol().to_string());
                }
            }
            row
        })
        .collect()
}

fn unicode_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{9FFF}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn the_move_dialog_keeps_its_left_border_over_cjk_names() {
    let (mut m, _) = loaded_mailbox((80, 24), 20, false);
    m.shared.toasts.clear();
    let Screen::Mailbox(s) = &mut m.screen else {
        unreachable!()
    };
    for (i, r) in s.rows.iter_mut().enumerate() {
        // Odd and even offsets, so some glyph straddles whichever column the dialog starts at.
        let pad = if i % 2 == 0 { "" } else { "x" };
        r.from = format!("{pad}田中 美咲 田中 美咲");
        r.subject = format!("{pad}田中美咲田中美咲田中美咲田中美咲田中美咲田中美咲田中美咲");
    }
    press(&mut m, Key::ch('v'));
    let cells = visible_cells(&m, 80, 24);
    let (top, left) = cells
        .iter()
        .enumerate()
        .find_map(|(y, row)| {
            let s: String = row.concat();
            let at =
                (2..row.len().saturating_sub(4)).find(|&x| row[x..x + 4].concat() == "Move")?;
            s.contains("Move to").then_some((y, at - 2))
        })
        .expect("the move dialog is drawn");
    assert_eq!(cells[top][left], "╭", "{:?}", cells[top].concat());
    let right = left + cells[top][left..].iter().position(|c| c == "╮").unwrap();
    let mut y = top + 1;
    while cells[y][left] != "╰" {
        assert_eq!(
            cells[y][left],
            "│",
            "left border on row {y}: {:?}",
            cells[y].concat()
        );
        assert_eq!(cells[y][right], "│", "right border on row {y}");
        y += 1;
    }
    assert!(y > top + 3, "the dialog has rows");
}

/// The text of a message that starts with `marker`, following its wrapped lines below it while
/// the `blank` columns before them (a field's label) are empty.
fn message_at(text: &str, marker: &str, blank: usize) -> String {
    let rows = lines(text);
    let (y, col) = rows
        .iter()
        .enumerate()
        .find_map(|(y, r)| {
            let s: String = r.iter().collect();
            s.find(marker).map(|b| (y, s[..b].chars().count()))
        })
        .unwrap_or_else(|| panic!("{marker} is on the screen:\n{text}"));
    let mut out: String = rows[y][col..].iter().collect();
    for r in &rows[y + 1..rows.len() - 1] {
        let before: String = r[col.saturating_sub(blank)..col].iter().collect();
        let rest: String = r[col..].iter().collect();
        if !before.trim().is_empty() || rest.trim().is_empty() || rest.starts_with(['✗', '─']) {
            break;
        }
        out.push(' ');
        out.push_str(&rest);
    }
    collapse(&out)
}

/// The wizard's app registration step with `tenant` and `client_id` typed and Enter pressed.
fn wizard_with_ids(tenant: &str, client_id: &str) -> Model {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    press(&mut m, Key::ch('a'));
    type_text(&mut m, "mail-gw");
    code(&mut m, KeyCode::Enter);
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, tenant);
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, client_id);
    code(&mut m, KeyCode::Enter);
    m
}

fn wizard_with_bad_ids() -> Model {
    wizard_with_ids("contoso", "1234-not-a-guid")
}

#[test]
fn wizard_messages_are_shown_whole_when_there_is_room() {
    let m = wizard_with_bad_ids();
    let w = wizard(&m);
    let tenant = w.visible_problem(Field::Tenant).expect("tenant problem");
    let client = w
        .visible_problem(Field::ClientId)
        .expect("client id problem");
    let (blocked_field, why) = w.blocker().expect("next is blocked");
    assert_eq!(blocked_field, Field::Tenant);
    let text = screen_text(&m, 120, 40);
    assert_eq!(
        message_at(&text, "✗ Tenant", 16),
        collapse(&format!("✗ {tenant}"))
    );
    assert_eq!(
        message_at(&text, "✗ Client ID", 16),
        collapse(&format!("✗ {client}"))
    );
    assert_eq!(
        message_at(&text, "Enter Next is blocked", 0),
        collapse(&format!("Enter Next is blocked: {why}"))
    );
}

#[test]
fn at_80x24_the_focused_fields_message_is_whole() {
    let mut m = wizard_with_bad_ids();
    let text = screen_text(&m, 80, 24);
    let tenant = wizard(&m)
        .visible_problem(Field::Tenant)
        .unwrap()
        .to_string();
    assert_eq!(
        message_at(&text, "✗ Tenant", 16),
        collapse(&format!("✗ {tenant}"))
    );
    code(&mut m, KeyCode::Tab);
    let client = wizard(&m)
        .visible_problem(Field::ClientId)
        .unwrap()
        .to_string();
    let text = screen_text(&m, 80, 24);
    assert_eq!(
        message_at(&text, "✗ Client ID", 16),
        collapse(&format!("✗ {client}"))
    );
    assert!(
        text.lines().any(|l| l.contains("Next is blocked")),
        "the Next line stays: {text}"
    );
}

#[test]
fn the_grant_notes_wrap_at_80_columns() {
    let mut m = wizard_with_ids(
        "contoso.onmicrosoft.com",
        "11111111-2222-3333-4444-555555555555",
    );
    for _ in 0..3 {
        code(&mut m, KeyCode::Right);
    }
    assert_eq!(wizard(&m).grant, Grant::ClientCredentials);
    let text = screen_text(&m, 80, 24);
    assert!(
        collapse(&text)
            .contains("App-only: needs a client secret and admin-consented app permissions."),
        "{text}"
    );
    code(&mut m, KeyCode::Left);
    let text = screen_text(&m, 80, 24);
    assert!(
        collapse(&text)
            .contains("⚠ Discouraged: fails with MFA, and the password is kept in the vault."),
        "{text}"
    );
}

fn list_at(m: &Model, w: u16) -> Vec<String> {
    screen_text(m, w, 24).lines().map(str::to_string).collect()
}

#[test]
fn the_connector_table_keeps_names_and_marks_cut_tenants() {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    let names = ["helpdesk", "alerts", "scanner", "ops-app", "archive"];
    for w in [50, 56, 60, 70, 80, 100, 120] {
        let screen = list_at(&m, w);
        let table = &screen[2..9];
        for name in names {
            assert!(
                table.iter().any(|r| r.contains(&format!("{name} "))),
                "{name} whole at {w} columns:\n{}",
                table.join("\n")
            );
        }
        for r in table.iter().filter(|r| r.contains("contoso")) {
            let at = r.find("contoso").unwrap();
            let cell = r[at..].split(' ').next().unwrap();
            assert!(
                cell == "contoso.onmicrosoft.com" || cell.ends_with('…'),
                "a cut tenant ends with … at {w} columns: {r}"
            );
        }
    }
    // The selected app-only connector: its tenant and target mailbox in the details.
    press_down(&mut m, 3);
    let screen = list_at(&m, 80).join("\n");
    let details = &screen[screen.find(" ops-app ─").expect("details")..];
    assert!(details.contains("contoso.onmicrosoft.com"), "{details}");
    assert!(details.contains("ops@contoso.com"), "{details}");
}

#[test]
fn the_connector_details_list_exactly_the_requested_scopes() {
    let mut rs = rows();
    rs[0].connector.presets = vec![Preset::Fetch, Preset::Send];
    let requested = rs[0].connector.permission_summary().names().join(" ");
    assert!(requested.contains("offline_access"), "{requested}");
    let mut m = list_model(rs);
    m.shared.toasts.clear();
    let screen = list_at(&m, 120).join("\n");
    let line = screen
        .lines()
        .find(|l| l.trim_start().starts_with("Scopes"))
        .expect("a Scopes line");
    assert_eq!(
        line.trim_start().trim_start_matches("Scopes").trim(),
        requested
    );
}
