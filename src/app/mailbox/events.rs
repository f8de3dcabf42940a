//! The worker's replies to the mailbox screen: folder tree, pages, the opened message, actions.

use super::{MailboxState, Pane, list_height, scroll_offset};
use crate::app::keymap::{Action, Context, key_marker};
use crate::app::msg::{EventBody, ReqId, UiError, UiErrorKind};
use crate::app::overlay::ToastLevel;
use crate::app::{Cmd, Shared};
use crate::domain::mail::{
    FolderItem, FolderRef, MailAction, MailOutcome, MessagePage, MessageRow, MessageView,
};

pub fn on_event(shared: &mut Shared, s: &mut MailboxState, id: ReqId, body: EventBody) -> Vec<Cmd> {
    match body {
        EventBody::Folders(r) if s.loading_folders == Some(id) => on_folders(shared, s, r),
        EventBody::Messages(r) if s.listing == Some(id) && s.listing_loading => {
            s.listing_loading = false;
            on_page(shared, s, r)
        }
        EventBody::Messages(r) if s.paging == Some(id) => {
            s.paging = None;
            on_page(shared, s, r)
        }
        EventBody::Message(r) if s.reading == Some(id) => {
            s.reading = None;
            on_message(shared, s, r)
        }
        EventBody::ChangedMany(r) if s.marks.awaits(id) => s.on_batch_done(shared, r),
        EventBody::Changed(r) => match s.pending.iter().position(|p| p.id == id) {
            Some(i) => {
                let p = s.pending.remove(i);
                on_changed(shared, s, p.action, p.done_text, p.opening, r)
            }
            None => {
                shared.changed = false;
                Vec::new()
            }
        },
        _ => {
            // Stale: the folder, search or message it was for is no longer shown.
            shared.changed = false;
            Vec::new()
        }
    }
}

fn on_folders(
    shared: &mut Shared,
    s: &mut MailboxState,
    r: Result<Vec<FolderItem>, UiError>,
) -> Vec<Cmd> {
    s.loading_folders = None;
    match r {
        Ok(folders) => {
            s.folders = folders;
            if let Some(i) = s.folders.iter().position(|f| s.folder.names(f)) {
                s.folder_sel = i;
                // From now on the open folder is named by its id.
                s.folder = FolderRef::Id(s.folders[i].id.clone());
            }
            s.folder_sel = s.folder_sel.min(s.folders.len().saturating_sub(1));
        }
        Err(e) => shared.error("The folders could not be read", reload_fix(e)),
    }
    Vec::new()
}

/// A read that failed on the way (network, an unavailable or throttling service) is tried
/// again with the mailbox's reload key: the fix says so.
fn reload_fix(mut e: UiError) -> UiError {
    if e.kind == UiErrorKind::Network {
        let again = format!(
            "press {} to try again",
            key_marker(Context::Mailbox, Action::Refresh)
        );
        e.fix = Some(match e.fix.take() {
            Some(fix) => format!("{fix}, then {again}"),
            None => again,
        });
    }
    e
}

fn on_page(shared: &mut Shared, s: &mut MailboxState, r: Result<MessagePage, UiError>) -> Vec<Cmd> {
    match r {
        Ok(page) => {
            s.pages_loaded += 1;
            s.more = page.more;
            // A page asked for from earlier than the service needed (a removal it had not
            // seen yet) starts with rows already listed, at the end of the list: dropped.
            let tail = &s.rows[s.rows.len().saturating_sub(2 * page.rows.len())..];
            let repeated = page
                .rows
                .iter()
                .take_while(|r| tail.iter().any(|t| t.id == r.id))
                .count();
            s.rows.extend(page.rows.into_iter().skip(repeated));
            s.page_ahead(shared)
        }
        Err(e) => {
            s.more = false;
            shared.error("The messages could not be listed", reload_fix(e));
            Vec::new()
        }
    }
}

fn on_message(
    shared: &mut Shared,
    s: &mut MailboxState,
    r: Result<Box<MessageView>, UiError>,
) -> Vec<Cmd> {
    let opened = s.reading_id.take();
    match (r, opened) {
        (Ok(m), _) => {
            s.preview = Some(m);
            s.preview_scroll = 0;
            s.fit_preview(shared.size);
        }
        (Err(e), Some(id)) if e.kind == UiErrorKind::NotFound => return gone(shared, s, &id),
        (Err(e), _) => shared.error("The message could not be opened", reload_fix(e)),
    }
    Vec::new()
}

