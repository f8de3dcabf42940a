//! Reading (never trusting) the claims of a JWT the identity platform issued: the user's name
//! for display and the permissions it carries. Signatures are not checked; nothing here is
//! used to decide access.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct PeekedClaims {
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    unique_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    scp: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

impl PeekedClaims {
    /// The signed-in user's name, if the token names one.
    pub fn user(&self) -> Option<String> {
        [
            &self.upn,
            &self.preferred_username,
            &self.unique_name,
            &self.email,
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .cloned()
    }

    /// Delegated scopes (`scp`), else application roles.
    pub fn permissions(&self) -> Vec<String> {
        match &self.scp {
            Some(scp) if !scp.trim().is_empty() => {
                scp.split_whitespace().map(str::to_string).collect()
            }
            _ => self.roles.clone(),
        }
    }
}

/// The claims of a JWT, or `None` when the token is opaque.
pub fn peek(token: &str) -> Option<PeekedClaims> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn names_the_user_and_lists_scopes_or_roles() {
        let c = peek(&jwt(
            r#"{"upn":"adele@x.test","scp":"Mail.Read User.Read"}"#,
        ))
        .unwrap();
        assert_eq!(c.user().as_deref(), Some("adele@x.test"));
        assert_eq!(c.permissions(), ["Mail.Read", "User.Read"]);
        let app = peek(&jwt(r#"{"roles":["Mail.Send"]}"#)).unwrap();
        assert_eq!(app.user(), None);
        assert_eq!(app.permissions(), ["Mail.Send"]);
        assert!(peek("opaque-token").is_none());
    }
}
