//! What flows in and out of `update`: messages in, commands out, worker events back.

use secrecy::SecretString;

use crate::domain::Connector;

use super::connectors::row::ConnectorRow;
use super::keys::Key;
use crate::domain::mail::{
    FolderItem, MailAction, MailOutcome, MailQuery, MessagePage, MessageView, OutgoingDraft,
};

/// Identifies one command and its reply; replies whose id is no longer awaited are dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReqId(pub u64);

/// Identifies a listing (its first request); later pages name it.
pub type ListingId = ReqId;

#[derive(Debug)]
pub enum Msg {
    Key(Key),
    /// Bracketed paste: goes to the focused text field.
    Paste(String),
    Resize(u16, u16),
    /// Animation tick (spinner, countdown, fading toasts); only sent while something animates.
    Tick,
    Worker(Event),
}

/// Work for the worker (or, for `Copy` and `Quit`, for the terminal runtime).
#[derive(Debug)]
pub enum Cmd {
    UnlockVault {
        id: ReqId,
        passphrase: SecretString,
    },
    CreateVault {
        id: ReqId,
        passphrase: SecretString,
    },
    /// Open the vault with the identity given on the command line or in the environment.
    OpenWithIdentity {
        id: ReqId,
    },
    LoadConnectors {
        id: ReqId,
    },
    SaveConnector {
        id: ReqId,
        draft: Box<ConnectorDraft>,
    },
    DeleteConnector {
        id: ReqId,
        name: String,
    },
    SignIn {
        id: ReqId,
        name: String,
    },
    /// The redirect URL pasted from the browser, for the sign-in `id`.
    SubmitRedirect {
        id: ReqId,
        url: SecretString,
    },
    Test {
        id: ReqId,
        name: String,
    },
    /// Forget a connector's tokens; the reply is the list again.
    SignOut {
        id: ReqId,
        name: String,
    },
    /// Ask the identity platform's discovery whether `tenant` exists, and in which cloud.
    CheckTenant {
        id: ReqId,
        cloud: crate::domain::Cloud,
        tenant: String,
    },
    /// `graphmail demo`: play the browser on the sign-in `id`'s authorize URL (or, with a
    /// device code, its code page) as the demo user.
    DemoApprove {
        id: ReqId,
        url: String,
        user_code: Option<String>,
    },
    /// Stop a long operation (device-code polling, loopback wait).
    Cancel {
        id: ReqId,
    },
    /// Read a connector's folder tree (opening its mailbox, or refreshing the counts).
    LoadFolders {
        id: ReqId,
        name: String,
    },
    /// Start listing messages; the reply is the first page. Later pages name this `id`.
    ListMessages {
        id: ReqId,
        name: String,
        query: MailQuery,
    },
    /// The next page of the listing started by `listing`.
    MoreMessages {
        id: ReqId,
        listing: ListingId,
        /// Messages of the listing taken out of it since the last page was asked for.
        removed: usize,
    },
    ReadMessage {
        id: ReqId,
        name: String,
        message_id: String,
        /// Columns to lay an HTML body out in: the preview's width.
        text_width: u16,
    },
    ChangeMessage {
        id: ReqId,
        name: String,
        action: MailAction,
    },
    /// Change several messages in one go (Graph batches); the reply has one outcome each.
    ChangeMessages {
        id: ReqId,
        name: String,
        actions: Vec<MailAction>,
    },
    /// Send a draft. Never repeated by the worker: a failure comes back to the user.
    SendMail {
        id: ReqId,
        name: String,
        draft: Box<OutgoingDraft>,
    },
    /// Check that a file to attach exists and can be read, when it is added to a draft.
    CheckAttachment {
        id: ReqId,
        path: String,
    },
    /// Make the session agent forget the vault key and close the vault.
    LockAgent,
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Hand the terminal to the user's editor with `text` (for the terminal runtime, which
    /// answers with [`EventBody::BodyEdited`]).
    EditBody {
        id: ReqId,
        text: String,
    },
    Quit,
}

