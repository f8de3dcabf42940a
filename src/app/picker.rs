//! The permission picker: predefined permissions, a field for more, and a live summary.

use crate::domain::connector::DEFAULT_REDIRECT_PORT;
use crate::domain::permissions::Preset;
use crate::domain::{Cloud, Grant, PermissionSummary, summarize};

use super::Shared;
use super::keymap::{Action, Context};
use super::keys::Key;
use super::text_field::TextField;

#[derive(Debug, Clone)]
pub struct PickerState {
    /// Ticked presets, in catalog order.
    pub checked: Vec<Preset>,
    /// 0..Preset::ALL.len() = a preset row; Preset::ALL.len() = the extra-permissions field.
    pub cursor: usize,
    pub extra: TextField,
    /// Recomputed after every toggle and keystroke.
    pub summary: PermissionSummary,
    /// The delegated-only presets ("Profile", "Keep signed in") unticked because the grant
    /// became app-only: ticked again when a delegated grant is chosen.
    held: Vec<Preset>,
}

/// The row index of the extra-permissions field.
pub const EXTRA_ROW: usize = Preset::ALL.len();

/// What the picker did with a key.
#[derive(Debug, PartialEq, Eq)]
pub enum PickerKey {
    /// Consumed; the summary may have changed.
    Handled,
    /// Not a picker key: the wizard gets it.
    Pass(Option<Action>),
}

impl PickerState {
    pub fn new(checked: Vec<Preset>, extra: &str) -> PickerState {
        let summary = summarize(
            Grant::AuthCode,
            &Cloud::Global,
            &checked,
            extra,
            DEFAULT_REDIRECT_PORT,
        );
        PickerState {
            checked,
            cursor: 0,
            extra: TextField::new(extra),
            summary,
            held: Vec::new(),
        }
    }

    pub fn on_extra_field(&self) -> bool {
        self.cursor == EXTRA_ROW
    }

    pub fn is_checked(&self, p: Preset) -> bool {
        self.checked.contains(&p)
    }

    pub fn toggle(&mut self, p: Preset) {
        if let Some(i) = self.checked.iter().position(|c| *c == p) {
            self.checked.remove(i);
        } else {
            self.checked.push(p);
            self.checked.sort();
        }
    }

    pub fn refresh(&mut self, grant: Grant, cloud: &Cloud, redirect_port: u16) {
        self.summary = summarize(
            grant,
            cloud,
            &self.checked,
            self.extra.value(),
            redirect_port,
        );
    }

    /// Keeps "Profile" and "Keep signed in" to delegated grants, as `default_presets` does:
    /// client credentials has no app-only User.Read and no refresh token, so the ticks would
    /// only earn warnings. Called when
    /// the user picks another grant (not for the one a saved connector was loaded with).
    pub fn follow_grant(&mut self, grant: Grant) {
        if !grant.is_delegated() {
            for p in [Preset::Profile, Preset::Offline] {
                if self.is_checked(p) {
                    self.toggle(p);
                    self.held.push(p);
                }
            }
        } else {
            for p in std::mem::take(&mut self.held) {
                if !self.is_checked(p) {
                    self.toggle(p);
                }
            }
        }
    }

    /// The further scopes as typed, split and trimmed.
    pub fn extra_scopes(&self) -> Vec<String> {
        self.extra
            .value()
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn on_key(&mut self, shared: &Shared, key: Key) -> PickerKey {
        if self.on_extra_field() && self.extra.handle_key(key) {
            return PickerKey::Handled;
        }
        let chain = [Context::Picker, Context::Wizard, Context::Global];
        match shared.keymap.resolve(&chain, key) {
            Some(Action::Toggle) if !self.on_extra_field() => {
                self.toggle(Preset::ALL[self.cursor]);
                PickerKey::Handled
            }
            Some(Action::Up) => {
                self.cursor = self.cursor.saturating_sub(1);
                PickerKey::Handled
            }
            Some(Action::Down) => {
                self.cursor = (self.cursor + 1).min(EXTRA_ROW);
                PickerKey::Handled
            }
            Some(Action::NextField | Action::PrevField) => {
                self.cursor = if self.on_extra_field() { 0 } else { EXTRA_ROW };
                PickerKey::Handled
            }
            other => PickerKey::Pass(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::default_presets;

    #[test]
    fn an_app_only_grant_unticks_profile_and_keep_signed_in_and_a_delegated_one_ticks_them_again() {
        let mut p = PickerState::new(default_presets(Grant::AuthCode), "");
        p.follow_grant(Grant::ClientCredentials);
        assert_eq!(p.checked, default_presets(Grant::ClientCredentials));
        p.follow_grant(Grant::DeviceCode);
        assert_eq!(p.checked, default_presets(Grant::DeviceCode));
    }
}
