//! Who is calling: the app registration, its credentials, and its redirect URIs.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use super::errors::{self, AadError};
use super::{Params, TenantRoute};
use crate::Emulator;
use crate::tenant::{AppKind, AppSeed};

/// The client id and secret a token request presented, from the form or HTTP Basic.
pub(crate) struct Presented {
    pub client_id: Option<String>,
    pub secret: Option<String>,
    /// A `client_assertion` (certificate credential) was sent.
    pub assertion: bool,
}

impl Presented {
    pub fn from_request(params: &Params, headers: &HeaderMap) -> Presented {
        let (basic_id, basic_secret) = basic_auth(headers).unzip();
        Presented {
            client_id: params.get("client_id").map(str::to_string).or(basic_id),
            secret: params
                .get("client_secret")
                .map(str::to_string)
                .or(basic_secret),
            assertion: params.get("client_assertion").is_some(),
        }
    }
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("v={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The app registration for `client_id`, checked against the tenant segment.
pub(crate) fn find_app<'a>(
    emu: &'a Emulator,
    client_id: &str,
    route: TenantRoute,
) -> Result<&'a AppSeed, AadError> {
    let app = emu
        .tenant
        .app(client_id)
        .ok_or_else(|| errors::unknown_app(client_id, &emu.tenant.tenant.display_name))?;
    if route == TenantRoute::Consumers {
        return Err(errors::consumers_endpoint(&app.client_id, &app.name));
    }
    Ok(app)
}

/// Checks the credentials an app presented: public clients must send none, confidential
/// clients their secret.
pub(crate) fn authenticate(
    app: &AppSeed,
    presented: &Presented,
    client_credentials: bool,
) -> Result<(), AadError> {
    match app.kind {
        AppKind::Public if presented.secret.is_some() || presented.assertion => {
            Err(errors::public_client_sent_secret())
        }
        AppKind::Public if client_credentials => {
            Err(errors::secret_required_for_client_credentials())
        }
        AppKind::Public => Ok(()),
        AppKind::Confidential => match (&presented.secret, &app.secret) {
            (Some(sent), Some(expected)) if sent == expected => Ok(()),
            (Some(_), _) => Err(errors::wrong_secret(&app.client_id)),
            // Certificate credentials are not emulated: treat an assertion like a wrong secret.
            (None, _) if presented.assertion => Err(errors::wrong_secret(&app.client_id)),
            (None, _) if client_credentials => {
                Err(errors::secret_required_for_client_credentials())
            }
            (None, _) => Err(errors::secret_required()),
        },
    }
}

/// The redirect URI to answer on: the one requested when it matches a registered one
/// (loopback ports ignored), else the first registered when none was sent.
pub(crate) fn redirect_target(app: &AppSeed, requested: Option<&str>) -> Result<Url, AadError> {
    let Some(requested) = requested else {
        let first = app
            .redirect_uris
            .first()
            .ok_or_else(errors::no_reply_address)?;
        return Url::parse(first).map_err(|_| errors::no_reply_address());
    };
    let mismatch = || errors::redirect_mismatch(requested, &app.client_id);
    let url = Url::parse(requested).map_err(|_| mismatch())?;
    if app.redirect_uris.is_empty() {
        return Err(errors::no_reply_address());
    }
    if app.redirect_uris.iter().any(|r| redirect_matches(r, &url)) {
        Ok(url)
    } else {
        Err(mismatch())
    }
}

fn is_loopback(url: &Url) -> bool {
    url.scheme() == "http" && matches!(url.host_str(), Some("localhost") | Some("127.0.0.1"))
}

/// Registered vs requested: exact, except that loopback URIs match on any port (RFC 8252).
fn redirect_matches(registered: &str, requested: &Url) -> bool {
    let Ok(reg) = Url::parse(registered) else {
        return false;
    };
    if is_loopback(&reg) && is_loopback(requested) {
        return reg.host_str() == requested.host_str()
            && reg.path() == requested.path()
            && reg.query() == requested.query();
    }
    reg == *requested
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::TenantSeed;

    #[test]
    fn loopback_redirects_match_on_any_port_but_not_another_path() {
        let seed = TenantSeed::demo();
        let public = &seed.apps[0];
        let url = redirect_target(public, Some("http://localhost:53127")).unwrap();
        assert_eq!(url.as_str(), "http://localhost:53127/");
        assert_eq!(
            redirect_target(public, Some("http://localhost:1/cb"))
                .unwrap_err()
                .code,
            50011
        );
        assert_eq!(
            redirect_target(public, Some("https://evil.example/"))
                .unwrap_err()
                .code,
            50011
        );
        let web = &seed.apps[1];
        assert!(redirect_target(web, Some("http://localhost:9999/")).is_ok());
        assert_eq!(
            redirect_target(&seed.apps[2], None).unwrap_err().code,
            500113
        );
    }

    #[test]
    fn basic_auth_is_form_decoded() {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode("my%20id:s%3Acret+x"));
        headers.insert(AUTHORIZATION, value.parse().unwrap());
        assert_eq!(
            basic_auth(&headers),
            Some(("my id".into(), "s:cret x".into()))
        );
    }
}
