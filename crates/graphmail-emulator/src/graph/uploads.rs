//! Upload sessions for attachments of 3 MB and more: `POST …/attachments/createUploadSession`
//! answers 201 with a pre-authenticated `uploadUrl`; the client PUTs byte ranges there, in
//! order, without a bearer token. Each range but the last answers 200 with the next expected
//! offset; the last answers 201 and the attachment appears on the message.
//!
//! The upload URL has Outlook's shape, on the emulator's host:
//! `/api/v2.0/Users('{user}@{tenant}')/Messages('{id}')/AttachmentSessions('{session}')?authtoken=…`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::auth::{Access, Caller};
use super::errors::{GraphError, odata};
use super::messages::{json_body, lookup, param};
use super::render::iso;
use super::store::{Attachment, now_unix};
use crate::Emulator;

/// Attachments under this size must be posted directly; an upload session refuses them.
pub const MIN_SESSION_SIZE: usize = 3 * 1024 * 1024;
/// The largest attachment Outlook takes.
pub const MAX_ATTACHMENT_SIZE: usize = 150 * 1024 * 1024;
/// The largest byte range one PUT may carry.
pub const MAX_RANGE: usize = 4 * 1024 * 1024;
/// How long an upload URL stays usable.
const SESSION_SECS: i64 = 15 * 60;

/// One upload in progress.
struct Session {
    mailbox: usize,
    message_id: String,
    auth_token: String,
    name: String,
    content_type: String,
    is_inline: bool,
    content_id: Option<String>,
    size: usize,
    received: Vec<u8>,
    expires: i64,
}

/// The upload sessions of every mailbox, by session id.
#[derive(Default)]
pub struct UploadSessions {
    sessions: Mutex<HashMap<String, Session>>,
}

impl UploadSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

fn size_error(message: &str) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
        message,
    )
}

/// `POST …/messages/{id}/attachments/createUploadSession` with
/// `{"AttachmentItem": {"attachmentType": "file", "name", "size", "contentType"?, "isInline"?, "contentId"?}}`.
pub async fn create(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Write)?;
    let req = json_body(&body)?;
    let item = req
        .get("AttachmentItem")
        .or_else(|| req.get("attachmentItem"))
        .filter(|v| v.is_object())
        .ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "The value of the parameter 'AttachmentItem' is empty.",
            )
        })?;
    let kind = item["attachmentType"].as_str().unwrap_or("file");
    if !kind.eq_ignore_ascii_case("file") {
        return Err(GraphError::bad_request(format!(
            "Upload sessions take file attachments only, not '{kind}'."
        )));
    }
    let name = item["name"].as_str().unwrap_or("").to_owned();
    if name.is_empty() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            "The attachment needs a name.",
        ));
    }
    let size = item["size"]
        .as_u64()
        .ok_or_else(|| GraphError::bad_request("The attachment needs its size in bytes."))?
        as usize;
    if size < MIN_SESSION_SIZE {
        return Err(size_error(
            "Attachment size must be greater than the minimum size.",
        ));
    }
    if size > MAX_ATTACHMENT_SIZE {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorAttachmentSizeShouldNotBeMoreThanMaximumSize",
            "Attachment size must be less than the maximum size.",
        ));
    }
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let message_id = lookup(mbx, param(&p, "id"))?.id.clone();
    let owner = format!("{}@{}", mbx.owner.id, emu.tenant.tenant.id);
    drop(boxes);
    let session_id = random_hex(16);
    let auth_token = random_hex(24);
    let expires = now_unix() + SESSION_SECS;
    let upload_url = format!(
        "{}/api/v2.0/Users('{owner}')/Messages('{message_id}')/AttachmentSessions('{session_id}')?authtoken={auth_token}",
        emu.login_url
    );
    emu.mail.uploads.lock().insert(
        session_id,
        Session {
            mailbox: caller.mailbox,
            message_id,
            auth_token,
            name,
            content_type: item["contentType"]
                .as_str()
                .unwrap_or("application/octet-stream")
                .to_owned(),
            is_inline: item["isInline"].as_bool().unwrap_or(false),
            content_id: item["contentId"].as_str().map(str::to_owned),
            size,
            received: Vec::new(),
            expires,
        },
    );
    Ok(odata(
        StatusCode::CREATED,
        &json!({
            "@odata.context": format!("{}/$metadata#microsoft.graph.uploadSession", emu.graph_url),
            "uploadUrl": upload_url,
            "expirationDateTime": iso(expires),
            "nextExpectedRanges": ["0-"],
        }),
    ))
}

