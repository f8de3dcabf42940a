//! Mailboxes, their folders and messages, and the change log that `delta` reads.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;

use super::seed;

/// Well-known folders: (name usable as an id, display name, listed under the root).
pub const WELL_KNOWN: &[(&str, &str, bool)] = &[
    ("msgfolderroot", "Top of Information Store", false),
    ("archive", "Archive", true),
    ("conversationhistory", "Conversation History", true),
    ("deleteditems", "Deleted Items", true),
    ("drafts", "Drafts", true),
    ("inbox", "Inbox", true),
    ("junkemail", "Junk Email", true),
    ("outbox", "Outbox", true),
    ("sentitems", "Sent Items", true),
    ("recoverableitemsdeletions", "Deletions", false),
];

const MESSAGE_ID_PREFIX: &str = "AAMkAD";
const FOLDER_ID_PREFIX: &str = "AQMkAD";
const ATTACHMENT_ID_PREFIX: &str = "AAMkADAt";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: Arc<str>,
    pub address: Arc<str>,
}

impl Address {
    pub fn new(name: &str, address: &str) -> Self {
        Address {
            name: name.into(),
            address: address.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Text,
    Html,
}

/// A body kept as written, or produced on demand from a seed (keeps bulk mailboxes small).
#[derive(Debug, Clone)]
pub enum Body {
    Stored { kind: BodyKind, content: Arc<str> },
    Generated { seed: u64 },
}

impl Body {
    pub fn kind(&self) -> BodyKind {
        match self {
            Body::Stored { kind, .. } => *kind,
            Body::Generated { seed } => seed::generated_kind(*seed),
        }
    }

    /// The body as stored (HTML for HTML bodies).
    pub fn content(&self) -> String {
        match self {
            Body::Stored { content, .. } => content.to_string(),
            Body::Generated { seed } => seed::generated_body(*seed).0,
        }
    }

    /// The body as plain text (HTML converted).
    pub fn text(&self) -> String {
        match self {
            Body::Stored {
                kind: BodyKind::Text,
                content,
            } => content.to_string(),
            Body::Stored {
                kind: BodyKind::Html,
                content,
            } => html_to_text(content),
            Body::Generated { seed } => seed::generated_body(*seed).1,
        }
    }
}

/// Plain text of an HTML body, as Graph gives it for `outlook.body-content-type="text"`.
pub fn html_to_text(html: &str) -> String {
    html2text::config::plain_no_decorate()
        .string_from_read(html.as_bytes(), 200)
        .unwrap_or_else(|_| html.to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    Low,
    Normal,
    High,
}

impl Importance {
    pub fn as_str(self) -> &'static str {
        match self {
            Importance::Low => "low",
            Importance::Normal => "normal",
            Importance::High => "high",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Importance::Low),
            "normal" => Some(Importance::Normal),
            "high" => Some(Importance::High),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagStatus {
    NotFlagged,
    Flagged,
    Complete,
}

impl FlagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagStatus::NotFlagged => "notFlagged",
            FlagStatus::Flagged => "flagged",
            FlagStatus::Complete => "complete",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "notflagged" => Some(FlagStatus::NotFlagged),
            "flagged" => Some(FlagStatus::Flagged),
            "complete" => Some(FlagStatus::Complete),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Arc<[u8]>,
    pub is_inline: bool,
    pub content_id: Option<String>,
}

/// Messages sort by reception time; `seq` breaks ties and changes when a message moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub received: i64,
    pub seq: u64,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub folder: usize,
    pub created: i64,
    pub modified: i64,
    pub received: i64,
    pub sent: i64,
    pub subject: String,
    pub body: Body,
    /// Cached `bodyPreview` for stored bodies (generated ones are cheap to recompute).
    pub preview: Option<Box<str>>,
    pub importance: Importance,
    pub is_read: bool,
    pub is_draft: bool,
    pub from: Option<Address>,
    pub sender: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub flag: FlagStatus,
    pub categories: Vec<String>,
    pub conversation_id: Arc<str>,
    pub internet_message_id: String,
    pub attachments: Vec<Attachment>,
    /// `singleValueExtendedProperties`: (id, value), kept through send.
    pub extended: Vec<(String, String)>,
    pub focused: bool,
    /// Mailbox version of the last change (for `delta`).
    pub change: u64,
}

impl Message {
    /// A blank message with the given times; the store fills id, folder and change.
    pub fn blank(received: i64) -> Self {
        Message {
            id: String::new(),
            folder: 0,
            created: received,
            modified: received,
            received,
            sent: received,
            subject: String::new(),
            body: Body::Stored {
                kind: BodyKind::Text,
                content: "".into(),
            },
            preview: None,
            importance: Importance::Normal,
            is_read: false,
            is_draft: false,
            from: None,
            sender: None,
            to: vec![],
            cc: vec![],
            bcc: vec![],
            reply_to: vec![],
            flag: FlagStatus::NotFlagged,
            categories: vec![],
            conversation_id: "".into(),
            internet_message_id: String::new(),
            attachments: vec![],
            extended: vec![],
            focused: true,
            change: 0,
        }
    }

    pub fn has_attachments(&self) -> bool {
        self.attachments.iter().any(|a| !a.is_inline)
    }

    pub fn body_preview(&self) -> String {
        if let Some(p) = &self.preview {
            return p.to_string();
        }
        preview_of(&self.body.text())
    }
}

/// Graph's `bodyPreview`: the first 255 characters of the text, whitespace collapsed.
pub fn preview_of(text: &str) -> String {
    let mut out = String::new();
    for (n, word) in text.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= 255 {
            break;
        }
    }
    out.chars().take(255).collect()
}

#[derive(Debug, Clone)]
pub struct Folder {
    pub id: String,
    pub well_known: Option<&'static str>,
    pub display_name: String,
    pub parent: Option<usize>,
    pub hidden: bool,
}

#[derive(Debug, Clone)]
pub struct Tombstone {
    pub version: u64,
    pub folder: usize,
    pub id: String,
}

#[derive(Debug, Clone)]
pub struct Owner {
    pub id: String,
    pub upn: String,
    pub display_name: String,
}

/// One user's mailbox.
pub struct Mailbox {
    pub index: usize,
    pub owner: Owner,
    pub folders: Vec<Folder>,
    pub messages: BTreeMap<Key, Message>,
    ids: HashMap<String, Key>,
    pub version: u64,
    next_seq: u64,
    pub tombstones: Vec<Tombstone>,
    /// What was sent from this mailbox, as `/_emulator/sent` shows it.
    pub sent: Vec<serde_json::Value>,
    /// Sent items not yet in Sent Items (the `sent_delay` fault), with when they appear.
    pub delayed_sent: Vec<(std::time::Instant, Message)>,
}

impl Mailbox {
    /// A mailbox with the well-known folders and no messages.
    pub fn new(index: usize, owner: Owner) -> Self {
        let mut mbx = Mailbox {
            index,
            owner,
            folders: vec![],
            messages: BTreeMap::new(),
            ids: HashMap::new(),
            version: 0,
            next_seq: 1,
            tombstones: vec![],
            sent: vec![],
            delayed_sent: vec![],
        };
        for (name, display, _) in WELL_KNOWN {
            let parent = if *name == "msgfolderroot" {
                None
            } else {
                Some(0)
            };
            let idx = mbx.add_folder(display, parent);
            mbx.folders[idx].well_known = Some(name);
            mbx.folders[idx].hidden = *name == "recoverableitemsdeletions";
        }
        mbx
    }

