//! The Graph client: one mailbox, one token source, one request policy.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderName, RETRY_AFTER};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::{GraphError, describe};
use super::retry::{Failure, Next, Replay, RetryPolicy, parse_retry_after};
use crate::domain::{Connector, Grant};

/// Graph allows four concurrent requests per app and mailbox; more earn 429 `ApplicationThrottled`.
pub const MAILBOX_CONCURRENCY: usize = 4;

/// A boxed future yielding an access token.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<SecretString, TokenError>> + Send + 'a>>;

/// Where the client gets its bearer tokens.
pub trait TokenSource: Send + Sync {
    /// A token that is valid now (cached or refreshed as the source sees fit).
    fn token(&self) -> TokenFuture<'_>;
    /// A new token, after Graph refused the current one with 401.
    fn refresh(&self) -> TokenFuture<'_>;
}

/// No token could be had. The message never contains a token.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    pub message: String,
    /// True when only a person signing in again can fix it.
    pub needs_sign_in: bool,
    /// What the user can do about it, when the token's source knows better than "sign in".
    pub fix: Option<String>,
}

/// Whose mailbox the calls address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailbox {
    /// The signed-in user: `/me`.
    Me,
    /// Another (shared, or app-only target) mailbox: `/users/{upn}`.
    User(String),
}

impl Mailbox {
    /// Delegated connectors use `/me`, or `/users/{mailbox}` when a shared mailbox is set;
    /// app-only connectors always name their mailbox.
    pub fn for_connector(connector: &Connector) -> Result<Mailbox, GraphError> {
        let mailbox = connector
            .mailbox
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        match (connector.grant, mailbox) {
            (_, Some(m)) => Ok(Mailbox::User(m.to_string())),
            (Grant::ClientCredentials, None) => Err(GraphError::Invalid(format!(
                "connector '{}' is app-only but names no target mailbox; set one with `graphmail connector edit {} --mailbox user@domain`",
                connector.name, connector.name
            ))),
            (_, None) => Ok(Mailbox::Me),
        }
    }
}

/// The HTTP client Graph calls go through ([`crate::http::graph_client`]), with its error as
/// a [`GraphError`].
pub fn http_client() -> Result<reqwest::Client, GraphError> {
    crate::http::graph_client().map_err(|e| GraphError::Transport(describe(&e)))
}

/// A Graph client bound to one mailbox. Cheap to clone; clones share the in-flight limit.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
    policy: RetryPolicy,
}

struct Inner {
    http: reqwest::Client,
    /// `…/v1.0/me` or `…/v1.0/users/{upn}`.
    mailbox_root: Url,
    /// `…/v1.0`: where `$batch` is, and what batch item URLs are relative to.
    api_root: Url,
    /// `scheme://host:port` of the API root: next-page links must stay on it.
    origin: String,
    tokens: Arc<dyn TokenSource>,
    limit: Arc<Semaphore>,
    requests: AtomicU64,
}

/// One in-flight limit per mailbox in this process, however many clients address it.
fn mailbox_limit(key: &str) -> Arc<Semaphore> {
    static LIMITS: OnceLock<Mutex<HashMap<String, Arc<Semaphore>>>> = OnceLock::new();
    let mut map = LIMITS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    map.entry(key.to_string())
        .or_insert_with(|| Arc::new(Semaphore::new(MAILBOX_CONCURRENCY)))
        .clone()
}

/// The body of a request, kept so that a retry can send it again.
#[derive(Clone)]
pub(crate) enum Body {
    Json(bytes::Bytes),
    Bytes(bytes::Bytes),
}

/// One logical Graph call; `execute` may send it several times.
pub(crate) struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Option<Body>,
    pub headers: Vec<(HeaderName, String)>,
    pub replay: Replay,
    /// Names the call in errors ("sendMail", "move").
    pub action: &'static str,
    /// False for pre-authenticated URLs (upload sessions): no bearer token goes there.
    pub bearer: bool,
    /// Replaces the client's whole-request timeout (attachment transfers may take long; the
    /// client's read timeout still catches a stalled one).
    pub timeout: Option<Duration>,
}

impl Call {
    pub fn get(url: Url) -> Call {
        Call::new(Method::GET, url, Replay::Safe, "read")
    }

    pub fn new(method: Method, url: Url, replay: Replay, action: &'static str) -> Call {
        Call {
            method,
            url,
            body: None,
            headers: Vec::new(),
            replay,
            action,
            bearer: true,
            timeout: None,
        }
    }

