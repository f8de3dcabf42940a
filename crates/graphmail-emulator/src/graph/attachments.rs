//! A message's attachments: the list, one attachment (with `contentBytes`), its raw bytes, and
//! adding one under 3 MB (bigger ones go through `uploads`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{Access, Caller};
use super::errors::{GraphError, odata};
use super::messages::{json_body, lookup, param};
use super::query::parse_select_list;
use super::render::{self, url_id};
use super::store::{Mailbox, Message};
use crate::Emulator;

type Params = Path<HashMap<String, String>>;

fn need_full(emu: &Emulator, caller: &Caller) -> Result<(), GraphError> {
    if caller.require(emu, Access::Read)? {
        Ok(())
    } else {
        Err(GraphError::access_denied())
    }
}

fn find<'m>(
    m: &'m Message,
    aid: &str,
) -> Result<(usize, &'m super::store::Attachment), GraphError> {
    m.attachments
        .iter()
        .enumerate()
        .find(|(n, _)| Mailbox::attachment_id(m, *n) == aid)
        .ok_or_else(GraphError::item_not_found)
}

pub async fn list(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
    RawQuery(raw): RawQuery,
) -> Result<Response, GraphError> {
    need_full(&emu, &caller)?;
    // `$select` without contentBytes leaves the bytes out, as Graph does.
    let select = parse_select_list(raw.as_deref());
    let with_bytes = select
        .as_ref()
        .is_none_or(|s| s.iter().any(|f| f.eq_ignore_ascii_case("contentBytes")));
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let m = lookup(mbx, param(&p, "id"))?;
    let value: Vec<Value> = m
        .attachments
        .iter()
        .enumerate()
        .map(|(n, a)| render::attachment(m, n, a, with_bytes))
        .collect();
    Ok(odata(
        StatusCode::OK,
        &json!({
            "@odata.context": format!(
                "{}/$metadata#users('{}')/messages('{}')/attachments",
                emu.graph_url, mbx.owner.id, url_id(&m.id)
            ),
            "value": value,
        }),
    ))
}

pub async fn get_one(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
) -> Result<Response, GraphError> {
    need_full(&emu, &caller)?;
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let m = lookup(mbx, param(&p, "id"))?;
    let (n, a) = find(m, param(&p, "aid"))?;
    let mut v = render::attachment(m, n, a, true);
    v["@odata.context"] = json!(format!(
        "{}/$metadata#users('{}')/messages('{}')/attachments/$entity",
        emu.graph_url,
        mbx.owner.id,
        url_id(&m.id)
    ));
    Ok(odata(StatusCode::OK, &v))
}

pub async fn raw(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
) -> Result<Response, GraphError> {
    need_full(&emu, &caller)?;
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let m = lookup(mbx, param(&p, "id"))?;
    let (_, a) = find(m, param(&p, "aid"))?;
    let mut resp = Response::new(Body::from(a.bytes.to_vec()));
    let ct = HeaderValue::from_str(&a.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    Ok(resp)
}

/// `POST …/messages/{id}/attachments`: adds a file attachment under 3 MB; 201 with it.
pub async fn add(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Params,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::Write)?;
    let attachment = super::uploads::file_attachment(&json_body(&body)?)?;
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[caller.mailbox];
    let id = lookup(mbx, param(&p, "id"))?.id.clone();
    let context = format!(
        "{}/$metadata#users('{}')/messages('{}')/attachments/$entity",
        emu.graph_url,
        mbx.owner.id,
        url_id(&id)
    );
    let m = mbx
        .update(&id, |m| m.attachments.push(attachment))
        .ok_or_else(GraphError::item_not_found)?;
    let n = m.attachments.len() - 1;
    let mut v = render::attachment(m, n, &m.attachments[n], true);
    v["@odata.context"] = json!(context);
    Ok(odata(StatusCode::CREATED, &v))
}
