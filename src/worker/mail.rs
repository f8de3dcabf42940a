//! Mail for the mailbox screen: one Graph client per connector, and the pagers of the listings
//! in progress (kept here between pages, so the model only holds rows).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::app::compose::AttachmentFile;
use crate::app::{
    AttachmentRow, ComposeKind, FolderItem, Importance, MailAction, MailOutcome, MailQuery,
    MessagePage, MessageRow, MessageView, OutgoingDraft, Person, ReqId, UiError, UiErrorKind,
};
use crate::auth::{OAuthHttp, VaultTokens};
use crate::domain::mail::first_and_count;
use crate::graph::{
    Address, AttachError, AttachmentInfo, BodyFormat, FolderRef, GraphClient, ListQuery, Mailbox,
    MessagePager, MessageSummary, Order, OutgoingMessage, StreamedAttachment, flatten_tree,
    http_client,
};

use super::Services;
use super::ui_error::{connector_gone, graph_error, vault_error};
use crate::audit::{self, AuditRecord};

/// Listings kept for their next page; older ones are dropped beyond this.
const MAX_PAGERS: usize = 4;

#[derive(Default)]
pub struct MailSessions {
    /// Per connector: its client and the mailbox its audit lines name.
    clients: Mutex<HashMap<String, (GraphClient, String)>>,
    pagers: Mutex<Vec<(ReqId, MessagePager)>>,
    http: Mutex<Option<reqwest::Client>>,
}

fn person(a: &Address) -> Person {
    Person {
        name: a.name.clone(),
        address: a.address.clone(),
    }
}

fn row(m: MessageSummary) -> MessageRow {
    let from = m
        .from
        .as_ref()
        .map(|a| a.display_name().to_string())
        .unwrap_or_default();
    let to: Vec<&str> = m.to.iter().map(Address::display_name).collect();
    MessageRow {
        to: first_and_count(&to),
        id: m.id,
        subject: m.subject,
        from,
        received: m.received,
        unread: !m.is_read,
        attachment: m.has_attachments,
        flagged: m.flagged,
        importance: Importance::parse(&m.importance),
    }
}

fn attachment(a: AttachmentInfo) -> AttachmentRow {
    AttachmentRow {
        is_file: a.is_file(),
        id: a.id,
        name: a.name,
        size: a.size,
        content_type: a.content_type,
    }
}

fn info(a: &AttachmentRow) -> AttachmentInfo {
    AttachmentInfo {
        id: a.id.clone(),
        name: a.name.clone(),
        size: a.size,
        content_type: a.content_type.clone(),
        odata_type: (!a.is_file).then(|| "#microsoft.graph.itemAttachment".to_string()),
    }
}

