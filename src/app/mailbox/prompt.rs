//! Keys while the mailbox shows a one-line prompt (search, save path) or the folder picker
//! (move): the prompt or picker takes every key until it is confirmed or closed.

use super::{MailboxState, Pane, PromptKind};
use crate::app::keymap::{Action, Context};
use crate::app::keys::Key;
use crate::app::overlay::ToastLevel;
use crate::app::{Cmd, Shared};
use crate::domain::mail::MailAction;

pub(super) fn on_prompt_key(shared: &mut Shared, s: &mut MailboxState, key: Key) -> Vec<Cmd> {
    let action = shared.keymap.resolve(&[Context::Prompt], key);
    let Some(prompt) = s.prompt.as_mut() else {
        return Vec::new();
    };
    match action {
        Some(Action::Cancel) => {
            s.prompt = None;
            Vec::new()
        }
        Some(Action::NextField) => {
            if let PromptKind::SaveAttachment(i) = prompt.kind {
                let files: Vec<usize> = s.file_attachments().iter().map(|(j, _)| *j).collect();
                let next = files
                    .iter()
                    .position(|j| *j == i)
                    .map(|p| files[(p + 1) % files.len()])
                    .unwrap_or(i);
                if let Some(p) = s.prompt.as_mut() {
                    p.kind = PromptKind::SaveAttachment(next);
                }
            }
            Vec::new()
        }
        Some(Action::Confirm) => {
            let text = prompt.field.value().trim().to_string();
            let kind = prompt.kind;
            s.prompt = None;
            match kind {
                PromptKind::Search => {
                    s.search = (!text.is_empty()).then_some(text);
                    s.close_preview();
                    s.focus = Pane::List;
                    s.relist(shared)
                }
                PromptKind::SaveAttachment(i) => {
                    let Some(m) = s.preview.as_deref() else {
                        return Vec::new();
                    };
                    let Some(a) = m.attachments.get(i).cloned() else {
                        return Vec::new();
                    };
                    let dir = if text.is_empty() {
                        shared.save_dir.clone()
                    } else {
                        text
                    };
                    let message_id = m.id.clone();
                    s.change(
                        shared,
                        MailAction::SaveAttachment {
                            message_id,
                            attachment: a,
                            dir,
                        },
                        String::new(),
                    )
                }
            }
        }
        _ => {
            if !prompt.field.handle_key(key) {
                shared.changed = false;
            }
            Vec::new()
        }
    }
}

pub(super) fn on_picker_key(shared: &mut Shared, s: &mut MailboxState, key: Key) -> Vec<Cmd> {
    let action = shared
        .keymap
        .resolve(&[Context::Prompt, Context::Mailbox], key);
    let Some(picker) = s.picker.as_mut() else {
        return Vec::new();
    };
    let last = s.folders.len().saturating_sub(1);
    match action {
        Some(Action::Cancel | Action::Back) => {
            s.picker = None;
            Vec::new()
        }
        Some(Action::Up) => {
            picker.selected = picker.selected.saturating_sub(1);
            Vec::new()
        }
        Some(Action::Down) => {
            picker.selected = (picker.selected + 1).min(last);
            Vec::new()
        }
        Some(Action::Confirm | Action::Open) => {
            let message_id = picker.message_id.clone();
            let target = s.folders.get(picker.selected).cloned();
            s.picker = None;
            match target {
                Some(f) if s.current_folder().is_some_and(|c| c.id == f.id) => {
                    shared.toast(ToastLevel::Info, "The message is already in that folder.");
                    Vec::new()
                }
                Some(f) if !s.marks.is_empty() => s.ask_batch(
                    shared,
                    super::batch::BatchKind::Move {
                        folder_id: f.id.clone(),
                        folder: crate::domain::sanitize::line(&f.name).into_owned(),
                    },
                ),
                Some(f) => s.change(
                    shared,
                    MailAction::Move {
                        message_id,
                        folder_id: f.id.clone(),
                    },
                    format!("Moved to {}.", crate::domain::sanitize::line(&f.name)),
                ),
                None => Vec::new(),
            }
        }
        _ => {
            shared.changed = false;
            Vec::new()
        }
    }
}
