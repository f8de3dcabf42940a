//! Who is calling and on which mailbox: bearer check, `/me` vs `/users/{x}`, permissions per
//! endpoint, and the throttling place the request holds while it runs.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::errors::GraphError;
use super::throttle::Slot;
use crate::faults::PendingLatency;
use crate::{AccessClaims, Emulator, TokenRejection};

/// What an endpoint does with the mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Folders, and message fields other than body, preview and attachments.
    ReadBasic,
    Read,
    Write,
    Send,
}

/// Checks the bearer token: signature, expiry, tenant.
pub fn authenticate(parts: &Parts, emu: &Emulator) -> Result<AccessClaims, GraphError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = match header.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => "",
    };
    if token.is_empty() {
        return Err(GraphError::unauthorized("Access token is empty."));
    }
    let claims = match emu.signer.verify(token, super::store::now_unix()) {
        Ok(c) => c,
        Err(TokenRejection::Expired) => {
            return Err(GraphError::unauthorized(
                "Access token has expired or is not yet valid.",
            ));
        }
        Err(TokenRejection::Invalid) => {
            return Err(GraphError::unauthorized(
                "CompactToken parsing failed with error code: 80049217",
            ));
        }
    };
    if claims.nbf > super::store::now_unix() + 300 {
        return Err(GraphError::unauthorized(
            "Access token has expired or is not yet valid.",
        ));
    }
    if claims.tid != emu.tenant.tenant.id {
        return Err(GraphError::unauthorized(
            "Access token validation failure. Invalid audience.",
        ));
    }
    Ok(claims)
}

/// Finds a tenant user by object id or UPN (case-insensitive); returns its index.
pub fn find_user(emu: &Emulator, who: &str) -> Option<usize> {
    let who = who
        .strip_prefix("('")
        .and_then(|w| w.strip_suffix("')"))
        .unwrap_or(who);
    emu.tenant
        .users
        .iter()
        .position(|u| u.id.eq_ignore_ascii_case(who) || u.upn.eq_ignore_ascii_case(who))
}

/// An authenticated call on one mailbox. Extracting it also takes a throttling place and
/// serves the latency a fault added.
pub struct Caller {
    pub claims: AccessClaims,
    /// Index of the mailbox (= tenant user).
    pub mailbox: usize,
    /// The path prefix the request used: `me` or `users/{x}` (for links).
    pub prefix: String,
    _slot: Slot,
}

impl Caller {
    /// The signed-in user's own mailbox?
    pub fn is_own(&self, emu: &Emulator) -> bool {
        self.claims
            .oid
            .as_deref()
            .is_some_and(|oid| emu.tenant.users[self.mailbox].id.eq_ignore_ascii_case(oid))
    }

    /// Checks the permissions `access` needs; `Ok(true)` means full read, `Ok(false)`
    /// basic fields only.
    pub fn require(&self, emu: &Emulator, access: Access) -> Result<bool, GraphError> {
        let c = &self.claims;
        let (full, basic): (&[&str], &[&str]) = if c.is_app_only() {
            match access {
                Access::ReadBasic | Access::Read => (
                    &["Mail.Read", "Mail.ReadWrite"],
                    &["Mail.ReadBasic.All", "Mail.ReadBasic"],
                ),
                Access::Write => (&["Mail.ReadWrite"], &[]),
                Access::Send => (&["Mail.Send"], &[]),
            }
        } else if self.is_own(emu) {
            match access {
                Access::ReadBasic | Access::Read => (
                    &[
                        "Mail.Read",
                        "Mail.ReadWrite",
                        "Mail.Read.Shared",
                        "Mail.ReadWrite.Shared",
                    ],
                    &["Mail.ReadBasic", "Mail.ReadBasic.Shared"],
                ),
                Access::Write => (&["Mail.ReadWrite", "Mail.ReadWrite.Shared"], &[]),
                Access::Send => (&["Mail.Send", "Mail.Send.Shared"], &[]),
            }
        } else {
            match access {
                Access::ReadBasic | Access::Read => (
                    &["Mail.Read.Shared", "Mail.ReadWrite.Shared"],
                    &["Mail.ReadBasic.Shared"],
                ),
                Access::Write => (&["Mail.ReadWrite.Shared"], &[]),
                Access::Send => (&["Mail.Send.Shared"], &[]),
            }
        };
        if c.has_any(full) {
            Ok(true)
        } else if access == Access::ReadBasic && c.has_any(basic) {
            Ok(false)
        } else if access == Access::Read && c.has_any(basic) {
            // Basic permissions list messages, but never bodies or attachments.
            Ok(false)
        } else {
            Err(GraphError::access_denied())
        }
    }
}

impl FromRequestParts<Arc<Emulator>> for Caller {
    type Rejection = GraphError;

    async fn from_request_parts(
        parts: &mut Parts,
        emu: &Arc<Emulator>,
    ) -> Result<Self, Self::Rejection> {
        let claims = authenticate(parts, emu)?;
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, emu)
            .await
            .map(|Path(p)| p)
            .unwrap_or_default();
        let (mailbox, prefix) = match params.get("user") {
            None => {
                let oid = claims.oid.as_deref().ok_or_else(|| {
                    GraphError::bad_request(
                        "/me request is only valid with delegated authentication flow.",
                    )
                })?;
                let idx = find_user(emu, oid).ok_or_else(|| GraphError::invalid_user(oid))?;
                (idx, "me".to_owned())
            }
            Some(who) => {
                let idx = find_user(emu, who).ok_or_else(|| GraphError::invalid_user(who))?;
                (idx, format!("users/{who}"))
            }
        };
        // A batch item's place was taken by its batch, which refused the items past the limit.
        let limit = if parts.extensions.get::<super::batch::BatchItem>().is_some() {
            0
        } else {
            emu.faults.concurrency()
        };
        let slot = emu
            .mail
            .throttle
            .enter(&claims.appid, mailbox, limit)
            .ok_or_else(|| GraphError::throttled("1"))?;
        if let Some(latency) = parts.extensions.get::<PendingLatency>() {
            latency.serve().await;
        }
        Ok(Caller {
            claims,
            mailbox,
            prefix,
            _slot: slot,
        })
    }
}

/// 403 for directory reads a token may not do.
pub fn insufficient_privileges() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}
