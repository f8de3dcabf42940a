//! `POST /v1.0/$batch`: Graph's JSON batching.
//!
//! As Microsoft documents it ("Combine multiple HTTP requests using JSON batching"; `graph-wire.md`
//! §9.4): at most 20 requests, ids unique (case-insensitive), URLs relative to the version root,
//! a body only with a `Content-Type` header; the batch answers 200 when it could be read, whatever
//! its items answered, and 400 when it could not. Items that name `dependsOn` run in order and a
//! dependent of a failed item answers 424. Independent items run at once, and Exchange lets only
//! the first few of them (the concurrency limit, 4) at one mailbox through: the others answer 429
//! `ApplicationThrottled` each, with `Retry-After`. Each item meets the same token check and the
//! same injected faults (matched on its own path) as a request of its own.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use super::auth::{authenticate, find_user};
use super::errors::{GraphError, RequestIds};
use super::throttle::Slot;
use crate::{AccessClaims, Emulator};

/// Graph's limit of requests in one batch.
pub const MAX_ITEMS: usize = 20;

/// Marks a request run as an item of a batch: its throttling place was taken by the batch.
#[derive(Clone)]
pub struct BatchItem;

/// `$batch` requests served (accepted or refused), for `GET /_emulator/batches`.
#[derive(Default)]
pub struct BatchCounts {
    batches: AtomicU64,
    refused: AtomicU64,
    /// Items of each accepted batch, in arrival order.
    sizes: Mutex<Vec<usize>>,
}

