//! Sending: `sendMail`, drafts (`POST /messages`, `createReply*`, `createForward`, `send`), and
//! `reply`, `replyAll`, `forward`. Sent mail is recorded for `/_emulator/sent`, copied to Sent
//! Items unless `saveToSentItems` is false, and delivered to recipients inside the tenant.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::auth::{Access, Caller};
use super::errors::{GraphError, odata};
use super::messages::{entity, json_body, lookup, param, read_recipients};
use super::render::{self, View};
use super::store::{Address, Attachment, Body, BodyKind, Importance, Mailbox, Message, now_unix};
use crate::Emulator;

type Params = Path<HashMap<String, String>>;

/// `{"contentType": "Text"|"HTML", "content": "…"}` → a body.
pub fn body_from_json(v: &Value) -> Body {
    let kind = match v["contentType"]
        .as_str()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html") => BodyKind::Html,
        _ => BodyKind::Text,
    };
    Body::Stored {
        kind,
        content: v["content"].as_str().unwrap_or("").into(),
    }
}

/// A message from the JSON a client sends (the writable properties).
pub fn message_from_json(v: &Value, owner: &Mailbox) -> Result<Message, GraphError> {
    let now = now_unix();
    let mut m = Message::blank(now);
    m.subject = v["subject"].as_str().unwrap_or("").to_owned();
    if v.get("body").is_some_and(|b| !b.is_null()) {
        m.body = body_from_json(&v["body"]);
    }
    m.to = read_recipients(v, "toRecipients")?.unwrap_or_default();
    m.cc = read_recipients(v, "ccRecipients")?.unwrap_or_default();
    m.bcc = read_recipients(v, "bccRecipients")?.unwrap_or_default();
    m.reply_to = read_recipients(v, "replyTo")?.unwrap_or_default();
    if let Some(i) = v["importance"].as_str() {
        m.importance = Importance::parse(i).ok_or_else(|| {
            GraphError::bad_request(format!("Cannot convert the literal '{i}' to the expected type 'microsoft.graph.importance'."))
        })?;
    }
    if let Some(cats) = v["categories"].as_array() {
        m.categories = cats
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect();
    }
    let me = Address::new(&owner.owner.display_name, &owner.owner.upn);
    let from = read_recipients(&json!({ "f": [v["from"].clone()] }), "f")
        .ok()
        .flatten()
        .and_then(|mut l| l.pop());
    m.from = Some(from.unwrap_or_else(|| me.clone()));
    m.sender = Some(me);
    if let Some(list) = v["singleValueExtendedProperties"].as_array() {
        for p in list {
            let (Some(id), Some(value)) = (p["id"].as_str(), p["value"].as_str()) else {
                return Err(GraphError::bad_request(
                    "An extended property needs a string id and value.".to_string(),
                ));
            };
            m.extended.push((id.to_owned(), value.to_owned()));
        }
    }
    if let Some(list) = v["attachments"].as_array() {
        for a in list {
            let bytes = STANDARD
                .decode(a["contentBytes"].as_str().unwrap_or(""))
                .map_err(|_| {
                    GraphError::new(
                        StatusCode::BAD_REQUEST,
                        "ErrorInvalidParameter",
                        "The attachment's contentBytes is not valid base64.",
                    )
                })?;
            // Graph takes at most 4 MB per request; larger files go through upload sessions.
            if bytes.len() >= super::uploads::MIN_SESSION_SIZE {
                return Err(super::uploads::needs_session());
            }
            m.attachments.push(Attachment {
                name: a["name"].as_str().unwrap_or("attachment").to_owned(),
                content_type: a["contentType"]
                    .as_str()
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
                bytes: bytes.into(),
                is_inline: a["isInline"].as_bool().unwrap_or(false),
                content_id: a["contentId"].as_str().map(str::to_owned),
            });
        }
    }
    Ok(m)
}

