//! A small scripted Graph mail service on loopback, for checking exactly what the CLI sends
//! and prints: a folder tree, a few messages (hostile, non-ASCII, a 1 MB HTML body, one with a
//! binary attachment), and every action the CLI takes. It records the requests it gets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64::Engine;
use serde_json::{Value, json};

pub const TOKEN: &str = "fake-token";
pub const HOSTILE_SUBJECT: &str = "\x1b[2J\x1b]0;pwned\x07Invoice \u{202E}fdp.exe\u{9b}31m\r";
pub const NON_ASCII_SUBJECT: &str = "Grüße aus Köln – 日本語の件名 👩‍💻";

#[derive(Clone)]
pub struct FakeMessage {
    pub id: String,
    pub folder: String,
    pub subject: String,
    pub from_name: String,
    pub is_read: bool,
    pub html: Option<String>,
    pub text: Option<String>,
    pub attachment: Option<(String, Vec<u8>)>,
    pub received: String,
}

#[derive(Default)]
pub struct FakeState {
    pub messages: Vec<FakeMessage>,
    /// (method, path + query, JSON body) of every request that changed something.
    pub actions: Vec<(String, String, Value)>,
    /// Every request's `Prefer` header, by path.
    pub prefer: Vec<(String, String)>,
    /// Bytes received through upload sessions, and whether any upload carried a bearer token.
    pub uploaded: Vec<u8>,
    pub upload_ranges: Vec<String>,
    pub upload_saw_bearer: bool,
    next_id: usize,
}

pub type Shared = Arc<Mutex<FakeState>>;

/// The bytes of the binary attachment: every byte value, many times.
pub fn attachment_bytes() -> Vec<u8> {
    (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect()
}

pub fn seed() -> FakeState {
    let msg = |id: &str, subject: &str, from: &str| FakeMessage {
        id: id.into(),
        folder: "id-inbox".into(),
        subject: subject.into(),
        from_name: from.into(),
        is_read: false,
        html: None,
        text: Some(format!("Body of {id}.")),
        attachment: None,
        received: format!("2024-05-0{}T09:30:00Z", id.len() % 9 + 1),
    };
    let mut hostile = msg("m-hostile", HOSTILE_SUBJECT, "\u{9b}31mEvil \u{202E}Corp");
    hostile.text = Some("line one\r\n\x1b[31mred\x1b[0m\x07 and \x1bP+q\x1b\\ end\u{85}".into());
    let mut intl = msg("m-intl", NON_ASCII_SUBJECT, "Zoë Ångström");
    intl.text = Some("Привет, мир! こんにちは\n\tindented".into());
    let mut big = msg("m-big", "Quarterly numbers", "Finance");
    let para = "<p>Revenue grew in every region; details follow in the table.</p>\n";
    big.html = Some(format!(
        "<html><body>{}<p>THE END</p></body></html>",
        para.repeat(1024 * 1024 / para.len())
    ));
    big.text = None;
    let mut att = msg("m-att", "Report attached", "Adele Vance");
    att.attachment = Some(("../report.bin".into(), attachment_bytes()));
    let mut alert = msg("m-alert", "Disk almost full", "monitor");
    alert.folder = "id-alerts".into();
    alert.is_read = true;
    FakeState {
        messages: vec![hostile, intl, big, att, alert],
        ..Default::default()
    }
}

pub async fn serve(state: FakeState) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(state));
    let app = Router::new()
        .route("/v1.0/me/{*rest}", any(handle))
        .route("/upload/{id}", axum::routing::put(upload))
        .layer(axum::extract::DefaultBodyLimit::max(16 << 20))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/v1.0"), shared)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": {"code": "ErrorItemNotFound",
            "message": "The specified object was not found in the store."}})),
    )
        .into_response()
}

fn folder(id: &str, name: &str, parent: &str, children: u64, st: &FakeState) -> Value {
    let total = st.messages.iter().filter(|m| m.folder == id).count();
    let unread = st
        .messages
        .iter()
        .filter(|m| m.folder == id && !m.is_read)
        .count();
    json!({"id": id, "displayName": name, "parentFolderId": parent, "childFolderCount": children,
        "totalItemCount": total, "unreadItemCount": unread})
}

