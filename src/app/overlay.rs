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
    /// Forget a connector's tokens.
    SignOut(String),
    DiscardWizard,
    /// Move a message to Deleted Items.
    DeleteMessage {
        message_id: String,
        subject: String,
    },
    SendMail,
    DiscardDraft,
    /// Change every marked message of the mailbox.
    Batch(super::mailbox::batch::BatchKind),
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
    /// The commands were sent to the terminal's clipboard: the title says so (a toast would
    /// be under the guide).
    pub sent: bool,
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
            sent: false,
        }
    }
}

impl Overlay {
    /// The first row shown, for an overlay that scrolls.
    fn scroll_mut(&mut self) -> Option<&mut usize> {
        match self {
            Overlay::Help(h) => Some(&mut h.scroll),
            Overlay::Guide(g) => Some(&mut g.scroll),
            Overlay::Confirm { .. } | Overlay::Error { .. } => None,
        }
    }

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

/// Where a scroll key moves the first row shown from `at`, `page` rows a page, before the
/// caller clamps it to its end; `None` for a key that does not scroll.
fn scroll_target(action: Option<Action>, at: usize, page: usize) -> Option<usize> {
    Some(match action? {
        Action::Up => at.saturating_sub(1),
        Action::Down => at.saturating_add(1),
        Action::PageUp => at.saturating_sub(page),
        Action::PageDown => at.saturating_add(page),
        Action::Top => 0,
        Action::Bottom => usize::MAX,
        _ => return None,
    })
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
    // Help and guide scroll alike; each says where it is, how long a page is and where it ends.
    let bounds = match shared.overlays.last()? {
        Overlay::Help(h) => {
            let l = help::layout(
                &shared.keymap,
                help_contexts,
                shared.demo,
                body_size(shared.size),
            );
            let page = l.visible().saturating_sub(1).max(1);
            Some((h.scroll, page, l.max_scroll()))
        }
        Overlay::Guide(g) => Some((g.scroll, GUIDE_PAGE, g.lines.len().saturating_sub(1))),
        Overlay::Confirm { .. } | Overlay::Error { .. } => None,
    };
    if let Some((at, page, last)) = bounds
        && let Some(to) = scroll_target(action, at, page)
        && let Some(scroll) = shared.overlays.last_mut().and_then(Overlay::scroll_mut)
    {
        *scroll = to.min(last);
        shared.changed = *scroll != at;
        return Some(cmds);
    }
    let top = shared.overlays.last()?;
    if matches!(top, Overlay::Error { .. }) && action != Some(Action::Close) {
        // Never a dead end: any other key closes the message, then does what it does below.
        shared.overlays.pop();
        shared.changed = true;
        return on_key(shared, key, help_contexts);
    }
    match (top, action) {
        (_, Some(Action::Quit)) => cmds.push(Cmd::Quit),
        (Overlay::Help(_), Some(Action::Close | Action::Help))
        | (Overlay::Guide(_), Some(Action::Close)) => {
            shared.overlays.pop();
        }
        (Overlay::Guide(g), Some(Action::Copy)) => {
            cmds.push(Cmd::Copy(g.commands.clone()));
            if let Some(Overlay::Guide(g)) = shared.overlays.last_mut() {
                g.sent = true;
            }
            shared.toast(
                ToastLevel::Info,
                format!(
                    "Sent the Azure CLI commands to the terminal's clipboard (OSC 52). {}",
                    super::signin::SENT
                ),
            );
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
                ConfirmAction::SignOut(name) => {
                    let id = shared.next_id();
                    shared.busy = Some((id, format!("Signing {name} out")));
                    cmds.push(Cmd::SignOut { id, name });
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
