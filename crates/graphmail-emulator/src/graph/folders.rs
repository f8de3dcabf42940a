//! `mailFolders`: the folders under the root, one folder, and a folder's children.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{Access, Caller};
use super::errors::{GraphError, odata};
use super::query::{DEFAULT_TOP, MAX_TOP};
use super::render;
use super::store::{Mailbox, is_folder_id};
use crate::Emulator;

/// Resolves a folder id or well-known name; 400 for a malformed id, 404 for an unknown one.
pub fn resolve(mbx: &Mailbox, id_or_name: &str) -> Result<usize, GraphError> {
    if let Some(idx) = mbx.folder(id_or_name) {
        return Ok(idx);
    }
    let known_name = super::store::WELL_KNOWN
        .iter()
        .any(|(n, _, _)| n.eq_ignore_ascii_case(id_or_name));
    if is_folder_id(id_or_name) || known_name {
        Err(GraphError::item_not_found())
    } else {
        Err(GraphError::id_malformed())
    }
}

struct Paging {
    top: usize,
    skip: usize,
    hidden: bool,
}

fn paging(raw: Option<&str>) -> Result<Paging, GraphError> {
    let mut p = Paging {
        top: DEFAULT_TOP,
        skip: 0,
        hidden: false,
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.to_ascii_lowercase().as_str() {
            "$top" => {
                p.top = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_TOP).contains(n))
                    .ok_or_else(|| {
                        GraphError::bad_request(format!(
                            "Invalid value '{v}' for $top query option found."
                        ))
                    })?
            }
            "$skip" => {
                p.skip = v.parse().map_err(|_| {
                    GraphError::bad_request(format!(
                        "Invalid value '{v}' for $skip query option found."
                    ))
                })?
            }
            "includehiddenfolders" => p.hidden = v.eq_ignore_ascii_case("true"),
            _ => {}
        }
    }
    Ok(p)
}

fn folder_page(
    emu: &Emulator,
    caller: &Caller,
    mbx: &Mailbox,
    parent: usize,
    p: &Paging,
    context: String,
    path_tail: &str,
) -> Response {
    let counts = mbx.counts();
    let kids: Vec<usize> = mbx
        .children(parent)
        .filter(|&i| p.hidden || !mbx.folders[i].hidden)
        .collect();
    let value: Vec<Value> = kids
        .iter()
        .skip(p.skip)
        .take(p.top)
        .map(|&i| render::folder(mbx, i, &counts))
        .collect();
    let mut body = json!({ "@odata.context": context, "value": value });
    if p.skip + p.top < kids.len() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if p.hidden {
            q.append_pair("includeHiddenFolders", "true");
        }
        q.append_pair("$top", &p.top.to_string());
        q.append_pair("$skip", &(p.skip + p.top).to_string());
        body["@odata.nextLink"] = json!(format!(
            "{}/{}/{path_tail}?{}",
            emu.graph_url,
            caller.prefix,
            q.finish()
        ));
    }
    odata(StatusCode::OK, &body)
}

pub async fn list_top(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::ReadBasic)?;
    let p = paging(raw.as_deref())?;
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let context = format!(
        "{}/$metadata#users('{}')/mailFolders",
        emu.graph_url, mbx.owner.id
    );
    Ok(folder_page(
        &emu,
        &caller,
        mbx,
        0,
        &p,
        context,
        "mailFolders",
    ))
}

pub async fn list_children(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(params): Path<std::collections::HashMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::ReadBasic)?;
    let p = paging(raw.as_deref())?;
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let folder_ref = params.get("folder").map(String::as_str).unwrap_or("");
    let idx = resolve(mbx, folder_ref)?;
    let context = format!(
        "{}/$metadata#users('{}')/mailFolders('{}')/childFolders",
        emu.graph_url, mbx.owner.id, mbx.folders[idx].id
    );
    let tail = format!("mailFolders/{folder_ref}/childFolders");
    Ok(folder_page(&emu, &caller, mbx, idx, &p, context, &tail))
}

pub async fn get_one(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(params): Path<std::collections::HashMap<String, String>>,
) -> Result<Response, GraphError> {
    caller.require(&emu, Access::ReadBasic)?;
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let idx = resolve(mbx, params.get("folder").map(String::as_str).unwrap_or(""))?;
    let mut body = render::folder(mbx, idx, &mbx.counts());
    body["@odata.context"] = json!(format!(
        "{}/$metadata#users('{}')/mailFolders/$entity",
        emu.graph_url, mbx.owner.id
    ));
    Ok(odata(StatusCode::OK, &body))
}