impl Cmd {
    pub fn id(&self) -> Option<ReqId> {
        match self {
            Cmd::UnlockVault { id, .. }
            | Cmd::CreateVault { id, .. }
            | Cmd::OpenWithIdentity { id }
            | Cmd::LoadConnectors { id }
            | Cmd::SaveConnector { id, .. }
            | Cmd::DeleteConnector { id, .. }
            | Cmd::SignIn { id, .. }
            | Cmd::SubmitRedirect { id, .. }
            | Cmd::DemoApprove { id, .. }
            | Cmd::Test { id, .. }
            | Cmd::SignOut { id, .. }
            | Cmd::ChangeMessages { id, .. }
            | Cmd::CheckTenant { id, .. }
            | Cmd::LoadFolders { id, .. }
            | Cmd::ListMessages { id, .. }
            | Cmd::MoreMessages { id, .. }
            | Cmd::ReadMessage { id, .. }
            | Cmd::ChangeMessage { id, .. }
            | Cmd::SendMail { id, .. }
            | Cmd::CheckAttachment { id, .. }
            | Cmd::EditBody { id, .. }
            | Cmd::Cancel { id } => Some(*id),
            Cmd::LockAgent | Cmd::Copy(_) | Cmd::Quit => None,
        }
    }
}

/// A connector to save, with the secrets typed in the wizard (absent = keep what is stored).
#[derive(Debug)]
pub struct ConnectorDraft {
    pub connector: Connector,
    /// The name it had before an edit; `None` for a new connector.
    pub original_name: Option<String>,
    pub client_secret: Option<SecretString>,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

/// A worker's answer to the command with the same id.
#[derive(Debug)]
pub struct Event {
    pub id: ReqId,
    pub body: EventBody,
}

pub type Reply<T> = Result<T, UiError>;

#[derive(Debug)]
pub enum EventBody {
    /// The vault is open (unlocked, created, or opened with an identity).
    Unlocked(Reply<Vec<ConnectorRow>>),
    Connectors(Reply<Vec<ConnectorRow>>),
    Saved(Reply<Vec<ConnectorRow>>),
    Deleted(Reply<Vec<ConnectorRow>>),
    /// A connector signed out: the list again.
    SignedOut(Reply<Vec<ConnectorRow>>),
    /// The outcomes of `ChangeMessages`, in its order.
    ChangedMany(Vec<Reply<MailOutcome>>),
    SignIn(SignInUpdate),
    Tested(Reply<TestReport>),
    /// What discovery said about a tenant typed in the wizard (no answer: no verdict).
    TenantChecked(crate::domain::tenant_check::Verdict),
    Folders(Reply<Vec<FolderItem>>),
    Messages(Reply<MessagePage>),
    Message(Reply<Box<MessageView>>),
    Changed(Reply<MailOutcome>),
    Sent(Reply<()>),
    AttachmentChecked(Reply<super::compose::AttachmentFile>),
    /// The text the editor left, or why there is none.
    BodyEdited(Reply<String>),
}

#[derive(Debug)]
pub enum SignInUpdate {
    DeviceCode(DeviceCodePrompt),
    AuthorizeUrl(AuthorizePrompt),
    Finished(Reply<SignedIn>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    pub verification_uri: String,
    pub user_code: String,
    pub message: String,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizePrompt {
    pub url: String,
    pub redirect_uri: String,
    /// The loopback port the listener waits on.
    pub port: u16,
    /// The listener is up; `false` when the port was taken and only pasting works.
    pub listening: bool,
    /// `user@host` for the `ssh -L` line, when the session is remote.
    pub ssh_target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: Option<i64>,
    pub connectors: Vec<ConnectorRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestReport {
    pub name: String,
    pub user: Option<String>,
    pub missing_scopes: Vec<String>,
    pub mailbox_ok: bool,
    pub connectors: Vec<ConnectorRow>,
    /// What went wrong, when the test did not pass (the rows already show it).
    pub problem: Option<UiError>,
}

/// An error the screen shows: what happened, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiError {
    pub kind: UiErrorKind,
    pub message: String,
    pub fix: Option<String>,
    /// The identity platform's code and ids, for support.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiErrorKind {
    WrongPassphrase,
    Identity,
    Network,
    Vault,
    /// A send failed after it reached Graph: the mail may have gone out.
    MaybeSent,
    /// What was asked for is not there (Graph's 404): deleted or moved elsewhere.
    NotFound,
    Other,
}

impl UiError {
    pub fn new(kind: UiErrorKind, message: impl Into<String>) -> UiError {
        UiError {
            kind,
            message: message.into(),
            fix: None,
            detail: None,
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> UiError {
        self.fix = Some(fix.into());
        self
    }

    /// The fix as the screen says it: the keys it names are the ones `keymap` binds now.
    pub fn fix_with_keys(&self, keymap: &super::keymap::Keymap) -> Option<String> {
        self.fix.as_deref().map(|f| keymap.fill(f))
    }
}
