//! `{graph_url}` (`…/v1.0`): users, mail folders, messages, send, move, attachments, delta.
//!
//! Every mailbox path exists twice, as Graph has it: under `/v1.0/me` (delegated tokens) and
//! under `/v1.0/users/{id|upn}` (app-only tokens, or delegated with `.Shared` permissions).

pub mod attachments;
pub mod auth;
pub mod batch;
pub mod delta;
pub mod errors;
pub mod folders;
pub mod hooks;
pub mod messages;
pub mod query;
pub mod render;
pub mod search;
pub mod seed;
pub mod send;
pub mod store;
pub mod throttle;
pub mod uploads;
pub mod users;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;
use axum::routing::{get, post, put};

use super::Emulator;
use super::tenant::TenantSeed;
use send::Kind;
use store::{Mailbox, Owner};

/// Every mailbox of the tenant and the mail sent from it.
pub struct MailState {
    mailboxes: Mutex<Vec<Mailbox>>,
    /// How many generated messages `--messages N` put in the first user's Inbox.
    bulk: Option<usize>,
    pub(crate) throttle: throttle::Throttle,
    /// Attachment uploads in progress.
    pub(crate) uploads: uploads::UploadSessions,
    /// `$batch` requests served, for the test hook.
    pub(crate) batches: batch::BatchCounts,
}

impl MailState {
    /// One seeded mailbox per user. `messages: Some(n)` fills the first user's Inbox with
    /// `n` generated messages on top of the seed (for benchmarks).
    pub fn new(tenant: &TenantSeed, messages: Option<usize>) -> MailState {
        MailState {
            mailboxes: Mutex::new(build(tenant, messages)),
            bulk: messages,
            throttle: throttle::Throttle::default(),
            uploads: uploads::UploadSessions::default(),
            batches: batch::BatchCounts::default(),
        }
    }

    /// Back to the seed: every change, delivery and sent message is forgotten.
    pub fn reset(&self, tenant: &TenantSeed) {
        let fresh = build(tenant, self.bulk);
        *self.lock() = fresh;
    }

    /// The mailboxes, locked. Keep the guard short: never across an await.
    pub fn lock(&self) -> MutexGuard<'_, Vec<Mailbox>> {
        let mut boxes = self
            .mailboxes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Whoever looks next sees the sent items whose delay is over.
        for mbx in boxes.iter_mut() {
            mbx.file_delayed_sent();
        }
        boxes
    }
}

impl Default for MailState {
    fn default() -> Self {
        MailState {
            mailboxes: Mutex::new(vec![]),
            bulk: None,
            throttle: throttle::Throttle::default(),
            uploads: uploads::UploadSessions::default(),
            batches: batch::BatchCounts::default(),
        }
    }
}

fn build(tenant: &TenantSeed, messages: Option<usize>) -> Vec<Mailbox> {
    let mut boxes: Vec<Mailbox> = tenant
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            Mailbox::new(
                i,
                Owner {
                    id: u.id.clone(),
                    upn: u.upn.clone(),
                    display_name: u.display_name.clone(),
                },
            )
        })
        .collect();
    seed::populate(&mut boxes, &tenant.tenant.domain);
    if let (Some(n), Some(first)) = (messages, boxes.first_mut()) {
        seed::bulk(first, n);
    }
    boxes
}

/// The mailbox routes, relative to `/v1.0/me` or `/v1.0/users/{user}`.
fn mailbox_routes() -> Router<Arc<Emulator>> {
    Router::new()
        .route("/mailFolders", get(folders::list_top))
        .route("/mailFolders/{folder}", get(folders::get_one))
        .route(
            "/mailFolders/{folder}/childFolders",
            get(folders::list_children),
        )
        .route(
            "/mailFolders/{folder}/messages",
            get(messages::list_in_folder),
        )
        .route("/mailFolders/{folder}/messages/delta", get(delta::delta))
        .route(
            "/mailFolders/{folder}/messages/{id}",
            get(messages::get_one)
                .patch(messages::patch)
                .delete(messages::delete),
        )
        .route(
            "/messages",
            get(messages::list_all).post(send::create_draft),
        )
        .route(
            "/messages/{id}",
            get(messages::get_one)
                .patch(messages::patch)
                .delete(messages::delete),
        )
        .route(
            "/messages/{id}/permanentDelete",
            post(messages::permanent_delete),
        )
        .route("/messages/{id}/move", post(messages::move_message))
        .route("/messages/{id}/copy", post(messages::copy_message))
        .route(
            "/messages/{id}/createReply",
            send::create_draft_of(Kind::Reply),
        )
        .route(
            "/messages/{id}/createReplyAll",
            send::create_draft_of(Kind::ReplyAll),
        )
        .route(
            "/messages/{id}/createForward",
            send::create_draft_of(Kind::Forward),
        )
        .route("/messages/{id}/reply", send::send_now(Kind::Reply))
        .route("/messages/{id}/replyAll", send::send_now(Kind::ReplyAll))
        .route("/messages/{id}/forward", send::send_now(Kind::Forward))
        .route("/messages/{id}/send", post(send::send_draft))
        .route(
            "/messages/{id}/attachments",
            get(attachments::list).post(attachments::add),
        )
        .route(
            "/messages/{id}/attachments/createUploadSession",
            post(uploads::create),
        )
        .route(
            "/messages/{id}/attachments/{aid}",
            get(attachments::get_one),
        )
        .route(
            "/messages/{id}/attachments/{aid}/$value",
            get(attachments::raw),
        )
        .route("/sendMail", post(send::send_mail))
}

/// The largest request body taken: a `sendMail` with 3 MB of inline attachments is about 4 MB
/// once base64-encoded, and an upload range is at most 4 MB.
pub(crate) const REQUEST_LIMIT: usize = 6 * 1024 * 1024;

/// Graph's routes, full paths from `/v1.0/`, and the upload URLs of attachment sessions.
pub fn routes() -> Router<Arc<Emulator>> {
    Router::new()
        .route("/v1.0/me", get(users::me))
        .route("/v1.0/$batch", post(batch::batch))
        .route("/v1.0/users/{user}", get(users::user))
        .nest("/v1.0/me", mailbox_routes())
        .nest("/v1.0/users/{user}", mailbox_routes())
        .route(
            "/api/v2.0/{owner}/{message}/{session}",
            put(uploads::put_range),
        )
        .layer(DefaultBodyLimit::max(REQUEST_LIMIT))
        .layer(from_fn(errors::request_ids))
}

/// Test hooks for the mail side: `GET /_emulator/sent`, `GET /_emulator/batches`,
/// `POST /_emulator/deliver`,
/// `GET|POST /_emulator/faults`.
pub fn hooks() -> Router<Arc<Emulator>> {
    Router::new()
        .route("/_emulator/sent", get(hooks::sent))
        .route("/_emulator/batches", get(batch::counts))
        .route("/_emulator/deliver", post(hooks::deliver))
        .route(
            "/_emulator/faults",
            get(hooks::get_faults).post(hooks::set_faults),
        )
}