impl MailSessions {
    fn http(&self) -> Result<reqwest::Client, UiError> {
        let mut slot = self.http.lock().map_err(|_| internal())?;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = http_client().map_err(graph_error)?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Drops the connector's client (after a sign-out).
    pub fn forget(&self, name: &str) {
        if let Ok(mut clients) = self.clients.lock() {
            clients.remove(name);
        }
    }

    /// The connector's client; `fresh` builds it again (after a sign-in, on refresh).
    pub fn client(
        &self,
        services: &Services,
        name: &str,
        fresh: bool,
    ) -> Result<GraphClient, UiError> {
        Ok(self.session(services, name, fresh)?.0)
    }

    /// The connector's client and the mailbox it works on (the target mailbox, else the
    /// signed-in user, else "me"), as the audit log names it.
    pub(super) fn session(
        &self,
        services: &Services,
        name: &str,
        fresh: bool,
    ) -> Result<(GraphClient, String), UiError> {
        if !fresh && let Some(c) = self.clients.lock().map_err(|_| internal())?.get(name) {
            return Ok(c.clone());
        }
        let vault = services.vault()?;
        let doc = vault.read().map_err(vault_error)?;
        let entry = doc.get(name).ok_or_else(|| {
            connector_gone(
                name,
                "go back to the connector list and press r to reload it",
            )
        })?;
        let mailbox = Mailbox::for_connector(&entry.connector).map_err(graph_error)?;
        let http =
            OAuthHttp::new().map_err(|e| UiError::new(UiErrorKind::Network, e.to_string()))?;
        let tokens = Arc::new(VaultTokens::new(vault.clone(), name, http));
        let client = GraphClient::new(
            self.http()?,
            &entry.connector.cloud.graph_api(),
            &mailbox,
            tokens,
        )
        .map_err(graph_error)?;
        let audited = audit::mailbox_name(
            entry.connector.mailbox.as_deref(),
            entry.tokens.as_ref().and_then(|t| t.user.as_deref()),
        );
        let session = (client, audited);
        self.clients
            .lock()
            .map_err(|_| internal())?
            .insert(name.to_string(), session.clone());
        Ok(session)
    }

    fn keep_pager(&self, id: ReqId, pager: MessagePager) {
        if let Ok(mut p) = self.pagers.lock() {
            p.push((id, pager));
            if p.len() > MAX_PAGERS {
                p.remove(0);
            }
        }
    }

    fn take_pager(&self, id: ReqId) -> Option<MessagePager> {
        let mut p = self.pagers.lock().ok()?;
        let i = p.iter().position(|(l, _)| *l == id)?;
        Some(p.remove(i).1)
    }
}

fn internal() -> UiError {
    UiError::new(
        UiErrorKind::Other,
        "graphmail hit an internal error while talking to Graph.",
    )
    .with_fix("try again; if it repeats, the log file has details")
}

pub async fn folders(services: &Services, name: &str) -> Result<Vec<FolderItem>, UiError> {
    let client = services.mail.client(services, name, true)?;
    let tree = client.folder_tree().await.map_err(graph_error)?;
    Ok(flatten_tree(&tree)
        .into_iter()
        .map(|(depth, f)| FolderItem {
            id: f.id.clone(),
            name: f.name.clone(),
            well_known: f.well_known.clone(),
            depth,
            unread: f.unread,
            total: f.total,
        })
        .collect())
}

async fn next_page(
    services: &Services,
    listing: ReqId,
    mut pager: MessagePager,
) -> Result<MessagePage, UiError> {
    let rows = pager
        .next_page()
        .await
        .map_err(graph_error)?
        .unwrap_or_default();
    let more = !pager.is_done();
    if more {
        services.mail.keep_pager(listing, pager);
    }
    Ok(MessagePage {
        rows: rows.into_iter().map(row).collect(),
        more,
    })
}

pub async fn list(
    services: &Services,
    id: ReqId,
    name: &str,
    q: MailQuery,
) -> Result<MessagePage, UiError> {
    let client = services.mail.client(services, name, false)?;
    let pager = client.messages(&ListQuery {
        folder: Some(q.folder.clone()),
        page_size: q.page_size,
        limit: None,
        unread_only: q.unread_only,
        search: q.search,
        order: Order::NewestFirst,
        recipients: q.recipients,
    });
    next_page(services, id, pager).await
}

/// The next page of `listing`; `removed` of its messages left the list since the last page was
/// asked for, so the page starts that much earlier.
pub async fn more(
    services: &Services,
    listing: ReqId,
    removed: usize,
) -> Result<MessagePage, UiError> {
    match services.mail.take_pager(listing) {
        Some(mut pager) => {
            pager.step_back(removed);
            next_page(services, listing, pager).await
        }
        None => Ok(MessagePage {
            rows: Vec::new(),
            more: false,
        }),
    }
}

/// Opens a message; an HTML body is laid out for `text_width` columns (the preview's width).
pub async fn read(
    services: &Services,
    name: &str,
    message_id: &str,
    text_width: u16,
) -> Result<Box<MessageView>, UiError> {
    let client = services.mail.client(services, name, false)?;
    let m = client
        .message(message_id, BodyFormat::TextWidth(usize::from(text_width)))
        .await
        .map_err(graph_error)?;
    Ok(Box::new(MessageView {
        id: m.id,
        subject: m.subject,
        from: m.from.as_ref().map(person),
        to: m.to.iter().map(person).collect(),
        cc: m.cc.iter().map(person).collect(),
        reply_to: m.reply_to.iter().map(person).collect(),
        received: m.received,
        body: m.body_text,
        attachments: m.attachments.into_iter().map(attachment).collect(),
    }))
}

/// `~/x` as a path under the home folder.
fn expand_home(dir: &str) -> PathBuf {
    match (dir.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ if dir == "~" => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(dir)),
        _ => PathBuf::from(dir),
    }
}