/// `bytes START-END/TOTAL`.
fn content_range(headers: &HeaderMap) -> Option<(usize, usize, usize)> {
    let v = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = v.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    Some((
        start.trim().parse().ok()?,
        end.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

fn invalid_range(message: String) -> GraphError {
    GraphError::new(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange", message)
}

/// The session id inside `AttachmentSessions('…')`.
fn session_id(segment: &str) -> &str {
    segment
        .strip_prefix("AttachmentSessions('")
        .and_then(|s| s.strip_suffix("')"))
        .unwrap_or("")
}

/// `PUT {uploadUrl}` with one byte range of the attachment.
#[expect(
    clippy::expect_used,
    reason = "the session was found just above, under the same lock"
)]
pub async fn put_range(
    State(emu): State<Arc<Emulator>>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    // The URL carries its own credential; a bearer token there is refused, as Outlook does.
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(GraphError::unauthorized(
            "The upload URL is pre-authenticated; send the PUT without an Authorization header.",
        ));
    }
    let id = session_id(param(&p, "session")).to_owned();
    let mut sessions = emu.mail.uploads.lock();
    let session = sessions
        .get_mut(&id)
        .filter(|s| s.expires > now_unix())
        .ok_or_else(GraphError::item_not_found)?;
    if q.get("authtoken") != Some(&session.auth_token) {
        return Err(GraphError::unauthorized(
            "The upload URL's authtoken is not valid for this session.",
        ));
    }
    let (start, end, total) = content_range(&headers).ok_or_else(|| {
        invalid_range("The Content-Range header is missing or not 'bytes START-END/TOTAL'.".into())
    })?;
    let next = session.received.len();
    if total != session.size || start != next || end < start || end >= total {
        return Err(invalid_range(format!(
            "The range {start}-{end}/{total} does not fit; the next expected range starts at {next} of {}.",
            session.size
        )));
    }
    if body.len() != end - start + 1 {
        return Err(invalid_range(format!(
            "The range {start}-{end} announces {} bytes but the body has {}.",
            end - start + 1,
            body.len()
        )));
    }
    if body.len() > MAX_RANGE {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestBodyTooLarge",
            "One PUT may carry at most 4 MB; split the file into smaller ranges.",
        ));
    }
    session.received.extend_from_slice(&body);
    if session.received.len() < session.size {
        let expires = session.expires;
        let next = session.received.len();
        let v = json!({
            "@odata.context": format!("{}/api/v2.0/$metadata#AttachmentSessions/$entity", emu.login_url),
            "ExpirationDateTime": iso(expires),
            "NextExpectedRanges": [next.to_string()],
        });
        return Ok(odata(StatusCode::OK, &v));
    }
    let done = sessions.remove(&id).expect("the session was just found");
    drop(sessions);
    let attachment = Attachment {
        name: done.name,
        content_type: done.content_type,
        bytes: done.received.into(),
        is_inline: done.is_inline,
        content_id: done.content_id,
    };
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[done.mailbox];
    let m = mbx
        .update(&done.message_id, |m| m.attachments.push(attachment))
        .ok_or_else(GraphError::item_not_found)?;
    let aid = super::store::Mailbox::attachment_id(m, m.attachments.len() - 1);
    let location = format!(
        "{}/api/v2.0/Users('{}')/Messages('{}')/Attachments('{aid}')",
        emu.login_url, mbx.owner.id, done.message_id
    );
    let mut resp = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// The answer to a file of 3 MB or more sent in one request.
pub fn needs_session() -> GraphError {
    GraphError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "ErrorRequestEntityTooLarge",
        "Attachments of 3 MB or more must go through an upload session (createUploadSession).",
    )
}

/// Reads a `fileAttachment` from a `POST …/attachments` body.
pub fn file_attachment(v: &Value) -> Result<Attachment, GraphError> {
    use base64::Engine;
    let kind = v["@odata.type"]
        .as_str()
        .unwrap_or("#microsoft.graph.fileAttachment");
    if !kind.eq_ignore_ascii_case("#microsoft.graph.fileAttachment") {
        return Err(GraphError::bad_request(format!(
            "This emulator adds file attachments only, not '{kind}'."
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v["contentBytes"].as_str().unwrap_or(""))
        .map_err(|_| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "The attachment's contentBytes is not valid base64.",
            )
        })?;
    if bytes.len() >= MIN_SESSION_SIZE {
        return Err(needs_session());
    }
    Ok(Attachment {
        name: v["name"].as_str().unwrap_or("attachment").to_owned(),
        content_type: v["contentType"]
            .as_str()
            .unwrap_or("application/octet-stream")
            .to_owned(),
        bytes: bytes.into(),
        is_inline: v["isInline"].as_bool().unwrap_or(false),
        content_id: v["contentId"].as_str().map(str::to_owned),
    })
}
