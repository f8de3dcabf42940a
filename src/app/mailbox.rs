//! The mailbox screen: folder tree, a virtualised message list, and the preview.
//!
//! The list keeps every loaded row in a `Vec` and draws only the visible ones; the next page is
//! asked for while the selection is still a couple of screens from the end, so scrolling rarely
//! waits. Replies are matched by request id: a page, message or folder tree that arrives after
//! the user moved on is dropped.

pub mod batch;
pub mod events;
pub mod layout;
pub mod preview;
mod prompt;

use super::compose::ComposeState;
use super::keymap::{Action, Context};
use super::keys::Key;
use super::msg::ReqId;
use super::overlay::{ConfirmAction, Overlay, ToastLevel};
use super::text_field::TextField;
use super::{Cmd, Nav, Screen, Shared};
use crate::domain::access::{Access, Need};
use crate::domain::mail::{
    AttachmentRow, FolderItem, FolderRef, MailAction, MailQuery, MessageRow, MessageView,
    WellKnownFolder,
};

/// `$top` of every page: a screenful at 120×40 with room to spare, in one round trip.
pub const PAGE_SIZE: u32 = 50;

pub use layout::{NARROW, WIDE, list_height, scroll_offset};
use preview::PreviewText;

/// HTML is never converted narrower than this: tables need some room to be read at all.
pub const MIN_TEXT_WIDTH: u16 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Folders,
    List,
    Preview,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    /// Save the attachment at this index of the opened message.
    SaveAttachment(usize),
}

#[derive(Debug)]
pub struct Prompt {
    pub kind: PromptKind,
    pub field: TextField,
}

/// Choosing where to move the selected message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderPicker {
    pub message_id: String,
    pub selected: usize,
}

/// An action in flight, remembered to apply its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: ReqId,
    pub action: MailAction,
    /// Said in the toast when it worked (`Moved to Archive.`); empty for quiet ones.
    pub done_text: String,
    /// Made by opening the message: its row stays even where only unread mail is listed.
    pub opening: bool,
}

#[derive(Debug)]
pub struct MailboxState {
    /// What the connector's permissions allow: an action they do not is never tried.
    pub access: Access,
    pub connector: String,
    pub folders: Vec<FolderItem>,
    pub folder_sel: usize,
    pub loading_folders: Option<ReqId>,
    /// The open folder: an id, or a well-known name until the tree is known.
    pub folder: FolderRef,
    pub rows: Vec<MessageRow>,
    pub selected: usize,
    /// First row drawn; kept so the selection stays on screen.
    pub offset: usize,
    /// The current listing (its first request); `None` before anything was listed.
    pub listing: Option<ReqId>,
    /// The first page is on its way.
    pub listing_loading: bool,
    /// A later page is on its way.
    pub paging: Option<ReqId>,
    pub more: bool,
    pub search: Option<String>,
    pub unread_only: bool,
    pub preview: Option<Box<MessageView>>,
    /// `preview` wrapped at the preview's width; rebuilt when either changes.
    pub preview_text: Option<PreviewText>,
    pub reading: Option<ReqId>,
    /// The message `reading` opens.
    pub reading_id: Option<String>,
    /// First row of `preview_text` on screen.
    pub preview_scroll: usize,
    pub focus: Pane,
    pub prompt: Option<Prompt>,
    pub picker: Option<FolderPicker>,
    pub pending: Vec<Pending>,
    /// Requests made so far for this listing (first page included), for the status line.
    pub pages_loaded: usize,
    /// Rows taken out of the list (moved, deleted, read in the unread-only view) since the
    /// last page was asked for: the service's list shrank by as many, so the next page starts
    /// that much earlier.
    pub removed_since_page: usize,
    /// Messages marked for a batch action (ids), and the batch on its way.
    pub marks: batch::Marks,
}

impl MailboxState {
    /// Opens `connector`'s Inbox: the tree and the first page are asked for at once, so the
    /// first rows arrive after one round trip.
    pub fn open(shared: &mut Shared, connector: &str) -> (MailboxState, Vec<Cmd>) {
        let access = shared
            .connectors
            .iter()
            .find(|r| r.connector.name == connector)
            .map_or(Access::ALL, |r| r.access);
        let mut s = MailboxState {
            access,
            connector: connector.to_string(),
            folders: Vec::new(),
            folder_sel: 0,
            loading_folders: None,
            folder: FolderRef::WellKnown(WellKnownFolder::Inbox),
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            listing: None,
            listing_loading: false,
            paging: None,
            more: false,
            search: None,
            unread_only: false,
            preview: None,
            preview_text: None,
            reading: None,
            reading_id: None,
            preview_scroll: 0,
            focus: Pane::List,
            prompt: None,
            picker: None,
            pending: Vec::new(),
            pages_loaded: 0,
            removed_since_page: 0,
            marks: batch::Marks::default(),
        };
        let cmds = s.reload(shared);
        (s, cmds)
    }

