//! Dialogs over the screen (a stack: the top one gets the keys) and toasts that fade.

pub mod help;

use super::keymap::{Action, Context};
use super::msg::UiError;
use super::{Cmd, Nav, Shared};
use crate::domain::guide::GuideInput;
pub use help::HelpView;

/// What a confirmation dialog does on "yes".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmAction {
    DeleteConnector(String),
    DiscardWizard,
    /// Move a message to Deleted Items.
    DeleteMessage {
        message_id: String,
        subject: String,
    },
    SendMail,
    DiscardDraft,
    /// Quit although a draft or the wizard holds unsaved work.
    QuitDiscarding,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Confirm {
        title: String,
        body: String,
        yes: String,
        no: String,
        action: ConfirmAction,
    },
    Error {
        title: String,
        error: UiError,
    },
    Help(HelpView),
    Guide(GuideView),
}

/// The app-registration guide as shown: its lines and how far it is scrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideView {
    pub title: String,
    pub lines: Vec<String>,
    /// The first line shown.
    pub scroll: usize,
    /// The Azure CLI commands, for the clipboard.
    pub commands: String,
}

/// Lines a page key moves the guide by.
const GUIDE_PAGE: usize = 10;

impl GuideView {
    pub fn new(input: &GuideInput) -> GuideView {
        let guide = crate::domain::guide::guide(input);
        GuideView {
            title: format!("Register {} in Azure", guide.connector),
            lines: guide.lines(),
            scroll: 0,
            commands: guide.az_commands.join("\n"),
        }
    }

    fn scroll_to(&mut self, line: usize) -> bool {
        let line = line.min(self.lines.len().saturating_sub(1));
        let moved = line != self.scroll;
        self.scroll = line;
        moved
    }
}

impl Overlay {
    pub fn context(&self) -> Context {
        match self {
            Overlay::Help(_) => Context::Help,
            Overlay::Guide(_) => Context::Guide,
            Overlay::Error { .. } => Context::Message,
            Overlay::Confirm { .. } => Context::Dialog,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub level: ToastLevel,
    /// Monotonic ms at which it disappears.
    pub until_ms: u64,
}

pub const TOAST_MS: u64 = 4_000;
pub const ERROR_TOAST_MS: u64 = 8_000;
/// The last part of a toast's life, drawn dimmed.
pub const FADE_MS: u64 = 1_000;

impl Toast {
    pub fn fading(&self, now_ms: u64) -> bool {
        self.until_ms.saturating_sub(now_ms) <= FADE_MS
    }
}

/// The part of the screen between the title bar and the footer, where overlays are drawn.
pub fn body_size(size: (u16, u16)) -> (u16, u16) {
    (size.0, size.1.saturating_sub(2))
}

/// Keys while an overlay is on top. Returns `None` when the top overlay did not take the key.
/// `help_contexts` are what the `?` help lists, so that it scrolls within its rows.
pub fn on_key(
    shared: &mut Shared,
    key: super::keys::Key,
    help_contexts: &[Context],
) -> Option<Vec<Cmd>> {
    let context = shared.overlays.last()?.context();
    let action = shared.keymap.resolve(&[context, Context::Global], key);
    let mut cmds = Vec::new();
    if let Some(Overlay::Help(_)) = shared.overlays.last() {
        let l = help::layout(
            &shared.keymap,
            help_contexts,
            shared.demo,
            body_size(shared.size),
        );
        let page = l.visible().saturating_sub(1).max(1);
        if let Some(Overlay::Help(h)) = shared.overlays.last_mut() {
            let to = match action {
                Some(Action::Up) => Some(h.scroll.saturating_sub(1)),
                Some(Action::Down) => Some(h.scroll + 1),
                Some(Action::PageUp) => Some(h.scroll.saturating_sub(page)),
                Some(Action::PageDown) => Some(h.scroll + page),
                Some(Action::Top) => Some(0),
                Some(Action::Bottom) => Some(usize::MAX),
                _ => None,
            };
            if let Some(to) = to {
                let to = to.min(l.max_scroll());
                shared.changed = to != h.scroll;
                h.scroll = to;
                return Some(cmds);
            }
        }
    }
    if let Some(Overlay::Guide(g)) = shared.overlays.last_mut() {
        let moved = match action {
            Some(Action::Up) => g.scroll_to(g.scroll.saturating_sub(1)),
            Some(Action::Down) => g.scroll_to(g.scroll + 1),
            Some(Action::PageUp) => g.scroll_to(g.scroll.saturating_sub(GUIDE_PAGE)),
            Some(Action::PageDown) => g.scroll_to(g.scroll + GUIDE_PAGE),
            Some(Action::Top) => g.scroll_to(0),
            Some(Action::Bottom) => g.scroll_to(usize::MAX),
            Some(Action::Copy) => {
                let commands = g.commands.clone();
                shared.toast(
                    ToastLevel::Info,
                    "Copied the Azure CLI commands (through the terminal, OSC 52).",
                );
                return Some(vec![Cmd::Copy(commands)]);
            }
            Some(Action::Close) => {
                shared.overlays.pop();
                true
            }
            Some(Action::Quit) => return Some(vec![Cmd::Quit]),
            _ => false,
        };
        shared.changed = moved;
        return Some(cmds);
    }
    let top = shared.overlays.last()?;
    match (top, action) {
        (_, Some(Action::Quit)) => cmds.push(Cmd::Quit),
        (Overlay::Help(_), Some(Action::Close | Action::Help)) => {
            shared.overlays.pop();
        }
        (Overlay::Confirm { action: what, .. }, Some(Action::Confirm)) => {
            let what = what.clone();
            shared.overlays.pop();
            match what {
                ConfirmAction::DeleteConnector(name) => {
                    let id = shared.next_id();
                    shared.busy = Some((id, format!("Deleting {name}")));
                    cmds.push(Cmd::DeleteConnector { id, name });
                }
                ConfirmAction::DiscardWizard => {
                    shared.nav = Some(Nav::Pop);
                    shared.toast(ToastLevel::Info, "The connector was not saved.");
                }
                ConfirmAction::QuitDiscarding => {
                    shared.quitting = true;
                    cmds.push(Cmd::Quit);
                }
                // Carried out by the screen under the dialog.
                other => shared.confirmed = Some(other),
            }
        }
        (Overlay::Confirm { .. }, Some(Action::Cancel))
        | (Overlay::Error { .. }, Some(Action::Close)) => {
            shared.overlays.pop();
        }
        _ => shared.changed = false,
    }
    Some(cmds)
}
