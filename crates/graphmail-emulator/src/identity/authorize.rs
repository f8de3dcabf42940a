//! `GET|POST /{tenant}/oauth2/v2.0/authorize`: the browser sign-in that ends in a redirect
//! carrying a `code` (or an `error`). The POST carries the original request back, so the
//! flow needs no server-side session.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use url::Url;

use super::client::{find_app, redirect_target};
use super::errors::{self, AadError};
use super::issue::deadline;
use super::scopes::ScopeRequest;
use super::state::AuthCode;
use super::{Params, TenantRoute, pages};
use crate::Emulator;
use crate::tenant::{AppSeed, UserSeed};

/// How the reply reaches the redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

/// Where and how to answer the app, once client and redirect URI are known to be good.
pub(crate) struct ReplyTo {
    pub url: Url,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

impl ReplyTo {
    /// The redirect (302) or auto-posting page carrying `fields` (plus `state`).
    pub fn send(&self, mut fields: Vec<(&'static str, String)>) -> Response {
        if let Some(state) = &self.state {
            fields.push(("state", state.clone()));
        }
        let mut url = self.url.clone();
        match self.mode {
            ResponseMode::FormPost => {
                return Html(pages::form_post(url.as_str(), &fields)).into_response();
            }
            ResponseMode::Query => {
                url.query_pairs_mut()
                    .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())));
            }
            ResponseMode::Fragment => {
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter().map(|(k, v)| (*k, v.as_str())))
                    .finish();
                url.set_fragment(Some(&encoded));
            }
        }
        found(url.as_str())
    }

    /// An OAuth error sent back to the app.
    pub fn error(&self, err: &AadError) -> Response {
        self.send(vec![
            ("error", err.error.to_string()),
            ("error_description", err.short()),
        ])
    }
}

/// HTTP 302 to `location`, as Entra answers.
pub(crate) fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut resp = StatusCode::FOUND.into_response();
            resp.headers_mut().insert(header::LOCATION, value);
            resp
        }
        Err(_) => errors::missing_parameter("redirect_uri").page(),
    }
}

/// Why an authorize request stops: an error page (nothing trustworthy to redirect to)
/// or an error sent back to the app.
pub(crate) enum Stop {
    Page(AadError),
    Reply(Box<Response>),
}

impl From<AadError> for Stop {
    fn from(e: AadError) -> Stop {
        Stop::Page(e)
    }
}

impl IntoResponse for Stop {
    fn into_response(self) -> Response {
        match self {
            Stop::Page(e) => e.page(),
            Stop::Reply(r) => *r,
        }
    }
}

/// A well-formed authorize request.
struct Authorize<'a> {
    app: &'a AppSeed,
    reply: ReplyTo,
    scope: ScopeRequest,
    challenge: Option<(String, String)>,
}

/// Finds the app and its redirect URI; errors before that point never redirect.
pub(crate) fn reply_target<'a>(
    emu: &'a Emulator,
    tenant: &str,
    params: &Params,
) -> Result<(&'a AppSeed, TenantRoute, ReplyTo), AadError> {
    let route = TenantRoute::resolve(&emu.tenant, tenant)?;
    let app = find_app(emu, params.require("client_id")?, route)?;
    let url = redirect_target(app, params.get("redirect_uri"))?;
    let mode = match params.get("response_mode") {
        Some("fragment") => ResponseMode::Fragment,
        Some("form_post") => ResponseMode::FormPost,
        _ => ResponseMode::Query,
    };
    Ok((
        app,
        route,
        ReplyTo {
            url,
            mode,
            state: params.get("state").map(str::to_string),
        },
    ))
}

fn validate<'a>(emu: &'a Emulator, tenant: &str, params: &Params) -> Result<Authorize<'a>, Stop> {
    let (app, _route, reply) = reply_target(emu, tenant, params)?;
    let checked = (|| {
        let response_type = params.require("response_type")?;
        let kinds: Vec<&str> = response_type.split_whitespace().collect();
        if kinds != ["code"] {
            return Err(AadError::new(
                "unsupported_response_type",
                700054,
                format!("response_type '{response_type}' is not enabled for the application."),
            ));
        }
        let scope = ScopeRequest::parse(params.require("scope")?)?;
        let challenge = match (
            params.get("code_challenge"),
            params.get("code_challenge_method"),
        ) {
            (None, Some(_)) => return Err(errors::missing_parameter("code_challenge")),
            (None, None) => None,
            (Some(c), method) => {
                let method = method.unwrap_or("plain");
                if !method.eq_ignore_ascii_case("S256") && !method.eq_ignore_ascii_case("plain") {
                    return Err(AadError::new(
                        "invalid_request",
                        50149,
                        format!(
                            "The code_challenge_method '{method}' is not supported. Use 'S256'."
                        ),
                    ));
                }
                if !(43..=128).contains(&c.len()) {
                    return Err(AadError::new(
                        "invalid_request",
                        501491,
                        "Invalid size of Code_Challenge parameter.",
                    ));
                }
                Some((
                    c.to_string(),
                    if method.eq_ignore_ascii_case("S256") {
                        "S256"
                    } else {
                        "plain"
                    }
                    .to_string(),
                ))
            }
        };
        if params.get("prompt") == Some("none") {
            return Err(errors::silent_sign_in_impossible());
        }
        Ok((scope, challenge))
    })();
    match checked {
        Ok((scope, challenge)) => Ok(Authorize {
            app,
            reply,
            scope,
            challenge,
        }),
        Err(e) => Err(Stop::Reply(Box::new(reply.error(&e)))),
    }
}

