//! The device code flow (RFC 8628): `POST /{tenant}/oauth2/v2.0/devicecode`, the page where a
//! person enters the code (`/devicelogin`), and the test hooks that approve or decline a code.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rand::Rng;
use serde_json::json;

use super::authorize::{SignIn, check_credentials};
use super::client::find_app;
use super::errors::{self, AadError};
use super::issue::deadline;
use super::scopes::ScopeRequest;
use super::state::{DeviceGrant, DeviceOutcome, Inner};
use super::{Params, TenantRoute, pages};
use crate::Emulator;

/// Letters and digits that cannot be mistaken for one another.
const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn new_user_code() -> String {
    let mut rng = rand::thread_rng();
    (0..9)
        .map(|_| USER_CODE_ALPHABET[rng.gen_range(0..USER_CODE_ALPHABET.len())] as char)
        .collect()
}

pub(crate) async fn device_code(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    start(&emu, &tenant, &Params::parse(&body)).unwrap_or_else(IntoResponse::into_response)
}

fn start(emu: &Emulator, tenant: &str, params: &Params) -> Result<Response, AadError> {
    let route = TenantRoute::resolve(&emu.tenant, tenant)?;
    let app = find_app(emu, params.require("client_id")?, route)?;
    let scope = ScopeRequest::parse(params.get("scope").unwrap_or(""))?;
    let settings = &emu.identity.settings;
    let device_code = format!("DAQABAAEAAAD{}", super::opaque(96));
    let mut inner = emu.identity.lock();
    let user_code = loop {
        let code = new_user_code();
        if !inner.devices.values().any(|d| d.user_code == code) {
            break code;
        }
    };
    inner.devices.insert(
        device_code.clone(),
        DeviceGrant {
            client_id: app.client_id.clone(),
            user_code: user_code.clone(),
            graph: scope.graph,
            default: scope.default,
            oidc: scope.oidc,
            expires_at: deadline(settings.device_expires_in),
            last_poll: None,
            outcome: DeviceOutcome::Pending,
        },
    );
    let verification_uri = format!("{}/devicelogin", emu.login_url);
    let body = json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": settings.device_expires_in.as_secs(),
        "interval": settings.device_interval.as_secs(),
        "message": format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
        ),
    });
    let mut resp = Json(body).into_response();
    errors::no_store(&mut resp);
    Ok(resp)
}

/// Why a user code could not be approved or declined.
#[derive(Debug)]
enum Refusal {
    UnknownCode,
    Expired,
    AlreadyUsed,
    UnknownUser,
}

impl Refusal {
    fn text(&self) -> &'static str {
        match self {
            Refusal::UnknownCode => "That code was not recognised. Check it and try again.",
            Refusal::Expired => "That code has expired. Start the sign-in on your device again.",
            Refusal::AlreadyUsed => "That code was already used (AADSTS90120).",
            Refusal::UnknownUser => "There is no such user in this tenant.",
        }
    }
}

/// Approves (with the user's consent to the scopes asked) or declines a pending user code.
fn decide(
    emu: &Emulator,
    user_code: &str,
    upn: Option<&str>,
    approve: bool,
) -> Result<(), Refusal> {
    let wanted: String = user_code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut inner = emu.identity.lock();
    let Inner { devices, .. } = &mut *inner;
    let (client_id, graph) = {
        let grant = devices
            .values_mut()
            .find(|d| d.user_code == wanted)
            .ok_or(Refusal::UnknownCode)?;
        if grant.outcome != DeviceOutcome::Pending {
            return Err(Refusal::AlreadyUsed);
        }
        if std::time::Instant::now() >= grant.expires_at {
            return Err(Refusal::Expired);
        }
        if !approve {
            grant.outcome = DeviceOutcome::Declined;
            return Ok(());
        }
        let user = upn
            .and_then(|u| emu.tenant.user(u))
            .ok_or(Refusal::UnknownUser)?;
        grant.outcome = DeviceOutcome::Approved {
            user_id: user.id.clone(),
        };
        (
            grant.client_id.clone(),
            (user.id.clone(), grant.graph.clone()),
        )
    };
    // The person saw and accepted the consent prompt on the device-login page.
    inner.grant_user_consent(&client_id, &graph.0, &graph.1);
    Ok(())
}

fn hook_reply(result: Result<(), Refusal>, outcome: &str) -> Response {
    match result {
        Ok(()) => Json(json!({ "status": outcome })).into_response(),
        Err(refusal) => {
            let status = match refusal {
                Refusal::UnknownCode | Refusal::UnknownUser => StatusCode::NOT_FOUND,
                Refusal::Expired | Refusal::AlreadyUsed => StatusCode::CONFLICT,
            };
            (
                status,
                Json(json!({ "error": format!("{refusal:?}"), "message": refusal.text() })),
            )
                .into_response()
        }
    }
}

/// `POST /_emulator/device/approve` (form `user_code`, `upn`).
pub(crate) async fn hook_approve(State(emu): State<Arc<Emulator>>, body: Bytes) -> Response {
    let params = Params::parse(&body);
    let result = decide(
        &emu,
        params.get("user_code").unwrap_or(""),
        params.get("upn"),
        true,
    );
    hook_reply(result, "approved")
}

/// `POST /_emulator/device/decline` (form `user_code`, `upn`).
pub(crate) async fn hook_decline(State(emu): State<Arc<Emulator>>, body: Bytes) -> Response {
    let params = Params::parse(&body);
    let result = decide(
        &emu,
        params.get("user_code").unwrap_or(""),
        params.get("upn"),
        false,
    );
    hook_reply(result, "declined")
}

/// `GET /devicelogin`: the code entry page (`?user_code=` pre-fills it).
pub(crate) async fn login_page(RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    Html(pages::device_login(&params, None)).into_response()
}

/// `POST /devicelogin`: sign in and allow, or deny.
pub(crate) async fn login_submit(State(emu): State<Arc<Emulator>>, body: Bytes) -> Response {
    let params = Params::parse(&body);
    let code = params.get("user_code").unwrap_or("");
    if params.get("action") == Some("decline") {
        return match decide(&emu, code, None, false) {
            Ok(()) => Html(pages::message(
                "Sign-in denied",
                "You declined the sign-in. You can close this window.",
            ))
            .into_response(),
            Err(r) => Html(pages::device_login(&params, Some(r.text()))).into_response(),
        };
    }
    let user = match check_credentials(&emu, &params) {
        // The emulated authenticator approval is implied on this page.
        SignIn::Done(user) | SignIn::NeedsMfa(user) => user,
        SignIn::Retry(message) => {
            return Html(pages::device_login(&params, Some(message))).into_response();
        }
    };
    match decide(&emu, code, Some(&user.upn), true) {
        Ok(()) => Html(pages::message(
            "You're signed in",
            "You have signed in on your device. You can close this window.",
        ))
        .into_response(),
        Err(r) => Html(pages::device_login(&params, Some(r.text()))).into_response(),
    }
}