    pub fn add_folder(&mut self, display_name: &str, parent: Option<usize>) -> usize {
        let idx = self.folders.len();
        let mut raw = vec![0x01, 0x00];
        raw.extend_from_slice(&(self.index as u16).to_be_bytes());
        raw.extend_from_slice(&(idx as u16).to_be_bytes());
        raw.extend_from_slice(&checksum(display_name.as_bytes()).to_be_bytes());
        raw.extend_from_slice(&[0x00, 0x00, 0x01]);
        self.folders.push(Folder {
            id: format!("{FOLDER_ID_PREFIX}{}", URL_SAFE.encode(raw)),
            well_known: None,
            display_name: display_name.to_owned(),
            parent,
            hidden: false,
        });
        idx
    }

    /// The mailbox root's own parent id (Graph shows one for `msgfolderroot`).
    pub fn root_parent_id(&self) -> String {
        format!(
            "{FOLDER_ID_PREFIX}{}",
            URL_SAFE.encode([0x01, 0x00, 0xff, self.index as u8, 0x00, 0x01])
        )
    }

    /// A folder by id or well-known name (case-insensitive).
    pub fn folder(&self, id_or_name: &str) -> Option<usize> {
        self.folders.iter().position(|f| {
            f.id == id_or_name
                || f.well_known
                    .is_some_and(|w| w.eq_ignore_ascii_case(id_or_name))
        })
    }