    /// Reads the folders and the list again; a connector that may not read (the send preset
    /// alone) asks for nothing Graph would refuse, and says why and how to add reading.
    pub fn reload(&mut self, shared: &mut Shared) -> Vec<Cmd> {
        if refused(shared, self, Need::Read) {
            return Vec::new();
        }
        let mut cmds = self.load_folders(shared);
        cmds.extend(self.relist(shared));
        cmds
    }

    pub fn load_folders(&mut self, shared: &mut Shared) -> Vec<Cmd> {
        let id = shared.next_id();
        self.loading_folders = Some(id);
        vec![Cmd::LoadFolders {
            id,
            name: self.connector.clone(),
        }]
    }

    /// Starts the listing again from the top (new folder, search, filter or refresh).
    pub fn relist(&mut self, shared: &mut Shared) -> Vec<Cmd> {
        let id = shared.next_id();
        self.listing = Some(id);
        self.listing_loading = true;
        self.paging = None;
        self.removed_since_page = 0;
        self.more = false;
        self.rows.clear();
        self.marks.clear();
        self.selected = 0;
        self.offset = 0;
        self.pages_loaded = 0;
        vec![Cmd::ListMessages {
            id,
            name: self.connector.clone(),
            query: MailQuery {
                folder: self.folder.clone(),
                search: self.search.clone(),
                unread_only: self.unread_only,
                page_size: PAGE_SIZE,
                recipients: self.folder.lists_recipients(&self.folders),
            },
        }]
    }

    /// Asks for the next page when the selection is within two screens of the end.
    pub fn page_ahead(&mut self, shared: &mut Shared) -> Vec<Cmd> {
        let (Some(listing), None, false) = (self.listing, self.paging, self.listing_loading) else {
            return Vec::new();
        };
        let ahead = 2 * list_height(shared.size);
        if !self.more || self.rows.len().saturating_sub(self.selected + 1) > ahead {
            return Vec::new();
        }
        let id = shared.next_id();
        self.paging = Some(id);
        let removed = std::mem::take(&mut self.removed_since_page);
        vec![Cmd::MoreMessages {
            id,
            listing,
            removed,
        }]
    }

    pub fn awaiting(&self, id: ReqId) -> bool {
        self.loading_folders == Some(id)
            || (self.listing == Some(id) && self.listing_loading)
            || self.paging == Some(id)
            || self.reading == Some(id)
            || self.pending.iter().any(|p| p.id == id)
            || self.marks.awaits(id)
    }

    pub fn selected_row(&self) -> Option<&MessageRow> {
        self.rows.get(self.selected)
    }

    /// The tree entry of the open folder.
    pub fn current_folder(&self) -> Option<&FolderItem> {
        self.folders.iter().find(|f| self.folder.names(f))
    }

    /// A delete here would only move the messages to where they are.
    pub fn in_deleted_items(&self) -> bool {
        self.current_folder()
            .and_then(|f| f.well_known.as_deref())
            .is_some_and(|w| w == "deleteditems")
    }

    pub fn current_folder_mut(&mut self) -> Option<&mut FolderItem> {
        let folder = &self.folder;
        self.folders.iter_mut().find(|f| folder.names(f))
    }

    pub fn folder_name(&self) -> String {
        self.current_folder()
            .map(|f| f.name.clone())
            .unwrap_or_else(|| match &self.folder {
                FolderRef::WellKnown(WellKnownFolder::Inbox) => "Inbox".into(),
                other => other.as_str().to_string(),
            })
    }

    /// True while anything of this screen is on its way (spinner).
    pub fn busy(&self) -> bool {
        self.loading_folders.is_some()
            || self.listing_loading
            || self.paging.is_some()
            || self.reading.is_some()
            || !self.pending.is_empty()
            || self.marks.busy()
    }

    /// The panes drawn at the current width, left to right.
    pub fn visible_panes(&self, width: u16) -> Vec<Pane> {
        layout::panes_at(width, self.focus)
    }

    pub(super) fn move_selection(&mut self, shared: &mut Shared, to: usize) -> Vec<Cmd> {
        let last = self.rows.len().saturating_sub(1);
        self.selected = to.min(last);
        self.offset = scroll_offset(self.offset, self.selected, list_height(shared.size));
        self.page_ahead(shared)
    }

