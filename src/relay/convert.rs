//! A received RFC 5322 message → the Graph message JSON of a draft.
//!
//! Delivery goes exactly to the envelope: To and Cc keep the header addresses that are also
//! envelope recipients, envelope-only recipients become Bcc, header-only addresses are not
//! delivered. The spool key travels in a string extended property set in the creating POST
//! (<https://learn.microsoft.com/graph/api/singlevaluelegacyextendedproperty-post-singlevalueextendedproperties>).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};

use crate::graph::{OutgoingAttachment, UPLOAD_SESSION_THRESHOLD};

/// graphmail's own named property: `String {GUID} Name X-GraphmailSpoolKey`.
pub const SPOOL_KEY_PROPERTY: &str =
    "String {6f1d3a52-8c2e-4b7a-9d41-5e0c7b2a9f13} Name X-GraphmailSpoolKey";

/// Graph accepts at most this many custom `x-` headers on a message.
const MAX_CUSTOM_HEADERS: usize = 5;

/// What to do with a From the mailbox may not send as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FromPolicy {
    /// Send from the mailbox, the original sender kept as Reply-To.
    #[default]
    Rewrite,
    /// Refuse the message (it goes to the failed folder).
    Refuse,
}

/// A message ready for Graph.
#[derive(Debug)]
pub struct Draft {
    /// The message JSON for `POST /messages`, with the attachments that fit inline.
    pub json: Value,
    /// Attachments too big for one request, added through upload sessions.
    pub large: Vec<OutgoingAttachment>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// Header addresses that are not envelope recipients (not delivered).
    pub header_only: Vec<String>,
    pub subject: String,
}

/// Why a message cannot be turned into a draft. It will not get better by waiting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConvertError(pub String);

/// Who sends: the mailbox's address and the other addresses it may send as.
#[derive(Debug, Clone, Default)]
pub struct SenderRules {
    pub mailbox: Option<String>,
    pub send_as: Vec<String>,
    pub policy: FromPolicy,
}

impl SenderRules {
    fn may_send_as(&self, address: &str) -> bool {
        self.mailbox
            .iter()
            .chain(&self.send_as)
            .any(|a| a.eq_ignore_ascii_case(address))
    }
}

