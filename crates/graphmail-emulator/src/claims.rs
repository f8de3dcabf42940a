//! Access tokens of the emulator: JWT-shaped (header.payload.signature, base64url), signed with
//! HMAC-SHA256 under a key that lives only as long as the emulator. Graph verifies them here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What an access token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Tenant GUID (`tid`).
    pub tid: String,
    /// Client ID of the app (`appid`).
    pub appid: String,
    /// Object id of the signed-in user; absent for app-only tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    /// UPN of the signed-in user; absent for app-only tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Delegated scopes, space separated short names (`Mail.Read User.Read`); empty for app-only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scp: String,
    /// Application permissions; empty for delegated tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Audience: the Graph resource.
    pub aud: String,
    /// Issuer: `{login_url}/{tid}/v2.0`.
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    /// Expiry, Unix seconds.
    pub exp: i64,
}

impl AccessClaims {
    pub fn is_app_only(&self) -> bool {
        self.oid.is_none()
    }

    /// The delegated scopes as a list.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scp.split_whitespace()
    }

    /// True when the token carries any of `perms` (case-insensitive), as a scope or a role.
    pub fn has_any(&self, perms: &[&str]) -> bool {
        self.scopes()
            .chain(self.roles.iter().map(String::as_str))
            .any(|have| perms.iter().any(|want| have.eq_ignore_ascii_case(want)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not three base64url parts, bad JSON, or a bad signature.
    Invalid,
    Expired,
}

/// Signs and verifies access tokens.
pub struct TokenSigner {
    key: [u8; 32],
}

impl TokenSigner {
    pub fn new() -> Self {
        TokenSigner {
            key: rand::random(),
        }
    }

    pub fn sign(&self, claims: &AccessClaims) -> String {
        self.sign_json(claims)
    }

    /// Signs any JSON payload the same way (ID tokens). [`TokenSigner::verify`] accepts only
    /// payloads that are [`AccessClaims`], so an ID token is never taken for an access token.
    #[expect(
        clippy::expect_used,
        reason = "token payloads are plain structs of strings and numbers, which always serialise"
    )]
    pub fn sign_json<T: Serialize>(&self, payload: &T) -> String {
        let header =
            URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256","kid":"graphmail-emulator"}"#);
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).expect("token payloads serialise"));
        let signing_input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(self.mac(signing_input.as_bytes()));
        format!("{signing_input}.{sig}")
    }

    /// Checks signature and expiry against `now` (Unix seconds).
    #[expect(clippy::expect_used, reason = "HMAC-SHA256 takes a key of any length")]
    pub fn verify(&self, token: &str, now: i64) -> Result<AccessClaims, TokenRejection> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenRejection::Invalid);
        };
        let sig = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| TokenRejection::Invalid)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{h}.{p}").as_bytes());
        mac.verify_slice(&sig)
            .map_err(|_| TokenRejection::Invalid)?;
        let payload = URL_SAFE_NO_PAD
            .decode(p)
            .map_err(|_| TokenRejection::Invalid)?;
        let claims: AccessClaims =
            serde_json::from_slice(&payload).map_err(|_| TokenRejection::Invalid)?;
        if claims.exp <= now {
            return Err(TokenRejection::Expired);
        }
        Ok(claims)
    }

    #[expect(clippy::expect_used, reason = "HMAC-SHA256 takes a key of any length")]
    fn mac(&self, data: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
}

impl Default for TokenSigner {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            tid: "t".into(),
            appid: "a".into(),
            oid: Some("u".into()),
            upn: Some("adele@example.test".into()),
            scp: "Mail.Read User.Read".into(),
            roles: vec![],
            aud: "https://graph.microsoft.com".into(),
            iss: "iss".into(),
            iat: 0,
            nbf: 0,
            exp,
        }
    }

    #[test]
    fn a_signed_token_verifies_and_a_tampered_one_does_not() {
        let signer = TokenSigner::new();
        let token = signer.sign(&claims(100));
        assert_eq!(
            signer.verify(&token, 50).unwrap().upn.as_deref(),
            Some("adele@example.test")
        );
        assert_eq!(signer.verify(&token, 100), Err(TokenRejection::Expired));
        let other = TokenSigner::new();
        assert_eq!(other.verify(&token, 50), Err(TokenRejection::Invalid));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(10_000)).unwrap());
        parts[1] = &forged;
        assert_eq!(
            signer.verify(&parts.join("."), 50),
            Err(TokenRejection::Invalid)
        );
    }

    #[test]
    fn scope_checks_ignore_case_and_cover_roles() {
        let mut c = claims(1);
        assert!(c.has_any(&["mail.read"]));
        assert!(!c.has_any(&["Mail.Send"]));
        c.scp.clear();
        c.oid = None;
        c.roles = vec!["Mail.Send".into()];
        assert!(c.is_app_only() && c.has_any(&["Mail.Send"]));
    }
}
