//! OIDC discovery (`/{tenant}/v2.0/.well-known/openid-configuration`) and the key set.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::TenantRoute;
use crate::Emulator;

pub(crate) async fn openid_configuration(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
) -> Response {
    let route = match TenantRoute::resolve(&emu.tenant, &tenant) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let base = format!("{}/{}", emu.login_url, tenant);
    // Multi-tenant endpoints advertise a templated issuer, as Entra does.
    let issuer_tenant = match route {
        TenantRoute::Tenant => emu.tenant.tenant.id.as_str(),
        _ => "{tenantid}",
    };
    let host = emu
        .login_url
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    Json(json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{}/{issuer_tenant}/v2.0", emu.login_url),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/oidc/userinfo", emu.login_url),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "nonce", "oid",
            "preferred_username", "tid", "ver", "email"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": host,
        "cloud_graph_host_name": host,
        "msgraph_host": host,
        "rbac_url": format!("{}/rbac", emu.login_url),
    }))
    .into_response()
}

/// The key set. The emulator signs with a symmetric key it never publishes, so the entry
/// names the key and algorithm without key material: only the emulator verifies its tokens.
pub(crate) async fn keys(State(emu): State<Arc<Emulator>>, Path(tenant): Path<String>) -> Response {
    if let Err(e) = TenantRoute::resolve(&emu.tenant, &tenant) {
        return e.into_response();
    }
    Json(json!({
        "keys": [{
            "kty": "oct",
            "use": "sig",
            "kid": "graphmail-emulator",
            "alg": "HS256",
            "issuer": format!("{}/{}/v2.0", emu.login_url, emu.tenant.tenant.id),
        }]
    }))
    .into_response()
}
