//! Scope strings: short names mean Graph, full URIs name their resource, `.default` stands for
//! everything consented, OIDC scopes ride along. Matching ignores case.

use super::errors::{self, AadError};
use super::{GRAPH_APP_ID, GRAPH_RESOURCE};

/// Graph permissions the emulator knows, in their canonical spelling.
const GRAPH_PERMISSIONS: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "Mail.ReadBasic",
    "Mail.ReadBasic.All",
    "Mail.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Mail.Read.Shared",
    "Mail.ReadWrite.Shared",
    "Mail.Send.Shared",
    "MailboxSettings.Read",
    "MailboxSettings.ReadWrite",
    "IMAP.AccessAsUser.All",
    "POP.AccessAsUser.All",
    "SMTP.Send",
];

/// The OIDC scopes, in the order Entra lists them in a token response's `scope`.
pub const OIDC_SCOPES: &[&str] = &["profile", "openid", "email", "offline_access"];

/// A parsed `scope` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeRequest {
    /// Graph permissions by canonical short name, in request order, no duplicates.
    pub graph: Vec<String>,
    /// `https://graph.microsoft.com/.default` was asked.
    pub default: bool,
    /// OIDC scopes asked (lower case).
    pub oidc: Vec<String>,
}

impl ScopeRequest {
    /// Parses a space-separated scope string. Only Graph is a known resource.
    pub fn parse(raw: &str) -> Result<ScopeRequest, AadError> {
        let mut req = ScopeRequest::default();
        for item in raw.split_whitespace() {
            let lower = item.to_ascii_lowercase();
            if let Some(oidc) = OIDC_SCOPES.iter().find(|s| **s == lower) {
                push_unique(&mut req.oidc, oidc);
                continue;
            }
            let name = match split_resource(item) {
                Some((resource, name)) if is_graph(resource) => name,
                Some(_) => return Err(errors::scope_invalid(item, "")),
                None => item,
            };
            if name.eq_ignore_ascii_case(".default") {
                req.default = true;
                continue;
            }
            match canonical_delegated(name) {
                Some(perm) => {
                    push_unique(&mut req.graph, perm);
                }
                None => return Err(errors::scope_invalid(item, "")),
            }
        }
        if req.default && !req.graph.is_empty() {
            return Err(errors::scope_invalid(
                raw,
                "The '.default' scope can't be combined with resource-specific scopes.",
            ));
        }
        if req.graph.is_empty() && !req.default && req.oidc.is_empty() {
            return Err(errors::scope_missing());
        }
        Ok(req)
    }

    pub fn wants(&self, oidc_scope: &str) -> bool {
        self.oidc.iter().any(|s| s == oidc_scope)
    }
}

/// Client credentials: the scope must be exactly `{resource}/.default` for a known resource.
pub fn parse_client_credentials(raw: &str, tenant_domain: &str) -> Result<(), AadError> {
    let items: Vec<&str> = raw.split_whitespace().collect();
    if items.is_empty() {
        return Err(errors::scope_missing());
    }
    for item in &items {
        match split_resource(item) {
            Some((resource, name)) if name.eq_ignore_ascii_case(".default") => {
                if !is_graph(resource) {
                    return Err(errors::unknown_resource(resource, tenant_domain));
                }
            }
            _ => return Err(errors::client_credentials_need_default(raw)),
        }
    }
    Ok(())
}

/// The canonical spelling of a known Graph permission: the emulator's own, or one Microsoft
/// publishes (the product's catalog).
pub fn canonical(name: &str) -> Option<&'static str> {
    canonical_delegated(name).or_else(|| super::catalog::application(name))
}

/// The canonical spelling of a Graph permission a user can delegate: the emulator's own, or a
/// published one with a delegated form. Anything else in a delegated request is AADSTS70011.
pub fn canonical_delegated(name: &str) -> Option<&'static str> {
    GRAPH_PERMISSIONS
        .iter()
        .copied()
        .find(|p| p.eq_ignore_ascii_case(name))
        .or_else(|| super::catalog::delegated(name))
}

/// `https://host/Name` → (`https://host`, `Name`); `{guid}/Name` too. Short names give `None`.
fn split_resource(item: &str) -> Option<(&str, &str)> {
    if let Some(rest) = item
        .strip_prefix("https://")
        .or_else(|| item.strip_prefix("http://"))
    {
        let slash = rest.rfind('/')?;
        let cut = item.len() - rest.len() + slash;
        return Some((&item[..cut], &item[cut + 1..]));
    }
    let slash = item.rfind('/')?;
    Some((&item[..slash], &item[slash + 1..]))
}

fn is_graph(resource: &str) -> bool {
    let r = resource.trim_end_matches('/');
    r.eq_ignore_ascii_case(GRAPH_RESOURCE) || r.eq_ignore_ascii_case(GRAPH_APP_ID)
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_and_uris_mean_graph_and_ignore_case() {
        let req = ScopeRequest::parse(
            "mail.read https://graph.microsoft.com/Mail.Send OpenID offline_access MAIL.READ",
        )
        .unwrap();
        assert_eq!(req.graph, vec!["Mail.Read", "Mail.Send"]);
        assert_eq!(req.oidc, vec!["openid", "offline_access"]);
        assert!(!req.default);
    }

    #[test]
    fn default_cannot_be_mixed_and_unknown_scopes_are_refused() {
        assert!(
            ScopeRequest::parse("https://graph.microsoft.com/.default offline_access")
                .unwrap()
                .default
        );
        let mixed =
            ScopeRequest::parse("https://graph.microsoft.com/.default Mail.Read").unwrap_err();
        assert_eq!((mixed.error, mixed.code), ("invalid_scope", 70011));
        assert_eq!(
            ScopeRequest::parse("https://foo.microsoft.com/mail.read")
                .unwrap_err()
                .code,
            70011
        );
        assert_eq!(ScopeRequest::parse("Mail.Reed").unwrap_err().code, 70011);
        assert_eq!(ScopeRequest::parse("  ").unwrap_err().code, 70011);
    }

    #[test]
    fn client_credentials_take_only_a_known_default() {
        assert!(parse_client_credentials("https://graph.microsoft.com/.default", "t").is_ok());
        assert!(
            parse_client_credentials("00000003-0000-0000-c000-000000000000/.default", "t").is_ok()
        );
        assert_eq!(
            parse_client_credentials("Mail.Read", "t").unwrap_err().code,
            1002012
        );
        assert_eq!(
            parse_client_credentials("https://vault.azure.net/.default", "t")
                .unwrap_err()
                .code,
            500011
        );
    }
}