/// `GET`: the sign-in form (with `login_hint` filled in).
pub(crate) async fn show(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    match validate(&emu, &tenant, &params) {
        Ok(req) => sign_in_form(&tenant, &params, req.app, None),
        Err(stop) => stop.into_response(),
    }
}

fn action_path(tenant: &str) -> String {
    format!("/{tenant}/oauth2/v2.0/authorize")
}

fn sign_in_form(tenant: &str, params: &Params, app: &AppSeed, error: Option<&str>) -> Response {
    let action = action_path(tenant);
    Html(pages::sign_in(&pages::SignInPage {
        title: "Sign in",
        intro: format!("Sign in to continue to {}.", app.name),
        action: &action,
        params,
        error,
    }))
    .into_response()
}

/// The outcome of the credential step shared by the sign-in pages.
pub(crate) enum SignIn<'a> {
    Done(&'a UserSeed),
    /// Show the form again with this message.
    Retry(&'static str),
    /// Show the MFA approval step.
    NeedsMfa(&'a UserSeed),
}

pub(crate) fn check_credentials<'a>(emu: &'a Emulator, params: &Params) -> SignIn<'a> {
    let (Some(login), Some(password)) = (params.get("login"), params.get("passwd")) else {
        return SignIn::Retry("Enter your user name and password.");
    };
    let user = emu
        .tenant
        .users
        .iter()
        .find(|u| u.upn.eq_ignore_ascii_case(login) && u.password == password);
    match user {
        None => SignIn::Retry("Your account or password is incorrect (AADSTS50126)."),
        Some(u) if u.mfa && params.get("mfa") != Some("approved") => SignIn::NeedsMfa(u),
        Some(u) => SignIn::Done(u),
    }
}

/// `POST`: credentials, then MFA and consent when needed, then the code.
pub(crate) async fn submit(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params = Params::parse(query.unwrap_or_default().as_bytes());
    for (k, v) in Params::parse(&body).iter() {
        params.set(k, v);
    }
    let req = match validate(&emu, &tenant, &params) {
        Ok(req) => req,
        Err(stop) => return stop.into_response(),
    };
    if params.get("action") == Some("cancel") {
        return req.reply.error(&errors::user_declined_consent());
    }
    let user = match check_credentials(&emu, &params) {
        SignIn::Done(user) => user,
        SignIn::Retry(message) => return sign_in_form(&tenant, &params, req.app, Some(message)),
        SignIn::NeedsMfa(user) => {
            return Html(pages::mfa(&action_path(&tenant), &params, user)).into_response();
        }
    };
    let mut inner = emu.identity.lock();
    let consented = inner.consented(req.app, &user.id);
    let missing: Vec<String> = req
        .scope
        .graph
        .iter()
        .filter(|s| !consented.contains(*s))
        .cloned()
        .collect();
    let nothing_for_default = req.scope.default && consented.is_empty();
    if nothing_for_default {
        return req
            .reply
            .error(&errors::consent_required(&req.app.client_id, &req.app.name));
    }
    if !missing.is_empty() {
        if params.get("consent") != Some("yes") {
            let page = pages::consent(
                &action_path(&tenant),
                &params,
                &req.app.name,
                &missing,
                false,
            );
            return Html(page).into_response();
        }
        inner.grant_user_consent(&req.app.client_id, &user.id, &missing);
    }
    let graph = if req.scope.default {
        consented.into_iter().collect()
    } else {
        req.scope.graph.clone()
    };
    let code = format!("1.A{}", super::opaque(64));
    inner.codes.insert(
        code.clone(),
        AuthCode {
            client_id: req.app.client_id.clone(),
            user_id: user.id.clone(),
            redirect_uri: params.get("redirect_uri").map(str::to_string),
            graph,
            oidc: req.scope.oidc.clone(),
            nonce: params.get("nonce").map(str::to_string),
            challenge: req.challenge.clone(),
            expires_at: deadline(emu.identity.settings.auth_code_lifetime),
            redeemed: false,
        },
    );
    drop(inner);
    req.reply.send(vec![("code", code)])
}