    #[expect(
        clippy::expect_used,
        reason = "a serde_json::Value has string keys only, so it always serialises"
    )]
    pub fn json(mut self, value: &serde_json::Value) -> Call {
        let bytes = serde_json::to_vec(value).expect("a JSON value always serialises");
        self.body = Some(Body::Json(bytes.into()));
        self
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Call {
        self.headers.push((name, value.into()));
        self
    }
}

/// A successful reply. It holds its in-flight slot until the body has been read.
pub(crate) struct Reply {
    pub resp: reqwest::Response,
    _permit: OwnedSemaphorePermit,
}

impl GraphClient {
    /// A client for `mailbox` under the Graph API root `api_root` (e.g.
    /// `https://graph.microsoft.com/v1.0`, see `Cloud::graph_api`).
    pub fn new(
        http: reqwest::Client,
        api_root: &str,
        mailbox: &Mailbox,
        tokens: Arc<dyn TokenSource>,
    ) -> Result<GraphClient, GraphError> {
        let root = Url::parse(api_root.trim_end_matches('/')).map_err(|e| {
            GraphError::Invalid(format!("the Graph URL '{api_root}' is not a URL: {e}"))
        })?;
        if root.cannot_be_a_base() {
            return Err(GraphError::Invalid(format!(
                "the Graph URL '{api_root}' cannot hold paths"
            )));
        }
        let mut mailbox_root = root.clone();
        #[expect(
            clippy::expect_used,
            reason = "checked just above: the root can be a base"
        )]
        {
            let mut segs = mailbox_root
                .path_segments_mut()
                .expect("checked: the root can be a base");
            segs.pop_if_empty();
            match mailbox {
                Mailbox::Me => {
                    segs.push("me");
                }
                Mailbox::User(upn) if upn.starts_with('$') => {
                    segs.push(&format!("users('{upn}')"));
                }
                Mailbox::User(upn) => {
                    segs.push("users").push(upn);
                }
            }
        }
        let origin = root.origin().ascii_serialization();
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                limit: mailbox_limit(mailbox_root.as_str()),
                mailbox_root,
                api_root: root,
                origin,
                tokens,
                requests: AtomicU64::new(0),
            }),
            policy: RetryPolicy::default(),
        })
    }

    /// The same client with another retry policy.
    pub fn with_policy(mut self, policy: RetryPolicy) -> GraphClient {
        self.policy = policy;
        self
    }

    /// HTTP requests sent so far by this client (retries included).
    pub fn requests_made(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// `{mailbox root}/seg/seg…`, each segment percent-encoded.
    #[expect(
        clippy::expect_used,
        reason = "the constructor refuses a root that cannot be a base"
    )]
    pub(crate) fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.mailbox_root.clone();
        url.path_segments_mut()
            .expect("checked at construction: the root can be a base")
            .extend(segments);
        url
    }

    /// `{api root}/$batch`.
    #[expect(
        clippy::expect_used,
        reason = "the constructor refuses a root that cannot be a base"
    )]
    pub(crate) fn batch_url(&self) -> Url {
        let mut url = self.inner.api_root.clone();
        url.path_segments_mut()
            .expect("checked at construction: the root can be a base")
            .pop_if_empty()
            .push("$batch");
        url
    }

    /// A mailbox path relative to the API root, as a batch item names it: `/me/messages/{id}`.
    pub(crate) fn relative(&self, segments: &[&str]) -> String {
        let full = self.endpoint(segments);
        let root = self.inner.api_root.path().trim_end_matches('/');
        full.path()
            .strip_prefix(root)
            .unwrap_or(full.path())
            .to_string()
    }

    /// Parses a `@odata.nextLink`, refusing one that leads off this Graph service.
    pub(crate) fn next_link(&self, link: &str) -> Result<Url, GraphError> {
        let url = Url::parse(link)
            .map_err(|e| GraphError::Decode(format!("the next-page link is not a URL: {e}")))?;
        if url.origin().ascii_serialization() != self.inner.origin {
            return Err(GraphError::ForeignLink(url.origin().ascii_serialization()));
        }
        Ok(url)
    }

    /// Parses a next-page link and checks it against the pages read so far.
    pub(crate) fn next_page(&self, link: &str, seen: &mut PagesSeen) -> Result<Url, GraphError> {
        let url = self.next_link(link)?;
        seen.visit(&url)?;
        Ok(url)
    }

    /// Sends `call` under the retry policy and returns the first successful reply.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Reply, GraphError> {
        let inner = &*self.inner;
        let mut attempt = 0u32;
        let mut waited = Duration::ZERO;
        let mut token: Option<SecretString> = None;
        let mut refreshed = false;
        let started = std::time::Instant::now();
        loop {
            attempt += 1;
            if call.bearer && token.is_none() {
                token = Some(inner.tokens.token().await?);
            }
            #[expect(
                clippy::expect_used,
                reason = "the client never closes its mailbox semaphore"
            )]
            let permit = inner
                .limit
                .clone()
                .acquire_owned()
                .await
                .expect("the mailbox semaphore is never closed");
            inner.requests.fetch_add(1, Ordering::Relaxed);
            let mut req = inner.http.request(call.method.clone(), call.url.clone());
            if let Some(t) = call.timeout {
                req = req.timeout(t);
            }
            if let (true, Some(t)) = (call.bearer, &token) {
                req = req.bearer_auth(t.expose_secret());
            }
            for (name, value) in &call.headers {
                req = req.header(name, value);
            }
            match &call.body {
                Some(Body::Json(b)) => {
                    req = req.header(CONTENT_TYPE, "application/json").body(b.clone())
                }
                Some(Body::Bytes(b)) => req = req.body(b.clone()),
                None => {}
            }
            let (failure, status, detail) = match req.send().await {
                Ok(resp) if resp.status().is_success() => {
                    return Ok(Reply {
                        resp,
                        _permit: permit,
                    });
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    let failure = match status {
                        401 if call.bearer && !refreshed => {
                            drop(resp);
                            drop(permit);
                            refreshed = true;
                            attempt -= 1;
                            token = Some(inner.tokens.refresh().await?);
                            continue;
                        }
                        429 => Failure::Throttled { retry_after },
                        503 | 504 => Failure::Unavailable { retry_after },
                        500..=599 => Failure::ServerError,
                        _ => {
                            let body = resp.bytes().await.unwrap_or_default();
                            return Err(GraphError::from_reply(status, &body));
                        }
                    };
                    let reason = resp.status().canonical_reason().unwrap_or("error");
                    (failure, Some(status), format!("{status} {reason}"))
                }
                Err(e) if e.is_connect() => (Failure::NotSent, None, describe(&e)),
                Err(e) => (Failure::Ambiguous, None, describe(&e)),
            };
            drop(permit);
            let jitter: f64 = rand::random();
            let next = match self
                .policy
                .next(call.replay, failure, attempt, waited, jitter)
            {
                // No attempt starts past the call's deadline.
                Next::RetryAfter(wait) if !self.policy.has_time_for(started.elapsed(), wait) => {
                    Next::GiveUp
                }
                next => next,
            };
            match next {
                Next::RetryAfter(wait) => {
                    tracing::debug!(action = call.action, attempt, ?wait, %detail, "retrying");
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
                Next::GiveUp => {
                    return Err(match status {
                        Some(status) => GraphError::GaveUp {
                            status,
                            attempts: attempt,
                            waited,
                        },
                        None => GraphError::Transport(detail),
                    });
                }
                Next::Unknown => {
                    let action = call.action;
                    return Err(match call.replay {
                        Replay::Sends => GraphError::MaybeSent { action, detail },
                        _ => GraphError::MaybeApplied { action, detail },
                    });
                }
            }
        }
    }

    /// Sends `call` and decodes the JSON reply. A safe call whose reply breaks off midway is
    /// sent again (within the attempt budget).
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, GraphError> {
        let mut broken = 0;
        let started = std::time::Instant::now();
        loop {
            let reply = self.execute(&call).await?;
            match reply.resp.bytes().await {
                Ok(body) => {
                    return serde_json::from_slice(&body)
                        .map_err(|e| GraphError::Decode(e.to_string()));
                }
                // A reply that broke off or dripped past the deadline is a failed attempt,
                // under the same limits as the others.
                Err(e)
                    if call.replay == Replay::Safe
                        && broken + 1 < self.policy.max_blind_attempts
                        && self.policy.has_time_for(started.elapsed(), Duration::ZERO) =>
                {
                    broken += 1;
                    tracing::debug!(action = call.action, error = %describe(&e), "reply broke off; retrying");
                }
                Err(e) => return Err(GraphError::Transport(describe(&e))),
            }
        }
    }

    /// Sends `call` and discards the (empty) reply.
    pub(crate) async fn done(&self, call: Call) -> Result<(), GraphError> {
        let reply = self.execute(&call).await?;
        // Success is settled by the status; a broken empty body changes nothing.
        let _ = reply.resp.bytes().await;
        Ok(())
    }
}

