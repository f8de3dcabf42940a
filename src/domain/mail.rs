//! What the mailbox screen knows about a mailbox: folders, message rows, an opened message.
//! Plain data filled in by the worker; the text is raw and sanitised where it is drawn (the
//! opened message when the preview wraps it).

use strum::{EnumString, IntoStaticStr};

/// A standard folder that Graph accepts by name in place of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum WellKnownFolder {
    Archive,
    Clutter,
    Conflicts,
    ConversationHistory,
    DeletedItems,
    Drafts,
    Inbox,
    JunkEmail,
    LocalFailures,
    MsgFolderRoot,
    Outbox,
    RecoverableItemsDeletions,
    Scheduled,
    SearchFolders,
    SentItems,
    ServerFailures,
    SyncIssues,
}

impl WellKnownFolder {
    /// The name Graph uses in a path or a `destinationId` (`inbox`, `sentitems`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A folder as the user or the tree names it: a well-known name, or an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderRef {
    WellKnown(WellKnownFolder),
    Id(String),
}

impl FolderRef {
    /// The well-known folder when `name` is one (any case), without asking Graph.
    pub fn well_known(name: &str) -> Option<FolderRef> {
        name.trim().parse().ok().map(FolderRef::WellKnown)
    }

    /// A well-known name when `s` is one, else an id.
    pub fn parse(s: &str) -> FolderRef {
        FolderRef::well_known(s).unwrap_or_else(|| FolderRef::Id(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            FolderRef::WellKnown(w) => w.as_str(),
            FolderRef::Id(id) => id,
        }
    }

    /// Whether `folder` of the tree is the one this names, by id or by its well-known tag.
    pub fn names(&self, folder: &FolderItem) -> bool {
        match self {
            FolderRef::Id(id) => folder.id == *id,
            FolderRef::WellKnown(w) => folder.well_known.as_deref() == Some(w.as_str()),
        }
    }
}

impl From<&str> for FolderRef {
    fn from(s: &str) -> FolderRef {
        FolderRef::parse(s)
    }
}

impl PartialEq<&str> for FolderRef {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One folder of the tree, flattened: `depth` 0 for top-level folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderItem {
    pub id: String,
    pub name: String,
    /// `inbox`, `sentitems`, `deleteditems`, … for the standard folders.
    pub well_known: Option<String>,
    pub depth: usize,
    pub unread: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Importance {
    Low,
    #[default]
    Normal,
    High,
}

impl Importance {
    pub fn parse(s: &str) -> Importance {
        match s.to_ascii_lowercase().as_str() {
            "low" => Importance::Low,
            "high" => Importance::High,
            _ => Importance::Normal,
        }
    }
}

/// One row of the message list: about 200 bytes plus its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub id: String,
    pub subject: String,
    /// The sender's name, or the address when there is no name.
    pub from: String,
    /// The recipients as a list shows them (`Adele Vance +2`); filled only when the listing
    /// asked for them (Sent Items, Drafts).
    pub to: String,
    /// ISO-8601 UTC, as Graph gives it.
    pub received: String,
    pub unread: bool,
    pub attachment: bool,
    pub flagged: bool,
    pub importance: Importance,
}

impl FolderRef {
    /// Whether this folder (found in `tree` when named by id) holds mail the user wrote.
    pub fn lists_recipients(&self, tree: &[FolderItem]) -> bool {
        let tag = match self {
            FolderRef::WellKnown(w) => Some(*w),
            FolderRef::Id(_) => tree
                .iter()
                .find(|f| self.names(f))
                .and_then(|f| f.well_known.as_deref()?.parse().ok()),
        };
        tag.is_some_and(WellKnownFolder::lists_recipients)
    }
}

impl WellKnownFolder {
    /// Mail the user wrote: its list names the recipients rather than the sender.
    pub fn lists_recipients(self) -> bool {
        matches!(self, WellKnownFolder::SentItems | WellKnownFolder::Drafts)
    }
}

/// Several people as one cell of a list: the first, then `+N` for the others.
pub fn first_and_count<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [first, rest @ ..] => format!("{} +{}", first.as_ref(), rest.len()),
    }
}

