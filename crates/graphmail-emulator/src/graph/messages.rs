//! Listing, reading, updating, moving, copying and deleting messages.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::auth::{Access, Caller};
use super::errors::{GraphError, odata};
use super::folders::resolve;
use super::query::{ListQuery, SEARCH_CAP};
use super::render::{self, View};
use super::store::{FlagStatus, Importance, Mailbox, Message, is_message_id};
use crate::Emulator;

type Params = Path<HashMap<String, String>>;

/// What the `Prefer` header asks for.
#[derive(Debug, Default, Clone, Copy)]
pub struct Prefer {
    /// `Some(true)` text, `Some(false)` html.
    pub text_body: Option<bool>,
    pub max_page_size: Option<usize>,
}

impl Prefer {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut p = Prefer::default();
        for value in headers.get_all("prefer") {
            let Ok(value) = value.to_str() else { continue };
            for item in value.split(',') {
                let Some((k, v)) = item.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "outlook.body-content-type" => {
                        p.text_body = match v.to_ascii_lowercase().as_str() {
                            "text" => Some(true),
                            "html" => Some(false),
                            _ => None,
                        }
                    }
                    "odata.maxpagesize" => p.max_page_size = v.parse().ok().filter(|n| *n > 0),
                    _ => {}
                }
            }
        }
        p
    }

    /// `Preference-Applied` for what was honoured.
    pub fn applied(&self, with_page_size: bool) -> Option<HeaderValue> {
        let mut parts = vec![];
        if let Some(text) = self.text_body {
            parts.push(format!(
                "outlook.body-content-type=\"{}\"",
                if text { "text" } else { "html" }
            ));
        }
        if let (true, Some(n)) = (with_page_size, self.max_page_size) {
            parts.push(format!("odata.maxpagesize={n}"));
        }
        if parts.is_empty() {
            None
        } else {
            HeaderValue::from_str(&parts.join(", ")).ok()
        }
    }

    pub fn view(&self, full: bool) -> View {
        View {
            text_body: self.text_body == Some(true),
            basic: !full,
            typed: false,
        }
    }
}

pub fn with_preference(mut resp: Response, prefer: &Prefer, with_page_size: bool) -> Response {
    if let Some(v) = prefer.applied(with_page_size) {
        resp.headers_mut().insert("Preference-Applied", v);
    }
    resp
}

/// A request body as JSON (an empty body is an empty object); 400 when it is not JSON.
pub fn json_body(bytes: &Bytes) -> Result<Value, GraphError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "RequestBodyRead",
            format!("The request body is not valid JSON: {e}."),
        )
    })
}

/// Finds a message: 400 `ErrorInvalidIdMalformed` for ids of the wrong shape, 404
/// `ErrorItemNotFound` for ids that do not (or no longer) exist.
pub fn lookup<'m>(mbx: &'m Mailbox, id: &str) -> Result<&'m Message, GraphError> {
    if !is_message_id(id) {
        return Err(GraphError::id_malformed());
    }
    mbx.get(id).ok_or_else(GraphError::item_not_found)
}

pub fn param<'p>(p: &'p HashMap<String, String>, name: &str) -> &'p str {
    p.get(name).map(String::as_str).unwrap_or("")
}

/// `{graph_url}/$metadata#users('{id}')/messages/$entity` with the message.
pub fn entity(emu: &Emulator, mbx: &Mailbox, m: &Message, view: View) -> Value {
    let mut v = render::message(m, mbx, view, None);
    v["@odata.context"] = json!(format!(
        "{}/$metadata#users('{}')/messages/$entity",
        emu.graph_url, mbx.owner.id
    ));
    v
}

pub async fn list_in_folder(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    list(
        &emu,
        &caller,
        Some(param(&p, "folder")),
        raw,
        uri.path(),
        &headers,
    )
}

pub async fn list_all(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    list(&emu, &caller, None, raw, uri.path(), &headers)
}

