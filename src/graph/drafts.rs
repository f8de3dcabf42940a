//! Drafts that carry a key, sent in a second step, and found again by that key.
//!
//! The relay's exactly-once delivery rests on three documented behaviours of Graph:
//! - a message created with `POST /me/messages` is a draft (`201 Created`) and may carry
//!   `singleValueExtendedProperties` in the same request
//!   (<https://learn.microsoft.com/graph/api/user-post-messages>,
//!   <https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-post-singlevalueextendedproperties>);
//! - `POST /me/messages/{id}/send` answers `202 Accepted` and files the message in Sent Items
//!   (<https://learn.microsoft.com/graph/api/message-send>), asynchronously, so a lookup right
//!   after may miss it;
//! - messages can be filtered on a string extended property with
//!   `singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')`; the id's name
//!   part is compared case-sensitively, the value case-insensitively
//!   (<https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-get>).

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::client::{Call, GraphClient};
use super::error::GraphError;
use super::retry::Replay;
use super::send::OutgoingAttachment;

/// Where a key was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLookup {
    /// In Sent Items: the message went out.
    Sent,
    /// In Drafts, with this id: created but not sent.
    Draft(String),
    /// Neither.
    Nowhere,
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    value: Vec<Created>,
}

/// A `String {GUID} Name X` property id as a `$filter` literal (single quotes doubled).
fn quoted(s: &str) -> String {
    s.replace('\'', "''")
}

impl GraphClient {
    /// Creates a draft from a Graph message JSON; returns its id. Not repeated after an
    /// ambiguous failure (the caller looks the draft up instead).
    pub async fn create_draft(&self, message: &Value) -> Result<String, GraphError> {
        let call = Call::new(
            Method::POST,
            self.endpoint(&["messages"]),
            Replay::Once,
            "create draft",
        )
        .json(message);
        let created: Created = self.json(call).await?;
        Ok(created.id)
    }

    /// Adds attachments to a draft: small ones directly, large ones through upload sessions.
    pub async fn attach_to_draft(
        &self,
        draft_id: &str,
        attachments: &[OutgoingAttachment],
    ) -> Result<(), GraphError> {
        self.attach_all(draft_id, attachments).await
    }

    /// Sends a draft (`202 Accepted`).
    pub async fn send_draft(&self, draft_id: &str) -> Result<(), GraphError> {
        let call = Call::new(
            Method::POST,
            self.endpoint(&["messages", draft_id, "send"]),
            Replay::Sends,
            "send",
        );
        self.done(call).await
    }

    /// Deletes a draft for good; one already gone counts as deleted.
    pub async fn discard_draft(&self, draft_id: &str) -> Result<(), GraphError> {
        match self.delete_permanently(draft_id).await {
            Err(GraphError::Api { status: 404, .. }) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Looks for the message carrying `value` in the string extended property `property_id`,
    /// in Sent Items first, then in Drafts.
    pub async fn find_by_property(
        &self,
        property_id: &str,
        value: &str,
    ) -> Result<KeyLookup, GraphError> {
        let filter = format!(
            "singleValueExtendedProperties/any(ep: ep/id eq '{}' and ep/value eq '{}')",
            quoted(property_id),
            quoted(value)
        );
        for folder in ["sentitems", "drafts"] {
            let mut url = self.endpoint(&["mailFolders", folder, "messages"]);
            url.query_pairs_mut()
                .append_pair("$filter", &filter)
                .append_pair("$select", "id")
                .append_pair("$top", "2");
            let page: Page = self.json(Call::get(url)).await?;
            if let Some(first) = page.value.into_iter().next() {
                return Ok(match folder {
                    "sentitems" => KeyLookup::Sent,
                    _ => KeyLookup::Draft(first.id),
                });
            }
        }
        Ok(KeyLookup::Nowhere)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_literals_double_single_quotes() {
        assert_eq!(quoted("it's"), "it''s");
    }
}