/// A message time as a list shows it, against `now_unix`: the time for today's mail, day and
/// month for this year's, and the year too for older mail (`09:30`, `12 May`, `12 May 2024`).
/// `compact` gives the older ones as `12 May 24`, for a narrow list. Both are in UTC, as Graph
/// gives them; `None` when `iso` is not an RFC 3339 time.
pub fn list_date(iso: &str, now_unix: i64, compact: bool) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let at = time::OffsetDateTime::parse(iso, &Rfc3339)
        .ok()?
        .to_offset(time::UtcOffset::UTC);
    let now = time::OffsetDateTime::from_unix_timestamp(now_unix).ok()?;
    let text = if at.date() == now.date() {
        at.format(format_description!("[hour]:[minute]"))
    } else if at.year() == now.year() {
        at.format(format_description!("[day] [month repr:short]"))
    } else if compact {
        at.format(format_description!(
            "[day] [month repr:short] [year repr:last_two]"
        ))
    } else {
        at.format(format_description!("[day] [month repr:short] [year]"))
    };
    text.ok()
}

/// A name and an address as the preview shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub address: String,
}

impl Person {
    /// `Name <address>`, or whichever of the two there is.
    pub fn label(&self) -> String {
        match (self.name.is_empty(), self.address.is_empty()) {
            (false, false) => format!("{} <{}>", self.name, self.address),
            (false, true) => self.name.clone(),
            _ => self.address.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// Only file attachments can be saved.
    pub is_file: bool,
}

/// An opened message: headers, the body as text, the attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub id: String,
    pub subject: String,
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    /// Where replies go instead of `from`, when the sender set it.
    pub reply_to: Vec<Person>,
    pub received: String,
    /// Text (HTML already converted by the worker); not yet sanitised.
    pub body: String,
    pub attachments: Vec<AttachmentRow>,
}

/// What to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailQuery {
    pub folder: FolderRef,
    pub search: Option<String>,
    pub unread_only: bool,
    /// `$top` of every page: small, so the first screenful comes after one round trip.
    pub page_size: u32,
    /// Ask for the recipients too (Sent Items and Drafts list them instead of the sender).
    pub recipients: bool,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePage {
    pub rows: Vec<MessageRow>,
    /// More pages follow.
    pub more: bool,
}

/// A change to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailAction {
    SetRead {
        message_id: String,
        read: bool,
    },
    Move {
        message_id: String,
        folder_id: String,
    },
    /// Move to Deleted Items (recoverable).
    Delete {
        message_id: String,
    },
    SaveAttachment {
        message_id: String,
        attachment: AttachmentRow,
        /// The folder the user typed (`~` is expanded by the worker).
        dir: String,
    },
}

impl MailAction {
    /// The message the action is about.
    pub fn message_id(&self) -> &str {
        match self {
            MailAction::SetRead { message_id, .. }
            | MailAction::Move { message_id, .. }
            | MailAction::Delete { message_id }
            | MailAction::SaveAttachment { message_id, .. } => message_id,
        }
    }
}

/// What an action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    Done,
    /// Moved (or deleted to Deleted Items); Graph gave the message a new id.
    Moved {
        new_id: String,
    },
    Saved {
        path: String,
        size: u64,
    },
}

/// What kind of mail compose sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeKind {
    New,
    Reply { message_id: String, all: bool },
    Forward { message_id: String },
}

/// A finished draft for the worker to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingDraft {
    pub kind: ComposeKind,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// Paths of files to attach (new mail only); the worker reads them.
    pub attachments: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-10 14:00 UTC.
    const NOW: i64 = 1_773_151_200;

    #[test]
    fn list_dates_show_the_year_only_for_mail_of_another_year() {
        let date = |iso: &str| list_date(iso, NOW, false).unwrap();
        assert_eq!(date("2026-03-10T09:05:00Z"), "09:05");
        assert_eq!(date("2026-01-02T23:59:00Z"), "02 Jan");
        assert_eq!(date("2025-12-31T23:59:00Z"), "31 Dec 2025");
        assert_eq!(
            list_date("2019-07-04T08:00:00Z", NOW, true).unwrap(),
            "04 Jul 19"
        );
        assert_eq!(list_date("yesterday", NOW, false), None);
    }

    #[test]
    fn several_recipients_read_as_the_first_and_a_count() {
        assert_eq!(first_and_count::<&str>(&[]), "");
        assert_eq!(first_and_count(&["Adele"]), "Adele");
        assert_eq!(first_and_count(&["Adele", "b@x.com", "Carl"]), "Adele +2");
        assert!(WellKnownFolder::SentItems.lists_recipients());
        assert!(!WellKnownFolder::Inbox.lists_recipients());
    }
}