    #[expect(
        clippy::expect_used,
        reason = "every mailbox is made with the well-known folders"
    )]
    pub fn well_known(&self, name: &str) -> usize {
        self.folder(name)
            .expect("every mailbox has the well-known folders")
    }

    pub fn folder_parent_id(&self, idx: usize) -> String {
        match self.folders[idx].parent {
            Some(p) => self.folders[p].id.clone(),
            None => self.root_parent_id(),
        }
    }

    pub fn children(&self, idx: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.folders.len()).filter(move |&i| self.folders[i].parent == Some(idx))
    }

    /// (total, unread) per folder.
    pub fn counts(&self) -> Vec<(usize, usize)> {
        let mut counts = vec![(0, 0); self.folders.len()];
        for m in self.messages.values() {
            counts[m.folder].0 += 1;
            if !m.is_read {
                counts[m.folder].1 += 1;
            }
        }
        counts
    }

    fn bump(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    /// Stores `msg` in `folder` under a fresh id; returns the id.
    pub fn insert(&mut self, mut msg: Message, folder: usize) -> String {
        let seq = self.next_seq;
        self.next_seq += 1;
        let key = Key {
            received: msg.received,
            seq,
        };
        msg.id = message_id(self.index, seq);
        msg.folder = folder;
        msg.change = self.bump();
        if msg.internet_message_id.is_empty() {
            msg.internet_message_id = format!(
                "<{:08x}{:06x}@GM{}PR01.emulator.graphmail.test>",
                checksum(msg.subject.as_bytes()),
                seq,
                self.index
            );
        }
        if msg.conversation_id.is_empty() {
            msg.conversation_id = format!("AAQkAD{}", URL_SAFE.encode(seq.to_be_bytes())).into();
        }
        if msg.preview.is_none() && matches!(msg.body, Body::Stored { .. }) {
            msg.preview = Some(preview_of(&msg.body.text()).into());
        }
        let id = msg.id.clone();
        self.ids.insert(id.clone(), key);
        self.messages.insert(key, msg);
        id
    }

    pub fn get(&self, id: &str) -> Option<&Message> {
        self.ids.get(id).and_then(|k| self.messages.get(k))
    }

    /// Applies `change` to a message and records it for `delta`.
    pub fn update(&mut self, id: &str, change: impl FnOnce(&mut Message)) -> Option<&Message> {
        let key = *self.ids.get(id)?;
        let version = self.bump();
        let msg = self.messages.get_mut(&key)?;
        change(msg);
        msg.change = version;
        msg.modified = now_unix();
        if matches!(msg.body, Body::Stored { .. }) {
            msg.preview = Some(preview_of(&msg.body.text()).into());
        }
        Some(msg)
    }

    /// Files the delayed sent items whose time has come in Sent Items.
    pub fn file_delayed_sent(&mut self) {
        if self.delayed_sent.is_empty() {
            return;
        }
        let now = std::time::Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.delayed_sent)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.delayed_sent = later;
        let sent_items = self.well_known("sentitems");
        for (_, m) in due {
            self.insert(m, sent_items);
        }
    }

    /// Takes a message out of the mailbox; `delta` reports it removed from its folder.
    pub fn remove(&mut self, id: &str) -> Option<Message> {
        let key = self.ids.remove(id)?;
        let msg = self.messages.remove(&key)?;
        let version = self.bump();
        self.tombstones.push(Tombstone {
            version,
            folder: msg.folder,
            id: msg.id.clone(),
        });
        Some(msg)
    }

    /// Moves a message; it gets a new id, as on Exchange. Returns the new id.
    pub fn move_to(&mut self, id: &str, folder: usize) -> Option<String> {
        let mut msg = self.remove(id)?;
        msg.modified = now_unix();
        Some(self.insert(msg, folder))
    }

    pub fn copy_to(&mut self, id: &str, folder: usize) -> Option<String> {
        let mut msg = self.get(id)?.clone();
        msg.internet_message_id.clear();
        msg.modified = now_unix();
        msg.created = msg.modified;
        Some(self.insert(msg, folder))
    }

    pub fn attachment_id(msg: &Message, n: usize) -> String {
        let mut raw = checksum(msg.id.as_bytes()).to_be_bytes().to_vec();
        raw.extend_from_slice(&(n as u16).to_be_bytes());
        raw.extend_from_slice(&msg.received.to_be_bytes()[4..]);
        raw.push(0x01);
        format!("{ATTACHMENT_ID_PREFIX}{}", URL_SAFE.encode(raw))
    }
}