    fn open_message(&mut self, shared: &mut Shared) -> Vec<Cmd> {
        let Some(row) = self.selected_row().cloned() else {
            return Vec::new();
        };
        let id = shared.next_id();
        self.reading = Some(id);
        self.reading_id = Some(row.id.clone());
        self.preview_scroll = 0;
        if shared.size.0 < WIDE {
            self.focus = Pane::Preview;
        }
        let mut cmds = vec![Cmd::ReadMessage {
            id,
            name: self.connector.clone(),
            message_id: row.id.clone(),
            text_width: layout::preview_text_width(shared.size).max(MIN_TEXT_WIDTH),
        }];
        if row.unread && self.access.write {
            // Opening a message marks it read, as every mail client does (when the
            // permissions allow changing mail).
            cmds.extend(self.request(
                shared,
                MailAction::SetRead {
                    message_id: row.id,
                    read: true,
                },
                String::new(),
                true,
            ));
        }
        cmds
    }

    pub fn change(&mut self, shared: &mut Shared, action: MailAction, done: String) -> Vec<Cmd> {
        self.request(shared, action, done, false)
    }

    fn request(
        &mut self,
        shared: &mut Shared,
        action: MailAction,
        done: String,
        opening: bool,
    ) -> Vec<Cmd> {
        let id = shared.next_id();
        self.pending.push(Pending {
            id,
            action: action.clone(),
            done_text: done,
            opening,
        });
        vec![Cmd::ChangeMessage {
            id,
            name: self.connector.clone(),
            action,
        }]
    }

    /// Applies a confirmed delete.
    pub fn on_confirmed(&mut self, shared: &mut Shared, what: ConfirmAction) -> Vec<Cmd> {
        match what {
            ConfirmAction::DeleteMessage { message_id, .. } => self.change(
                shared,
                MailAction::Delete { message_id },
                "Moved to Deleted Items.".into(),
            ),
            ConfirmAction::Batch(kind) => self.run_batch(shared, kind),
            _ => Vec::new(),
        }
    }

    /// The opened message, when it is the selected one.
    fn opened(&self) -> Option<&MessageView> {
        self.preview.as_deref()
    }