/// A minimal RFC 5322 reader for `sendMail` with a base64 MIME body.
fn message_from_mime(raw: &Bytes, owner: &Mailbox) -> Result<Message, GraphError> {
    let text: String = String::from_utf8_lossy(raw).split_whitespace().collect();
    let decoded = STANDARD.decode(text.as_bytes()).map_err(|_| {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMimeContentInvalidBase64String",
            "Invalid base64 string for MIME content.",
        )
    })?;
    let mime = String::from_utf8_lossy(&decoded).replace("\r\n", "\n");
    let (head, body) = mime.split_once("\n\n").unwrap_or((&mime, ""));
    let mut v = json!({ "body": { "contentType": "Text", "content": body } });
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        let list = |s: &str| {
            Value::Array(
                s.split(',')
                    .map(|a| {
                        let a = a.trim();
                        let address = a
                            .rsplit_once('<')
                            .map_or(a, |(_, r)| r.trim_end_matches('>'));
                        json!({ "emailAddress": { "address": address } })
                    })
                    .collect(),
            )
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "subject" => v["subject"] = json!(value),
            "to" => v["toRecipients"] = list(value),
            "cc" => v["ccRecipients"] = list(value),
            "bcc" => v["bccRecipients"] = list(value),
            _ => {}
        }
    }
    message_from_json(&v, owner)
}

fn no_recipients() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidRecipients",
        "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
    )
}

/// Records `m` as sent from `mailbox`, saves the Sent Items copy (after `delay`, as Exchange
/// sometimes files it late), delivers inside the tenant.
#[expect(clippy::expect_used, reason = "the message was inserted just above")]
fn dispatch(
    boxes: &mut [Mailbox],
    mailbox: usize,
    mut m: Message,
    action: &str,
    save: bool,
    delay: std::time::Duration,
) {
    if m.to.is_empty() && m.cc.is_empty() && m.bcc.is_empty() {
        return;
    }
    let now = now_unix();
    m.sent = now;
    m.received = now;
    m.created = now;
    m.modified = now;
    m.is_draft = false;
    m.is_read = true;
    let mbx = &mut boxes[mailbox];
    let sent_items = mbx.well_known("sentitems");
    let id = mbx.insert(m, sent_items);
    let stored = mbx.get(&id).expect("just inserted").clone();
    let mut record = render::message(&stored, mbx, View::default(), None);
    record["attachments"] = Value::Array(
        stored
            .attachments
            .iter()
            .enumerate()
            .map(|(n, a)| render::attachment(&stored, n, a, false))
            .collect(),
    );
    let record = json!({
        "action": action,
        "savedToSentItems": save,
        "message": record,
        "singleValueExtendedProperties": stored
            .extended
            .iter()
            .map(|(id, value)| json!({ "id": id, "value": value }))
            .collect::<Vec<_>>(),
    });
    mbx.sent.push(record);
    if !save {
        // Never stored, so `delta` has nothing to report.
        mbx.remove(&id);
        mbx.tombstones.pop();
    } else if !delay.is_zero()
        && let Some(late) = mbx.remove(&id)
    {
        mbx.tombstones.pop();
        mbx.delayed_sent
            .push((std::time::Instant::now() + delay, late));
    }
    let targets: Vec<usize> = boxes
        .iter()
        .enumerate()
        .filter(|(_, b)| {
            stored
                .to
                .iter()
                .chain(&stored.cc)
                .chain(&stored.bcc)
                .any(|a| a.address.eq_ignore_ascii_case(&b.owner.upn))
        })
        .map(|(i, _)| i)
        .collect();
    for t in targets {
        let mut copy = stored.clone();
        copy.is_read = false;
        copy.bcc.clear();
        let inbox = boxes[t].well_known("inbox");
        boxes[t].insert(copy, inbox);
    }
}

fn save_flag(body: &Value) -> bool {
    match body
        .get("saveToSentItems")
        .or_else(|| body.get("SaveToSentItems"))
    {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.eq_ignore_ascii_case("false"),
        _ => true,
    }
}

