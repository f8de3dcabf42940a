//! The unlock / create-vault screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::Model;
use crate::app::unlock::{MIN_PASSPHRASE, UnlockMode, UnlockState};

use super::theme::Theme;
use super::widgets::{centered, dialog, input_line, spinner};

pub fn view(model: &Model, s: &UnlockState, f: &mut Frame, area: Rect, theme: &Theme) {
    let create = s.mode == UnlockMode::Create;
    let box_h = if create { 13 } else { 10 };
    let r = centered(area, 70.min(area.width.saturating_sub(2)), box_h);
    let title = if create {
        " Create the vault "
    } else {
        " Unlock the vault "
    };
    let inner =
        dialog(f, r, Line::styled(title, theme.title()), theme.accent()).inner(Margin::new(1, 0));
    let [intro, _, p1, p2, _, problem, status] = Layout::vertical([
        Constraint::Length(if create { 4 } else { 2 }),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(if create { 1 } else { 0 }),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(inner);
    let path = &model.shared.vault_label;
    let intro_text = if create {
        format!(
            "No vault yet at {path}. Choose a passphrase of at least {MIN_PASSPHRASE} characters: it encrypts every client secret and token, and nobody can recover it if it is lost."
        )
    } else {
        format!("The vault at {path} keeps the connectors' secrets and tokens.")
    };
    f.render_widget(Paragraph::new(intro_text).wrap(Wrap { trim: true }), intro);
    let focus_ok = s.pending.is_none() && model.shared.overlays.is_empty();
    input_line(
        f,
        p1,
        theme,
        "Passphrase",
        14,
        &s.passphrase,
        focus_ok && s.focus == 0,
        "",
    );
    if create {
        input_line(
            f,
            p2,
            theme,
            "Again",
            14,
            &s.repeat,
            focus_ok && s.focus == 1,
            "",
        );
    }
    if let Some(p) = &s.problem {
        f.render_widget(
            Paragraph::new(Line::styled(p.as_str(), theme.error())).wrap(Wrap { trim: true }),
            problem,
        );
    }
    let line = if s.pending.is_some() {
        let what = if create {
            "Creating the vault…"
        } else {
            "Unlocking…"
        };
        Line::styled(
            format!("{} {what}", spinner(model.shared.frame)),
            theme.accent(),
        )
    } else if s.failed_attempts > 0 {
        Line::styled(
            format!(
                "{} failed attempt{}. Caps Lock? The passphrase is case-sensitive.",
                s.failed_attempts,
                if s.failed_attempts == 1 { "" } else { "s" }
            ),
            theme.muted(),
        )
    } else {
        Line::raw("")
    };
    f.render_widget(line, status);
}
