//! The `oauth2` crate set up for the Microsoft identity platform: a reqwest 0.13 wrapper, the
//! platform's error JSON (with `error_codes`, trace and correlation ids) and its token fields.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, ClientId, ClientSecret, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet,
    ErrorResponse, ExtraDeviceAuthorizationFields, ExtraTokenFields, RedirectUrl,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::domain::aadsts::RawIdentityError;

use super::AuthError;
use super::flow::FlowContext;

/// The shared reqwest client, in the shape `oauth2` calls.
#[derive(Clone)]
pub struct OAuthHttp(pub reqwest::Client);

impl OAuthHttp {
    /// The identity client from [`crate::http::identity_client`].
    pub fn new() -> Result<OAuthHttp, AuthError> {
        crate::http::identity_client()
            .map(OAuthHttp)
            .map_err(|e| AuthError::Network(format!("cannot set up HTTPS: {e}")))
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for OAuthHttp {
    type Error = oauth2::HttpClientError<reqwest::Error>;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request: reqwest::Request = request.try_into().map_err(Box::new)?;
            let response = self.0.execute(request).await.map_err(Box::new)?;
            let mut builder = oauth2::http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let status = response.status();
            let body = response.bytes().await.map_err(Box::new)?;
            if let Some(why) = unavailable(status.as_u16(), &body) {
                return Err(oauth2::HttpClientError::Other(why));
            }
            builder
                .body(body.to_vec())
                .map_err(oauth2::HttpClientError::Http)
        })
    }
}

/// A 5xx or 429 reply that is not the identity platform's error JSON: the platform is down or
/// throttling, which the person should hear as such (not as an unreadable reply).
fn unavailable(status: u16, body: &[u8]) -> Option<String> {
    let down = status >= 500 || status == 429;
    if !down || serde_json::from_slice::<EntraErrorResponse>(body).is_ok() {
        return None;
    }
    Some(if status == 429 {
        "the identity platform is throttling requests (HTTP 429)".to_string()
    } else {
        format!("the identity platform is unavailable (HTTP {status})")
    })
}

/// The identity platform's error JSON. Unlike `BasicErrorResponse` it keeps the AADSTS numbers.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EntraErrorResponse {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<u32>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub suberror: Option<String>,
}

impl EntraErrorResponse {
    pub fn to_raw(&self) -> RawIdentityError {
        RawIdentityError {
            error: self.error.clone(),
            error_description: self.error_description.clone(),
            error_codes: self.error_codes.clone(),
            trace_id: self.trace_id.clone(),
            correlation_id: self.correlation_id.clone(),
        }
    }
}

impl fmt::Debug for EntraErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraErrorResponse")
            .field("error", &self.error)
            .field("error_codes", &self.error_codes)
            .field("trace_id", &self.trace_id)
            .field("correlation_id", &self.correlation_id)
            .finish()
    }
}

impl fmt::Display for EntraErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_codes.first() {
            Some(code) => write!(f, "{} (AADSTS{code})", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl ErrorResponse for EntraErrorResponse {}

/// Token fields beyond RFC 6749 that graphmail reads.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EntraTokenFields {
    /// Present when `openid` was requested; read only for the user's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl fmt::Debug for EntraTokenFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraTokenFields")
            .field("id_token", &self.id_token.as_ref().map(|_| "set"))
            .finish()
    }
}

impl ExtraTokenFields for EntraTokenFields {}

pub type EntraTokenResponse = StandardTokenResponse<EntraTokenFields, BasicTokenType>;

/// The device authorization reply's `message`, which RFC 8628 does not name.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DeviceMessage {
    #[serde(default)]
    pub message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for DeviceMessage {}

/// An `oauth2` client with the authorize, device and token endpoints set.
pub type EntraClient = oauth2::Client<
    EntraErrorResponse,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// The endpoints of a connector's tenant.
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub device: String,
}

impl Endpoints {
    pub fn new(login_base: &str, tenant: &str) -> Endpoints {
        let base = format!(
            "{}/{}/oauth2/v2.0",
            login_base.trim_end_matches('/'),
            tenant
        );
        Endpoints {
            authorize: format!("{base}/authorize"),
            token: format!("{base}/token"),
            device: format!("{base}/devicecode"),
        }
    }
}

/// Builds the `oauth2` client for a connector. The secret is sent in the form body
/// (`client_secret_post`, what the identity platform advertises), and only when stored.
pub fn client(ctx: &FlowContext) -> Result<EntraClient, AuthError> {
    let ep = Endpoints::new(&ctx.connector.cloud.login_base(), &ctx.connector.tenant);
    let bad = |what: &str, e: oauth2::url::ParseError| {
        AuthError::config(
            format!("the connector's {what} is not a valid URL ({e})"),
            "correct it with `graphmail connector edit NAME`",
        )
    };
    let mut client = oauth2::Client::new(ClientId::new(ctx.connector.client_id.clone()))
        .set_auth_uri(AuthUrl::new(ep.authorize).map_err(|e| bad("login URL", e))?)
        .set_token_uri(TokenUrl::new(ep.token).map_err(|e| bad("login URL", e))?)
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(ep.device).map_err(|e| bad("login URL", e))?,
        )
        .set_redirect_uri(
            RedirectUrl::new(ctx.connector.redirect_uri()).map_err(|e| bad("redirect URI", e))?,
        )
        .set_auth_type(AuthType::RequestBody);
    if let Some(secret) = ctx.client_secret() {
        client = client.set_client_secret(ClientSecret::new(secret.to_string()));
    }
    Ok(client)
}

/// Turns an `oauth2` failure into an [`AuthError`], decoding identity errors for the connector.
/// Reply bodies are never kept: a body that could not be parsed may hold a token.
pub fn request_error(
    ctx: &FlowContext,
    err: oauth2::RequestTokenError<oauth2::HttpClientError<reqwest::Error>, EntraErrorResponse>,
) -> AuthError {
    use oauth2::RequestTokenError as R;
    match err {
        R::ServerResponse(resp) => ctx.identity_error(&resp),
        R::Request(oauth2::HttpClientError::Other(why)) if why.contains("HTTP 429") => {
            AuthError::Throttled
        }
        R::Request(oauth2::HttpClientError::Other(why)) => AuthError::Unavailable(why),
        R::Request(e) => AuthError::Network(transport_message(&e)),
        R::Parse(..) => {
            AuthError::Protocol("the identity platform sent a reply graphmail cannot read".into())
        }
        R::Other(msg) => AuthError::Protocol(format!(
            "the identity platform sent an unexpected reply ({msg})"
        )),
    }
}

fn transport_message(e: &oauth2::HttpClientError<reqwest::Error>) -> String {
    match e {
        oauth2::HttpClientError::Reqwest(e) => super::network_message(e),
        other => other.to_string(),
    }
}