pub async fn change(
    services: &Services,
    name: &str,
    action: MailAction,
) -> Result<MailOutcome, UiError> {
    let (client, mailbox) = services.mail.session(services, name, false)?;
    match action {
        MailAction::SetRead {
            ref message_id,
            read,
        } => {
            client
                .set_read(message_id, read)
                .await
                .map_err(graph_error)?;
            audit_change(services, name, &mailbox, &action, None);
            Ok(MailOutcome::Done)
        }
        MailAction::Move {
            ref message_id,
            ref folder_id,
        } => {
            let folder = FolderRef::Id(folder_id.clone());
            let new_id = client
                .move_message(message_id, &folder)
                .await
                .map_err(graph_error)?;
            audit_change(services, name, &mailbox, &action, Some(&new_id));
            Ok(MailOutcome::Moved { new_id })
        }
        MailAction::Delete { ref message_id } => {
            let new_id = client
                .delete_to_trash(message_id)
                .await
                .map_err(graph_error)?;
            audit_change(services, name, &mailbox, &action, Some(&new_id));
            Ok(MailOutcome::Moved { new_id })
        }
        MailAction::SaveAttachment {
            message_id,
            attachment,
            dir,
        } => {
            // Absolute, so that the message about the saved file says where it is.
            let dir = expand_home(&dir);
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            if !dir.is_dir() {
                return Err(UiError::new(
                    UiErrorKind::Other,
                    format!("{} is not a folder.", dir.display()),
                )
                .with_fix("type the path of an existing folder, such as ~/Downloads"));
            }
            let saved = client
                .save_attachment(&message_id, &info(&attachment), &dir)
                .await
                .map_err(graph_error)?;
            Ok(MailOutcome::Saved {
                path: saved.path.display().to_string(),
                size: saved.size,
            })
        }
    }
}

/// The audit line of a mark, move or delete that went through (`new_id`: where it went).
pub(super) fn audit_change(
    services: &Services,
    name: &str,
    mailbox: &str,
    action: &MailAction,
    new_id: Option<&str>,
) {
    let (verb, message_id, folder) = match action {
        MailAction::SetRead { message_id, read } => (
            if *read { "mark_read" } else { "mark_unread" },
            message_id,
            None,
        ),
        MailAction::Move {
            message_id,
            folder_id,
        } => ("move", message_id, Some(folder_id.as_str())),
        MailAction::Delete { message_id } => ("delete", message_id, Some("deleteditems")),
        MailAction::SaveAttachment { .. } => return,
    };
    let mut record = AuditRecord::now(name, mailbox, verb);
    record.message_id = Some(message_id.clone());
    record.folder = folder.map(str::to_owned);
    record.new_message_id = new_id.map(str::to_owned);
    note(services, record);
}

/// Appends the audit line of a change that went through. The change cannot be taken back,
/// so a log that cannot be written is recorded in the log file, not shown as a failure (which
/// could lead to the change being made twice).
fn note(services: &Services, record: AuditRecord) {
    let path = audit::log_path(&services.vault_path);
    if let Err(e) = audit::append(&path, &record) {
        tracing::warn!(
            action = %record.action,
            path = %path.display(),
            error = %e,
            "the audit line of a mailbox change could not be written"
        );
    }
}

