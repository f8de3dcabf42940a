//! `GET /me` and `GET /users/{id|upn}`: the user's default profile properties.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{authenticate, find_user, insufficient_privileges};
use super::errors::{GraphError, odata};
use crate::Emulator;
use crate::tenant::UserSeed;

const READ_ANY_USER: &[&str] = &[
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

pub async fn me(State(emu): State<Arc<Emulator>>, parts: Parts) -> Result<Response, GraphError> {
    let claims = authenticate(&parts, &emu)?;
    let oid = claims.oid.as_deref().ok_or_else(|| {
        GraphError::bad_request("/me request is only valid with delegated authentication flow.")
    })?;
    if !claims.has_any(&["User.Read", "User.ReadWrite"]) && !claims.has_any(READ_ANY_USER) {
        return Err(insufficient_privileges());
    }
    let idx = find_user(&emu, oid).ok_or_else(|| GraphError::invalid_user(oid))?;
    Ok(profile(&emu, &emu.tenant.users[idx]))
}

pub async fn user(
    State(emu): State<Arc<Emulator>>,
    Path(who): Path<String>,
    parts: Parts,
) -> Result<Response, GraphError> {
    let claims = authenticate(&parts, &emu)?;
    let Some(idx) = find_user(&emu, &who) else {
        return Err(GraphError::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{who}' does not exist or one of its queried reference-property objects are not present."
            ),
        ));
    };
    let u = &emu.tenant.users[idx];
    let is_self = claims
        .oid
        .as_deref()
        .is_some_and(|oid| oid.eq_ignore_ascii_case(&u.id));
    let allowed = claims.has_any(READ_ANY_USER)
        || (is_self && claims.has_any(&["User.Read", "User.ReadWrite"]));
    if !allowed {
        return Err(insufficient_privileges());
    }
    Ok(profile(&emu, u))
}

fn profile(emu: &Emulator, u: &UserSeed) -> Response {
    let (given, surname) = match u.display_name.rsplit_once(' ') {
        Some((g, s)) => (json!(g), json!(s)),
        None => (json!(u.display_name), Value::Null),
    };
    odata(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("{}/$metadata#users/$entity", emu.graph_url),
            "businessPhones": [],
            "displayName": u.display_name,
            "givenName": given,
            "jobTitle": null,
            "mail": u.upn,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": "en-US",
            "surname": surname,
            "userPrincipalName": u.upn,
            "id": u.id,
        }),
    )
}
