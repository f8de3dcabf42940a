//! Identity test hooks under `/_emulator/`: reset, revoke, the last PKCE check, the demo data.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Params;
use crate::Emulator;

/// `POST /_emulator/reset`: forget codes, tokens and consents; put the mailboxes back.
pub(crate) async fn reset(State(emu): State<Arc<Emulator>>) -> Response {
    emu.identity.reset();
    emu.mail.reset(&emu.tenant);
    Json(json!({ "status": "reset" })).into_response()
}

/// `POST /_emulator/revoke` (form `refresh_token`, or `upn` for all of a user's tokens).
pub(crate) async fn revoke(State(emu): State<Arc<Emulator>>, body: Bytes) -> Response {
    let params = Params::parse(&body);
    if let Some(token) = params.get("refresh_token") {
        return if emu.identity.revoke_refresh_token(token) {
            Json(json!({ "revoked": 1 })).into_response()
        } else {
            not_found("no such refresh token")
        };
    }
    if let Some(upn) = params.get("upn") {
        return match emu.tenant.user(upn) {
            Some(user) => {
                Json(json!({ "revoked": emu.identity.revoke_user(&user.id) })).into_response()
            }
            None => not_found("no such user"),
        };
    }
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "invalid_request", "message": "send refresh_token or upn" })),
    )
        .into_response()
}

/// `GET /_emulator/last-pkce`: what the token endpoint found at its last PKCE check.
pub(crate) async fn last_pkce(State(emu): State<Arc<Emulator>>) -> Response {
    match emu.identity.last_pkce() {
        Some(check) => Json(check).into_response(),
        None => not_found("no PKCE verifier has been checked yet"),
    }
}

/// `GET /_emulator/info`: the same demo data `graphmail emulator --json` prints.
pub(crate) async fn info(State(emu): State<Arc<Emulator>>) -> Response {
    Json(emu.summary()).into_response()
}

fn not_found(message: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "not_found", "message": message })),
    )
        .into_response()
}
