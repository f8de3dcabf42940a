//! The identity platform's errors: the JSON body of the token endpoints (reference §6) and the
//! HTML page the browser sees when a request cannot even be redirected.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use super::pages;

/// An AADSTS error.
#[derive(Debug, Clone)]
pub struct AadError {
    pub status: StatusCode,
    /// The OAuth `error` value (`invalid_grant`, `invalid_client`, …).
    pub error: &'static str,
    /// The AADSTS number the description starts with.
    pub code: u32,
    /// `error_codes`; usually just `[code]`.
    pub codes: Vec<u32>,
    /// The text after `AADSTSnnnn: `.
    pub message: String,
    pub suberror: Option<&'static str>,
    /// A JSON string telling the client which claims to ask for (MFA, Conditional Access).
    pub claims: Option<String>,
}

/// The trace/correlation/timestamp trailer Entra puts on every error.
pub struct Trailer {
    pub trace_id: String,
    pub correlation_id: String,
    pub timestamp: String,
}

impl Trailer {
    #[expect(
        clippy::expect_used,
        reason = "a UTC date within the year range formats"
    )]
    pub fn now() -> Trailer {
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
        Trailer {
            trace_id: super::new_guid(),
            correlation_id: super::new_guid(),
            timestamp: time::OffsetDateTime::now_utc()
                .format(&format)
                .expect("a fixed format renders any date"),
        }
    }
}

