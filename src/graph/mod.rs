//! Microsoft Graph mail client on reqwest: typed calls, paging, retry and throttling.
//!
//! [`GraphClient`] is bound to one mailbox (`/me` or `/users/{upn}`) and gets its bearer tokens
//! from a [`TokenSource`]. Every request goes through one policy (see `client.rs`): at most four
//! in flight per mailbox, `Retry-After` honoured on 429/503/504, one token refresh after a 401,
//! and calls that send mail are never repeated after a failure that leaves their fate unknown.

mod actions;
mod batch;
mod client;
mod drafts;
mod error;
mod folders;
mod messages;
mod read;
mod retry;
mod send;
mod types;
mod upload;

pub use actions::{SavedAttachment, safe_file_name};
pub use batch::{BATCH_MAX, BatchOp, BatchOutcome};
pub use client::{
    GraphClient, MAILBOX_CONCURRENCY, Mailbox, TokenError, TokenFuture, TokenSource, http_client,
};
pub use drafts::KeyLookup;
pub use error::{GraphError, INVALID_ID};
pub use folders::{
    FolderRef, WELL_KNOWN_FOLDERS, WellKnownFolder, flatten_tree, folder_path, resolve_folder,
};
pub use messages::{ListQuery, MAX_PAGE, MessagePager, Order};
pub use read::{BodyFormat, html_to_text};
pub use retry::RetryPolicy;
pub use send::{OutgoingAttachment, OutgoingMessage, UPLOAD_SESSION_THRESHOLD};
pub use types::{Address, AttachmentInfo, Folder, MessageDetail, MessageSummary, UserInfo};
pub use upload::{AttachError, StreamedAttachment};
