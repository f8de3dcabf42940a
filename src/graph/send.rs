//! Sending mail: small attachments inline with `sendMail`; bigger ones through a draft and an
//! upload session, then `send`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};

use super::client::{Call, GraphClient};
use super::error::GraphError;
use super::retry::Replay;

/// Attachments at or over this size go through an upload session (Graph's limit for inline).
pub const UPLOAD_SESSION_THRESHOLD: usize = 3 * 1024 * 1024;
use super::upload::CHUNK;

#[derive(Debug, Clone, Default)]
pub struct OutgoingMessage {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The body is HTML rather than plain text.
    pub html: bool,
    pub attachments: Vec<OutgoingAttachment>,
}

#[derive(Clone)]
pub struct OutgoingAttachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for OutgoingAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingAttachment")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

pub(crate) fn recipients(addresses: &[String]) -> Value {
    Value::Array(
        addresses
            .iter()
            .map(|a| json!({ "emailAddress": { "address": a.trim() } }))
            .collect(),
    )
}

fn file_attachment(a: &OutgoingAttachment) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": a.name,
        "contentType": a.content_type,
        "contentBytes": STANDARD.encode(&a.bytes),
    })
}

impl OutgoingMessage {
    /// The message JSON, with the small attachments when `inline` is set.
    pub(super) fn to_json(&self, inline: bool) -> Value {
        let mut message = json!({
            "subject": self.subject,
            "body": {
                "contentType": if self.html { "HTML" } else { "Text" },
                "content": self.body,
            },
            "toRecipients": recipients(&self.to),
            "ccRecipients": recipients(&self.cc),
            "bccRecipients": recipients(&self.bcc),
        });
        if inline && !self.attachments.is_empty() {
            message["attachments"] =
                Value::Array(self.attachments.iter().map(file_attachment).collect());
        }
        message
    }

    /// True when everything fits one `sendMail` request.
    pub fn fits_inline(&self) -> bool {
        let total: usize = self.attachments.iter().map(|a| a.bytes.len()).sum();
        total < UPLOAD_SESSION_THRESHOLD
    }

    pub(super) fn check(&self) -> Result<(), GraphError> {
        if self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty() {
            return Err(GraphError::Invalid(
                "the message has no recipients; add at least one --to".into(),
            ));
        }
        if let Some(bad) = self
            .to
            .iter()
            .chain(&self.cc)
            .chain(&self.bcc)
            .find(|a| !looks_like_address(a))
        {
            return Err(GraphError::Invalid(format!(
                "'{}' is not an email address",
                crate::domain::sanitize::line(bad)
            )));
        }
        Ok(())
    }
}

fn looks_like_address(a: &str) -> bool {
    let a = a.trim();
    matches!(a.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty())
        && !a.contains(char::is_whitespace)
}

impl GraphClient {
    /// Sends a message. When a failure leaves it unknown whether Graph sent it, the error is
    /// [`GraphError::MaybeSent`] and nothing is retried.
    pub async fn send_mail(&self, msg: &OutgoingMessage) -> Result<(), GraphError> {
        msg.check()?;
        if msg.fits_inline() {
            let body = json!({ "message": msg.to_json(true), "saveToSentItems": true });
            let call = Call::new(
                Method::POST,
                self.endpoint(&["sendMail"]),
                Replay::Sends,
                "sendMail",
            )
            .json(&body);
            return self.done(call).await;
        }
        self.send_through_draft(msg, &[]).await
    }

    pub(crate) async fn attach_all(
        &self,
        draft_id: &str,
        attachments: &[OutgoingAttachment],
    ) -> Result<(), GraphError> {
        for a in attachments {
            if a.bytes.len() < UPLOAD_SESSION_THRESHOLD {
                let call = Call::new(
                    Method::POST,
                    self.endpoint(&["messages", draft_id, "attachments"]),
                    Replay::Once,
                    "add attachment",
                )
                .json(&file_attachment(a));
                self.done(call).await?;
            } else {
                self.upload_large(draft_id, a).await?;
            }
        }
        Ok(())
    }

    async fn upload_large(&self, draft_id: &str, a: &OutgoingAttachment) -> Result<(), GraphError> {
        let total = a.bytes.len() as u64;
        let url = self
            .create_upload_session(draft_id, &a.name, &a.content_type, total)
            .await?;
        let mut start = 0u64;
        for chunk in a.bytes.chunks(CHUNK) {
            self.put_range(&url, start, total, bytes::Bytes::copy_from_slice(chunk))
                .await?;
            start += chunk.len() as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> OutgoingMessage {
        OutgoingMessage {
            to: vec!["a@x.com".into()],
            cc: vec!["c@x.com".into()],
            subject: "Grüße".into(),
            body: "hi".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_sendmail_payload_has_graphs_shape() {
        let mut m = msg();
        m.attachments.push(OutgoingAttachment {
            name: "a.txt".into(),
            content_type: "text/plain".into(),
            bytes: b"Hello World!".to_vec(),
        });
        let v = m.to_json(true);
        assert_eq!(v["body"]["contentType"], "Text");
        assert_eq!(v["toRecipients"][0]["emailAddress"]["address"], "a@x.com");
        assert_eq!(v["bccRecipients"], json!([]));
        assert_eq!(v["attachments"][0]["contentBytes"], "SGVsbG8gV29ybGQh");
        assert_eq!(
            v["attachments"][0]["@odata.type"],
            "#microsoft.graph.fileAttachment"
        );
        assert!(m.fits_inline());
    }

    #[test]
    fn big_attachments_do_not_fit_inline() {
        let mut m = msg();
        m.attachments.push(OutgoingAttachment {
            name: "big.bin".into(),
            content_type: "application/octet-stream".into(),
            bytes: vec![0; UPLOAD_SESSION_THRESHOLD],
        });
        assert!(!m.fits_inline());
        assert!(m.to_json(false).get("attachments").is_none());
        assert_eq!(CHUNK % (320 * 1024), 0);
    }

    #[test]
    fn recipients_are_checked_before_anything_is_sent() {
        let mut m = msg();
        m.to = vec!["not an address".into()];
        assert!(
            m.check()
                .unwrap_err()
                .to_string()
                .contains("not an email address")
        );
        m.to.clear();
        m.cc.clear();
        assert!(m.check().unwrap_err().to_string().contains("--to"));
    }
}