pub async fn send_mail(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Send)?;
    let is_mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/plain"));
    let mut boxes = emu.mail.lock();
    let (m, save) = if is_mime {
        (message_from_mime(&body, &boxes[caller.mailbox])?, true)
    } else {
        let v = json_body(&body)?;
        let msg = v
            .get("message")
            .or_else(|| v.get("Message"))
            .ok_or_else(|| {
                GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidParameter",
                    "The value of the parameter 'Message' is empty.",
                )
            })?;
        (
            message_from_json(msg, &boxes[caller.mailbox])?,
            save_flag(&v),
        )
    };
    if m.to.is_empty() && m.cc.is_empty() && m.bcc.is_empty() {
        return Err(no_recipients());
    }
    let delay = emu.faults.sent_delay();
    dispatch(&mut boxes, caller.mailbox, m, "sendMail", save, delay);
    Ok(StatusCode::ACCEPTED.into_response())
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reply,
    ReplyAll,
    Forward,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The reply/forward draft Exchange builds from `orig`, with the request's comment/message.
fn respond(orig: &Message, mbx: &Mailbox, kind: Kind, req: &Value) -> Result<Message, GraphError> {
    let comment = req
        .get("comment")
        .or_else(|| req.get("Comment"))
        .and_then(Value::as_str);
    let patch = req
        .get("message")
        .or_else(|| req.get("Message"))
        .filter(|v| v.is_object());
    if comment.is_some() && patch.is_some_and(|p| p.get("body").is_some()) {
        return Err(GraphError::bad_request(
            "Both 'comment' and 'message.body' were given; send one of them.",
        ));
    }
    let mut m = match patch {
        Some(p) => message_from_json(p, mbx)?,
        None => message_from_json(&json!({}), mbx)?,
    };
    let me = mbx.owner.upn.to_ascii_lowercase();
    let (prefix, to) = match kind {
        Kind::Reply | Kind::ReplyAll => {
            let mut to: Vec<Address> = if orig.reply_to.is_empty() {
                orig.from.iter().cloned().collect()
            } else {
                orig.reply_to.clone()
            };
            if kind == Kind::ReplyAll {
                for a in orig.to.iter().chain(&orig.cc) {
                    if a.address.to_ascii_lowercase() != me
                        && !to
                            .iter()
                            .any(|t| t.address.eq_ignore_ascii_case(&a.address))
                    {
                        to.push(a.clone());
                    }
                }
            }
            ("RE: ", to)
        }
        Kind::Forward => ("FW: ", vec![]),
    };
    if m.to.is_empty() {
        m.to = to;
    }
    if m.subject.is_empty() {
        let already = orig
            .subject
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix));
        m.subject = if already {
            orig.subject.clone()
        } else {
            format!("{prefix}{}", orig.subject)
        };
    }
    let intro = match (comment, patch.and_then(|p| p.get("body"))) {
        (Some(c), _) => escape(c),
        (None, Some(_)) => match m.body.kind() {
            BodyKind::Html => m.body.content(),
            BodyKind::Text => escape(&m.body.content()),
        },
        (None, None) => String::new(),
    };
    let fmt = |a: &Address| format!("{} &lt;{}&gt;", escape(&a.name), escape(&a.address));
    let quoted = match orig.body.kind() {
        BodyKind::Html => orig.body.content(),
        BodyKind::Text => format!("<pre>{}</pre>", escape(&orig.body.content())),
    };
    let html = format!(
        "<html><body><div>{intro}</div><hr><div><b>From:</b> {}<br><b>Sent:</b> {}<br><b>To:</b> {}<br><b>Subject:</b> {}</div>{quoted}</body></html>",
        orig.from.as_ref().map(fmt).unwrap_or_default(),
        render::iso(orig.sent),
        orig.to.iter().map(fmt).collect::<Vec<_>>().join("; "),
        escape(&orig.subject),
    );
    m.body = Body::Stored {
        kind: BodyKind::Html,
        content: html.into(),
    };
    m.preview = None;
    m.conversation_id = orig.conversation_id.clone();
    if kind == Kind::Forward {
        m.attachments.extend(orig.attachments.iter().cloned());
    }
    Ok(m)
}

