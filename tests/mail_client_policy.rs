//! The Graph client's request policy against a scripted loopback server: paging by
//! `@odata.nextLink`, `Retry-After`, 503s, one refresh after a 401, at most four requests in
//! flight per mailbox, and sends that are never repeated after an unknown outcome.
#![cfg(feature = "emulator")]

mod common_mail;

use common_mail::dropping_server;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use graphmail::graph::{
    GraphClient, GraphError, ListQuery, Mailbox, OutgoingMessage, TokenError, TokenFuture,
    TokenSource, http_client,
};
use secrecy::SecretString;
use serde_json::json;

/// A scripted reply handed out before the normal one.
#[derive(Clone)]
enum Scripted {
    Status(u16, Option<&'static str>),
}

#[derive(Default)]
struct Fake {
    total: usize,
    script: Mutex<VecDeque<Scripted>>,
    requests: AtomicUsize,
    sends: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Bearer tokens Graph accepts.
    good_tokens: Mutex<Vec<String>>,
}

fn graph_error(status: u16, code: &str, retry_after: Option<&str>) -> Response {
    let mut resp = (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"error": {"code": code, "message": "scripted"}})),
    )
        .into_response();
    if let Some(ra) = retry_after {
        resp.headers_mut()
            .insert("retry-after", ra.parse().unwrap());
    }
    resp
}

impl Fake {
    fn gate(&self, headers: &HeaderMap) -> Option<Response> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let ok = self
            .good_tokens
            .lock()
            .unwrap()
            .iter()
            .any(|t| auth == format!("Bearer {t}"));
        if !ok {
            return Some(graph_error(401, "InvalidAuthenticationToken", None));
        }
        let next = self.script.lock().unwrap().pop_front();
        next.map(|Scripted::Status(s, ra)| graph_error(s, "scripted", ra))
    }
}

async fn list(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Some(r) = fake.gate(&headers) {
        return r;
    }
    let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    fake.max_in_flight.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(30)).await;
    fake.in_flight.fetch_sub(1, Ordering::SeqCst);
    let top: usize = q.get("$top").and_then(|t| t.parse().ok()).unwrap_or(10);
    // The position travels in an opaque token, as Graph's does; the client must not build it.
    let skip: usize = q
        .get("$skiptoken")
        .and_then(|t| t.strip_prefix("pos-"))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (skip + top).min(fake.total);
    let value: Vec<_> = (skip..end)
        .map(|i| json!({"id": format!("m{i}"), "subject": format!("s{i}"), "isRead": i % 2 == 0,
            "hasAttachments": false, "importance": "normal", "receivedDateTime": "2024-01-01T00:00:00Z",
            "from": {"emailAddress": {"name": "N", "address": "n@x.com"}}}))
        .collect();
    let mut body = json!({"value": value});
    if end < fake.total {
        let host = headers.get("host").unwrap().to_str().unwrap();
        body["@odata.nextLink"] = json!(format!(
            "http://{host}/v1.0/me/messages?%24select=id&%24top={top}&%24skiptoken=pos-{end}"
        ));
    }
    axum::Json(body).into_response()
}

async fn send_mail(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    if let Some(r) = fake.gate(&headers) {
        return r;
    }
    fake.sends.fetch_add(1, Ordering::SeqCst);
    StatusCode::ACCEPTED.into_response()
}

async fn serve(fake: Arc<Fake>) -> String {
    let app = Router::new()
        .route("/v1.0/me/messages", get(list))
        .route("/v1.0/me/sendMail", post(send_mail))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1.0")
}

/// Hands out `first`, and `second` after a refresh; counts refreshes.
struct Tokens {
    first: &'static str,
    second: &'static str,
    refreshes: AtomicUsize,
}

impl TokenSource for Tokens {
    fn token(&self) -> TokenFuture<'_> {
        let t = if self.refreshes.load(Ordering::SeqCst) == 0 {
            self.first
        } else {
            self.second
        };
        Box::pin(async move { Ok(SecretString::from(t)) })
    }
    fn refresh(&self) -> TokenFuture<'_> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let t = self.second;
        Box::pin(async move {
            if t.is_empty() {
                Err(TokenError {
                    message: "no refresh token".into(),
                    needs_sign_in: true,
                })
            } else {
                Ok(SecretString::from(t))
            }
        })
    }
}

fn tokens(first: &'static str, second: &'static str) -> Arc<Tokens> {
    Arc::new(Tokens {
        first,
        second,
        refreshes: AtomicUsize::new(0),
    })
}

fn fake(total: usize, script: Vec<Scripted>) -> Arc<Fake> {
    Arc::new(Fake {
        total,
        script: Mutex::new(script.into()),
        good_tokens: Mutex::new(vec!["good".into()]),
        ..Default::default()
    })
}

async fn count_all(client: &GraphClient, query: &ListQuery) -> Result<usize, GraphError> {
    let mut pager = client.messages(query);
    let mut n = 0;
    while let Some(page) = pager.next_page().await? {
        n += page.len();
    }
    Ok(n)
}

