//! What the identity platform remembers between requests.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;

use super::IdentitySettings;

/// Authorization codes, device codes, refresh tokens and consents granted at run time.
pub struct IdentityState {
    pub settings: IdentitySettings,
    inner: Mutex<Inner>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub codes: HashMap<String, AuthCode>,
    /// Keyed by `device_code`.
    pub devices: HashMap<String, DeviceGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    /// Delegated permissions a user consented to for an app: (client_id, user id) → scopes.
    pub user_consents: HashMap<(String, String), BTreeSet<String>>,
    /// Delegated permissions an administrator consented to for the whole tenant: client_id → scopes.
    pub tenant_consents: HashMap<String, BTreeSet<String>>,
    pub last_pkce: Option<PkceCheck>,
}

/// A sign-in that was completed in the browser and waits to be redeemed.
pub(crate) struct AuthCode {
    pub client_id: String,
    pub user_id: String,
    /// The redirect URI exactly as the authorize request sent it (it must be sent again).
    pub redirect_uri: Option<String>,
    pub graph: Vec<String>,
    pub oidc: Vec<String>,
    pub nonce: Option<String>,
    pub challenge: Option<(String, String)>,
    pub expires_at: Instant,
    pub redeemed: bool,
}

pub(crate) struct DeviceGrant {
    pub client_id: String,
    pub user_code: String,
    pub graph: Vec<String>,
    pub default: bool,
    pub oidc: Vec<String>,
    pub expires_at: Instant,
    pub last_poll: Option<Instant>,
    pub outcome: DeviceOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceOutcome {
    Pending,
    Approved { user_id: String },
    Declined,
    Redeemed,
}

pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub user_id: String,
    pub graph: Vec<String>,
    pub oidc: Vec<String>,
    pub expires_at: Instant,
    pub revoked: bool,
}

/// What the token endpoint found when it last checked a PKCE `code_verifier`
/// (`GET /_emulator/last-pkce`), so tests can see the verifier really was checked.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PkceCheck {
    pub client_id: String,
    /// `S256` or `plain`.
    pub method: String,
    /// A verifier was sent.
    pub verifier_sent: bool,
    /// The verifier matched the challenge.
    pub matched: bool,
}

impl IdentityState {
    pub fn new(settings: IdentitySettings) -> IdentityState {
        IdentityState {
            settings,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked cannot leave the maps half-updated in a way that matters here.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets every code, token and run-time consent.
    /// The user codes of device codes still waiting for someone to approve them.
    pub fn pending_device_codes(&self) -> Vec<String> {
        self.lock()
            .devices
            .values()
            .filter(|d| d.outcome == DeviceOutcome::Pending)
            .map(|d| d.user_code.clone())
            .collect()
    }

    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    /// The most recent PKCE check made by the token endpoint.
    pub fn last_pkce(&self) -> Option<PkceCheck> {
        self.lock().last_pkce.clone()
    }

    /// Revokes one refresh token; false when it is unknown.
    pub fn revoke_refresh_token(&self, token: &str) -> bool {
        match self.lock().refresh.get_mut(token) {
            Some(grant) => {
                grant.revoked = true;
                true
            }
            None => false,
        }
    }

    /// Revokes every refresh token of a user (by object id); returns how many.
    pub fn revoke_user(&self, user_id: &str) -> usize {
        let mut inner = self.lock();
        let mut n = 0;
        for grant in inner.refresh.values_mut().filter(|g| g.user_id == user_id) {
            grant.revoked = true;
            n += 1;
        }
        n
    }
}

impl Default for IdentityState {
    fn default() -> Self {
        IdentityState::new(IdentitySettings::default())
    }
}

impl Inner {
    /// Delegated Graph permissions a user may get for an app: the seed's, plus run-time consents.
    pub fn consented(&self, app: &crate::tenant::AppSeed, user_id: &str) -> BTreeSet<String> {
        let mut set: BTreeSet<String> = app
            .delegated
            .iter()
            .filter_map(|p| super::scopes::canonical(p).map(str::to_string))
            .collect();
        let key = (app.client_id.to_ascii_lowercase(), user_id.to_string());
        if let Some(extra) = self.user_consents.get(&key) {
            set.extend(extra.iter().cloned());
        }
        if let Some(extra) = self
            .tenant_consents
            .get(&app.client_id.to_ascii_lowercase())
        {
            set.extend(extra.iter().cloned());
        }
        set
    }

    pub fn grant_user_consent(&mut self, client_id: &str, user_id: &str, scopes: &[String]) {
        self.user_consents
            .entry((client_id.to_ascii_lowercase(), user_id.to_string()))
            .or_default()
            .extend(scopes.iter().cloned());
    }
}
