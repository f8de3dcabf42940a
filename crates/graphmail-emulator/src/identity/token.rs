//! `POST /{tenant}/oauth2/v2.0/token`: every grant.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::client::{Presented, authenticate, find_app};
use super::errors::{self, AadError};
use super::issue::{self, DelegatedGrant, consented_scopes};
use super::scopes::{self, ScopeRequest};
use super::state::{DeviceOutcome, PkceCheck};
use super::{Params, TenantRoute};
use crate::Emulator;
use crate::tenant::AppSeed;

enum Grant {
    AuthorizationCode,
    DeviceCode,
    Password,
    ClientCredentials,
    RefreshToken,
}

impl Grant {
    fn parse(s: &str) -> Result<Grant, AadError> {
        Ok(match s {
            "authorization_code" => Grant::AuthorizationCode,
            "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => Grant::DeviceCode,
            "password" => Grant::Password,
            "client_credentials" => Grant::ClientCredentials,
            "refresh_token" => Grant::RefreshToken,
            other => return Err(errors::unsupported_grant_type(other)),
        })
    }
}

pub(crate) async fn token(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&emu, &tenant, &headers, &body).unwrap_or_else(IntoResponse::into_response)
}

pub(crate) async fn token_get(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
) -> Response {
    match TenantRoute::resolve(&emu.tenant, &tenant) {
        Ok(_) => errors::get_on_token_endpoint().into_response(),
        Err(e) => e.into_response(),
    }
}

/// The parts of a token request every grant needs.
struct Request<'a> {
    emu: &'a Emulator,
    route: TenantRoute,
    app: &'a AppSeed,
    presented: Presented,
    params: Params,
}