fn address_json(address: &str, name: Option<&str>) -> Value {
    match name.filter(|n| !n.trim().is_empty()) {
        Some(name) => json!({ "emailAddress": { "address": address, "name": name } }),
        None => json!({ "emailAddress": { "address": address } }),
    }
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<(String, Option<String>)> {
    list.map(|l| {
        l.iter()
            .filter_map(|a| {
                let address = a.address()?.trim();
                (!address.is_empty()).then(|| (address.to_string(), a.name().map(str::to_string)))
            })
            .collect()
    })
    .unwrap_or_default()
}

fn contains(list: &[String], address: &str) -> bool {
    list.iter().any(|a| a.eq_ignore_ascii_case(address))
}

/// Converts `raw` for the envelope `recipients` (already mapped to full addresses).
pub fn to_draft(
    raw: &[u8],
    key: &str,
    recipients: &[String],
    sender: &SenderRules,
) -> Result<Draft, ConvertError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ConvertError("the message has no headers graphmail can read".into()))?;
    if recipients.is_empty() {
        return Err(ConvertError("the message has no recipients".into()));
    }
    let header_to = addresses(message.to());
    let header_cc = addresses(message.cc());
    let mut header_only = Vec::new();
    let mut keep = |list: &[(String, Option<String>)], kept: &mut Vec<String>| -> Vec<Value> {
        let mut out = Vec::new();
        for (address, name) in list {
            if contains(recipients, address) {
                if !contains(kept, address) {
                    kept.push(address.clone());
                    out.push(address_json(address, name.as_deref()));
                }
            } else if !contains(&header_only, address) {
                header_only.push(address.clone());
            }
        }
        out
    };
    let mut to = Vec::new();
    let to_json = keep(&header_to, &mut to);
    let mut cc = Vec::new();
    let cc_json = keep(&header_cc, &mut cc);
    let mut bcc = Vec::new();
    for r in recipients {
        if !contains(&to, r) && !contains(&cc, r) && !contains(&bcc, r) {
            bcc.push(r.clone());
        }
    }
    let subject = message.subject().unwrap_or_default().to_string();
    let mut json = json!({
        "subject": subject,
        "toRecipients": to_json,
        "ccRecipients": cc_json,
        "bccRecipients": bcc.iter().map(|a| address_json(a, None)).collect::<Vec<_>>(),
        "singleValueExtendedProperties": [ { "id": SPOOL_KEY_PROPERTY, "value": key } ],
    });
    json["body"] = body(&message);
    let mut reply_to: Vec<Value> = addresses(message.reply_to())
        .iter()
        .map(|(a, n)| address_json(a, n.as_deref()))
        .collect();
    if let Some((from, name)) = addresses(message.from()).into_iter().next() {
        if sender.may_send_as(&from) {
            json["from"] = address_json(&from, name.as_deref());
        } else if sender.policy == FromPolicy::Refuse {
            return Err(ConvertError(format!(
                "the message is from {from}, which the mailbox may not send as (from_policy = \"refuse\")"
            )));
        } else if reply_to.is_empty() {
            reply_to.push(address_json(&from, name.as_deref()));
        }
    }
    if !reply_to.is_empty() {
        json["replyTo"] = Value::Array(reply_to);
    }
    if let Some(id) = message.message_id() {
        json["internetMessageId"] = json!(format!("<{id}>"));
    }
    let custom: Vec<Value> = message
        .headers_raw()
        .filter(|(name, _)| name.len() > 2 && name[..2].eq_ignore_ascii_case("x-"))
        .take(MAX_CUSTOM_HEADERS)
        .map(|(name, value)| json!({ "name": name, "value": value.trim() }))
        .collect();
    if !custom.is_empty() {
        json["internetMessageHeaders"] = Value::Array(custom);
    }
    let attachments = attachments(&message);
    let total: usize = attachments.iter().map(|(a, _, _)| a.bytes.len()).sum();
    let mut large = Vec::new();
    if total < UPLOAD_SESSION_THRESHOLD {
        if !attachments.is_empty() {
            json["attachments"] = attachments
                .iter()
                .map(|(a, cid, inline)| {
                    let mut v = json!({
                        "@odata.type": "#microsoft.graph.fileAttachment",
                        "name": a.name,
                        "contentType": a.content_type,
                        "contentBytes": STANDARD.encode(&a.bytes),
                        "isInline": inline,
                    });
                    if let Some(cid) = cid {
                        v["contentId"] = json!(cid);
                    }
                    v
                })
                .collect();
        }
    } else {
        large = attachments.into_iter().map(|(a, _, _)| a).collect();
    }
    Ok(Draft {
        json,
        large,
        to,
        cc,
        bcc,
        header_only,
        subject,
    })
}

fn body(message: &mail_parser::Message<'_>) -> Value {
    let html = message
        .html_part(0)
        .filter(|p| p.is_text_html())
        .and_then(|_| message.body_html(0));
    match html {
        Some(html) => json!({ "contentType": "HTML", "content": html }),
        None => json!({
            "contentType": "Text",
            "content": message.body_text(0).unwrap_or_default(),
        }),
    }
}

