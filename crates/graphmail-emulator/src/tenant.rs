//! The emulated tenant: its users and app registrations, loaded from a seed file.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The built-in demo tenant (`assets/demo-tenant.json`).
const DEMO_TENANT: &str = include_str!("../../../assets/demo-tenant.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantSeed {
    pub tenant: TenantInfo,
    pub users: Vec<UserSeed>,
    pub apps: Vec<AppSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantInfo {
    /// Tenant GUID.
    pub id: String,
    /// Verified domain, e.g. `contoso-demo.onmicrosoft.com`.
    pub domain: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserSeed {
    /// Object id (GUID).
    pub id: String,
    pub upn: String,
    pub display_name: String,
    /// Demo data: printed by `graphmail emulator --json`.
    pub password: String,
    #[serde(default)]
    pub mfa: bool,
    /// A global administrator: may grant admin consent for the tenant.
    #[serde(default)]
    pub admin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    /// "Allow public client flows": device code, ROPC and auth code without a secret.
    Public,
    /// Has a client secret, which it must send.
    Confidential,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppSeed {
    pub client_id: String,
    pub name: String,
    pub kind: AppKind,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Delegated Graph permissions consented for this app (short names).
    #[serde(default)]
    pub delegated: Vec<String>,
    /// Application permissions granted with admin consent (short names).
    #[serde(default)]
    pub application: Vec<String>,
}

impl TenantSeed {
    /// The built-in demo tenant: Contoso (demo), three users, four app registrations.
    #[expect(
        clippy::expect_used,
        reason = "the demo tenant is compiled in and a test loads it"
    )]
    pub fn demo() -> TenantSeed {
        TenantSeed::from_json(DEMO_TENANT).expect("the bundled demo tenant is valid (tested)")
    }

    /// Reads and checks a seed file.
    pub fn load(path: &Path) -> Result<TenantSeed, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the seed file {}: {e}", path.display()))?;
        TenantSeed::from_json(&text)
            .map_err(|e| format!("the seed file {} is not usable: {e}", path.display()))
    }

    /// Parses a seed and checks that it describes a usable tenant.
    pub fn from_json(text: &str) -> Result<TenantSeed, String> {
        let seed: TenantSeed = serde_json::from_str(text).map_err(|e| e.to_string())?;
        seed.validate()?;
        Ok(seed)
    }

    fn validate(&self) -> Result<(), String> {
        if !is_guid(&self.tenant.id) {
            return Err(format!("tenant.id '{}' is not a GUID", self.tenant.id));
        }
        if self.tenant.domain.is_empty() || !self.tenant.domain.contains('.') {
            return Err(format!(
                "tenant.domain '{}' is not a domain name",
                self.tenant.domain
            ));
        }
        let mut seen = HashSet::new();
        for user in &self.users {
            if !is_guid(&user.id) || !user.upn.contains('@') {
                return Err(format!("user '{}' needs a GUID id and a UPN", user.upn));
            }
            if !seen.insert(user.upn.to_ascii_lowercase()) {
                return Err(format!("user '{}' appears twice", user.upn));
            }
        }
        for app in &self.apps {
            if !is_guid(&app.client_id) {
                return Err(format!("app '{}' needs a GUID client_id", app.name));
            }
            if !seen.insert(app.client_id.to_ascii_lowercase()) {
                return Err(format!("client_id {} appears twice", app.client_id));
            }
            match (app.kind, &app.secret) {
                (AppKind::Confidential, None) => {
                    return Err(format!("confidential app '{}' needs a secret", app.name));
                }
                (AppKind::Public, Some(_)) => {
                    return Err(format!("public app '{}' cannot have a secret", app.name));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// True when a `{tenant}` path segment names this tenant (GUID or domain, any case).
    pub fn is_named(&self, segment: &str) -> bool {
        segment.eq_ignore_ascii_case(&self.tenant.id)
            || segment.eq_ignore_ascii_case(&self.tenant.domain)
    }

    pub fn app(&self, client_id: &str) -> Option<&AppSeed> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// A user by UPN (any case) or object id.
    pub fn user(&self, upn_or_id: &str) -> Option<&UserSeed> {
        self.users
            .iter()
            .find(|u| u.upn.eq_ignore_ascii_case(upn_or_id) || u.id.eq_ignore_ascii_case(upn_or_id))
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` with hex digits.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_tenant_has_one_app_of_each_kind_and_an_mfa_user() {
        let seed = TenantSeed::demo();
        assert!(seed.is_named("CONTOSO-demo.onmicrosoft.com"));
        assert!(seed.is_named(&seed.tenant.id.to_uppercase()));
        assert_eq!(seed.users.len(), 3);
        assert!(seed.users.iter().any(|u| u.mfa));
        assert!(seed.users.iter().any(|u| u.admin));
        assert!(
            seed.apps
                .iter()
                .any(|a| a.kind == AppKind::Public && !a.delegated.is_empty())
        );
        assert!(
            seed.apps
                .iter()
                .any(|a| a.kind == AppKind::Confidential && !a.redirect_uris.is_empty())
        );
        assert!(seed.apps.iter().any(|a| a.application.len() == 3));
        assert!(
            seed.apps
                .iter()
                .any(|a| a.delegated.is_empty() && a.application.is_empty())
        );
    }

    #[test]
    fn a_seed_with_a_secretless_confidential_app_is_refused() {
        let mut seed = TenantSeed::demo();
        seed.apps[1].secret = None;
        let text = serde_json::to_string(&seed).unwrap();
        let err = TenantSeed::from_json(&text).unwrap_err();
        assert!(err.contains("needs a secret"), "{err}");
        assert!(!is_guid("not-a-guid"));
    }
}