fn handle(
    emu: &Emulator,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, AadError> {
    let route = TenantRoute::resolve(&emu.tenant, tenant)?;
    let params = Params::parse(body);
    if params.get("resource").is_some() {
        return Err(errors::resource_parameter());
    }
    let grant = Grant::parse(params.require("grant_type")?)?;
    // Checked before the app: /consumers refuses ROPC for any app.
    if matches!(grant, Grant::Password) && !route.allows_ropc() {
        return Err(errors::ropc_on_common());
    }
    let presented = Presented::from_request(&params, headers);
    let client_id = presented
        .client_id
        .clone()
        .ok_or_else(|| errors::missing_parameter("client_id"))?;
    let app = find_app(emu, &client_id, route)?;
    let req = Request {
        emu,
        route,
        app,
        presented,
        params,
    };
    match grant {
        Grant::AuthorizationCode => authorization_code(req),
        Grant::DeviceCode => device_code(req),
        Grant::Password => password(req),
        Grant::ClientCredentials => client_credentials(req),
        Grant::RefreshToken => refresh_token(req),
    }
}

fn password(req: Request<'_>) -> Result<Response, AadError> {
    authenticate(req.app, &req.presented, false)?;
    let username = req.params.require("username")?;
    let password = req.params.require("password")?;
    let scope = ScopeRequest::parse(req.params.get("scope").unwrap_or(""))?;
    let user = req
        .emu
        .tenant
        .users
        .iter()
        .find(|u| u.upn.eq_ignore_ascii_case(username) && u.password == password)
        .ok_or_else(errors::bad_credentials)?;
    if user.mfa {
        return Err(errors::mfa_required(req.emu.identity.settings.mfa_error));
    }
    let mut inner = req.emu.identity.lock();
    let graph = consented_scopes(&inner, req.app, user, &scope)?;
    let grant = DelegatedGrant {
        app: req.app,
        user,
        graph,
        oidc: scope.oidc,
        nonce: None,
        client_info: req.params.get("client_info") == Some("1"),
    };
    Ok(issue::delegated(req.emu, &mut inner, grant))
}

fn client_credentials(req: Request<'_>) -> Result<Response, AadError> {
    if req.route != TenantRoute::Tenant {
        return Err(errors::no_tenant_information());
    }
    authenticate(req.app, &req.presented, true)?;
    scopes::parse_client_credentials(
        req.params.get("scope").unwrap_or(""),
        &req.emu.tenant.tenant.domain,
    )?;
    Ok(issue::app_only(req.emu, req.app))
}

fn authorization_code(req: Request<'_>) -> Result<Response, AadError> {
    authenticate(req.app, &req.presented, false)?;
    let code = req.params.require("code")?;
    let mut inner = req.emu.identity.lock();
    let entry = inner
        .codes
        .get_mut(code)
        .ok_or_else(errors::grant_malformed)?;
    if !entry.client_id.eq_ignore_ascii_case(&req.app.client_id) {
        return Err(errors::grant_not_for_this_client());
    }
    if entry.redeemed {
        return Err(errors::code_redeemed());
    }
    if Instant::now() >= entry.expires_at {
        return Err(errors::code_expired());
    }
    if let Some(original) = &entry.redirect_uri {
        let sent = req.params.require("redirect_uri")?;
        if sent != original {
            return Err(errors::code_redirect_mismatch(sent, original));
        }
    }
    let pkce = entry.challenge.as_ref().map(|(challenge, method)| {
        let verifier = req.params.get("code_verifier");
        PkceCheck {
            client_id: req.app.client_id.clone(),
            method: method.clone(),
            verifier_sent: verifier.is_some(),
            matched: verifier.is_some_and(|v| pkce_matches(v, challenge, method)),
        }
    });
    let matched = pkce.as_ref().is_none_or(|p| p.matched);
    if matched {
        entry.redeemed = true;
    }
    let (user_id, graph, oidc, nonce) = (
        entry.user_id.clone(),
        entry.graph.clone(),
        entry.oidc.clone(),
        entry.nonce.clone(),
    );
    if pkce.is_some() {
        inner.last_pkce = pkce;
    }
    if !matched {
        return Err(errors::pkce_mismatch());
    }
    let user = req
        .emu
        .tenant
        .user(&user_id)
        .ok_or_else(errors::grant_malformed)?;
    let grant = DelegatedGrant {
        app: req.app,
        user,
        graph,
        oidc,
        nonce,
        client_info: req.params.get("client_info") == Some("1"),
    };
    Ok(issue::delegated(req.emu, &mut inner, grant))
}

/// RFC 7636: `S256` compares base64url(SHA-256(verifier)); `plain` compares the strings.
fn pkce_matches(verifier: &str, challenge: &str, method: &str) -> bool {
    if method.eq_ignore_ascii_case("S256") {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
    } else {
        verifier == challenge
    }
}

fn device_code(req: Request<'_>) -> Result<Response, AadError> {
    authenticate(req.app, &req.presented, false)?;
    let device_code = req.params.require("device_code")?;
    let interval = req.emu.identity.settings.device_interval;
    let mut inner = req.emu.identity.lock();
    let now = Instant::now();
    let entry = inner
        .devices
        .get_mut(device_code)
        .ok_or_else(errors::bad_device_code)?;
    if !entry.client_id.eq_ignore_ascii_case(&req.app.client_id) {
        return Err(errors::bad_device_code());
    }
    match entry.outcome.clone() {
        DeviceOutcome::Redeemed => Err(errors::device_code_redeemed()),
        DeviceOutcome::Declined => Err(errors::authorization_declined()),
        _ if now >= entry.expires_at => Err(errors::device_code_expired()),
        DeviceOutcome::Pending => {
            let too_fast = entry
                .last_poll
                .is_some_and(|last| now.duration_since(last) < interval);
            entry.last_poll = Some(now);
            if too_fast {
                Err(errors::slow_down(interval.as_secs()))
            } else {
                Err(errors::authorization_pending())
            }
        }
        DeviceOutcome::Approved { user_id } => {
            entry.outcome = DeviceOutcome::Redeemed;
            let scope = ScopeRequest {
                graph: entry.graph.clone(),
                default: entry.default,
                oidc: entry.oidc.clone(),
            };
            let user = req
                .emu
                .tenant
                .user(&user_id)
                .ok_or_else(errors::bad_device_code)?;
            let graph = consented_scopes(&inner, req.app, user, &scope)?;
            let grant = DelegatedGrant {
                app: req.app,
                user,
                graph,
                oidc: scope.oidc,
                nonce: None,
                client_info: req.params.get("client_info") == Some("1"),
            };
            Ok(issue::delegated(req.emu, &mut inner, grant))
        }
    }
}

fn refresh_token(req: Request<'_>) -> Result<Response, AadError> {
    authenticate(req.app, &req.presented, false)?;
    let token = req.params.require("refresh_token")?;
    let mut inner = req.emu.identity.lock();
    let entry = inner
        .refresh
        .get(token)
        .ok_or_else(errors::grant_malformed)?;
    if !entry.client_id.eq_ignore_ascii_case(&req.app.client_id) {
        return Err(errors::grant_not_for_this_client());
    }
    if entry.revoked {
        return Err(errors::refresh_revoked());
    }
    if Instant::now() >= entry.expires_at {
        return Err(errors::refresh_expired());
    }
    let (user_id, old_graph, old_oidc) = (
        entry.user_id.clone(),
        entry.graph.clone(),
        entry.oidc.clone(),
    );
    let user = req
        .emu
        .tenant
        .user(&user_id)
        .ok_or_else(errors::refresh_revoked)?;
    let (graph, mut oidc) = match req.params.get("scope") {
        Some(raw) => {
            let scope = ScopeRequest::parse(raw)?;
            (consented_scopes(&inner, req.app, user, &scope)?, scope.oidc)
        }
        None => (old_graph, old_oidc),
    };
    // A refresh always rotates: the answer carries a new refresh token.
    if !oidc.iter().any(|s| s == "offline_access") {
        oidc.push("offline_access".into());
    }
    let grant = DelegatedGrant {
        app: req.app,
        user,
        graph,
        oidc,
        nonce: None,
        client_info: req.params.get("client_info") == Some("1"),
    };
    Ok(issue::delegated(req.emu, &mut inner, grant))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_compares_the_hash_of_the_verifier() {
        let verifier = "graphmail-test-verifier-0123456789-abcdefghijkl";
        let challenge = "e8jF45dEo39VB-9nDGsyI4ITfKSMitQ4CQYSyFdjUDA";
        assert!(pkce_matches(verifier, challenge, "S256"));
        assert!(!pkce_matches("another-verifier", challenge, "S256"));
        assert!(pkce_matches("same", "same", "plain"));
    }
}