/// The message `message_id` is no longer in the mailbox (Graph answered 404: deleted or moved
/// by another client): its row leaves the list, and a toast says why, once.
fn gone(shared: &mut Shared, s: &mut MailboxState, message_id: &str) -> Vec<Cmd> {
    let listed = s.rows.iter().any(|r| r.id == message_id);
    remove_row(s, message_id, None, list_height(shared.size));
    if s.preview.is_none() && s.focus == Pane::Preview {
        s.focus = Pane::List;
    }
    if listed {
        shared.toast(
            ToastLevel::Info,
            "That message is gone: it was deleted or moved elsewhere, so it has left the list.",
        );
    }
    s.page_ahead(shared)
}

fn on_changed(
    shared: &mut Shared,
    s: &mut MailboxState,
    action: MailAction,
    done: String,
    opening: bool,
    r: Result<MailOutcome, UiError>,
) -> Vec<Cmd> {
    let outcome = match r {
        Ok(o) => o,
        Err(e) if e.kind == UiErrorKind::NotFound => return gone(shared, s, action.message_id()),
        Err(e) => {
            let title = match action {
                MailAction::SetRead { .. } => "The message was not marked",
                MailAction::Move { .. } => "The message was not moved",
                MailAction::Delete { .. } => "The message was not deleted",
                MailAction::SaveAttachment { .. } => "The attachment was not saved",
            };
            shared.error(title, e);
            return Vec::new();
        }
    };
    apply_change(shared, s, action, &outcome, opening);
    if !done.is_empty() {
        shared.toast(ToastLevel::Success, done);
    }
    s.page_ahead(shared)
}

/// Puts a change that went through into the list, the counts and the preview.
pub(super) fn apply_change(
    shared: &mut Shared,
    s: &mut MailboxState,
    action: MailAction,
    outcome: &MailOutcome,
    opening: bool,
) {
    match action {
        MailAction::SetRead { message_id, read } => {
            let mut delta = 0i64;
            if let Some(row) = s.rows.iter_mut().find(|r| r.id == message_id) {
                if row.unread == read {
                    delta = if read { -1 } else { 1 };
                }
                row.unread = !read;
            }
            if let Some(f) = s.current_folder_mut() {
                f.unread = (f.unread as i64 + delta).max(0) as u64;
            }
            // The service filters an unread-only listing (a search is filtered here): a
            // message read now has left its list, whether or not its row stays on screen.
            if delta < 0 && s.unread_only && s.search.is_none() {
                s.removed_since_page += 1;
            }
            // Only unread mail is listed: a message marked read goes, unless the user opened it.
            if read && s.unread_only && !opening {
                take_row(s, &message_id, list_height(shared.size));
            }
        }
        MailAction::Move {
            message_id,
            folder_id,
        } => remove_row(s, &message_id, Some(&folder_id), list_height(shared.size)),
        MailAction::Delete { message_id } => {
            let trash = s
                .folders
                .iter()
                .find(|f| f.well_known.as_deref() == Some("deleteditems"))
                .map(|f| f.id.clone());
            remove_row(s, &message_id, trash.as_deref(), list_height(shared.size));
        }
        MailAction::SaveAttachment { .. } => {
            if let MailOutcome::Saved { path, size } = outcome {
                shared.toast(
                    ToastLevel::Success,
                    format!(
                        "Saved {} ({size} bytes).",
                        crate::domain::sanitize::line(path)
                    ),
                );
            }
        }
    }
}

/// Takes a row out of the list; the selection stays on the message it was on, or the next one.
fn take_row(s: &mut MailboxState, message_id: &str, height: usize) -> Option<MessageRow> {
    let i = s.rows.iter().position(|r| r.id == message_id)?;
    let row = s.rows.remove(i);
    // A row that leaves the list leaves the marks too, so the count asked about is the list's.
    s.marks.forget(message_id);
    if i < s.selected {
        s.selected -= 1;
    }
    s.selected = s.selected.min(s.rows.len().saturating_sub(1));
    // Rows below the removed one move up to fill the pane.
    let last_offset = s.rows.len().saturating_sub(height);
    s.offset = scroll_offset(s.offset.min(last_offset), s.selected, height);
    Some(row)
}

/// Takes a moved message out of the list and the counts, and into `to`'s count.
fn remove_row(s: &mut MailboxState, message_id: &str, to: Option<&str>, height: usize) {
    let Some(row) = take_row(s, message_id, height) else {
        return;
    };
    // The message has left the folder, and so the listing the service pages through.
    s.removed_since_page += 1;
    if s.preview.as_ref().is_some_and(|m| m.id == message_id) {
        s.close_preview();
        if s.focus == Pane::Preview {
            s.focus = Pane::List;
        }
    }
    let unread = u64::from(row.unread);
    if let Some(f) = s.current_folder_mut() {
        f.total = f.total.saturating_sub(1);
        f.unread = f.unread.saturating_sub(unread);
    }
    if let Some(f) = to.and_then(|to| s.folders.iter_mut().find(|f| f.id == to)) {
        f.total += 1;
        f.unread += unread;
    }
}