/// The pages a listing has read: a next link that comes back to one of them, or a run of
/// empty pages that never ends, stops the listing instead of repeating it for ever.
#[derive(Debug, Default)]
pub(crate) struct PagesSeen {
    links: std::collections::HashSet<String>,
    empty_in_a_row: u32,
}

/// Empty pages in a row, each with a next link, after which a listing is said not to advance.
const MAX_EMPTY_PAGES: u32 = 20;

impl PagesSeen {
    /// Starts with the first page's address.
    pub(crate) fn starting_at(url: &Url) -> PagesSeen {
        let mut seen = PagesSeen::default();
        seen.links.insert(url.as_str().to_owned());
        seen
    }

    /// Records that a page held `items` items.
    pub(crate) fn page_held(&mut self, items: usize) {
        self.empty_in_a_row = if items == 0 {
            self.empty_in_a_row + 1
        } else {
            0
        };
    }

    fn visit(&mut self, url: &Url) -> Result<(), GraphError> {
        if self.empty_in_a_row >= MAX_EMPTY_PAGES {
            return Err(GraphError::PagingLoop(format!(
                "{MAX_EMPTY_PAGES} pages in a row were empty yet each named a next page ({})",
                url.as_str()
            )));
        }
        if !self.links.insert(url.as_str().to_owned()) {
            return Err(GraphError::PagingLoop(format!(
                "the next-page link {} leads back to a page already read",
                url.as_str()
            )));
        }
        Ok(())
    }
}

