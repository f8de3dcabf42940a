//! The attachment list of a new mail: a typed path is checked by the worker before it joins
//! the list (the app does no IO), and any file in the list can be chosen and removed.

use super::{ComposeField, ComposeState};
use crate::app::keys::{Key, KeyCode};
use crate::app::msg::{Reply, ReqId};
use crate::app::{Cmd, Shared};

/// A file the worker found readable, with its size then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFile {
    /// As typed (`~/` is expanded by the worker).
    pub path: String,
    pub size: u64,
}

/// Keys in the attachment row: Enter adds the typed path, Up/Down choose a file of the list,
/// Delete (or Backspace on an empty path) removes the chosen one, else the last.
pub(super) fn on_key(shared: &mut Shared, s: &mut ComposeState, key: Key) -> Vec<Cmd> {
    let n = s.attachments.len();
    match key.code {
        KeyCode::Enter => {
            let path = s.attach_field.value().trim().to_string();
            if path.is_empty() {
                shared.changed = false;
                return Vec::new();
            }
            if s.attachments.iter().any(|a| a.path == path)
                || s.checking.iter().any(|(_, p)| *p == path)
            {
                s.problem = Some(format!("{path} is attached already."));
                return Vec::new();
            }
            s.attach_field.clear();
            s.attach_sel = None;
            let id = shared.next_id();
            s.checking.push((id, path.clone()));
            vec![Cmd::CheckAttachment { id, path }]
        }
        KeyCode::Up if n > 0 => {
            s.attach_sel = Some(s.attach_sel.map_or(n - 1, |i| i.saturating_sub(1)));
            Vec::new()
        }
        KeyCode::Down if s.attach_sel.is_some() => {
            s.attach_sel = s.attach_sel.map(|i| i + 1).filter(|i| *i < n);
            Vec::new()
        }
        KeyCode::Delete | KeyCode::Backspace
            if n > 0 && (s.attach_sel.is_some() || s.attach_field.is_empty()) =>
        {
            let i = s.attach_sel.unwrap_or(n - 1).min(n - 1);
            s.attachments.remove(i);
            // The next file moves up into the chosen place; none left: back to the path.
            s.attach_sel = s
                .attach_sel
                .map(|_| i.min(s.attachments.len().saturating_sub(1)))
                .filter(|_| !s.attachments.is_empty());
            Vec::new()
        }
        _ => {
            s.attach_sel = None;
            if !s.attach_field.handle_key(key) {
                shared.changed = false;
            }
            Vec::new()
        }
    }
}

/// The worker's answer about a path: added to the list, or said at once and the path put
/// back to be corrected.
pub fn on_checked(
    shared: &mut Shared,
    s: &mut ComposeState,
    id: ReqId,
    reply: Reply<AttachmentFile>,
) -> Vec<Cmd> {
    let Some(i) = s.checking.iter().position(|(c, _)| *c == id) else {
        shared.changed = false;
        return Vec::new();
    };
    let (_, path) = s.checking.remove(i);
    match reply {
        Ok(file) => {
            s.attachments.push(AttachmentFile { path, ..file });
            if s.problem
                .as_deref()
                .is_some_and(|p| p.contains("being checked"))
            {
                s.problem = None;
            }
        }
        Err(e) => {
            s.focus = ComposeField::Attachments;
            if s.attach_field.is_empty() {
                s.attach_field.set(&path);
            }
            s.problem = Some(match e.fix {
                Some(fix) => format!("{} ({fix})", e.message),
                None => e.message,
            });
        }
    }
    Vec::new()
}
