//! What the footer says a key does now: the keymap's hint, or the word for this state when
//! the same action does something else here (Enter creates a vault, and saves on Review).

use super::keymap::{Action, Binding};
use super::signin::Phase;
use super::unlock::UnlockMode;
use super::{Model, Screen, wizard};

/// The actions a narrow footer keeps first, most used first; the others follow in the
/// keymap's order while there is room. Help is always kept.
const MOST_USED: &[Action] = &[
    Action::Help,
    Action::Open,
    Action::Confirm,
    Action::NextStep,
    Action::Send,
    Action::Close,
    Action::Cancel,
    Action::SignIn,
    Action::Reply,
    Action::NewMail,
    Action::Delete,
    Action::Back,
    Action::Search,
    Action::Add,
    Action::Copy,
    Action::ShowUrl,
    Action::DemoApprove,
    Action::Retry,
    Action::Toggle,
    Action::Move,
    Action::MarkRead,
    Action::Edit,
    Action::Test,
    Action::Quit,
];

/// Where `action` stands in the footer's keeping order (lower is kept first).
pub fn footer_rank(action: Action) -> usize {
    MOST_USED
        .iter()
        .position(|a| *a == action)
        .unwrap_or(MOST_USED.len())
}

/// The footer's label of `b` on the screen as it is now.
pub fn hint_label(model: &Model, b: &Binding) -> Option<String> {
    let hint = b.hint.clone()?;
    if !model.shared.overlays.is_empty() {
        return Some(hint);
    }
    let said = match (&model.screen, b.action) {
        (Screen::Unlock(s), Action::Confirm) if s.mode == UnlockMode::Create => "create vault",
        (Screen::Wizard(w), Action::NextStep) if w.step == wizard::Step::Review => "save",
        (Screen::SignIn(s), Action::Confirm) => match s.phase {
            Phase::AuthCode(_) if s.paste_focused => "check URL",
            Phase::AuthCode(_) => "paste URL",
            Phase::Done(_) | Phase::Failed(_) => "close",
            _ => return Some(hint),
        },
        _ => return Some(hint),
    };
    Some(said.to_string())
}