impl AadError {
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> AadError {
        AadError {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            codes: vec![code],
            message: message.into(),
            suberror: None,
            claims: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> AadError {
        self.status = status;
        self
    }

    fn with_codes(mut self, codes: &[u32]) -> AadError {
        self.codes = codes.to_vec();
        self
    }

    fn with_suberror(mut self, suberror: &'static str) -> AadError {
        self.suberror = Some(suberror);
        self
    }

    /// `AADSTSnnnn: message` followed by the CRLF trailer.
    pub fn description(&self, t: &Trailer) -> String {
        format!(
            "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
            self.code, self.message, t.trace_id, t.correlation_id, t.timestamp
        )
    }

    /// The one-line description used on redirects and error pages (no trailer).
    pub fn short(&self) -> String {
        format!("AADSTS{}: {}", self.code, self.message)
    }

    /// The HTML page shown instead of a redirect (bad client, bad redirect URI, bad tenant).
    #[expect(clippy::expect_used, reason = "a GUID is a valid header value")]
    pub fn page(&self) -> Response {
        let t = Trailer::now();
        let body = pages::error_page(&self.short(), &t);
        let mut resp = (StatusCode::BAD_REQUEST, Html(body)).into_response();
        resp.headers_mut().insert(
            "x-ms-request-id",
            HeaderValue::from_str(&t.trace_id).expect("a GUID is a valid header value"),
        );
        resp
    }
}

impl IntoResponse for AadError {
    #[expect(clippy::expect_used, reason = "a GUID is a valid header value")]
    fn into_response(self) -> Response {
        let t = Trailer::now();
        let mut body = json!({
            "error": self.error,
            "error_description": self.description(&t),
            "error_codes": self.codes,
            "timestamp": t.timestamp,
            "trace_id": t.trace_id,
            "correlation_id": t.correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        if let Some(sub) = self.suberror {
            body["suberror"] = json!(sub);
        }
        if let Some(claims) = &self.claims {
            body["claims"] = json!(claims);
        }
        let mut resp = (self.status, Json(body)).into_response();
        resp.headers_mut().insert(
            "x-ms-request-id",
            HeaderValue::from_str(&t.trace_id).expect("a GUID is a valid header value"),
        );
        no_store(&mut resp);
        resp
    }
}

/// Token responses and errors are never cached, and carry a request id as Entra's do.
#[expect(clippy::expect_used, reason = "a GUID is a valid header value")]
pub fn no_store(resp: &mut Response) {
    let h = resp.headers_mut();
    if !h.contains_key("x-ms-request-id") {
        let id = HeaderValue::from_str(&super::new_guid()).expect("a GUID is a valid header value");
        h.insert("x-ms-request-id", id);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
}

// ---- tenant and request shape ----

pub fn tenant_not_found(tenant: &str) -> AadError {
    AadError::new(
        "invalid_tenant",
        90002,
        format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        ),
    )
}

pub fn empty_tenant() -> AadError {
    AadError::new(
        "invalid_tenant",
        90002,
        "Tenant '00000000-0000-0000-0000-000000000000' not found. This may happen if there are no active subscriptions for the tenant. The tenant identifier may not be an empty GUID.",
    )
}

pub fn bad_tenant_identifier(tenant: &str) -> AadError {
    AadError::new(
        "invalid_request",
        900023,
        format!(
            "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain."
        ),
    )
}

pub fn no_tenant_information() -> AadError {
    AadError::new(
        "invalid_request",
        50059,
        "No tenant-identifying information found in either the request or implied by any provided credentials.",
    )
}

pub fn missing_parameter(name: &str) -> AadError {
    AadError::new(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

pub fn get_on_token_endpoint() -> AadError {
    AadError::new(
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests. Received a GET request.",
    )
}

pub fn resource_parameter() -> AadError {
    AadError::new(
        "invalid_request",
        901002,
        "The 'resource' request parameter isn't supported.",
    )
}

pub fn unsupported_grant_type(grant: &str) -> AadError {
    AadError::new(
        "unsupported_grant_type",
        70003,
        format!("The app requested an unsupported grant type '{grant}'."),
    )
}

pub fn ropc_on_common() -> AadError {
    AadError::new(
        "invalid_request",
        9001023,
        "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    )
}

pub fn consumers_endpoint(app_id: &str, app_name: &str) -> AadError {
    AadError::new(
        "invalid_request",
        9002331,
        format!(
            "Application '{app_id}'({app_name}) is configured for use by Azure Active Directory users only. Please do not use the /consumers endpoint to serve this request."
        ),
    )
}

pub fn common_for_single_tenant_app(app_id: &str, app_name: &str) -> AadError {
    AadError::new(
        "invalid_request",
        50194,
        format!(
            "Application '{app_id}'({app_name}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications. Use a tenant-specific endpoint or configure the application to be multi-tenant."
        ),
    )
}

// ---- the client ----

pub fn unknown_app(client_id: &str, tenant: &str) -> AadError {
    AadError::new(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )
}

pub fn wrong_secret(app_id: &str) -> AadError {
    AadError::new(
        "invalid_client",
        7000215,
        format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{app_id}'."
        ),
    )
    .with_status(StatusCode::UNAUTHORIZED)
}

pub fn secret_required() -> AadError {
    AadError::new(
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )
    .with_status(StatusCode::UNAUTHORIZED)
}

pub fn secret_required_for_client_credentials() -> AadError {
    AadError::new(
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    )
    .with_status(StatusCode::UNAUTHORIZED)
}

pub fn public_client_sent_secret() -> AadError {
    AadError::new(
        "invalid_client",
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    )
    .with_status(StatusCode::UNAUTHORIZED)
}

pub fn redirect_mismatch(uri: &str, app_id: &str) -> AadError {
    AadError::new(
        "invalid_request",
        50011,
        format!(
            "The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{app_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal."
        ),
    )
}

// ---- the user ----

pub fn bad_credentials() -> AadError {
    AadError::new(
        "invalid_grant",
        50126,
        "Error validating credentials due to invalid username or password.",
    )
}

pub fn mfa_required(style: super::MfaErrorStyle) -> AadError {
    let message = format!(
        "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{}'.",
        super::GRAPH_APP_ID
    );
    let mut err = match style {
        super::MfaErrorStyle::InteractionRequired => {
            AadError::new("interaction_required", 50076, message)
        }
        super::MfaErrorStyle::BasicAction => {
            AadError::new("invalid_grant", 50076, message).with_suberror("basic_action")
        }
    };
    err.claims = Some(r#"{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-000000000001"]}}}"#.into());
    err
}

pub fn consent_required(app_id: &str, app_name: &str) -> AadError {
    AadError::new(
        "invalid_grant",
        65001,
        format!(
            "The user or administrator has not consented to use the application with ID '{app_id}' named '{app_name}'. Send an interactive authorization request for this user and resource."
        ),
    )
    .with_suberror("consent_required")
}

pub fn user_declined_consent() -> AadError {
    AadError::new(
        "access_denied",
        65004,
        "User declined to consent to access the app.",
    )
}

pub fn silent_sign_in_impossible() -> AadError {
    AadError::new(
        "login_required",
        50058,
        "A silent sign-in request was sent but no user is signed in.",
    )
}

// ---- scopes ----

pub fn scope_missing() -> AadError {
    AadError::new(
        "invalid_scope",
        70011,
        "The provided request must include a 'scope' input parameter.",
    )
}

pub fn scope_invalid(scope: &str, why: &str) -> AadError {
    let mut message = format!(
        "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
    );
    if !why.is_empty() {
        message.push(' ');
        message.push_str(why);
    }
    AadError::new("invalid_scope", 70011, message)
}

pub fn client_credentials_need_default(scope: &str) -> AadError {
    AadError::new(
        "invalid_scope",
        1002012,
        format!(
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        ),
    )
}

pub fn unknown_resource(resource: &str, tenant: &str) -> AadError {
    AadError::new(
        "invalid_resource",
        500011,
        format!(
            "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
        ),
    )
}

// ---- codes and refresh tokens ----

pub fn grant_malformed() -> AadError {
    AadError::new(
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

pub fn grant_not_for_this_client() -> AadError {
    AadError::new(
        "invalid_grant",
        70000,
        "The provided access grant is invalid or malformed.",
    )
}

pub fn code_redeemed() -> AadError {
    AadError::new(
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    )
    .with_codes(&[70002, 54005])
}

pub fn code_expired() -> AadError {
    AadError::new(
        "invalid_grant",
        70008,
        "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    )
}

pub fn code_redirect_mismatch(sent: &str, original: &str) -> AadError {
    AadError::new(
        "invalid_grant",
        500112,
        format!(
            "The reply address '{sent}' does not match the reply address '{original}' provided when requesting Authorization code."
        ),
    )
}

pub fn pkce_mismatch() -> AadError {
    AadError::new(
        "invalid_grant",
        50148,
        "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.",
    )
}

pub fn refresh_revoked() -> AadError {
    AadError::new(
        "invalid_grant",
        50173,
        "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
    )
}

pub fn refresh_expired() -> AadError {
    AadError::new(
        "invalid_grant",
        700082,
        "The refresh token has expired due to inactivity. The token was issued and was inactive for the configured lifetime.",
    )
}

// ---- device code ----

pub fn authorization_pending() -> AadError {
    AadError::new(
        "authorization_pending",
        70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    )
}

pub fn slow_down(interval: u64) -> AadError {
    AadError::new(
        "slow_down",
        70016,
        format!(
            "OAuth 2.0 device flow error. Authorization is pending. Polling too fast: wait at least {interval} seconds between requests."
        ),
    )
}

pub fn authorization_declined() -> AadError {
    AadError::new(
        "authorization_declined",
        70000,
        "The user declined the sign-in request for this device code.",
    )
}

pub fn device_code_expired() -> AadError {
    AadError::new(
        "expired_token",
        70020,
        "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
    )
}

pub fn bad_device_code() -> AadError {
    AadError::new(
        "bad_verification_code",
        70018,
        "Invalid verification code entered.",
    )
}

pub fn device_code_redeemed() -> AadError {
    AadError::new(
        "invalid_grant",
        90120,
        "The provided device code has already been redeemed or declined. Start a new device code flow.",
    )
}

pub fn no_reply_address() -> AadError {
    AadError::new(
        "invalid_request",
        500113,
        "No reply address is registered for the application.",
    )
}
