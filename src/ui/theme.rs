//! Colours and emphasis. With `NO_COLOR` set every style falls back to bold, dim, underline
//! and reverse, so nothing depends on colour to be read.

use ratatui::style::{Color, Modifier, Style};

/// The marker column of a list's selected row (connectors, messages, folders): readable
/// without colour and in a copied screen.
pub const SELECTED_MARK: &str = "▌";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(no_color: bool) -> Theme {
        Theme { color: !no_color }
    }

    fn pick(&self, color: Style, plain: Style) -> Style {
        if self.color { color } else { plain }
    }

    pub fn title(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn bar(&self) -> Style {
        self.pick(
            Style::new().bg(Color::Blue).fg(Color::White),
            Style::new().add_modifier(Modifier::REVERSED),
        )
    }

    pub fn accent(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Cyan),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn muted(&self) -> Style {
        self.pick(
            Style::new().fg(Color::DarkGray),
            Style::new().add_modifier(Modifier::DIM),
        )
    }

    pub fn key(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn ok(&self) -> Style {
        self.pick(Style::new().fg(Color::Green), Style::new())
    }

    pub fn warn(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn error(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// The selected row: reverse video in both themes, so it shows in any terminal and under
    /// `NO_COLOR`; lists also draw [`SELECTED_MARK`] in front of it for a plain capture.
    pub fn selected(&self) -> Style {
        self.pick(
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            Style::new().add_modifier(Modifier::REVERSED),
        )
    }

    /// The box of the focused input field.
    pub fn focus(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Cyan),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn input(&self) -> Style {
        self.pick(
            Style::new().bg(Color::Rgb(40, 40, 48)),
            Style::new().add_modifier(Modifier::UNDERLINED),
        )
    }

    pub fn code(&self) -> Style {
        self.pick(
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        )
    }
}