async fn create_response(
    emu: &Emulator,
    caller: &Caller,
    p: &HashMap<String, String>,
    body: &Bytes,
    kind: Kind,
) -> Result<Response, GraphError> {
    caller.require(emu, Access::Write)?;
    let req = json_body(body)?;
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let orig = lookup(mbx, param(p, "id"))?.clone();
    let mut draft = respond(&orig, mbx, kind, &req)?;
    draft.is_draft = true;
    draft.is_read = true;
    let drafts = mbx.well_known("drafts");
    let id = mbx.insert(draft, drafts);
    let m = lookup(mbx, &id)?;
    Ok(odata(
        StatusCode::CREATED,
        &entity(emu, mbx, m, View::default()),
    ))
}

async fn send_response(
    emu: &Emulator,
    caller: &Caller,
    p: &HashMap<String, String>,
    body: &Bytes,
    kind: Kind,
) -> Result<Response, GraphError> {
    caller.require(emu, Access::Send)?;
    let req = json_body(body)?;
    if kind == Kind::Forward {
        let top = read_recipients(&req, "toRecipients")?.filter(|l| !l.is_empty());
        let inner = req
            .get("message")
            .map(|m| read_recipients(m, "toRecipients"))
            .transpose()?
            .flatten()
            .filter(|l| !l.is_empty());
        if top.is_some() == inner.is_some() {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRecipients",
                "Give the recipients either as 'toRecipients' or in 'message', not both and not neither.",
            ));
        }
    }
    let mut boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let orig = lookup(mbx, param(p, "id"))?.clone();
    let mut m = respond(&orig, mbx, kind, &req)?;
    if kind == Kind::Forward && m.to.is_empty() {
        m.to = read_recipients(&req, "toRecipients")?.unwrap_or_default();
    }
    if m.to.is_empty() && m.cc.is_empty() && m.bcc.is_empty() {
        return Err(no_recipients());
    }
    let action = match kind {
        Kind::Reply => "reply",
        Kind::ReplyAll => "replyAll",
        Kind::Forward => "forward",
    };
    let delay = emu.faults.sent_delay();
    dispatch(&mut boxes, caller.mailbox, m, action, true, delay);
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `POST /messages/{id}/createReply|createReplyAll|createForward`: a 201 draft of that kind.
pub fn create_draft_of(kind: Kind) -> MethodRouter<Arc<Emulator>> {
    post(
        move |State(emu): State<Arc<Emulator>>, caller: Caller, Path(p): Params, body: Bytes| async move {
            create_response(&emu, &caller, &p, &body, kind).await
        },
    )
}

/// `POST /messages/{id}/reply|replyAll|forward`: sent at once, 202.
pub fn send_now(kind: Kind) -> MethodRouter<Arc<Emulator>> {
    post(
        move |State(emu): State<Arc<Emulator>>, caller: Caller, Path(p): Params, body: Bytes| async move {
            send_response(&emu, &caller, &p, &body, kind).await
        },
    )
}

/// `POST /messages`: a new draft in Drafts.
pub async fn create_draft(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Write)?;
    let v = json_body(&body)?;
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let mut m = message_from_json(&v, mbx)?;
    m.is_draft = true;
    m.is_read = true;
    let drafts = mbx.well_known("drafts");
    let id = mbx.insert(m, drafts);
    let m = lookup(mbx, &id)?;
    Ok(odata(
        StatusCode::CREATED,
        &entity(&emu, mbx, m, View::default()),
    ))
}

/// `POST /messages/{id}/send`: sends a draft; it leaves Drafts.
pub async fn send_draft(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Send)?;
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let id = param(&p, "id");
    let draft = lookup(mbx, id)?.clone();
    if !draft.is_draft {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidOperation",
            "Only draft messages can be sent.",
        ));
    }
    if draft.to.is_empty() && draft.cc.is_empty() && draft.bcc.is_empty() {
        return Err(no_recipients());
    }
    mbx.remove(id);
    let delay = emu.faults.sent_delay();
    dispatch(&mut boxes, caller.mailbox, draft, "send", true, delay);
    Ok(StatusCode::ACCEPTED.into_response())
}