/// `Prefer` header name.
pub(crate) fn prefer() -> HeaderName {
    HeaderName::from_static("prefer")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Cloud;

    struct NoTokens;
    impl TokenSource for NoTokens {
        fn token(&self) -> TokenFuture<'_> {
            Box::pin(async {
                Err(TokenError {
                    message: "none".into(),
                    needs_sign_in: true,
                    fix: None,
                })
            })
        }
        fn refresh(&self) -> TokenFuture<'_> {
            self.token()
        }
    }

    fn connector(grant: Grant, mailbox: Option<&str>) -> Connector {
        Connector {
            name: "ops".into(),
            cloud: Cloud::Global,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            grant,
            presets: vec![],
            extra_scopes: vec![],
            mailbox: mailbox.map(String::from),
            redirect_port: 8400,
        }
    }

    fn client(mailbox: &Mailbox) -> GraphClient {
        let http = reqwest::Client::builder()
            .build()
            .expect("a plain client builds");
        GraphClient::new(
            http,
            "https://graph.microsoft.com/v1.0/",
            mailbox,
            Arc::new(NoTokens),
        )
        .unwrap()
    }

    #[test]
    fn delegated_connectors_use_me_unless_a_shared_mailbox_is_set() {
        let me = Mailbox::for_connector(&connector(Grant::DeviceCode, None)).unwrap();
        assert_eq!(me, Mailbox::Me);
        let shared = Mailbox::for_connector(&connector(Grant::AuthCode, Some("help@x.com")));
        assert_eq!(shared.unwrap(), Mailbox::User("help@x.com".into()));
        let app = Mailbox::for_connector(&connector(Grant::ClientCredentials, Some("a@x.com")));
        assert_eq!(app.unwrap(), Mailbox::User("a@x.com".into()));
        let err = Mailbox::for_connector(&connector(Grant::ClientCredentials, None)).unwrap_err();
        assert!(err.to_string().contains("--mailbox"));
    }

    #[test]
    fn paths_are_built_under_the_mailbox_with_segments_encoded() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let me = client(&Mailbox::Me);
        assert_eq!(
            me.endpoint(&["messages", "AAMk/x+y=", "$value"]).as_str(),
            "https://graph.microsoft.com/v1.0/me/messages/AAMk%2Fx+y=/$value"
        );
        let user = client(&Mailbox::User("guest#ext@x.com".into()));
        assert_eq!(
            user.endpoint(&["mailFolders"]).as_str(),
            "https://graph.microsoft.com/v1.0/users/guest%23ext@x.com/mailFolders"
        );
    }

    #[test]
    fn next_links_are_followed_only_on_the_same_service() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let c = client(&Mailbox::Me);
        let ok = c
            .next_link("https://graph.microsoft.com/v1.0/me/messages?$skip=190&$top=10")
            .unwrap();
        assert_eq!(ok.query(), Some("$skip=190&$top=10"));
        let err = c
            .next_link("https://evil.example/v1.0/me/messages?$skip=10")
            .unwrap_err();
        assert!(matches!(err, GraphError::ForeignLink(_)));
    }
}
