//! `{graph_url}` (`…/v1.0`): users, mail folders, messages, send, move, attachments, delta.

/// Every mailbox of the tenant and the mail sent from it.
#[derive(Default)]
pub struct MailState {}
