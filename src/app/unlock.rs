//! Unlock the vault, or create it (the new passphrase asked twice).

use super::connectors::row::ConnectorRow;
use super::keymap::{Action, Context};
use super::keys::Key;
use super::msg::{Reply, ReqId, UiErrorKind};
use super::overlay::ToastLevel;
use super::text_field::TextField;
use super::{Cmd, Nav, Screen, Shared, connectors};

/// The shortest passphrase accepted for a new vault.
pub const MIN_PASSPHRASE: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlockMode {
    Unlock,
    Create,
}

#[derive(Debug)]
pub struct UnlockState {
    pub mode: UnlockMode,
    pub passphrase: TextField,
    /// Create only: the passphrase again.
    pub repeat: TextField,
    /// 0 = passphrase, 1 = repeat.
    pub focus: usize,
    /// What is wrong with the last attempt, shown under the fields.
    pub problem: Option<String>,
    pub failed_attempts: u32,
    pub pending: Option<ReqId>,
}

impl UnlockState {
    pub fn unlock() -> UnlockState {
        UnlockState {
            mode: UnlockMode::Unlock,
            passphrase: TextField::masked(),
            repeat: TextField::masked(),
            focus: 0,
            problem: None,
            failed_attempts: 0,
            pending: None,
        }
    }

    pub fn create() -> UnlockState {
        UnlockState {
            mode: UnlockMode::Create,
            ..UnlockState::unlock()
        }
    }

    pub fn awaiting(&self, id: ReqId) -> bool {
        self.pending == Some(id)
    }

    pub fn focused_field(&mut self) -> Option<&mut TextField> {
        if self.pending.is_some() {
            return None;
        }
        Some(if self.focus == 1 {
            &mut self.repeat
        } else {
            &mut self.passphrase
        })
    }
}

pub fn on_key(shared: &mut Shared, s: &mut UnlockState, key: Key) -> Vec<Cmd> {
    let action = shared
        .keymap
        .resolve(&[Context::Unlock, Context::Global], key);
    if s.pending.is_some() {
        // While the vault opens only quitting is possible.
        return match action {
            Some(Action::Quit) => shared.global(action),
            _ => {
                shared.changed = false;
                Vec::new()
            }
        };
    }
    if let Some(f) = s.focused_field()
        && f.handle_key(key)
    {
        return Vec::new();
    }
    match action {
        Some(Action::NextField) if s.mode == UnlockMode::Create => {
            s.focus = 1 - s.focus;
            Vec::new()
        }
        Some(Action::Confirm) => submit(shared, s),
        other => shared.global(other),
    }
}

fn submit(shared: &mut Shared, s: &mut UnlockState) -> Vec<Cmd> {
    if s.passphrase.is_empty() {
        let confirm = shared.keymap.key_name(Context::Unlock, Action::Confirm);
        s.problem = Some(format!("Type the vault passphrase, then press {confirm}."));
        s.focus = 0;
        return Vec::new();
    }
    let id = shared.next_id();
    match s.mode {
        UnlockMode::Unlock => {
            s.problem = None;
            s.pending = Some(id);
            vec![Cmd::UnlockVault {
                id,
                passphrase: s.passphrase.take_secret(),
            }]
        }
        UnlockMode::Create => {
            if s.passphrase.len() < MIN_PASSPHRASE {
                s.problem = Some(format!(
                    "The passphrase is too short: use at least {MIN_PASSPHRASE} characters."
                ));
                s.focus = 0;
                return Vec::new();
            }
            if s.repeat.is_empty() {
                s.problem = Some("Type the same passphrase again to confirm it.".into());
                s.focus = 1;
                return Vec::new();
            }
            if !s.passphrase.same_text(&s.repeat) {
                s.problem = Some("The two passphrases differ: type the same one twice.".into());
                s.repeat.clear();
                s.focus = 1;
                return Vec::new();
            }
            s.problem = None;
            s.pending = Some(id);
            s.repeat.clear();
            vec![Cmd::CreateVault {
                id,
                passphrase: s.passphrase.take_secret(),
            }]
        }
    }
}

pub fn on_unlocked(
    shared: &mut Shared,
    s: &mut UnlockState,
    reply: Reply<Vec<ConnectorRow>>,
) -> Vec<Cmd> {
    s.pending = None;
    match reply {
        Ok(rows) => {
            let text = match (s.mode, rows.len()) {
                (UnlockMode::Create, _) => format!(
                    "Vault created. Press {} to add a connector.",
                    shared.keymap.key_name(Context::List, Action::Add)
                ),
                (_, 1) => "Vault unlocked: 1 connector.".into(),
                (_, n) => format!("Vault unlocked: {n} connectors."),
            };
            shared.connectors = rows;
            shared.toast(ToastLevel::Success, text);
            shared.nav = Some(Nav::Reset(Screen::Connectors(
                connectors::ConnectorsState::default(),
            )));
        }
        Err(e) if e.kind == UiErrorKind::WrongPassphrase => {
            s.failed_attempts += 1;
            s.problem = Some("The passphrase is wrong. Type it again.".into());
            s.focus = 0;
        }
        Err(e) => {
            s.problem = Some(match e.fix {
                Some(fix) => format!("{} Fix: {fix}", e.message),
                None => e.message,
            });
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::super::keys::KeyCode;
    use super::super::{Clock, Model, Msg, Screen, Start, init, update};
    use super::*;
    use crate::app::keymap::Keymap;

    fn unlock_screen(keymap: Keymap) -> Model {
        init(keymap, Start::Unlock, "vault".into(), Clock::default()).0
    }

    fn problem(model: &Model) -> Option<&str> {
        match &model.screen {
            Screen::Unlock(s) => s.problem.as_deref(),
            _ => None,
        }
    }

    #[test]
    fn the_empty_passphrase_hint_names_the_key_that_submits() {
        let mut model = unlock_screen(Keymap::defaults());
        update(&mut model, Msg::Key(Key::new(KeyCode::Enter)));
        assert_eq!(
            problem(&model),
            Some("Type the vault passphrase, then press Enter.")
        );

        let rebound = Keymap::with_user(
            "[[keys]]\ncontext = \"unlock\"\non = [\"ctrl+o\"]\nrun = \"confirm\"\n",
            "keymap.toml",
        )
        .unwrap();
        let mut model = unlock_screen(rebound);
        update(&mut model, Msg::Key(Key::ctrl('o')));
        assert_eq!(
            problem(&model),
            Some("Type the vault passphrase, then press Ctrl+O.")
        );
    }
}
