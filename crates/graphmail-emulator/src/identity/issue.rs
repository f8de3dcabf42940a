//! Minting tokens and writing the token response (reference §5.3).

use std::time::{Duration, Instant};

use axum::Json;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::errors::{self, AadError};
use super::scopes::ScopeRequest;
use super::state::{Inner, RefreshGrant};
use super::{GRAPH_RESOURCE, unix_now};
use crate::tenant::{AppSeed, UserSeed};
use crate::{AccessClaims, Emulator};

/// A delegated sign-in that passed every check and gets tokens.
pub(crate) struct DelegatedGrant<'a> {
    pub app: &'a AppSeed,
    pub user: &'a UserSeed,
    /// Granted Graph permissions (canonical short names).
    pub graph: Vec<String>,
    /// OIDC scopes asked.
    pub oidc: Vec<String>,
    pub nonce: Option<String>,
    /// The request had `client_info=1` (MSAL).
    pub client_info: bool,
}

/// The Graph permissions a delegated request gets, or AADSTS65001 when consent is missing.
/// `.default` means everything consented for Graph.
pub(crate) fn consented_scopes(
    inner: &Inner,
    app: &AppSeed,
    user: &UserSeed,
    req: &ScopeRequest,
) -> Result<Vec<String>, AadError> {
    let consented = inner.consented(app, &user.id);
    if req.default {
        if consented.is_empty() {
            return Err(errors::consent_required(&app.client_id, &app.name));
        }
        return Ok(consented.into_iter().collect());
    }
    if req.graph.iter().all(|s| consented.contains(s)) {
        Ok(req.graph.clone())
    } else {
        Err(errors::consent_required(&app.client_id, &app.name))
    }
}

fn access_lifetime(emu: &Emulator) -> i64 {
    match emu.identity.settings.access_token_lifetime {
        Some(d) => d.as_secs() as i64,
        None => rand::thread_rng().gen_range(3600..=5400),
    }
}

fn issuer(emu: &Emulator) -> String {
    format!("{}/{}/v2.0", emu.login_url, emu.tenant.tenant.id)
}

/// Tokens for a user: access token, plus refresh token with `offline_access` and ID token with `openid`.
pub(crate) fn delegated(emu: &Emulator, inner: &mut Inner, grant: DelegatedGrant<'_>) -> Response {
    let now = unix_now();
    let lifetime = access_lifetime(emu);
    let wants = |s: &str| grant.oidc.iter().any(|o| o == s);
    let mut scp: Vec<String> = grant.graph.clone();
    if wants("openid") {
        scp.extend(["profile", "openid", "email"].map(String::from));
    }
    let claims = AccessClaims {
        tid: emu.tenant.tenant.id.clone(),
        appid: grant.app.client_id.clone(),
        oid: Some(grant.user.id.clone()),
        upn: Some(grant.user.upn.clone()),
        scp: scp.join(" "),
        roles: vec![],
        aud: GRAPH_RESOURCE.into(),
        iss: issuer(emu),
        iat: now,
        nbf: now,
        exp: now + lifetime,
    };
    let mut scope = scp;
    if wants("offline_access") {
        scope.push("offline_access".into());
    }
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": emu.signer.sign(&claims),
    });
    if wants("offline_access") {
        let token = format!("1.A{}", super::opaque(96));
        inner.refresh.insert(
            token.clone(),
            RefreshGrant {
                client_id: grant.app.client_id.clone(),
                user_id: grant.user.id.clone(),
                graph: grant.graph.clone(),
                oidc: grant.oidc.clone(),
                expires_at: Instant::now() + emu.identity.settings.refresh_token_lifetime,
                revoked: false,
            },
        );
        body["refresh_token"] = json!(token);
    }
    if wants("openid") {
        body["id_token"] = json!(id_token(emu, &grant, now, lifetime));
    }
    if grant.client_info {
        let info = json!({ "uid": grant.user.id, "utid": emu.tenant.tenant.id });
        body["client_info"] = json!(URL_SAFE_NO_PAD.encode(info.to_string()));
    }
    token_response(body)
}

fn id_token(emu: &Emulator, grant: &DelegatedGrant<'_>, now: i64, lifetime: i64) -> String {
    // Entra's `sub` is pairwise: stable per user and app, different between apps.
    let sub = URL_SAFE_NO_PAD
        .encode(Sha256::digest(format!("{}:{}", grant.user.id, grant.app.client_id)).as_slice());
    let mut payload = json!({
        "aud": grant.app.client_id,
        "iss": issuer(emu),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "name": grant.user.display_name,
        "oid": grant.user.id,
        "preferred_username": grant.user.upn,
        "sub": sub,
        "tid": emu.tenant.tenant.id,
        "ver": "2.0",
    });
    if grant.oidc.iter().any(|o| o == "email") {
        payload["email"] = json!(grant.user.upn);
    }
    if let Some(nonce) = &grant.nonce {
        payload["nonce"] = json!(nonce);
    }
    emu.signer.sign_json(&payload)
}

/// An app-only token: every application permission granted, in `roles`; no refresh token.
pub(crate) fn app_only(emu: &Emulator, app: &AppSeed) -> Response {
    let now = unix_now();
    let lifetime = access_lifetime(emu);
    let claims = AccessClaims {
        tid: emu.tenant.tenant.id.clone(),
        appid: app.client_id.clone(),
        oid: None,
        upn: None,
        scp: String::new(),
        roles: app
            .application
            .iter()
            .map(|r| {
                super::scopes::canonical(r)
                    .map(str::to_string)
                    .unwrap_or_else(|| r.clone())
            })
            .collect(),
        aud: GRAPH_RESOURCE.into(),
        iss: issuer(emu),
        iat: now,
        nbf: now,
        exp: now + lifetime,
    };
    token_response(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": emu.signer.sign(&claims),
    }))
}

fn token_response(body: Value) -> Response {
    let mut resp = Json(body).into_response();
    errors::no_store(&mut resp);
    resp
}

/// `Instant` deadline `d` from now.
pub(crate) fn deadline(d: Duration) -> Instant {
    Instant::now() + d
}