impl BatchCounts {
    fn sizes(&self) -> std::sync::MutexGuard<'_, Vec<usize>> {
        self.sizes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[derive(Deserialize)]
struct BatchBody {
    requests: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: Map<String, Value>,
    body: Option<Value>,
    #[serde(default)]
    depends_on: Vec<String>,
}

/// What is wrong with a batch as a whole, in Graph's words where known.
fn refusal(items: &[Item]) -> Option<String> {
    if items.is_empty() {
        return Some("Invalid batch payload format.".into());
    }
    if items.len() > MAX_ITEMS {
        return Some(format!(
            "The number of batch requests must be between 1 and {MAX_ITEMS}."
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = items.iter().find(|i| !seen.insert(i.id.to_lowercase())) {
        return Some(format!("Batch request id '{}' is not unique.", dup.id));
    }
    if let Some(bad) = items.iter().find(|i| i.url.contains("://")) {
        return Some(format!(
            "Batch request id '{}' has an absolute URL; URLs are relative to the version.",
            bad.id
        ));
    }
    if let Some(nested) = items
        .iter()
        .find(|i| i.url.trim_start_matches('/').starts_with("$batch"))
    {
        return Some(format!(
            "Batch request id '{}' is a batch itself; batches do not nest.",
            nested.id
        ));
    }
    let no_type = |i: &&Item| {
        i.body.is_some()
            && !i
                .headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"))
    };
    if let Some(bad) = items.iter().find(no_type) {
        return Some(format!(
            "Write request id : {} does not contain Content-Type header or body.",
            bad.id
        ));
    }
    let unknown = |d: &String| !seen.contains(&d.to_lowercase());
    if let Some(bad) = items.iter().find(|i| i.depends_on.iter().any(unknown)) {
        return Some(format!(
            "Batch request id '{}' depends on an id that is not in the batch.",
            bad.id
        ));
    }
    None
}

pub async fn batch(State(emu): State<Arc<Emulator>>, parts: Parts, body: Bytes) -> Response {
    let ids = RequestIds::from_headers(&parts.headers);
    let claims = match authenticate(&parts, &emu) {
        Ok(c) => c,
        Err(e) => return ids.stamp(e.into_response()),
    };
    let items = match serde_json::from_slice::<BatchBody>(&body) {
        Ok(b) => b.requests,
        Err(_) => Vec::new(),
    };
    if let Some(message) = refusal(&items) {
        emu.mail.batches.refused.fetch_add(1, Ordering::Relaxed);
        return ids.stamp(GraphError::bad_request(message).into_response());
    }
    emu.mail.batches.batches.fetch_add(1, Ordering::Relaxed);
    emu.mail.batches.sizes().push(items.len());
    let chained = items.iter().any(|i| !i.depends_on.is_empty());
    let mut answers: Vec<(String, Response)> = Vec::with_capacity(items.len());
    if chained {
        let mut failed: HashSet<String> = HashSet::new();
        for item in &items {
            let blocked = item
                .depends_on
                .iter()
                .any(|d| failed.contains(&d.to_lowercase()));
            let resp = if blocked {
                GraphError::new(
                    StatusCode::FAILED_DEPENDENCY,
                    "BadRequest",
                    "Failed dependency.",
                )
                .into_response()
            } else {
                match take_slot(&emu, &claims, &item.url) {
                    Err(e) => e.into_response(),
                    Ok(slot) => {
                        let r = run(&emu, &parts.headers, item).await;
                        drop(slot);
                        r
                    }
                }
            };
            if !resp.status().is_success() {
                failed.insert(item.id.to_lowercase());
            }
            answers.push((item.id.clone(), resp));
        }
    } else {
        // All at once: every item takes its place first, so those past the limit are refused.
        let slots: Vec<Result<Slot, GraphError>> = items
            .iter()
            .map(|i| take_slot(&emu, &claims, &i.url))
            .collect();
        for (item, slot) in items.iter().zip(&slots) {
            let resp = match slot {
                Err(e) => e.clone().into_response(),
                Ok(_) => run(&emu, &parts.headers, item).await,
            };
            answers.push((item.id.clone(), resp));
        }
        drop(slots);
    }
    let mut responses = Vec::with_capacity(answers.len());
    for (id, resp) in answers {
        responses.push(item_json(id, resp).await);
    }
    ids.stamp((StatusCode::OK, Json(json!({ "responses": responses }))).into_response())
}

/// The throttling place of an item at its mailbox, as a request of its own would take it.
fn take_slot(emu: &Emulator, claims: &AccessClaims, url: &str) -> Result<Slot, GraphError> {
    let path = url.split('?').next().unwrap_or("");
    let mut segs = path.trim_start_matches('/').split('/');
    let mailbox = match (segs.next(), segs.next()) {
        (Some("me"), _) => claims.oid.as_deref().and_then(|oid| find_user(emu, oid)),
        (Some("users"), Some(who)) => find_user(emu, &percent_decode(who)),
        _ => None,
    };
    // Not a mailbox path: no mailbox limit; the item answers for itself.
    let (mailbox, limit) = match mailbox {
        Some(m) => (m, emu.faults.concurrency()),
        None => (usize::MAX, 0),
    };
    emu.mail
        .throttle
        .enter(&claims.appid, mailbox, limit)
        .ok_or_else(|| GraphError::throttled("1"))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// Runs one item through the emulator's own routes and faults, with the batch's bearer token.
async fn run(emu: &Arc<Emulator>, outer: &HeaderMap, item: &Item) -> Response {
    let Ok(method) = item.method.to_uppercase().parse::<Method>() else {
        return GraphError::bad_request("Invalid method in a batch request.").into_response();
    };
    let uri = format!("/v1.0/{}", item.url.trim_start_matches('/'));
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(auth) = outer.get(header::AUTHORIZATION) {
        req = req.header(header::AUTHORIZATION, auth.clone());
    }
    for (k, v) in &item.headers {
        if let Some(v) = v.as_str() {
            req = req.header(k.as_str(), v);
        }
    }
    let body = match &item.body {
        Some(b) => Body::from(b.to_string()),
        None => Body::empty(),
    };
    let Ok(mut req) = req.body(body) else {
        return GraphError::bad_request("Invalid batch request.").into_response();
    };
    req.extensions_mut().insert(BatchItem);
    match crate::router(emu.clone()).oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// One entry of `responses`: id, status, headers, and the body as JSON when there is one.
async fn item_json(id: String, resp: Response) -> Value {
    // Errors made here get the envelope their own request would have had.
    let resp = RequestIds::from_headers(&HeaderMap::new()).stamp(resp);
    let mut status = resp.status().as_u16();
    let mut headers = Map::new();
    for (name, key) in [
        (header::CONTENT_TYPE, "Content-Type"),
        (header::RETRY_AFTER, "Retry-After"),
        (header::LOCATION, "Location"),
    ] {
        if let Some(v) = resp.headers().get(name).and_then(|v| v.to_str().ok()) {
            headers.insert(key.into(), Value::String(v.to_string()));
        }
    }
    let body = match axum::body::to_bytes(resp.into_body(), super::REQUEST_LIMIT).await {
        Ok(bytes) if bytes.is_empty() => None,
        Ok(bytes) => Some(serde_json::from_slice(&bytes).unwrap_or(Value::Null)),
        Err(_) => {
            // A connection the faults dropped: inside a batch it is an item that timed out.
            status = 504;
            Some(
                json!({ "error": { "code": "GatewayTimeout", "message": "The request timed out." } }),
            )
        }
    };
    let mut out = json!({ "id": id, "status": status, "headers": headers });
    if let Some(body) = body {
        out["body"] = body;
    }
    out
}

/// `GET /_emulator/batches` → `{"batches": n, "refused": r, "sizes": [items, …]}`: the `$batch`
/// requests served since the emulator started.
pub async fn counts(State(emu): State<Arc<Emulator>>) -> Json<Value> {
    let c = &emu.mail.batches;
    Json(json!({
        "batches": c.batches.load(Ordering::Relaxed),
        "refused": c.refused.load(Ordering::Relaxed),
        "sizes": *c.sizes(),
    }))
}
