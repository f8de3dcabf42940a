//! `{login_url}/{tenant}/oauth2/v2.0/...`: authorize, token, devicecode, discovery, consent.

/// Authorization codes, device codes and refresh tokens issued so far.
#[derive(Default)]
pub struct IdentityState {}
