//! Drawing only: `view(&Model, &mut Frame)` reads the model and never changes it.

mod compose;
mod connectors;
mod footer;
pub mod mailbox;
mod overlay;
mod picker;
mod signin;
pub mod theme;
mod unlock;
pub mod widgets;
mod wizard;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use crate::app::{Model, Screen};

pub use signin::Hyperlink;
use theme::Theme;

/// Draws the whole screen.
pub fn view(model: &Model, f: &mut Frame) {
    let theme = Theme::new(model.shared.no_color);
    let [title, body, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    title_bar(model, f, title, &theme);
    match &model.screen {
        Screen::Unlock(s) => unlock::view(model, s, f, body, &theme),
        Screen::Connectors(s) => connectors::view(model, s, f, body, &theme),
        Screen::Wizard(w) => wizard::view(model, w, f, body, &theme),
        Screen::SignIn(s) => signin::view(model, s, f, body, &theme),
        Screen::Mailbox(s) => mailbox::view(model, s, f, body, &theme),
        Screen::Compose(s) => compose::view(model, s, f, body, &theme),
    }
    // Under the dialogs: a toast never covers one (the guide says in its title what it sent).
    overlay::toasts(model, f, body, &theme);
    overlay::view(model, f, body, &theme);
    footer::view(model, f, footer_area, &theme);
}

/// Clickable links on the current screen (OSC 8), placed where `view` drew their text.
pub fn hyperlinks(model: &Model, area: Rect) -> Vec<Hyperlink> {
    if !model.shared.overlays.is_empty() {
        return Vec::new();
    }
    let [_, body, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    match &model.screen {
        Screen::SignIn(s) => signin::hyperlinks(s, body),
        _ => Vec::new(),
    }
}

fn title_bar(model: &Model, f: &mut Frame, area: Rect, theme: &Theme) {
    let where_ = match &model.screen {
        Screen::Unlock(_) => "Vault".to_string(),
        Screen::Connectors(_) => "Connectors".into(),
        Screen::Wizard(w) => match &w.editing {
            Some(n) => format!("Connectors › Edit {n}"),
            None => "Connectors › New connector".into(),
        },
        Screen::SignIn(s) => format!("Connectors › Sign in {}", s.name),
        Screen::Mailbox(s) => format!(
            "{} › {}",
            s.connector,
            crate::domain::sanitize::line(&s.folder_name())
        ),
        Screen::Compose(s) => format!("{} › {}", s.connector, s.title()),
    };
    let left = format!(" graphmail  {where_}");
    let right = match model.shared.through_agent {
        true => format!("unlocked by agent · {} ", model.shared.vault_label),
        false => format!("{} ", model.shared.vault_label),
    };
    let width = area.width as usize;
    let room = width.saturating_sub(left.chars().count() + 2);
    // The vault's path when it fits, else its file name, else nothing: never a cut path.
    let right = if right.chars().count() <= room {
        right
    } else {
        let file = std::path::Path::new(&model.shared.vault_label)
            .file_name()
            .map(|n| format!("{} ", n.to_string_lossy()))
            .unwrap_or_default();
        if file.chars().count() <= room {
            file
        } else {
            String::new()
        }
    };
    let pad = width.saturating_sub(left.chars().count() + right.chars().count());
    f.render_widget(
        Line::from(vec![
            Span::raw(left),
            Span::raw(" ".repeat(pad)),
            Span::raw(right),
        ])
        .style(theme.bar()),
        area,
    );
}
