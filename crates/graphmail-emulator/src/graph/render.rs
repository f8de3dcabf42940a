//! Messages, folders and attachments as Graph puts them on the wire.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::store::{Address, Attachment, BodyKind, Mailbox, Message};

/// How a message is shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    /// `Prefer: outlook.body-content-type="text"`.
    pub text_body: bool,
    /// Mail.ReadBasic only: no body, preview or attachments.
    pub basic: bool,
    /// Delta items carry their `@odata.type`.
    pub typed: bool,
}

/// `2024-05-01T08:30:00Z`.
#[expect(
    clippy::expect_used,
    reason = "a UTC date within the year range formats"
)]
pub fn iso(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).expect("a UTC date formats")
}

pub fn recipient(a: &Address) -> Value {
    json!({ "emailAddress": { "name": &*a.name, "address": &*a.address } })
}

fn recipients(list: &[Address]) -> Value {
    Value::Array(list.iter().map(recipient).collect())
}

pub fn change_key(m: &Message) -> String {
    let raw = [
        &[0x09u8, 0x00, 0x00, 0x00, 0x16, 0x00][..],
        &m.change.to_be_bytes()[..],
    ]
    .concat();
    STANDARD.encode(raw)
}

/// Percent-encodes an id for use inside a URL (`=` → `%3D`), as Graph does in links.
pub fn url_id(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// The full message as Graph returns it, then cut down to `select` (id and etag always stay).
pub fn message(m: &Message, mbx: &Mailbox, view: View, select: Option<&[&str]>) -> Value {
    let ck = change_key(m);
    let mut o = Map::new();
    if view.typed {
        o.insert("@odata.type".into(), json!("#microsoft.graph.message"));
    }
    o.insert("@odata.etag".into(), json!(format!("W/\"{ck}\"")));
    o.insert("id".into(), json!(m.id));
    let wanted = |name: &str| select.is_none_or(|s| s.contains(&name));
    let explicitly = |name: &str| select.is_some_and(|s| s.contains(&name));
    // Values are built only for the properties asked for.
    let put = |o: &mut Map<String, Value>, name: &str, value: &dyn Fn() -> Value| {
        if wanted(name) {
            o.insert(name.to_owned(), value());
        }
    };
    put(&mut o, "createdDateTime", &|| json!(iso(m.created)));
    put(&mut o, "lastModifiedDateTime", &|| json!(iso(m.modified)));
    put(&mut o, "changeKey", &|| json!(ck));
    put(&mut o, "categories", &|| json!(m.categories));
    put(&mut o, "receivedDateTime", &|| json!(iso(m.received)));
    put(&mut o, "sentDateTime", &|| json!(iso(m.sent)));
    put(&mut o, "hasAttachments", &|| json!(m.has_attachments()));
    put(&mut o, "internetMessageId", &|| {
        json!(m.internet_message_id)
    });
    put(&mut o, "subject", &|| json!(m.subject));
    if !view.basic {
        put(&mut o, "bodyPreview", &|| json!(m.body_preview()));
    }
    put(&mut o, "importance", &|| json!(m.importance.as_str()));
    put(&mut o, "parentFolderId", &|| {
        json!(mbx.folders[m.folder].id)
    });
    put(&mut o, "conversationId", &|| json!(&*m.conversation_id));
    put(&mut o, "conversationIndex", &|| {
        json!(STANDARD.encode([&[0x01u8][..], &m.sent.to_be_bytes()[..]].concat()))
    });
    put(&mut o, "isDeliveryReceiptRequested", &|| json!(false));
    put(&mut o, "isReadReceiptRequested", &|| json!(false));
    put(&mut o, "isRead", &|| json!(m.is_read));
    put(&mut o, "isDraft", &|| json!(m.is_draft));
    put(&mut o, "webLink", &|| {
        json!(format!(
            "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
            url_id(&m.id)
        ))
    });
    put(&mut o, "inferenceClassification", &|| {
        json!(if m.focused { "focused" } else { "other" })
    });
    if !view.basic && (wanted("body") || explicitly("uniqueBody")) {
        let body = body_json(m, view.text_body);
        if wanted("body") {
            o.insert("body".into(), body.clone());
        }
        if explicitly("uniqueBody") {
            o.insert("uniqueBody".into(), body);
        }
    }
    put(&mut o, "sender", &|| {
        m.sender.as_ref().map_or(Value::Null, recipient)
    });
    put(&mut o, "from", &|| {
        m.from.as_ref().map_or(Value::Null, recipient)
    });
    put(&mut o, "toRecipients", &|| recipients(&m.to));
    put(&mut o, "ccRecipients", &|| recipients(&m.cc));
    put(&mut o, "bccRecipients", &|| recipients(&m.bcc));
    put(&mut o, "replyTo", &|| recipients(&m.reply_to));
    put(&mut o, "flag", &|| json!({ "flagStatus": m.flag.as_str() }));
    if explicitly("internetMessageHeaders") {
        o.insert("internetMessageHeaders".into(), headers(m));
    }
    Value::Object(o)
}

fn body_json(m: &Message, text: bool) -> Value {
    let kind = m.body.kind();
    if text || kind == BodyKind::Text {
        json!({ "contentType": "text", "content": m.body.text() })
    } else {
        json!({ "contentType": "html", "content": m.body.content() })
    }
}

fn headers(m: &Message) -> Value {
    let fmt_addr = |a: &Address| format!("{} <{}>", a.name, a.address);
    let mut h = vec![];
    if let Some(f) = &m.from {
        h.push(("From", fmt_addr(f)));
    }
    if !m.to.is_empty() {
        h.push((
            "To",
            m.to.iter().map(fmt_addr).collect::<Vec<_>>().join(", "),
        ));
    }
    h.push(("Subject", m.subject.clone()));
    h.push(("Message-ID", m.internet_message_id.clone()));
    h.push(("MIME-Version", "1.0".into()));
    Value::Array(
        h.into_iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect(),
    )
}

/// A mail folder with its counts.
pub fn folder(mbx: &Mailbox, idx: usize, counts: &[(usize, usize)]) -> Value {
    let f = &mbx.folders[idx];
    json!({
        "id": f.id,
        "displayName": f.display_name,
        "parentFolderId": mbx.folder_parent_id(idx),
        "childFolderCount": mbx.children(idx).count(),
        "unreadItemCount": counts[idx].1,
        "totalItemCount": counts[idx].0,
        "isHidden": f.hidden,
    })
}

/// A file attachment; `contentBytes` only when `with_bytes`.
pub fn attachment(m: &Message, n: usize, a: &Attachment, with_bytes: bool) -> Value {
    let mut v = json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "@odata.mediaContentType": a.content_type,
        "id": Mailbox::attachment_id(m, n),
        "lastModifiedDateTime": iso(m.modified),
        "name": a.name,
        "contentType": a.content_type,
        "size": a.bytes.len(),
        "isInline": a.is_inline,
        "contentId": a.content_id,
        "contentLocation": null,
    });
    if with_bytes {
        v["contentBytes"] = json!(STANDARD.encode(&a.bytes));
    }
    v
}