fn summary(m: &FakeMessage) -> Value {
    json!({"id": m.id, "subject": m.subject, "isRead": m.is_read, "importance": "normal",
        "hasAttachments": m.attachment.is_some(), "receivedDateTime": m.received,
        "from": {"emailAddress": {"name": m.from_name, "address": "sender@example.test"}}})
}

const WELL_KNOWN: [(&str, &str); 4] = [
    ("inbox", "id-inbox"),
    ("sentitems", "id-sent"),
    ("deleteditems", "id-deleted"),
    ("archive", "id-archive"),
];

fn folder_id(name: &str) -> String {
    WELL_KNOWN
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(name))
        .map(|(_, id)| id.to_string())
        .unwrap_or_else(|| name.to_string())
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(rest): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"code": "InvalidAuthenticationToken",
                "message": "Access token has expired or is not yet valid."}})),
        )
            .into_response();
    }
    let mut st = shared.lock().unwrap();
    if let Some(p) = headers.get("prefer").and_then(|v| v.to_str().ok()) {
        st.prefer.push((rest.clone(), p.to_string()));
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if method != Method::GET {
        st.actions
            .push((method.to_string(), uri.to_string(), body.clone()));
    }
    let parts: Vec<&str> = rest.split('/').collect();
    let ok = |v: Value| axum::Json(v).into_response();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["mailFolders"]) => ok(json!({"value": [
            folder("id-inbox", "Inbox", "root", 1, &st),
            folder("id-sent", "Sent Items", "root", 0, &st),
            folder("id-deleted", "Deleted Items", "root", 0, &st),
            folder("id-archive", "Archive", "root", 0, &st),
        ]})),
        ("GET", ["mailFolders", "id-inbox", "childFolders"]) => {
            ok(json!({"value": [folder("id-alerts", "Alerts", "id-inbox", 0, &st)]}))
        }
        ("GET", ["mailFolders", name]) => match WELL_KNOWN.iter().find(|(w, _)| w == name) {
            Some((_, id)) => ok(json!({"id": id})),
            None => not_found(),
        },
        ("GET", ["messages"]) | ("GET", ["mailFolders", _, "messages"]) => {
            let folder = parts.get(1).map(|f| folder_id(f));
            let unread = q.get("$filter").is_some_and(|f| f.contains("isRead eq false"));
            let top: usize = q.get("$top").and_then(|t| t.parse().ok()).unwrap_or(10);
            let skip: usize = q.get("$skip").and_then(|t| t.parse().ok()).unwrap_or(0);
            let matching: Vec<Value> = st
                .messages
                .iter()
                .filter(|m| folder.as_ref().is_none_or(|f| &m.folder == f))
                .filter(|m| !unread || !m.is_read)
                .map(summary)
                .collect();
            let page: Vec<Value> = matching.iter().skip(skip).take(top).cloned().collect();
            let mut v = json!({"value": page});
            if skip + top < matching.len() {
                let host = headers.get("host").unwrap().to_str().unwrap();
                v["@odata.nextLink"] =
                    json!(format!("http://{host}/v1.0/me/{rest}?$top={top}&$skip={}", skip + top));
            }
            ok(v)
        }
        ("GET", ["messages", id]) => {
            let Some(m) = st.messages.iter().find(|m| m.id == *id) else {
                return not_found();
            };
            let wants_text = headers
                .get("prefer")
                .is_some_and(|p| p.to_str().unwrap().contains("body-content-type=\"text\""));
            let body = match (&m.text, &m.html) {
                (Some(t), _) if wants_text || m.html.is_none() => json!({"contentType": "text", "content": t}),
                (_, Some(h)) => json!({"contentType": "html", "content": h}),
                _ => json!({"contentType": "text", "content": ""}),
            };
            let mut v = summary(m);
            v["toRecipients"] = json!([{"emailAddress": {"name": "Ops", "address": "ops@example.test"}}]);
            v["ccRecipients"] = json!([]);
            v["body"] = body;
            ok(v)
        }
        ("GET", ["messages", id, "attachments"]) => {
            let Some(m) = st.messages.iter().find(|m| m.id == *id) else {
                return not_found();
            };
            let list: Vec<Value> = m.attachment.iter().map(|(name, bytes)| {
                json!({"@odata.type": "#microsoft.graph.fileAttachment", "id": "att-1", "name": name,
                    "size": bytes.len(), "contentType": "application/octet-stream"})
            }).collect();
            ok(json!({"value": list}))
        }
        ("GET", ["messages", id, "attachments", "att-1", "$value"]) => {
            match st.messages.iter().find(|m| m.id == *id).and_then(|m| m.attachment.clone()) {
                Some((_, bytes)) => bytes.into_response(),
                None => not_found(),
            }
        }
        ("GET", ["messages", id, "attachments", "att-1"]) => {
            match st.messages.iter().find(|m| m.id == *id).and_then(|m| m.attachment.clone()) {
                Some((name, bytes)) => ok(json!({"id": "att-1", "name": name,
                    "contentBytes": base64::engine::general_purpose::STANDARD.encode(bytes)})),
                None => not_found(),
            }
        }
        ("PATCH", ["messages", id]) => {
            let Some(m) = st.messages.iter_mut().find(|m| m.id == *id) else {
                return not_found();
            };
            if let Some(r) = body["isRead"].as_bool() {
                m.is_read = r;
            }
            let v = summary(m);
            ok(v)
        }
        ("POST", ["messages", id, "move"]) => {
            st.next_id += 1;
            let new_id = format!("moved-{}", st.next_id);
            let dest = folder_id(body["destinationId"].as_str().unwrap_or(""));
            let Some(m) = st.messages.iter_mut().find(|m| m.id == *id) else {
                return not_found();
            };
            m.id = new_id;
            m.folder = dest;
            let v = summary(m);
            (StatusCode::CREATED, axum::Json(v)).into_response()
        }
        ("DELETE", ["messages", id]) => {
            let before = st.messages.len();
            st.messages.retain(|m| m.id != *id);
            if st.messages.len() == before {
                return not_found();
            }
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", ["messages"]) => {
            st.next_id += 1;
            let id = format!("draft-{}", st.next_id);
            (StatusCode::CREATED, axum::Json(json!({"id": id, "isDraft": true}))).into_response()
        }
        ("POST", ["messages", id, "attachments", "createUploadSession"]) => {
            let host = headers.get("host").unwrap().to_str().unwrap();
            ok(json!({"uploadUrl": format!("http://{host}/upload/{id}"),
                "expirationDateTime": "2030-01-01T00:00:00Z", "nextExpectedRanges": ["0-"]}))
        }
        ("POST", ["messages", _, "attachments"]) => {
            (StatusCode::CREATED, axum::Json(json!({"id": "att-small"}))).into_response()
        }
        ("POST", ["messages", _, "send"]) => StatusCode::ACCEPTED.into_response(),
        ("POST", ["sendMail"]) | ("POST", ["messages", _, "reply" | "replyAll" | "forward"]) => {
            StatusCode::ACCEPTED.into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"code": "BadRequest", "message": format!("fake: {method} {rest}")}})),
        )
            .into_response(),
    }
}

async fn upload(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut st = shared.lock().unwrap();
    st.upload_saw_bearer |= headers.contains_key("authorization");
    let range = headers
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    st.upload_ranges.push(range.clone());
    st.uploaded.extend_from_slice(&body);
    // "bytes a-b/total": the last chunk gets 201, the others 200 with what comes next.
    let (span, total) = range
        .trim_start_matches("bytes ")
        .split_once('/')
        .unwrap_or(("0-0", "0"));
    let end: usize = span
        .split('-')
        .nth(1)
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    if end + 1 >= total.parse().unwrap_or(0) {
        (StatusCode::CREATED, axum::Json(json!({}))).into_response()
    } else {
        axum::Json(json!({"nextExpectedRanges": [format!("{}-", end + 1)]})).into_response()
    }
}