    fn file_attachments(&self) -> Vec<(usize, &AttachmentRow)> {
        self.opened()
            .map(|m| {
                m.attachments
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.is_file)
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn on_key(shared: &mut Shared, s: &mut MailboxState, key: Key) -> Vec<Cmd> {
    if s.prompt.is_some() {
        return prompt::on_prompt_key(shared, s, key);
    }
    if s.picker.is_some() {
        return prompt::on_picker_key(shared, s, key);
    }
    let action = shared
        .keymap
        .resolve(&[Context::Mailbox, Context::Global], key);
    if let Some(cmds) = batch::on_key(shared, s, action) {
        return cmds;
    }
    let page = list_height(shared.size);
    match action {
        Some(
            a @ (Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom),
        ) => {
            // Home and End are steps too long to stop anywhere but at an end.
            let step: isize = match a {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -(page as isize),
                Action::PageDown => page as isize,
                Action::Top => isize::MIN,
                _ => isize::MAX,
            };
            match s.focus {
                Pane::Folders => {
                    let last = s.folders.len().saturating_sub(1);
                    s.folder_sel = s.folder_sel.saturating_add_signed(step).min(last);
                    Vec::new()
                }
                Pane::List => s.move_selection(shared, s.selected.saturating_add_signed(step)),
                Pane::Preview => {
                    s.scroll_preview(shared.size, step);
                    Vec::new()
                }
            }
        }
        Some(Action::NextPane) => {
            s.focus = match s.focus {
                Pane::Folders => Pane::List,
                Pane::List => Pane::Preview,
                Pane::Preview => Pane::Folders,
            };
            Vec::new()
        }
        Some(Action::PrevPane) => {
            s.focus = match s.focus {
                Pane::Folders => Pane::Preview,
                Pane::List => Pane::Folders,
                Pane::Preview => Pane::List,
            };
            Vec::new()
        }
        Some(Action::Open) => match s.focus {
            Pane::Folders => {
                let Some(f) = s.folders.get(s.folder_sel) else {
                    return Vec::new();
                };
                s.folder = FolderRef::Id(f.id.clone());
                s.search = None;
                s.close_preview();
                s.focus = Pane::List;
                s.relist(shared)
            }
            Pane::List | Pane::Preview => s.open_message(shared),
        },
        Some(Action::Back) => {
            if s.search.is_some() {
                s.search = None;
                s.relist(shared)
            } else if s.focus == Pane::Preview && shared.size.0 < WIDE {
                s.focus = Pane::List;
                Vec::new()
            } else {
                shared.nav = Some(Nav::Pop);
                Vec::new()
            }
        }
        Some(Action::Search) => {
            s.prompt = Some(Prompt {
                kind: PromptKind::Search,
                field: TextField::new(s.search.as_deref().unwrap_or("")),
            });
            Vec::new()
        }
        Some(Action::UnreadOnly) => {
            s.unread_only = !s.unread_only;
            s.relist(shared)
        }
        Some(Action::Refresh) => s.reload(shared),
        Some(
            a @ (Action::MarkRead
            | Action::Move
            | Action::Delete
            | Action::Reply
            | Action::ReplyAll
            | Action::Forward),
        ) => on_message_action(shared, s, a),
        Some(Action::Save) => {
            let files = s.file_attachments();
            match files.first() {
                Some((i, _)) => {
                    s.prompt = Some(Prompt {
                        kind: PromptKind::SaveAttachment(*i),
                        field: TextField::new(&shared.save_dir),
                    });
                }
                None => shared.toast(
                    ToastLevel::Info,
                    "The opened message has no file to save: open one with attachments first.",
                ),
            }
            Vec::new()
        }
        Some(Action::NewMail) if refused(shared, s, Need::Send) => Vec::new(),
        Some(Action::NewMail) => {
            shared.nav = Some(Nav::Push(Screen::Compose(Box::new(ComposeState::new(
                &s.connector,
            )))));
            Vec::new()
        }
        other => shared.global(other),
    }
}

/// Says why an action the connector's permissions do not allow is unavailable, with the fix
/// (the key taken from the keymap). True when it was refused.
pub(super) fn refused(shared: &mut Shared, s: &MailboxState, need: Need) -> bool {
    let Some(refusal) = s.access.refusal(need) else {
        return false;
    };
    let edit = shared.keymap.key_name(Context::List, Action::Edit);
    let text = format!(
        "Unavailable: {}; {}.",
        refusal.message(&s.connector),
        refusal.app_fix(&edit)
    );
    shared.toast(ToastLevel::Info, text);
    true
}

fn on_message_action(shared: &mut Shared, s: &mut MailboxState, action: Action) -> Vec<Cmd> {
    let need = match action {
        Action::MarkRead | Action::Move | Action::Delete => Need::Write,
        _ => Need::Send,
    };
    if refused(shared, s, need) {
        return Vec::new();
    }
    let Some(row) = s.selected_row().cloned() else {
        shared.toast(ToastLevel::Info, "No message selected.");
        return Vec::new();
    };
    match action {
        Action::MarkRead => {
            let read = row.unread;
            let what = if read { "read" } else { "unread" };
            s.change(
                shared,
                MailAction::SetRead {
                    message_id: row.id,
                    read,
                },
                format!("Marked {what}."),
            )
        }
        Action::Move => {
            if s.folders.is_empty() {
                shared.toast(ToastLevel::Info, "The folders are still loading.");
            } else {
                s.picker = Some(FolderPicker {
                    message_id: row.id,
                    selected: 0,
                });
            }
            Vec::new()
        }
        Action::Delete => {
            if s.in_deleted_items() {
                shared.toast(
                    ToastLevel::Info,
                    "The message is already in Deleted Items; empty that folder in Outlook to remove it for good.",
                );
                return Vec::new();
            }
            let subject = crate::domain::sanitize::line(&row.subject).into_owned();
            shared.overlays.push(Overlay::Confirm {
                title: "Delete message".into(),
                body: format!(
                    "Move \"{subject}\" to Deleted Items? It can be moved back from there."
                ),
                yes: "Delete".into(),
                no: "Keep".into(),
                action: ConfirmAction::DeleteMessage {
                    message_id: row.id,
                    subject,
                },
            });
            Vec::new()
        }
        Action::Reply | Action::ReplyAll | Action::Forward => {
            let Some(opened) = s.preview.as_deref().filter(|m| m.id == row.id) else {
                let open = shared.keymap.key_name(Context::Mailbox, Action::Open);
                shared.toast(
                    ToastLevel::Info,
                    format!("Open the message first ({open}), then reply or forward it."),
                );
                return Vec::new();
            };
            let compose = match action {
                Action::Forward => ComposeState::forward(&s.connector, opened),
                a => ComposeState::reply(
                    &s.connector,
                    opened,
                    a == Action::ReplyAll,
                    &super::compose::own_addresses(shared, &s.connector),
                ),
            };
            shared.nav = Some(Nav::Push(Screen::Compose(Box::new(compose))));
            Vec::new()
        }
        _ => Vec::new(),
    }
}
