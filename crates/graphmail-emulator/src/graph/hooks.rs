//! Test hooks of the mail side, under `/_emulator/` (no real service has these paths).
//!
//! - `GET /_emulator/sent[?mailbox=UPN]` → `{"sent": {"<upn>": [{"action", "savedToSentItems",
//!   "message": {Graph message JSON + "attachments" without bytes}}, …]}}`, oldest first.
//! - `POST /_emulator/deliver` with `{"mailbox": "<upn|id>", "folder": "<id|well-known name>"
//!   (default inbox), "message": {Graph message JSON; also "receivedDateTime", "isRead",
//!   "flag", "attachments" with base64 "contentBytes"}}` → 201 `{"id", "parentFolderId"}`.
//! - `GET /_emulator/faults` → `{"spec", "concurrency"}`; `POST /_emulator/faults` with the spec
//!   as a text body, or JSON `{"spec": "…"}`, or a JSON array of rule strings → the same
//!   answer, or 400 `{"error": "…"}` naming the bad part.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::auth::find_user;
use super::send::message_from_json;
use super::store::{Address, FlagStatus};
use crate::Emulator;

fn problem(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

pub async fn sent(
    State(emu): State<Arc<Emulator>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let boxes = emu.mail.lock();
    let mut out = serde_json::Map::new();
    for mbx in boxes.iter() {
        let wanted = q.get("mailbox").is_none_or(|w| {
            w.eq_ignore_ascii_case(&mbx.owner.upn) || w.eq_ignore_ascii_case(&mbx.owner.id)
        });
        if wanted {
            out.insert(mbx.owner.upn.clone(), Value::Array(mbx.sent.clone()));
        }
    }
    Json(json!({ "sent": out })).into_response()
}

pub async fn deliver(State(emu): State<Arc<Emulator>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                format!(
                    "The body is not JSON ({e}); send {{\"mailbox\": \"upn\", \"message\": {{…}}}}."
                ),
            );
        }
    };
    let who = v["mailbox"].as_str().unwrap_or("");
    let Some(idx) = find_user(&emu, who) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("No mailbox '{who}' in this tenant; give a user's UPN or id as \"mailbox\"."),
        );
    };
    let msg = &v["message"];
    let mut boxes = emu.mail.lock();
    let mbx = &mut boxes[idx];
    let folder_ref = v["folder"].as_str().unwrap_or("inbox");
    let Some(folder) = mbx.folder(folder_ref) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!(
                "No folder '{folder_ref}' in {}; give a folder id or a well-known name such as inbox.",
                mbx.owner.upn
            ),
        );
    };
    let mut m = match message_from_json(msg, mbx) {
        Ok(m) => m,
        Err(e) => return problem(StatusCode::BAD_REQUEST, e.message),
    };
    if msg.get("from").is_none() {
        m.from = Some(Address::new(
            "Microsoft Outlook",
            "postmaster@emulator.graphmail.test",
        ));
    }
    m.sender = m.from.clone();
    if m.to.is_empty() {
        m.to = vec![Address::new(&mbx.owner.display_name, &mbx.owner.upn)];
    }
    if let Some(t) = msg["receivedDateTime"]
        .as_str()
        .and_then(super::query::parse_datetime)
    {
        m.received = t;
        m.sent = t;
        m.created = t;
        m.modified = t;
    }
    m.is_read = msg["isRead"].as_bool().unwrap_or(false);
    if let Some(f) = msg["flag"]["flagStatus"]
        .as_str()
        .and_then(FlagStatus::parse)
    {
        m.flag = f;
    }
    let id = mbx.insert(m, folder);
    let parent = mbx.folders[folder].id.clone();
    (
        StatusCode::CREATED,
        Json(json!({ "id": id, "parentFolderId": parent })),
    )
        .into_response()
}

fn faults_state(emu: &Emulator) -> Value {
    json!({ "spec": emu.faults.spec(), "concurrency": emu.faults.concurrency() })
}

pub async fn get_faults(State(emu): State<Arc<Emulator>>) -> Response {
    Json(faults_state(&emu)).into_response()
}

pub async fn set_faults(State(emu): State<Arc<Emulator>>, body: Bytes) -> Response {
    let text = String::from_utf8_lossy(&body).trim().to_owned();
    let spec = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(o)) => o
            .get("spec")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        Ok(Value::Array(rules)) => rules
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        Ok(Value::String(s)) => s,
        _ => text,
    };
    match emu.faults.set_spec(&spec) {
        Ok(()) => Json(faults_state(&emu)).into_response(),
        Err(e) => problem(StatusCode::BAD_REQUEST, e),
    }
}
