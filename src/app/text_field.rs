//! A one-line text field. A focused field sees raw keys before the keymap does.
//!
//! A masked field holds what the user is typing into a secret (passphrase, client secret,
//! password) only until it is handed to the worker: it is wiped on drop and never printed.

use secrecy::SecretString;
use zeroize::Zeroize;

use super::keys::{Key, KeyCode};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct TextField {
    value: String,
    /// Cursor position in characters.
    cursor: usize,
    masked: bool,
}

impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.masked {
            write!(f, "TextField(masked, {} chars)", self.len())
        } else {
            write!(f, "TextField({:?})", self.value)
        }
    }
}

impl Drop for TextField {
    fn drop(&mut self) {
        if self.masked {
            self.value.zeroize();
        }
    }
}

impl TextField {
    pub fn new(value: &str) -> TextField {
        TextField {
            value: value.to_string(),
            cursor: value.chars().count(),
            masked: false,
        }
    }

    pub fn masked() -> TextField {
        TextField {
            value: String::new(),
            cursor: 0,
            masked: true,
        }
    }

    pub fn is_masked(&self) -> bool {
        self.masked
    }

    /// The text of an unmasked field. A masked field answers with an empty string.
    pub fn value(&self) -> &str {
        if self.masked { "" } else { &self.value }
    }

    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// What the screen shows: the text, or one bullet per character when masked.
    pub fn display(&self) -> String {
        if self.masked {
            "•".repeat(self.len())
        } else {
            self.value.clone()
        }
    }

    /// Hands a masked field's content over as a secret and empties the field.
    pub fn take_secret(&mut self) -> SecretString {
        let s = SecretString::from(self.value.as_str());
        self.clear();
        s
    }

    /// A copy of a masked field's content, for a command; the field keeps it until it is saved.
    pub fn secret(&self) -> SecretString {
        SecretString::from(self.value.as_str())
    }

    /// Runs a check on the field's text (masked too) without copying it out; the check sees
    /// it only for the call.
    pub fn check<R>(&self, rule: impl FnOnce(&str) -> R) -> R {
        rule(&self.value)
    }

    /// For checks on a masked field (length, equality) without copying it out.
    pub fn same_text(&self, other: &TextField) -> bool {
        self.value == other.value
    }

    pub fn set(&mut self, value: &str) {
        self.value.zeroize();
        self.value = value.to_string();
        self.cursor = self.len();
    }

    pub fn clear(&mut self) {
        self.value.zeroize();
        self.value.clear();
        self.cursor = 0;
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map(|(i, _)| i)
            .unwrap_or(self.value.len())
    }

    /// Applies an editing key. Returns false when the key is not an editing key, so the keymap
    /// gets it.
    pub fn handle_key(&mut self, key: Key) -> bool {
        if let Some(c) = key.printable() {
            let at = self.byte_at(self.cursor);
            self.value.insert(at, c);
            self.cursor += 1;
            return true;
        }
        if key.ctrl {
            return match key.code {
                KeyCode::Char('u') => {
                    let at = self.byte_at(self.cursor);
                    self.value.replace_range(..at, "");
                    self.cursor = 0;
                    true
                }
                KeyCode::Char('w') => {
                    let chars: Vec<char> = self.value.chars().collect();
                    let mut start = self.cursor;
                    while start > 0 && chars[start - 1] == ' ' {
                        start -= 1;
                    }
                    while start > 0 && chars[start - 1] != ' ' {
                        start -= 1;
                    }
                    let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                    self.value.replace_range(a..b, "");
                    self.cursor = start;
                    true
                }
                KeyCode::Char('a') => {
                    self.cursor = 0;
                    true
                }
                KeyCode::Char('e') => {
                    self.cursor = self.len();
                    true
                }
                _ => false,
            };
        }
        match key.code {
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
                true
            }
            KeyCode::Delete if self.cursor < self.len() => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
                true
            }
            KeyCode::Backspace | KeyCode::Delete => true,
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                true
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(self.len());
                true
            }
            KeyCode::Home => {
                self.cursor = 0;
                true
            }
            KeyCode::End => {
                self.cursor = self.len();
                true
            }
            _ => false,
        }
    }

    /// Text an unmasked field would hold; for tests of masked fields.
    #[cfg(test)]
    pub fn raw_for_test(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_str(f: &mut TextField, s: &str) {
        for c in s.chars() {
            f.handle_key(Key::ch(c));
        }
    }

    #[test]
    fn edits_at_the_cursor() {
        let mut f = TextField::new("");
        type_str(&mut f, "contso");
        f.handle_key(Key::new(KeyCode::Left));
        f.handle_key(Key::new(KeyCode::Left));
        type_str(&mut f, "o");
        assert_eq!(f.value(), "contoso");
        f.handle_key(Key::new(KeyCode::End));
        f.handle_key(Key::new(KeyCode::Backspace));
        assert_eq!(f.value(), "contos");
        assert!(!f.handle_key(Key::new(KeyCode::Enter)));
        f.handle_key(Key::ctrl('w'));
        assert_eq!(f.value(), "");
    }

    #[test]
    fn a_masked_field_never_shows_or_prints_its_text() {
        let mut f = TextField::masked();
        type_str(&mut f, "hunter2");
        assert_eq!(f.display(), "•••••••");
        assert_eq!(f.value(), "");
        assert!(!format!("{f:?}").contains("hunter2"));
        let s = f.take_secret();
        assert!(f.is_empty());
        use secrecy::ExposeSecret;
        assert_eq!(s.expose_secret(), "hunter2");
    }
}