fn list(
    emu: &Emulator,
    caller: &Caller,
    folder: Option<&str>,
    raw: Option<String>,
    path: &str,
    headers: &HeaderMap,
) -> Result<Response, GraphError> {
    let full = caller.require(emu, Access::Read)?;
    let q = ListQuery::parse(raw.as_deref())?;
    let prefer = Prefer::from_headers(headers);
    let view = prefer.view(full);
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let folder = folder.map(|f| resolve(mbx, f)).transpose()?;
    let dumpster = mbx.well_known("recoverableitemsdeletions");
    let mut items: Vec<&Message> = mbx
        .messages
        .values()
        .filter(|m| match folder {
            Some(f) => m.folder == f,
            None => m.folder != dumpster,
        })
        .filter(|m| q.matches(m))
        .collect();
    q.sort(&mut items);
    if q.search.is_some() {
        items.truncate(SEARCH_CAP);
    }
    let total = items.len();
    let top = q.page_size();
    let start = q.skip.min(total);
    let end = (q.skip + top).min(total);
    let select = q.select.as_deref();
    let value: Vec<Value> = items[start..end]
        .iter()
        .map(|m| render::message(m, mbx, view, select))
        .collect();
    let selected = select
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default();
    let context = match folder {
        Some(f) => format!(
            "{}/$metadata#users('{}')/mailFolders('{}')/messages{selected}",
            emu.graph_url, mbx.owner.id, mbx.folders[f].id
        ),
        None => format!(
            "{}/$metadata#users('{}')/messages{selected}",
            emu.graph_url, mbx.owner.id
        ),
    };
    let mut body = json!({ "@odata.context": context });
    if q.count {
        body["@odata.count"] = json!(total);
    }
    body["value"] = Value::Array(value);
    if end < total {
        let base = emu.graph_url.trim_end_matches("/v1.0");
        body["@odata.nextLink"] = json!(format!("{base}{path}?{}", q.next_query(end)));
    }
    Ok(with_preference(
        odata(StatusCode::OK, &body),
        &prefer,
        false,
    ))
}

pub async fn get_one(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let full = caller.require(&emu, Access::Read)?;
    let q = ListQuery::parse(raw.as_deref())?;
    let prefer = Prefer::from_headers(&headers);
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    if p.contains_key("folder") {
        resolve(mbx, param(&p, "folder"))?;
    }
    let m = lookup(mbx, param(&p, "id"))?;
    let mut v = render::message(m, mbx, prefer.view(full), q.select.as_deref());
    v["@odata.context"] = json!(format!(
        "{}/$metadata#users('{}')/messages{}/$entity",
        emu.graph_url,
        mbx.owner.id,
        q.select
            .as_ref()
            .map(|s| format!("({})", s.join(",")))
            .unwrap_or_default()
    ));
    Ok(with_preference(odata(StatusCode::OK, &v), &prefer, false))
}

fn recipients_of(v: &Value, key: &str) -> Result<Option<Vec<super::store::Address>>, GraphError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| {
                let e = &r["emailAddress"];
                let address = e["address"].as_str().unwrap_or("");
                if address.is_empty() {
                    return Err(GraphError::new(
                        StatusCode::BAD_REQUEST,
                        "ErrorInvalidRecipients",
                        "At least one recipient isn't valid., A recipient must have an email address.",
                    ));
                }
                let name = e["name"].as_str().unwrap_or(address);
                Ok(super::store::Address::new(name, address))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(GraphError::bad_request(format!(
            "The property '{key}' must be a collection of recipients."
        ))),
    }
}

/// Reads the recipient collections of a message body (`toRecipients`, …).
pub fn read_recipients(
    v: &Value,
    key: &str,
) -> Result<Option<Vec<super::store::Address>>, GraphError> {
    recipients_of(v, key)
}

fn bad_literal(prop: &str, v: &Value, ty: &str) -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        format!(
            "Cannot convert the literal '{v}' to the expected type '{ty}' for property '{prop}'."
        ),
    )
}

