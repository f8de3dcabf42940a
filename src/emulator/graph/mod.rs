//! `{graph_url}` (`…/v1.0`): users, mail folders, messages, send, move, attachments, delta.

use std::sync::Arc;

use axum::Router;

use super::Emulator;
use super::tenant::TenantSeed;

/// Every mailbox of the tenant and the mail sent from it.
#[derive(Default)]
pub struct MailState {}

impl MailState {
    /// Mailboxes for every user of `tenant`; `messages` fills the first user's Inbox for benchmarks.
    pub fn new(_tenant: &TenantSeed, _messages: Option<usize>) -> MailState {
        MailState {}
    }

    /// Puts every mailbox back to its seeded state.
    pub fn reset(&self, _tenant: &TenantSeed) {}
}

/// The Graph API routes (full paths, starting with `/v1.0`).
pub fn routes() -> Router<Arc<Emulator>> {
    Router::new()
}

/// Test hooks of the mail side under `/_emulator/`.
pub fn hooks() -> Router<Arc<Emulator>> {
    Router::new()
}
