//! A loopback stand-in for Graph's message list: an Inbox of `n` generated messages with
//! Graph-sized ids, paged by an opaque `$skiptoken` in `@odata.nextLink`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

pub struct Service {
    pub graph_url: String,
    pub login_url: String,
    pub token: String,
}

struct Inbox {
    total: usize,
    token: String,
}

pub async fn serve_inbox(total: usize) -> Service {
    let token = format!("bench-{}", std::process::id());
    let state = Arc::new(Inbox {
        total,
        token: token.clone(),
    });
    let app = Router::new()
        .route("/v1.0/me/mailFolders/inbox/messages", get(page))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    Service {
        graph_url: format!("http://{addr}/v1.0"),
        login_url: format!("http://{addr}"),
        token,
    }
}

/// A 152-character id, as long as Graph's message ids.
fn id(i: usize) -> String {
    format!("AAMkAGI2THVSAAA{i:0>10}{}", "x".repeat(127))
}

async fn page(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let bearer = format!("Bearer {}", inbox.token);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(bearer.as_str()) {
        return (axum::http::StatusCode::UNAUTHORIZED, "no").into_response();
    }
    let top: usize = q
        .get("$top")
        .and_then(|t| t.parse().ok())
        .unwrap_or(10)
        .min(1000);
    let skip: usize = q
        .get("$skiptoken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (skip + top).min(inbox.total);
    let value: Vec<_> = (skip..end)
        .map(|i| {
            json!({
                "@odata.etag": "W/\"CQAAABYAAAC4ofQHEIqCSbQPot83AFcbAAAnjjuZ\"",
                "id": id(i),
                "subject": format!("Nightly backup report #{i} for srv-{:03}", i % 997),
                "from": {"emailAddress": {"name": "Backup Service", "address": "backup@contoso.example"}},
                "receivedDateTime": format!("2024-{:02}-{:02}T{:02}:{:02}:00Z", i % 12 + 1, i % 28 + 1, i % 24, i % 60),
                "isRead": i % 3 == 0,
                "hasAttachments": i % 7 == 0,
                "importance": "normal",
            })
        })
        .collect();
    let mut body = json!({
        "@odata.context": "http://127.0.0.1/v1.0/$metadata#users('bench')/messages",
        "value": value,
    });
    if end < inbox.total {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        body["@odata.nextLink"] = json!(format!(
            "http://{host}/v1.0/me/mailFolders/inbox/messages?%24select=id%2Csubject%2Cfrom%2CreceivedDateTime%2CisRead%2ChasAttachments%2Cimportance&%24top={top}&%24skiptoken={end}"
        ));
    }
    axum::Json(body).into_response()
}