pub async fn patch(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Write)?;
    let body = json_body(&body)?;
    let Value::Object(fields) = &body else {
        return Err(GraphError::bad_request(
            "The request body must be a JSON object.",
        ));
    };
    let prefer = Prefer::from_headers(&headers);
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let id = param(&p, "id").to_owned();
    let is_draft = lookup(mbx, &id)?.is_draft;
    // Validate everything before changing anything.
    let mut is_read = None;
    let mut flag = None;
    let mut importance = None;
    let mut categories = None;
    let mut focused = None;
    let mut subject = None;
    let mut content = None;
    let mut lists = vec![];
    for (key, v) in fields {
        match key.as_str() {
            "isRead" => {
                is_read = Some(
                    v.as_bool()
                        .ok_or_else(|| bad_literal(key, v, "Edm.Boolean"))?,
                )
            }
            "flag" => {
                let s = v["flagStatus"].as_str().and_then(FlagStatus::parse);
                flag = Some(s.ok_or_else(|| bad_literal(key, v, "microsoft.graph.followupFlag"))?);
            }
            "importance" => {
                importance = Some(
                    v.as_str()
                        .and_then(Importance::parse)
                        .ok_or_else(|| bad_literal(key, v, "microsoft.graph.importance"))?,
                )
            }
            "categories" => {
                let list = v
                    .as_array()
                    .and_then(|a| {
                        a.iter()
                            .map(|c| c.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| bad_literal(key, v, "Collection(Edm.String)"))?;
                categories = Some(list);
            }
            "inferenceClassification" => {
                focused = Some(match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("focused") => true,
                    Some("other") => false,
                    _ => {
                        return Err(bad_literal(
                            key,
                            v,
                            "microsoft.graph.inferenceClassificationType",
                        ));
                    }
                })
            }
            "toRecipients" | "ccRecipients" | "bccRecipients" | "replyTo" => {
                lists.push((key.clone(), recipients_of(&body, key)?.unwrap_or_default()));
            }
            "subject" | "body" | "internetMessageId" if !is_draft => {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidPropertyUpdateSentMessage",
                    format!("Update of property '{key}' is only supported on draft messages."),
                ));
            }
            "subject" => subject = Some(v.as_str().unwrap_or("").to_owned()),
            "body" => content = Some(super::send::body_from_json(v)),
            _ => {}
        }
    }
    mbx.update(&id, |m| {
        if let Some(b) = is_read {
            m.is_read = b;
        }
        if let Some(f) = flag {
            m.flag = f;
        }
        if let Some(i) = importance {
            m.importance = i;
        }
        if let Some(c) = categories {
            m.categories = c;
        }
        if let Some(f) = focused {
            m.focused = f;
        }
        if let Some(s) = subject {
            m.subject = s;
        }
        if let Some(b) = content {
            m.body = b;
            m.preview = None;
        }
        for (key, list) in lists {
            match key.as_str() {
                "toRecipients" => m.to = list,
                "ccRecipients" => m.cc = list,
                "bccRecipients" => m.bcc = list,
                _ => m.reply_to = list,
            }
        }
    });
    let mbx = &boxes[caller.mailbox];
    let m = lookup(mbx, &id)?;
    let v = entity(&emu, mbx, m, prefer.view(true));
    Ok(with_preference(odata(StatusCode::OK, &v), &prefer, false))
}

pub async fn delete(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Write)?;
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let id = param(&p, "id");
    let folder = lookup(mbx, id)?.folder;
    let dumpster = mbx.well_known("recoverableitemsdeletions");
    // Graph's DELETE is a soft delete: the item goes to Recoverable Items, not Deleted Items.
    if folder == dumpster {
        mbx.remove(id);
    } else {
        mbx.move_to(id, dumpster);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST …/messages/{id}/permanentDelete`: gone for good, not kept in Recoverable Items.
pub async fn permanent_delete(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Write)?;
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let id = param(&p, "id");
    lookup(mbx, id)?;
    mbx.remove(id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn destination(body: &Value) -> Result<String, GraphError> {
    body.get("destinationId")
        .or_else(|| body.get("DestinationId"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "The value of the parameter 'DestinationId' is empty.",
            )
        })
}

async fn relocate(
    emu: &Emulator,
    caller: &Caller,
    p: &HashMap<String, String>,
    body: &Bytes,
    copy: bool,
) -> Result<Response, GraphError> {
    caller.require(emu, Access::Write)?;
    let dest = destination(&json_body(body)?)?;
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let id = param(p, "id");
    lookup(mbx, id)?;
    let folder = resolve(mbx, &dest)?;
    let new_id = if copy {
        mbx.copy_to(id, folder)
    } else {
        mbx.move_to(id, folder)
    }
    .ok_or_else(GraphError::item_not_found)?;
    let m = lookup(mbx, &new_id)?;
    Ok(odata(
        StatusCode::CREATED,
        &entity(emu, mbx, m, View::default()),
    ))
}

pub async fn move_message(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
    body: Bytes,
) -> Result<Response, GraphError> {
    relocate(&emu, &caller, &p, &body, false).await
}

pub async fn copy_message(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
    body: Bytes,
) -> Result<Response, GraphError> {
    relocate(&emu, &caller, &p, &body, true).await
}
