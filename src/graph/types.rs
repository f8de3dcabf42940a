//! Graph's JSON, reduced to the fields graphmail shows. The public types read Graph's
//! camelCase and write graphmail's own JSON shapes (snake_case, recipients flattened).

use serde::{Deserialize, Deserializer, Serialize};

/// A null or missing value becomes the type's default.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A name and an address; either may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub address: String,
}

impl Address {
    /// What a list shows of a person: the name, else the address.
    pub fn display_name(&self) -> &str {
        let name = self.name.trim();
        if name.is_empty() {
            self.address.trim()
        } else {
            name
        }
    }
}

/// Graph's recipient: `{"emailAddress": {"name", "address"}}`.
#[derive(Deserialize)]
struct Recipient {
    #[serde(rename = "emailAddress", default)]
    email_address: Option<Address>,
}

fn recipient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Address>, D::Error> {
    Ok(Option::<Recipient>::deserialize(d)?.and_then(|r| r.email_address))
}

fn recipients<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Address>, D::Error> {
    let list: Vec<Recipient> = null_default(d)?;
    Ok(list.into_iter().filter_map(|r| r.email_address).collect())
}

/// One row of a message list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSummary {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub subject: String,
    #[serde(default, deserialize_with = "recipient")]
    pub from: Option<Address>,
    /// Only when the listing asked for them ([`RECIPIENT_FIELDS`]); left out of the JSON output
    /// when empty.
    #[serde(
        rename(deserialize = "toRecipients"),
        default,
        deserialize_with = "recipients",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub to: Vec<Address>,
    /// UTC, ISO-8601 as Graph gives it (`2024-05-01T09:30:00Z`).
    #[serde(
        rename(deserialize = "receivedDateTime"),
        default,
        deserialize_with = "null_default"
    )]
    pub received: String,
    #[serde(
        rename(deserialize = "isRead"),
        default,
        deserialize_with = "null_default"
    )]
    pub is_read: bool,
    #[serde(
        rename(deserialize = "hasAttachments"),
        default,
        deserialize_with = "null_default"
    )]
    pub has_attachments: bool,
    /// `low`, `normal` or `high`.
    #[serde(default, deserialize_with = "null_default")]
    pub importance: String,
    /// Flagged for follow-up (`flag.flagStatus` is `flagged`). Not part of the JSON output.
    #[serde(
        rename(deserialize = "flag"),
        default,
        deserialize_with = "flagged",
        skip_serializing
    )]
    pub flagged: bool,
}

fn flagged<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    struct Flag {
        #[serde(rename = "flagStatus", default)]
        status: Option<String>,
    }
    Ok(Option::<Flag>::deserialize(d)?
        .and_then(|f| f.status)
        .is_some_and(|s| s.eq_ignore_ascii_case("flagged")))
}

/// The `$select` that fills a [`MessageSummary`], and nothing more.
pub(crate) const SUMMARY_FIELDS: &str =
    "id,subject,from,receivedDateTime,isRead,hasAttachments,importance,flag";

/// Added to [`SUMMARY_FIELDS`] where a list shows the recipients (Sent Items, Drafts).
pub(crate) const RECIPIENT_FIELDS: &str = "toRecipients";

/// An attachment's description (no content).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub size: u64,
    #[serde(
        rename(deserialize = "contentType"),
        default,
        deserialize_with = "null_default"
    )]
    pub content_type: String,
    /// `#microsoft.graph.fileAttachment`, `…itemAttachment` or `…referenceAttachment`.
    #[serde(rename(deserialize = "@odata.type"), default, skip_serializing)]
    pub odata_type: Option<String>,
}

impl AttachmentInfo {
    /// Only file attachments have bytes to save.
    pub fn is_file(&self) -> bool {
        self.odata_type
            .as_deref()
            .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.fileAttachment"))
    }
}

/// One message, opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageDetail {
    pub id: String,
    pub subject: String,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// Where the sender asked replies to go (`replyTo`); empty when not set.
    pub reply_to: Vec<Address>,
    pub received: String,
    pub is_read: bool,
    /// The body as text (converted from HTML when Graph had only HTML), or the raw HTML when
    /// it was asked for.
    pub body_text: String,
    pub attachments: Vec<AttachmentInfo>,
}