/// Checks, when it is added to a draft, that a file to attach is there and readable, so a
/// wrong path is said at once and not only when the mail is sent.
pub async fn check_attachment(path: &str) -> Result<AttachmentFile, UiError> {
    let p = expand_home(path);
    let problem = |what: String| {
        UiError::new(UiErrorKind::Other, what)
            .with_fix("type the path of a readable file; it was not attached")
    };
    let meta = tokio::fs::metadata(&p).await.map_err(|e| {
        problem(match e.kind() {
            std::io::ErrorKind::NotFound => format!("There is no file {}.", p.display()),
            _ => format!("{} cannot be read: {e}.", p.display()),
        })
    })?;
    if meta.is_dir() {
        return Err(problem(format!(
            "{} is a folder: attach the files in it one by one.",
            p.display()
        )));
    }
    // Opening it proves it can be read at send time (permissions, a broken mount).
    tokio::fs::File::open(&p)
        .await
        .map_err(|e| problem(format!("{} cannot be read: {e}.", p.display())))?;
    Ok(AttachmentFile {
        path: path.to_string(),
        size: meta.len(),
    })
}

/// A file to attach, checked (a regular file of at most 150 MiB) and sent a chunk at a time.
fn streamed_attachment(path: &str) -> Result<StreamedAttachment, UiError> {
    let p = expand_home(path);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into());
    let problem = |what: String| {
        UiError::new(UiErrorKind::Other, what)
            .with_fix("check the path in the attachment list; the mail was not sent")
    };
    StreamedAttachment::from_file(&p, name, "application/octet-stream".into()).map_err(|e| {
        problem(match e {
            AttachError::TooLarge { limit, .. } => format!(
                "The attachment {} is larger than {}, the most Graph takes in one attachment.",
                p.display(),
                crate::bounded::size(limit)
            ),
            AttachError::NotAFile => format!("The attachment {} is not a file.", p.display()),
            AttachError::Io(e) => format!("The attachment {} cannot be read: {e}.", p.display()),
        })
    })
}

/// Sends once. A failure is returned as it is; the user decides what to do next.
pub async fn send(services: &Services, name: &str, draft: OutgoingDraft) -> Result<(), UiError> {
    let (client, mailbox) = services.mail.session(services, name, false)?;
    let mut record = AuditRecord::now(name, &mailbox, "send");
    match draft.kind {
        ComposeKind::New => {
            let mut files = Vec::new();
            for path in &draft.attachments {
                files.push(streamed_attachment(path)?);
            }
            record.recipients = audit::recipients(&draft.to, &draft.cc, &draft.bcc);
            client
                .send_mail_with_files(
                    &OutgoingMessage {
                        to: draft.to,
                        cc: draft.cc,
                        bcc: draft.bcc,
                        subject: draft.subject,
                        body: draft.body,
                        html: false,
                        attachments: Vec::new(),
                    },
                    &files,
                )
                .await
        }
        ComposeKind::Reply { message_id, all } => {
            record.action = if all { "reply_all" } else { "reply" }.into();
            // The compose screen shows (in To and Cc) whom Graph's reply action addresses.
            record.recipients = audit::recipients(&draft.to, &draft.cc, &[]);
            let sent = client.reply(&message_id, &draft.body, all).await;
            record.message_id = Some(message_id);
            sent
        }
        ComposeKind::Forward { message_id } => {
            record.action = "forward".into();
            record.recipients = draft.to.clone();
            let sent = client.forward(&message_id, &draft.to, &draft.body).await;
            record.message_id = Some(message_id);
            sent
        }
    }
    .map_err(graph_error)?;
    note(services, record);
    Ok(())
}