/// A message id of this emulator's shape: `AAMkAD` + base64url (mailbox, sequence, check).
pub fn message_id(mailbox: usize, seq: u64) -> String {
    let mut raw = vec![0x00];
    raw.extend_from_slice(&(mailbox as u16).to_be_bytes());
    raw.extend_from_slice(&seq.to_be_bytes());
    raw.extend_from_slice(&checksum(&raw).to_be_bytes());
    format!("{MESSAGE_ID_PREFIX}{}", URL_SAFE.encode(raw))
}

/// True when `id` has the shape of a message id (whether or not it exists).
pub fn is_message_id(id: &str) -> bool {
    id.strip_prefix(MESSAGE_ID_PREFIX)
        .and_then(|rest| URL_SAFE.decode(rest).ok())
        .is_some_and(|raw| {
            raw.len() == 13 && checksum(&raw[..11]).to_be_bytes() == [raw[11], raw[12]]
        })
}

pub fn is_folder_id(id: &str) -> bool {
    id.strip_prefix(FOLDER_ID_PREFIX)
        .is_some_and(|rest| URL_SAFE.decode(rest).is_ok())
}

fn checksum(data: &[u8]) -> u16 {
    data.iter().fold(0x5a5au16, |acc, b| {
        acc.rotate_left(5) ^ u16::from(*b).wrapping_mul(31)
    })
}

pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Owner {
        Owner {
            id: "u1".into(),
            upn: "adele@example.test".into(),
            display_name: "Adele".into(),
        }
    }

    #[test]
    fn a_moved_message_gets_a_new_id_and_the_old_one_is_gone() {
        let mut mbx = Mailbox::new(0, owner());
        let inbox = mbx.well_known("inbox");
        let archive = mbx.well_known("Archive");
        let id = mbx.insert(Message::blank(1_700_000_000), inbox);
        assert!(is_message_id(&id));
        let new_id = mbx.move_to(&id, archive).unwrap();
        assert_ne!(id, new_id);
        assert!(mbx.get(&id).is_none());
        assert_eq!(mbx.get(&new_id).unwrap().folder, archive);
        assert_eq!(mbx.tombstones.len(), 1);
        assert_eq!(mbx.counts()[archive], (1, 1));
    }

    #[test]
    fn ids_are_told_apart_from_garbage() {
        assert!(is_message_id(&message_id(3, 42)));
        assert!(!is_message_id("AAMkADnonsense"));
        assert!(!is_message_id("hello"));
    }

    #[test]
    fn preview_collapses_whitespace_and_stops_at_255_chars() {
        assert_eq!(preview_of("a\r\n\r\n  b\tc"), "a b c");
        assert_eq!(preview_of(&"ü".repeat(400)).chars().count(), 255);
    }
}