/// A message as Graph sends it for [`MessageDetail`].
#[derive(Deserialize)]
pub(crate) struct MessageWire {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub subject: String,
    #[serde(default, deserialize_with = "recipient")]
    pub from: Option<Address>,
    #[serde(rename = "toRecipients", default, deserialize_with = "recipients")]
    pub to: Vec<Address>,
    #[serde(rename = "ccRecipients", default, deserialize_with = "recipients")]
    pub cc: Vec<Address>,
    #[serde(rename = "replyTo", default, deserialize_with = "recipients")]
    pub reply_to: Vec<Address>,
    #[serde(
        rename = "receivedDateTime",
        default,
        deserialize_with = "null_default"
    )]
    pub received: String,
    #[serde(rename = "isRead", default, deserialize_with = "null_default")]
    pub is_read: bool,
    #[serde(rename = "hasAttachments", default, deserialize_with = "null_default")]
    pub has_attachments: bool,
    #[serde(default)]
    pub body: Option<ItemBody>,
}

pub(crate) const DETAIL_FIELDS: &str =
    "id,subject,from,toRecipients,ccRecipients,replyTo,receivedDateTime,isRead,hasAttachments,body";

#[derive(Deserialize)]
pub(crate) struct ItemBody {
    /// `text` or `html` (lower-case in replies).
    #[serde(rename = "contentType", default, deserialize_with = "null_default")]
    pub content_type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub content: String,
}

/// A mail folder with its subfolders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Folder {
    pub id: String,
    pub name: String,
    /// `inbox`, `sentitems`, … for the standard folders.
    pub well_known: Option<String>,
    pub parent_id: Option<String>,
    pub total: u64,
    pub unread: u64,
    pub children: Vec<Folder>,
}

#[derive(Deserialize)]
pub(crate) struct FolderWire {
    pub id: String,
    #[serde(rename = "displayName", default, deserialize_with = "null_default")]
    pub display_name: String,
    #[serde(rename = "parentFolderId", default)]
    pub parent_folder_id: Option<String>,
    #[serde(
        rename = "childFolderCount",
        default,
        deserialize_with = "null_default"
    )]
    pub child_folder_count: u64,
    #[serde(rename = "totalItemCount", default, deserialize_with = "null_default")]
    pub total_item_count: u64,
    #[serde(rename = "unreadItemCount", default, deserialize_with = "null_default")]
    pub unread_item_count: u64,
}

pub(crate) const FOLDER_FIELDS: &str =
    "id,displayName,parentFolderId,childFolderCount,totalItemCount,unreadItemCount";

/// The mailbox owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: String,
    #[serde(
        rename(deserialize = "displayName"),
        default,
        deserialize_with = "null_default"
    )]
    pub display_name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub mail: String,
    #[serde(
        rename(deserialize = "userPrincipalName"),
        default,
        deserialize_with = "null_default"
    )]
    pub user_principal_name: String,
}

/// One page of a collection.
#[derive(Deserialize)]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graph_message_row_becomes_the_list_shape() {
        let page: Page<MessageSummary> = serde_json::from_str(
            r#"{"@odata.context":"x","value":[
              {"@odata.etag":"W/\"x\"","id":"AAMk1","subject":"Hi","importance":"high",
               "from":{"emailAddress":{"name":"Adele Vance","address":"adele@x.com"}},
               "receivedDateTime":"2024-05-01T09:30:00Z","isRead":false,"hasAttachments":true},
              {"id":"AAMk2","subject":null,"from":null,"receivedDateTime":"2024-05-01T09:31:00Z",
               "isRead":true,"hasAttachments":false,"importance":"normal"}],
             "@odata.nextLink":"https://graph.microsoft.com/v1.0/me/messages?$skip=12"}"#,
        )
        .unwrap();
        assert_eq!(page.value.len(), 2);
        assert!(page.next_link.unwrap().ends_with("$skip=12"));
        let json = serde_json::to_value(&page.value[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id":"AAMk1","subject":"Hi",
                "from":{"name":"Adele Vance","address":"adele@x.com"},
                "received":"2024-05-01T09:30:00Z","is_read":false,"has_attachments":true,
                "importance":"high"})
        );
        assert_eq!(page.value[1].subject, "");
        assert_eq!(page.value[1].from, None);
    }

    #[test]
    fn item_attachments_are_told_apart_from_files() {
        let list: Page<AttachmentInfo> = serde_json::from_str(
            r##"{"value":[
              {"@odata.type":"#microsoft.graph.fileAttachment","id":"a1","name":"r.pdf","size":10,"contentType":"application/pdf"},
              {"@odata.type":"#microsoft.graph.itemAttachment","id":"a2","name":"fwd","size":5,"contentType":null}]}"##,
        )
        .unwrap();
        assert!(list.value[0].is_file());
        assert!(!list.value[1].is_file());
        assert_eq!(
            serde_json::to_value(&list.value[0]).unwrap(),
            serde_json::json!({"id":"a1","name":"r.pdf","size":10,"content_type":"application/pdf"})
        );
    }
}
