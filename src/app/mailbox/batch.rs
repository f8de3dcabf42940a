//! Marking several messages (Space, or `*` for every listed row, e.g. a search's results) and
//! changing them in one confirmed action; the worker sends them as Graph batches.

use std::collections::HashSet;

use super::{FolderPicker, MailboxState, refused};
use crate::app::keymap::Action;
use crate::app::msg::{ReqId, UiError};
use crate::app::overlay::{ConfirmAction, Overlay, ToastLevel};
use crate::app::{Cmd, Shared};
use crate::domain::access::Need;
use crate::domain::mail::{MailAction, MailOutcome};

/// What a batch does to the marked messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchKind {
    Delete,
    MarkRead(bool),
    Move { folder_id: String, folder: String },
}

impl BatchKind {
    fn past(&self) -> String {
        match self {
            BatchKind::Delete => "moved to Deleted Items".into(),
            BatchKind::MarkRead(true) => "marked read".into(),
            BatchKind::MarkRead(false) => "marked unread".into(),
            BatchKind::Move { folder, .. } => format!("moved to {folder}"),
        }
    }

    fn action(&self, message_id: String) -> MailAction {
        match self {
            BatchKind::Delete => MailAction::Delete { message_id },
            BatchKind::MarkRead(read) => MailAction::SetRead {
                message_id,
                read: *read,
            },
            BatchKind::Move { folder_id, .. } => MailAction::Move {
                message_id,
                folder_id: folder_id.clone(),
            },
        }
    }

    /// The dialog's title, its question, and its yes.
    fn question(&self, n: usize) -> (String, String, &'static str) {
        let messages = if n == 1 { "message" } else { "messages" };
        match self {
            BatchKind::Delete => (
                format!("Delete {n} {messages}"),
                format!(
                    "Delete {n} {messages}? They go to Deleted Items and can be moved back from there."
                ),
                "Delete",
            ),
            BatchKind::MarkRead(read) => {
                let how = if *read { "read" } else { "unread" };
                (
                    format!("Mark {n} {messages} {how}"),
                    format!("Mark {n} {messages} {how}?"),
                    "Mark",
                )
            }
            BatchKind::Move { folder, .. } => (
                format!("Move {n} {messages}"),
                format!("Move {n} {messages} to {folder}?"),
                "Move",
            ),
        }
    }
}

/// A batch on its way: the actions, in the order the outcomes come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPending {
    pub id: ReqId,
    pub kind: BatchKind,
    pub actions: Vec<MailAction>,
}

/// The marked messages of the list, and the batch acting on them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    ids: HashSet<String>,
    pub pending: Option<BatchPending>,
}

impl Marks {
    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Unmarks `id`: its row left the list.
    pub fn forget(&mut self, id: &str) {
        self.ids.remove(id);
    }

    /// Unmarks everything (the batch on its way, if any, still reports back).
    pub fn clear(&mut self) {
        self.ids.clear();
    }

    pub fn awaits(&self, id: ReqId) -> bool {
        self.pending.as_ref().is_some_and(|b| b.id == id)
    }

    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }
}

/// The mailbox keys that mark, or that act on the marks when there are some; `None` leaves
/// the key to the single-message behaviour.
pub(super) fn on_key(
    shared: &mut Shared,
    s: &mut MailboxState,
    action: Option<Action>,
) -> Option<Vec<Cmd>> {
    let marked = !s.marks.is_empty();
    Some(match action? {
        Action::Toggle => s.toggle_mark(shared),
        Action::SelectAll => {
            s.mark_all(shared);
            Vec::new()
        }
        Action::Back if marked => {
            s.marks.clear();
            shared.toast(ToastLevel::Info, "No message is marked now.");
            Vec::new()
        }
        Action::Delete | Action::MarkRead | Action::Move if marked && s.marks.busy() => {
            shared.toast(
                ToastLevel::Info,
                "The last batch action is still on its way; try again when it is done.",
            );
            Vec::new()
        }
        Action::Delete | Action::MarkRead | Action::Move
            if marked && refused(shared, s, Need::Write) =>
        {
            Vec::new()
        }
        Action::Delete if marked => {
            if s.in_deleted_items() {
                shared.toast(
                    ToastLevel::Info,
                    "The messages are already in Deleted Items; empty that folder in Outlook to remove them for good.",
                );
                return Some(Vec::new());
            }
            s.ask_batch(shared, BatchKind::Delete)
        }
        Action::MarkRead if marked => {
            // Read unless every marked message already is.
            let read = s.rows.iter().any(|r| r.unread && s.marks.contains(&r.id));
            s.ask_batch(shared, BatchKind::MarkRead(read))
        }
        Action::Move if marked => {
            if s.folders.is_empty() {
                shared.toast(ToastLevel::Info, "The folders are still loading.");
            } else {
                s.picker = Some(FolderPicker {
                    message_id: String::new(),
                    selected: 0,
                });
            }
            Vec::new()
        }
        _ => return None,
    })
}

