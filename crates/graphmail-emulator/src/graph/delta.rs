//! `GET /mailFolders/{id}/messages/delta`: a folder's messages, then only what changed.
//!
//! A round pages with `$skiptoken` and ends with an `@odata.deltaLink` carrying `$deltatoken`;
//! the next round returns messages created or changed since, and `@removed` entries for
//! messages that left the folder (deleted or moved). Tokens are opaque and carry the options.

use std::sync::Arc;

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::auth::{Access, Caller};
use super::errors::{GraphError, odata};
use super::folders::resolve;
use super::messages::{Prefer, param, with_preference};
use super::query::{DEFAULT_TOP, ListQuery, parse_filter, parse_select};
use super::render::{self, View};
use super::store::Key;
use crate::Emulator;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Token {
    /// Mailbox and folder the token belongs to.
    m: usize,
    f: usize,
    /// Changes after this mailbox version are reported.
    s: u64,
    /// Upper bound of this round (skip tokens only).
    #[serde(default)]
    v: Option<u64>,
    /// Last key already returned in this round.
    #[serde(default)]
    c: Option<(i64, u64)>,
    t: usize,
    #[serde(default)]
    sel: Option<String>,
    #[serde(default)]
    flt: Option<String>,
}

impl Token {
    #[expect(
        clippy::expect_used,
        reason = "a delta token is a plain struct, which always serialises"
    )]
    fn encode(&self) -> String {
        URL_SAFE.encode(serde_json::to_vec(self).expect("a token serialises"))
    }

    fn decode(s: &str) -> Option<Token> {
        serde_json::from_slice(&URL_SAFE.decode(s).ok()?).ok()
    }
}

fn sync_state_not_found() -> GraphError {
    GraphError::new(
        StatusCode::GONE,
        "SyncStateNotFound",
        "The sync state is not valid for this folder or has expired; start a new delta round without a token.",
    )
}

pub async fn delta(
    State(emu): State<Arc<Emulator>>,
    caller: Caller,
    Path(p): Path<std::collections::HashMap<String, String>>,
    RawQuery(raw): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let full = caller.require(&emu, Access::Read)?;
    let q = ListQuery::parse(raw.as_deref())?;
    if q.search.is_some() {
        return Err(GraphError::bad_request(
            "The query parameter '$search' is not supported with delta.",
        ));
    }
    let prefer = Prefer::from_headers(&headers);
    let boxes = emu.mail.lock();
    let mbx = &boxes[caller.mailbox];
    let folder = resolve(mbx, param(&p, "folder"))?;
    let token = match (&q.skiptoken, &q.deltatoken) {
        (Some(t), _) | (None, Some(t)) => {
            let tok = Token::decode(t)
                .filter(|tok| tok.m == caller.mailbox && tok.f == folder)
                .ok_or_else(sync_state_not_found)?;
            if q.deltatoken.is_some() && q.skiptoken.is_none() {
                Token {
                    v: None,
                    c: None,
                    ..tok
                }
            } else {
                tok
            }
        }
        (None, None) => {
            let sel = q
                .pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("$select"))
                .map(|(_, v)| v.clone());
            let flt = q
                .pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("$filter"))
                .map(|(_, v)| v.clone());
            Token {
                m: caller.mailbox,
                f: folder,
                s: 0,
                v: None,
                c: None,
                t: prefer.max_page_size.or(q.top).unwrap_or(DEFAULT_TOP),
                sel,
                flt,
            }
        }
    };
    let snapshot = token.v.unwrap_or(mbx.version);
    let select = token.sel.as_deref().map(parse_select).transpose()?;
    let filter = token
        .flt
        .as_deref()
        .map(parse_filter)
        .transpose()?
        .unwrap_or_default();
    let view = View {
        typed: true,
        ..prefer.view(full)
    };
    let start = token
        .c
        .map(|(received, seq)| std::ops::Bound::Excluded(Key { received, seq }))
        .unwrap_or(std::ops::Bound::Unbounded);
    let mut value: Vec<Value> = vec![];
    let mut last = None;
    let mut more = false;
    for (key, m) in mbx.messages.range((start, std::ops::Bound::Unbounded)) {
        if m.folder != folder || m.change <= token.s || m.change > snapshot || !filter.matches(m) {
            continue;
        }
        if value.len() == token.t {
            more = true;
            break;
        }
        value.push(render::message(m, mbx, view, select.as_deref()));
        last = Some(*key);
    }
    if !more && token.s > 0 {
        for t in &mbx.tombstones {
            if t.folder == folder && t.version > token.s && t.version <= snapshot {
                value.push(json!({
                    "@odata.type": "#microsoft.graph.message",
                    "id": t.id,
                    "@removed": { "reason": "deleted" },
                }));
            }
        }
    }
    let base = emu.graph_url.trim_end_matches("/v1.0");
    let link = |name: &str, tok: Token| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair(name, &tok.encode());
        format!("{base}{}?{}", uri.path(), ser.finish())
    };
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#Collection(message)", emu.graph_url),
        "value": value,
    });
    if more {
        let next = Token {
            v: Some(snapshot),
            c: last.map(|k| (k.received, k.seq)),
            ..token
        };
        body["@odata.nextLink"] = json!(link("$skiptoken", next));
    } else {
        let next = Token {
            s: snapshot,
            v: None,
            c: None,
            ..token
        };
        body["@odata.deltaLink"] = json!(link("$deltatoken", next));
    }
    Ok(with_preference(odata(StatusCode::OK, &body), &prefer, true))
}