fn message() -> OutgoingMessage {
    OutgoingMessage {
        to: vec!["a@x.com".into()],
        subject: "s".into(),
        body: "b".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_listing_follows_next_links_in_full_pages() {
    let f = fake(2350, vec![]);
    let url = serve(f.clone()).await;
    let client = GraphClient::new(
        http_client().unwrap(),
        &url,
        &Mailbox::Me,
        tokens("good", ""),
    )
    .unwrap();
    assert_eq!(count_all(&client, &ListQuery::all()).await.unwrap(), 2350);
    assert_eq!(f.requests.load(Ordering::SeqCst), 3);
    assert_eq!(client.requests_made(), 3);
    assert_eq!(count_all(&client, &ListQuery::first(30)).await.unwrap(), 30);
}

#[tokio::test]
async fn throttling_and_unavailability_are_ridden_out_honouring_retry_after() {
    let f = fake(
        2100,
        vec![
            Scripted::Status(429, Some("1.5")),
            Scripted::Status(503, None),
            Scripted::Status(504, Some("0.2")),
        ],
    );
    let url = serve(f.clone()).await;
    let client = GraphClient::new(
        http_client().unwrap(),
        &url,
        &Mailbox::Me,
        tokens("good", ""),
    )
    .unwrap();
    let started = Instant::now();
    assert_eq!(count_all(&client, &ListQuery::all()).await.unwrap(), 2100);
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "Retry-After 1.5 must be waited out"
    );
    assert_eq!(f.requests.load(Ordering::SeqCst), 3 + 3);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries() {
    let f = fake(5, vec![]);
    let url = serve(f.clone()).await;
    let t = tokens("expired", "good");
    let client = GraphClient::new(http_client().unwrap(), &url, &Mailbox::Me, t.clone()).unwrap();
    assert_eq!(count_all(&client, &ListQuery::all()).await.unwrap(), 5);
    assert_eq!(t.refreshes.load(Ordering::SeqCst), 1);

    // A refreshed token that is refused too ends in "sign in again", after one refresh.
    let t = tokens("expired", "also-expired");
    let client = GraphClient::new(http_client().unwrap(), &url, &Mailbox::Me, t.clone()).unwrap();
    let err = count_all(&client, &ListQuery::all()).await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.fix().unwrap().contains("connector login"));
    assert_eq!(t.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn no_more_than_four_requests_are_in_flight_for_one_mailbox() {
    let f = fake(10, vec![]);
    let url = serve(f.clone()).await;
    let a = GraphClient::new(
        http_client().unwrap(),
        &url,
        &Mailbox::Me,
        tokens("good", ""),
    )
    .unwrap();
    // A second client for the same mailbox shares the limit.
    let b = GraphClient::new(
        http_client().unwrap(),
        &url,
        &Mailbox::Me,
        tokens("good", ""),
    )
    .unwrap();
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let c = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { count_all(&c, &ListQuery::first(1)).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 1);
    }
    let max = f.max_in_flight.load(Ordering::SeqCst);
    assert!((1..=4).contains(&max), "max in flight was {max}");
}

#[tokio::test]
async fn a_send_that_met_a_5xx_is_not_repeated_and_says_it_may_have_been_sent() {
    let f = fake(0, vec![Scripted::Status(503, Some("0.1"))]);
    let url = serve(f.clone()).await;
    let client = GraphClient::new(
        http_client().unwrap(),
        &url,
        &Mailbox::Me,
        tokens("good", ""),
    )
    .unwrap();
    let err = client.send_mail(&message()).await.unwrap_err();
    assert!(err.may_have_sent(), "{err}");
    assert!(err.fix().unwrap().contains("Sent Items"));
    assert_eq!(f.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_throttled_send_is_retried_because_graph_did_not_act_on_it() {
    let f = fake(0, vec![Scripted::Status(429, Some("0.2"))]);
    let url = serve(f.clone()).await;
    let client = GraphClient::new(
        http_client().unwrap(),
        &url,
        &Mailbox::Me,
        tokens("good", ""),
    )
    .unwrap();
    client.send_mail(&message()).await.unwrap();
    assert_eq!(f.requests.load(Ordering::SeqCst), 2);
    assert_eq!(f.sends.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_send_whose_connection_dropped_is_sent_once_and_reported_as_maybe_sent() {
    let (url, seen) = dropping_server().await;
    let client = GraphClient::new(
        http_client().unwrap(),
        &url,
        &Mailbox::Me,
        tokens("good", ""),
    )
    .unwrap();
    let err = client.send_mail(&message()).await.unwrap_err();
    assert!(err.may_have_sent(), "{err}");
    assert!(err.to_string().contains("may have been sent"));
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the send must not be repeated"
    );

    // A read over the same broken service is retried (it changes nothing), then reported.
    let client = client.with_policy(graphmail::graph::RetryPolicy {
        max_attempts: 3,
        base_backoff: Duration::from_millis(10),
        ..Default::default()
    });
    let err = count_all(&client, &ListQuery::first(5)).await.unwrap_err();
    assert!(matches!(err, GraphError::Transport(_)), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1 + 3);
}