/// Each attachment with its content id and whether it is shown inline.
fn attachments(
    message: &mail_parser::Message<'_>,
) -> Vec<(OutgoingAttachment, Option<String>, bool)> {
    message
        .attachments()
        .enumerate()
        .map(|(i, part)| {
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            let name = part
                .attachment_name()
                .map(str::to_string)
                .unwrap_or_else(|| format!("attachment-{}", i + 1));
            let inline = part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"))
                && part.content_id().is_some();
            let cid = part.content_id().map(str::to_string);
            (
                OutgoingAttachment {
                    name,
                    content_type,
                    bytes: part.contents().to_vec(),
                },
                cid,
                inline,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRON: &str = "From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@host> run-parts /etc/cron.daily\nX-Cron-Env: <SHELL=/bin/sh>\nMessage-ID: <abc@host>\n\n/etc/cron.daily/logrotate:\nerror: skipping\n";

    fn rules() -> SenderRules {
        SenderRules {
            mailbox: Some("ops@contoso.com".into()),
            send_as: vec![],
            policy: FromPolicy::Rewrite,
        }
    }

    #[test]
    fn envelope_only_recipients_become_bcc_and_header_only_ones_are_dropped() {
        let raw = b"From: app@host\r\nTo: A <a@x.com>, b@x.com\r\nCc: c@x.com\r\nSubject: hi\r\n\r\nbody\r\n";
        let rcpts = vec!["a@x.com".into(), "c@x.com".into(), "hidden@x.com".into()];
        let d = to_draft(raw, "k1", &rcpts, &rules()).unwrap();
        assert_eq!(d.to, vec!["a@x.com"]);
        assert_eq!(d.cc, vec!["c@x.com"]);
        assert_eq!(d.bcc, vec!["hidden@x.com"]);
        assert_eq!(d.header_only, vec!["b@x.com"]);
        assert_eq!(d.json["toRecipients"][0]["emailAddress"]["name"], "A");
        assert_eq!(
            d.json["singleValueExtendedProperties"][0],
            json!({ "id": SPOOL_KEY_PROPERTY, "value": "k1" })
        );
    }

    #[test]
    fn a_foreign_from_is_rewritten_to_reply_to_or_refused() {
        let raw = CRON.as_bytes();
        let rcpts = vec!["ops@contoso.com".into()];
        let d = to_draft(raw, "k", &rcpts, &rules()).unwrap();
        assert!(d.json.get("from").is_none());
        assert_eq!(d.json["replyTo"][0]["emailAddress"]["address"], "root");
        assert_eq!(
            d.bcc,
            vec!["ops@contoso.com"],
            "To: root is not the envelope"
        );
        assert_eq!(d.json["internetMessageHeaders"][0]["name"], "X-Cron-Env");
        assert_eq!(d.json["internetMessageId"], "<abc@host>");
        assert_eq!(d.json["body"]["contentType"], "Text");
        assert!(
            d.json["body"]["content"]
                .as_str()
                .unwrap()
                .contains("logrotate")
        );
        let refuse = SenderRules {
            policy: FromPolicy::Refuse,
            ..rules()
        };
        let err = to_draft(raw, "k", &rcpts, &refuse).unwrap_err();
        assert!(err.0.contains("may not send as"));
        let own = b"From: Ops <OPS@contoso.com>\r\nSubject: s\r\n\r\nx\r\n";
        let d = to_draft(own, "k", &rcpts, &rules()).unwrap();
        assert_eq!(d.json["from"]["emailAddress"]["address"], "OPS@contoso.com");
        assert!(d.json.get("replyTo").is_none());
    }

    #[test]
    fn html_bodies_and_attachments_are_carried() {
        let raw = concat!(
            "From: a@x.com\r\nTo: b@x.com\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n",
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n",
            "--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>\r\n",
            "--XX\r\nContent-Type: text/plain; name=report.txt\r\n",
            "Content-Disposition: attachment; filename=report.txt\r\n",
            "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8gV29ybGQh\r\n--XX--\r\n"
        );
        let d = to_draft(raw.as_bytes(), "k", &["b@x.com".into()], &rules()).unwrap();
        assert_eq!(d.subject, "Grüße");
        assert_eq!(d.json["body"]["contentType"], "HTML");
        assert_eq!(d.json["attachments"][0]["name"], "report.txt");
        assert_eq!(d.json["attachments"][0]["contentBytes"], "SGVsbG8gV29ybGQh");
        assert!(d.large.is_empty());
    }

    #[test]
    fn nothing_without_recipients_or_headers() {
        assert!(to_draft(b"Subject: x\r\n\r\ny", "k", &[], &rules()).is_err());
    }
}
