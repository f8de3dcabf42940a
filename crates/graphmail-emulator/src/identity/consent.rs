//! Admin consent: `/{tenant}/v2.0/adminconsent` (scopes) and the legacy `/{tenant}/adminconsent`.
//! An administrator signs in and grants the app's permissions for the whole tenant.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Response};

use super::authorize::{ReplyTo, SignIn, check_credentials, reply_target};
use super::errors::{self, AadError};
use super::scopes::ScopeRequest;
use super::{Params, TenantRoute, pages};
use crate::Emulator;
use crate::tenant::AppSeed;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    V2,
    Legacy,
}

impl Flavour {
    fn path(self, tenant: &str) -> String {
        match self {
            Flavour::V2 => format!("/{tenant}/v2.0/adminconsent"),
            Flavour::Legacy => format!("/{tenant}/adminconsent"),
        }
    }

    /// The redirect for a declined or failed consent.
    fn refusal(self, reply: &ReplyTo, err: &AadError) -> Response {
        match self {
            Flavour::V2 => reply.send(vec![
                ("admin_consent", "True".into()),
                ("error", err.error.into()),
                ("error_description", err.short()),
            ]),
            Flavour::Legacy => reply.send(vec![
                ("error", "permission_denied".into()),
                ("error_description", "The admin canceled the request".into()),
            ]),
        }
    }
}

struct ConsentRequest<'a> {
    app: &'a AppSeed,
    reply: ReplyTo,
    scope: Option<ScopeRequest>,
}

fn validate<'a>(
    emu: &'a Emulator,
    tenant: &str,
    params: &Params,
    flavour: Flavour,
) -> Result<ConsentRequest<'a>, Box<Response>> {
    let (app, route, reply) = reply_target(emu, tenant, params).map_err(|e| Box::new(e.page()))?;
    if flavour == Flavour::V2 && route == TenantRoute::Common {
        return Err(Box::new(
            errors::common_for_single_tenant_app(&app.client_id, &app.name).page(),
        ));
    }
    let scope = match flavour {
        Flavour::Legacy => None,
        Flavour::V2 => {
            let parsed = params.require("scope").and_then(ScopeRequest::parse);
            match parsed {
                Ok(s) => Some(s),
                Err(e) => return Err(Box::new(flavour.refusal(&reply, &e))),
            }
        }
    };
    Ok(ConsentRequest { app, reply, scope })
}

fn merged_params(query: Option<String>, body: &[u8]) -> Params {
    let mut params = Params::parse(query.unwrap_or_default().as_bytes());
    for (k, v) in Params::parse(body).iter() {
        params.set(k, v);
    }
    params
}

fn show(
    emu: &Emulator,
    tenant: &str,
    params: &Params,
    flavour: Flavour,
    error: Option<&str>,
) -> Response {
    let req = match validate(emu, tenant, params, flavour) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let action = flavour.path(tenant);
    Html(pages::sign_in(&pages::SignInPage {
        title: "Admin consent",
        intro: format!(
            "Sign in with an administrator account to grant {} its permissions for {}.",
            req.app.name, emu.tenant.tenant.display_name
        ),
        action: &action,
        params,
        error,
    }))
    .into_response()
}

fn submit(emu: &Emulator, tenant: &str, params: &Params, flavour: Flavour) -> Response {
    let req = match validate(emu, tenant, params, flavour) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let declined = AadError::new(
        "consent_required",
        65004,
        "The resource owner or authorization server denied the request.",
    );
    if params.get("action") == Some("cancel") {
        return flavour.refusal(&req.reply, &declined);
    }
    let user = match check_credentials(emu, params) {
        SignIn::Done(user) => user,
        SignIn::Retry(message) => return show(emu, tenant, params, flavour, Some(message)),
        SignIn::NeedsMfa(user) => {
            return Html(pages::mfa(&flavour.path(tenant), params, user)).into_response();
        }
    };
    if !user.admin {
        return show(
            emu,
            tenant,
            params,
            flavour,
            Some(
                "AADSTS90094: The grant requires admin permission. Sign in with an administrator account.",
            ),
        );
    }
    let wanted = req.scope.as_ref().map(pages::describe).unwrap_or_default();
    if params.get("consent") != Some("yes") {
        let page = pages::consent(&flavour.path(tenant), params, &req.app.name, &wanted, true);
        return Html(page).into_response();
    }
    if let Some(scope) = &req.scope {
        emu.identity
            .lock()
            .tenant_consents
            .entry(req.app.client_id.to_ascii_lowercase())
            .or_default()
            .extend(scope.graph.iter().cloned());
    }
    let tenant_id = emu.tenant.tenant.id.clone();
    match flavour {
        Flavour::V2 => req.reply.send(vec![
            ("admin_consent", "True".into()),
            ("tenant", tenant_id),
            ("scope", params.get("scope").unwrap_or_default().to_string()),
        ]),
        Flavour::Legacy => req.reply.send(vec![
            ("tenant", tenant_id),
            ("admin_consent", "True".into()),
        ]),
    }
}

pub(crate) async fn show_v2(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    show(&emu, &tenant, &merged_params(q, &[]), Flavour::V2, None)
}

pub(crate) async fn submit_v2(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    submit(&emu, &tenant, &merged_params(q, &body), Flavour::V2)
}

pub(crate) async fn show_legacy(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    show(&emu, &tenant, &merged_params(q, &[]), Flavour::Legacy, None)
}

pub(crate) async fn submit_legacy(
    State(emu): State<Arc<Emulator>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    submit(&emu, &tenant, &merged_params(q, &body), Flavour::Legacy)
}