impl MailboxState {
    /// Space: marks or unmarks the selected message and steps to the next one.
    pub fn toggle_mark(&mut self, shared: &mut Shared) -> Vec<Cmd> {
        let Some(id) = self.selected_row().map(|r| r.id.clone()) else {
            shared.toast(ToastLevel::Info, "No message to mark.");
            return Vec::new();
        };
        if !self.marks.ids.remove(&id) {
            self.marks.ids.insert(id);
        }
        let next = self.selected + 1;
        self.move_selection(shared, next)
    }

    /// Marks every listed message (all of a search's results), or none when all are marked.
    pub fn mark_all(&mut self, shared: &mut Shared) {
        if self.rows.is_empty() {
            shared.toast(ToastLevel::Info, "No message is listed to mark.");
            return;
        }
        let all = self.rows.iter().all(|r| self.marks.contains(&r.id));
        if all {
            self.marks.clear();
            shared.toast(ToastLevel::Info, "No message is marked now.");
            return;
        }
        self.marks.ids = self.rows.iter().map(|r| r.id.clone()).collect();
        let n = self.marks.len();
        let more = if self.more {
            " More are listed as you scroll down; they are not marked."
        } else {
            ""
        };
        shared.toast(ToastLevel::Info, format!("{n} messages marked.{more}"));
    }

    /// Asks before changing every marked message.
    pub fn ask_batch(&mut self, shared: &mut Shared, kind: BatchKind) -> Vec<Cmd> {
        let (title, body, yes) = kind.question(self.marks.len());
        shared.overlays.push(Overlay::Confirm {
            title,
            body,
            yes: yes.into(),
            no: "Keep".into(),
            action: ConfirmAction::Batch(kind),
        });
        Vec::new()
    }

    /// The confirmed batch: one change for every marked message that is still listed.
    pub fn run_batch(&mut self, shared: &mut Shared, kind: BatchKind) -> Vec<Cmd> {
        let actions: Vec<MailAction> = self
            .rows
            .iter()
            .filter(|r| self.marks.contains(&r.id))
            .map(|r| kind.action(r.id.clone()))
            .collect();
        if actions.is_empty() {
            shared.toast(ToastLevel::Info, "No marked message is listed any more.");
            return Vec::new();
        }
        let id = shared.next_id();
        self.marks.pending = Some(BatchPending {
            id,
            kind,
            actions: actions.clone(),
        });
        vec![Cmd::ChangeMessages {
            id,
            name: self.connector.clone(),
            actions,
        }]
    }

    /// The batch's outcomes, one per action, in order: the rows that changed are updated and
    /// unmarked; those that did not stay marked, and the dialog says how many and why.
    pub fn on_batch_done(
        &mut self,
        shared: &mut Shared,
        results: Vec<Result<MailOutcome, UiError>>,
    ) -> Vec<Cmd> {
        let Some(batch) = self.marks.pending.take() else {
            return Vec::new();
        };
        let total = batch.actions.len();
        let mut first_error = None;
        let mut failed = 0;
        let mut results = results.into_iter();
        for action in batch.actions {
            match results.next() {
                Some(Ok(outcome)) => {
                    self.marks.forget(action.message_id());
                    super::events::apply_change(shared, self, action, &outcome, false);
                }
                Some(Err(e)) => {
                    failed += 1;
                    first_error.get_or_insert(e);
                }
                None => failed += 1,
            }
        }
        let past = batch.kind.past();
        match first_error {
            None if failed == 0 => {
                shared.toast(ToastLevel::Success, format!("{total} messages {past}."))
            }
            None => shared.toast(
                ToastLevel::Error,
                format!("{failed} of {total} messages got no answer; they stay marked."),
            ),
            Some(e) => shared.error(
                format!("{failed} of {total} messages were not {past}; they stay marked"),
                e,
            ),
        }
        self.page_ahead(shared)
    }
}
