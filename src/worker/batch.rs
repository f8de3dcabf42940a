//! Marks, moves and deletes of many messages at once, sent as Graph batches (see
//! `GraphClient::batch`): one audit line per message that changed, one outcome per action.

use crate::app::{MailAction, MailOutcome, UiError, UiErrorKind};
use crate::graph::{BatchOp, FolderRef, GraphError};

use super::Services;
use super::mail::audit_change;
use super::ui_error::graph_error;

fn op(action: &MailAction) -> Option<BatchOp> {
    match action {
        MailAction::SetRead { message_id, read } => Some(BatchOp::SetRead {
            id: message_id.clone(),
            read: *read,
        }),
        MailAction::Move {
            message_id,
            folder_id,
        } => Some(BatchOp::Move {
            id: message_id.clone(),
            to: FolderRef::Id(folder_id.clone()),
        }),
        MailAction::Delete { message_id } => Some(BatchOp::Delete {
            id: message_id.clone(),
        }),
        MailAction::SaveAttachment { .. } => None,
    }
}

/// Applies `actions`; the outcomes are in their order.
pub async fn change_many(
    services: &Services,
    name: &str,
    actions: Vec<MailAction>,
) -> Vec<Result<MailOutcome, UiError>> {
    let (client, mailbox) = match services.mail.session(services, name, false) {
        Ok(s) => s,
        Err(e) => return actions.iter().map(|_| Err(e.clone())).collect(),
    };
    let ops: Vec<Option<BatchOp>> = actions.iter().map(op).collect();
    let sendable: Vec<BatchOp> = ops.iter().flatten().cloned().collect();
    let mut outcomes = client.batch(&sendable).await.into_iter();
    let mut out = Vec::with_capacity(actions.len());
    for (action, op) in actions.iter().zip(&ops) {
        if op.is_none() {
            out.push(Err(UiError::new(
                UiErrorKind::Other,
                "Saving attachments is not a batch action.",
            )));
            continue;
        }
        let result = outcomes
            .next()
            .unwrap_or_else(|| Err(GraphError::Decode("no answer for an item".into())));
        out.push(match result {
            Ok(new_id) => {
                audit_change(services, name, &mailbox, action, new_id.as_deref());
                Ok(match (action, new_id) {
                    (MailAction::Move { .. } | MailAction::Delete { .. }, Some(new_id)) => {
                        MailOutcome::Moved { new_id }
                    }
                    _ => MailOutcome::Done,
                })
            }
            Err(e) => Err(graph_error(e)),
        });
    }
    out
}
