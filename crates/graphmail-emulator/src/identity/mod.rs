//! `{login_url}/{tenant}/oauth2/v2.0/...`: authorize, token, devicecode, discovery, consent.
//!
//! Handlers are split by endpoint; the state they share (codes, device codes, refresh tokens,
//! consents granted at run time) lives in [`IdentityState`] behind one lock.

mod authorize;
mod catalog;
mod client;
mod consent;
mod device;
mod discovery;
pub mod errors;
mod hooks;
mod issue;
mod pages;
pub mod scopes;
mod state;
mod token;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::Emulator;
use super::tenant::{TenantSeed, is_guid};
use errors::AadError;
pub use state::{IdentityState, PkceCheck};

/// How the emulated identity platform times and words things. Tests shorten the clocks.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    /// Seconds a device-code client must wait between polls (`interval`).
    pub device_interval: Duration,
    /// Lifetime of a device code (`expires_in`).
    pub device_expires_in: Duration,
    /// Lifetime of access tokens; `None` picks 60–90 minutes at random, as Entra does.
    pub access_token_lifetime: Option<Duration>,
    /// Lifetime of refresh tokens (90 days by default).
    pub refresh_token_lifetime: Duration,
    /// Lifetime of authorization codes (10 minutes).
    pub auth_code_lifetime: Duration,
    /// The `error` value sent with AADSTS50076 (MFA required) on ROPC.
    pub mfa_error: MfaErrorStyle,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        IdentitySettings {
            device_interval: Duration::from_secs(5),
            device_expires_in: Duration::from_secs(900),
            access_token_lifetime: None,
            refresh_token_lifetime: Duration::from_secs(90 * 24 * 3600),
            auth_code_lifetime: Duration::from_secs(600),
            mfa_error: MfaErrorStyle::InteractionRequired,
        }
    }
}

/// Both spellings of the MFA error have been seen from Entra; clients must handle both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaErrorStyle {
    /// `error: interaction_required`.
    InteractionRequired,
    /// `error: invalid_grant` with `suberror: basic_action`.
    BasicAction,
}

/// The Graph resource that short scope names stand for.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
/// Graph's application id, used as a resource identifier too.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The tenant that stands for personal Microsoft accounts.
const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// What the `{tenant}` path segment named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantRoute {
    /// The seeded tenant, by GUID or domain.
    Tenant,
    Organizations,
    Common,
    Consumers,
}

impl TenantRoute {
    /// Resolves a path segment, or the AADSTS error Entra gives for it.
    pub fn resolve(seed: &TenantSeed, segment: &str) -> Result<TenantRoute, AadError> {
        if seed.is_named(segment) {
            return Ok(TenantRoute::Tenant);
        }
        match segment.to_ascii_lowercase().as_str() {
            "organizations" => return Ok(TenantRoute::Organizations),
            "common" => return Ok(TenantRoute::Common),
            "consumers" | CONSUMERS_TENANT_ID => return Ok(TenantRoute::Consumers),
            _ => {}
        }
        if segment == "00000000-0000-0000-0000-000000000000" {
            return Err(errors::empty_tenant());
        }
        if !is_guid(segment) && !looks_like_domain(segment) {
            return Err(errors::bad_tenant_identifier(segment));
        }
        Err(errors::tenant_not_found(segment))
    }

    /// `/common` and `/consumers` refuse ROPC (AADSTS9001023).
    pub fn allows_ropc(self) -> bool {
        matches!(self, TenantRoute::Tenant | TenantRoute::Organizations)
    }
}

fn looks_like_domain(s: &str) -> bool {
    s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Every identity-platform route and the identity test hooks.
pub fn routes() -> Router<Arc<Emulator>> {
    Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::show).post(authorize::submit),
        )
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token::token).get(token::token_get),
        )
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(device::device_code),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route(
            "/{tenant}/v2.0/adminconsent",
            get(consent::show_v2).post(consent::submit_v2),
        )
        .route(
            "/{tenant}/adminconsent",
            get(consent::show_legacy).post(consent::submit_legacy),
        )
        .route(
            "/devicelogin",
            get(device::login_page).post(device::login_submit),
        )
        .route("/_emulator/device/approve", post(device::hook_approve))
        .route("/_emulator/device/decline", post(device::hook_decline))
        .route("/_emulator/reset", post(hooks::reset))
        .route("/_emulator/revoke", post(hooks::revoke))
        .route("/_emulator/last-pkce", get(hooks::last_pkce))
        .route("/_emulator/info", get(hooks::info))
}

/// Unix seconds now.
pub(crate) fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A random version-4 GUID.
pub(crate) fn new_guid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
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

/// An opaque, unguessable token of `bytes` random bytes, base64url.
pub(crate) fn opaque(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    URL_SAFE_NO_PAD.encode(raw)
}

/// Form fields from a query string or an `application/x-www-form-urlencoded` body.
/// The first value of a repeated field wins; unknown fields are kept and ignored by callers.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: &[u8]) -> Params {
        Params(url::form_urlencoded::parse(raw).into_owned().collect())
    }

    /// The value of `name`, or `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, or AADSTS900144 naming it.
    pub fn require(&self, name: &str) -> Result<&str, AadError> {
        self.get(name)
            .ok_or_else(|| errors::missing_parameter(name))
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_segments_resolve_like_entra() {
        let seed = TenantSeed::demo();
        assert_eq!(
            TenantRoute::resolve(&seed, &seed.tenant.domain).unwrap(),
            TenantRoute::Tenant
        );
        assert_eq!(
            TenantRoute::resolve(&seed, "Common").unwrap(),
            TenantRoute::Common
        );
        assert_eq!(
            TenantRoute::resolve(&seed, CONSUMERS_TENANT_ID).unwrap(),
            TenantRoute::Consumers
        );
        assert_eq!(
            TenantRoute::resolve(&seed, "fabrikam.example")
                .unwrap_err()
                .code,
            90002
        );
        assert_eq!(
            TenantRoute::resolve(&seed, "00000000-0000-0000-0000-000000000000")
                .unwrap_err()
                .code,
            90002
        );
        assert_eq!(
            TenantRoute::resolve(&seed, "authorize").unwrap_err().code,
            900023
        );
        assert!(!TenantRoute::Common.allows_ropc() && TenantRoute::Organizations.allows_ropc());
    }

    #[test]
    fn guids_are_well_formed_and_distinct() {
        let (a, b) = (new_guid(), new_guid());
        assert!(is_guid(&a) && a != b);
    }
}
