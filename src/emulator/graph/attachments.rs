//! A message's attachments: the list, one attachment (with `contentBytes`), and its raw bytes.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{Access, Caller};
use super::errors::{GraphError, odata};
use super::messages::{lookup, param};
use super::render::{self, url_id};
use super::store::{Mailbox, Message};
use crate::emulator::Emulator;

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
) -> Result<Response, GraphError> {
    need_full(&emu, &caller)?;
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let m = lookup(mbx, param(&p, "id"))?;
    let value: Vec<Value> = m
        .attachments
        .iter()
        .enumerate()
        .map(|(n, a)| render::attachment(m, n, a, true))
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
