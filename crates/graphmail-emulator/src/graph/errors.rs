//! Graph's error envelope and the `request-id` / `client-request-id` headers every Graph response
//! carries.
//!
//! Handlers return [`GraphError`]; the [`request_ids`] layer turns it into
//! `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}` with the
//! same ids as the response headers.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Content type Graph puts on its JSON answers.
pub const ODATA_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// What the 401 answers say in `WWW-Authenticate`.
pub const WWW_AUTHENTICATE: &str = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#;

/// A Graph error: status, `error.code`, `error.message`, and the extra headers some carry.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub retry_after: Option<String>,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.to_owned(),
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn with_retry_after(mut self, seconds: impl Into<String>) -> Self {
        self.retry_after = Some(seconds.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    pub fn access_denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )
    }

    pub fn item_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store., The process failed to get the correct properties.",
        )
    }

    pub fn id_malformed() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidIdMalformed",
            "Id is malformed.",
        )
    }

    pub fn invalid_user(who: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorInvalidUser",
            format!("The requested user '{who}' is invalid."),
        )
    }

    pub fn throttled(retry_after: &str) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
        )
        .with_retry_after(retry_after)
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = self.status;
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(WWW_AUTHENTICATE),
            );
        }
        if let Some(secs) = self
            .retry_after
            .as_deref()
            .and_then(|s| HeaderValue::from_str(s).ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, secs);
        }
        resp.extensions_mut().insert(self);
        resp
    }
}

/// The ids of one request: ours, and the one the client sent (if any).
#[derive(Debug, Clone)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: Option<String>,
}

impl RequestIds {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        RequestIds {
            request_id: new_guid(),
            client_request_id: headers
                .get("client-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// Adds the id headers and, when the response is a [`GraphError`], the JSON envelope.
    #[expect(
        clippy::expect_used,
        reason = "a serde_json::Value has string keys only, so it always serialises"
    )]
    pub fn stamp(&self, mut resp: Response) -> Response {
        if let Some(err) = resp.extensions_mut().remove::<GraphError>() {
            let client = self
                .client_request_id
                .clone()
                .unwrap_or_else(|| self.request_id.clone());
            let body = json!({
                "error": {
                    "code": err.code,
                    "message": err.message,
                    "innerError": {
                        "date": graph_date_now(),
                        "request-id": self.request_id,
                        "client-request-id": client,
                    }
                }
            });
            let bytes = serde_json::to_vec(&body).expect("a JSON value serialises");
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON));
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            *resp.body_mut() = Body::from(bytes);
        }
        let headers = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            headers.insert("request-id", v);
        }
        let client = self.client_request_id.as_ref().unwrap_or(&self.request_id);
        if let Ok(v) = HeaderValue::from_str(client) {
            headers.insert("client-request-id", v);
        }
        resp
    }
}

/// Layer for every Graph route: request ids in, ids and error envelopes out.
pub async fn request_ids(mut req: Request, next: Next) -> Response {
    let ids = RequestIds::from_headers(req.headers());
    req.extensions_mut().insert(ids.clone());
    let resp = next.run(req).await;
    ids.stamp(resp)
}

/// A JSON answer with Graph's content type.
#[expect(
    clippy::expect_used,
    reason = "a serde_json::Value has string keys only, so it always serialises"
)]
pub fn odata(status: StatusCode, value: &Value) -> Response {
    let bytes = serde_json::to_vec(value).expect("a JSON value serialises");
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON));
    resp.headers_mut()
        .insert("OData-Version", HeaderValue::from_static("4.0"));
    resp
}

/// `YYYY-MM-DDTHH:MM:SS`, UTC, no zone suffix (the `innerError.date` format).
#[expect(
    clippy::expect_used,
    reason = "a UTC date within the year range formats"
)]
pub fn graph_date_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    now.format(&fmt).expect("a UTC date formats")
}

/// A random GUID in the usual 8-4-4-4-12 form.
pub fn new_guid() -> String {
    let b: [u8; 16] = rand::random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
