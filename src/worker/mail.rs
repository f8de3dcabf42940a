//! Mail for the mailbox screen: one Graph client per connector, and the pagers of the listings
//! in progress (kept here between pages, so the model only holds rows).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::app::{
    AttachmentRow, ComposeKind, FolderItem, Importance, MailAction, MailOutcome, MailQuery,
    MessagePage, MessageRow, MessageView, OutgoingDraft, Person, ReqId, UiError, UiErrorKind,
};
use crate::auth::{OAuthHttp, VaultTokens};
use crate::graph::{
    Address, AttachmentInfo, BodyFormat, FolderRef, GraphClient, GraphError, ListQuery, Mailbox,
    MessagePager, MessageSummary, Order, OutgoingAttachment, OutgoingMessage, flatten_tree,
    http_client,
};

use super::Services;

/// Listings kept for their next page; older ones are dropped beyond this.
const MAX_PAGERS: usize = 4;

#[derive(Default)]
pub struct MailSessions {
    clients: Mutex<HashMap<String, GraphClient>>,
    pagers: Mutex<Vec<(ReqId, MessagePager)>>,
    http: Mutex<Option<reqwest::Client>>,
}

/// A Graph error in the words the screen shows.
pub fn graph_error(e: GraphError) -> UiError {
    let kind = if e.may_have_sent() {
        UiErrorKind::MaybeSent
    } else if matches!(e, GraphError::Transport(_) | GraphError::GaveUp { .. }) {
        UiErrorKind::Network
    } else {
        UiErrorKind::Other
    };
    let mut message = e.to_string();
    if let Some(first) = message.get(..1) {
        message = first.to_uppercase() + &message[1..];
    }
    if !message.ends_with('.') {
        message.push('.');
    }
    let fix = e.fix();
    UiError {
        kind,
        message,
        fix,
        detail: e.code().map(|c| format!("Graph error code: {c}")),
    }
}

fn folder_ref(s: &str) -> FolderRef {
    FolderRef::well_known(s).unwrap_or_else(|| FolderRef::Id(s.to_string()))
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
        .map(|a| if a.name.is_empty() { a.address } else { a.name })
        .unwrap_or_default();
    MessageRow {
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

    /// The connector's client; `fresh` builds it again (after a sign-in, on refresh).
    pub fn client(
        &self,
        services: &Services,
        name: &str,
        fresh: bool,
    ) -> Result<GraphClient, UiError> {
        if !fresh && let Some(c) = self.clients.lock().map_err(|_| internal())?.get(name) {
            return Ok(c.clone());
        }
        let vault = services.vault()?;
        let doc = vault.read().map_err(super::connectors::vault_error)?;
        let entry = doc.get(name).ok_or_else(|| {
            UiError::new(
                UiErrorKind::Vault,
                format!("The connector '{name}' is no longer in the vault."),
            )
            .with_fix("go back to the connector list and press r to reload it")
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
        self.clients
            .lock()
            .map_err(|_| internal())?
            .insert(name.to_string(), client.clone());
        Ok(client)
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
        folder: Some(folder_ref(&q.folder)),
        page_size: q.page_size,
        limit: None,
        unread_only: q.unread_only,
        search: q.search,
        order: Order::NewestFirst,
    });
    next_page(services, id, pager).await
}

pub async fn more(services: &Services, listing: ReqId) -> Result<MessagePage, UiError> {
    match services.mail.take_pager(listing) {
        Some(pager) => next_page(services, listing, pager).await,
        None => Ok(MessagePage {
            rows: Vec::new(),
            more: false,
        }),
    }
}

pub async fn read(
    services: &Services,
    name: &str,
    message_id: &str,
) -> Result<Box<MessageView>, UiError> {
    let client = services.mail.client(services, name, false)?;
    let m = client
        .message(message_id, BodyFormat::Text)
        .await
        .map_err(graph_error)?;
    Ok(Box::new(MessageView {
        id: m.id,
        subject: m.subject,
        from: m.from.as_ref().map(person),
        to: m.to.iter().map(person).collect(),
        cc: m.cc.iter().map(person).collect(),
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
    let client = services.mail.client(services, name, false)?;
    match action {
        MailAction::SetRead { message_id, read } => {
            client
                .set_read(&message_id, read)
                .await
                .map_err(graph_error)?;
            Ok(MailOutcome::Done)
        }
        MailAction::Move {
            message_id,
            folder_id,
        } => {
            let new_id = client
                .move_message(&message_id, &folder_ref(&folder_id))
                .await
                .map_err(graph_error)?;
            Ok(MailOutcome::Moved { new_id })
        }
        MailAction::Delete { message_id } => {
            let new_id = client
                .delete_to_trash(&message_id)
                .await
                .map_err(graph_error)?;
            Ok(MailOutcome::Moved { new_id })
        }
        MailAction::SaveAttachment {
            message_id,
            attachment,
            dir,
        } => {
            let dir = expand_home(&dir);
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

async fn read_attachment(path: &str) -> Result<OutgoingAttachment, UiError> {
    let p = expand_home(path);
    let bytes = tokio::fs::read(&p).await.map_err(|e| {
        UiError::new(
            UiErrorKind::Other,
            format!("The attachment {} cannot be read: {e}.", p.display()),
        )
        .with_fix("check the path in the attachment list; the mail was not sent")
    })?;
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into());
    Ok(OutgoingAttachment {
        name,
        content_type: "application/octet-stream".into(),
        bytes,
    })
}

/// Sends once. A failure is returned as it is; the user decides what to do next.
pub async fn send(services: &Services, name: &str, draft: OutgoingDraft) -> Result<(), UiError> {
    let client = services.mail.client(services, name, false)?;
    let r = match draft.kind {
        ComposeKind::New => {
            let mut attachments = Vec::new();
            for path in &draft.attachments {
                attachments.push(read_attachment(path).await?);
            }
            client
                .send_mail(&OutgoingMessage {
                    to: draft.to,
                    cc: draft.cc,
                    bcc: draft.bcc,
                    subject: draft.subject,
                    body: draft.body,
                    html: false,
                    attachments,
                })
                .await
        }
        ComposeKind::Reply { message_id, all } => client.reply(&message_id, &draft.body, all).await,
        ComposeKind::Forward { message_id } => {
            client.forward(&message_id, &draft.to, &draft.body).await
        }
    };
    r.map_err(graph_error)
}
