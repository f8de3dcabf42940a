//! Testing a connector: a fresh access token, the user it belongs to, the scopes granted
//! against those requested, and the Inbox opened through Microsoft Graph. `graphmail connector
//! test` prints the result; the terminal app shows it in the connector list.

use std::sync::Arc;

use crate::domain::access::Access;
use crate::error::{Exit, SIGN_IN_AGAIN_IN_APP, UserError};
use crate::vault::{ConnectorEntry, Vault};

use super::{AuthError, FreshToken, OAuthHttp, scopes};

/// What a test found. `error` is the first thing that went wrong, if anything did.
#[derive(Debug)]
pub struct CheckReport {
    /// The signed-in user (or, app-only, the mailbox worked on).
    pub user: Option<String>,
    pub requested: Vec<String>,
    pub granted: Vec<String>,
    /// Requested scopes the identity platform did not grant (delegated grants only).
    pub missing: Vec<String>,
    /// The Inbox opened.
    pub mailbox_ok: bool,
    /// Unix seconds at which the access token used expires.
    pub expires_at: Option<i64>,
    /// Each thing checked, in order.
    pub checks: Vec<Check>,
    pub error: Option<CheckError>,
}

/// Why a test failed.
#[derive(Debug)]
pub enum CheckError {
    /// No access token could be had.
    Token(AuthError),
    /// Microsoft Graph could not be reached, or refused.
    Graph(GraphFailure),
    /// Requested permissions that were not granted.
    Missing(Vec<String>),
}

/// A Graph request that failed, in words, with the fix.
#[derive(Debug, Clone)]
pub struct GraphFailure {
    /// Stable, machine-readable: `network`, `graph_error` or `connector_incomplete`.
    pub code: &'static str,
    /// The HTTP status Graph answered with; `None` when it was not reached.
    pub status: Option<u16>,
    pub message: String,
    pub fix: Option<String>,
}

impl GraphFailure {
    fn new(code: &'static str, status: Option<u16>, message: String, fix: Option<&str>) -> Self {
        GraphFailure {
            code,
            status,
            message,
            fix: fix.map(str::to_string),
        }
    }

    /// Graph refused the token itself: only signing in again helps.
    pub fn needs_sign_in(&self) -> bool {
        self.status == Some(401)
    }
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Token(e) => e.fmt(f),
            CheckError::Graph(g) => f.write_str(&g.message),
            CheckError::Missing(m) => write!(f, "{}", missing_message(m)),
        }
    }
}

/// A failed test as the user sees it; a Graph 401 needs a person to sign in again (exit 4).
impl From<CheckError> for UserError {
    fn from(err: CheckError) -> Self {
        match err {
            CheckError::Token(e) => e.into(),
            CheckError::Graph(g) if g.needs_sign_in() => {
                UserError::new(Exit::SignIn, g.code, g.message)
                    .with_optional_fix(g.fix)
                    .with_app_fix(SIGN_IN_AGAIN_IN_APP)
            }
            CheckError::Graph(g) => {
                UserError::new(Exit::Failure, g.code, g.message).with_optional_fix(g.fix)
            }
            CheckError::Missing(m) => {
                UserError::new(Exit::NoPermission, "permission_missing", missing_message(&m))
                    .with_fix(
                        "add the missing permissions in the Azure portal → App registrations → API permissions (with admin consent where it is needed), then sign in again with `graphmail connector login NAME`",
                    )
                    .with_app_fix(format!(
                        "add the missing permissions in the Azure portal → App registrations → API permissions, then {SIGN_IN_AGAIN_IN_APP}"
                    ))
            }
        }
    }
}

/// One thing a test checked, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn new(name: &'static str, ok: bool, detail: impl Into<String>) -> Check {
        Check {
            name,
            ok,
            detail: detail.into(),
        }
    }
}

fn missing_message(missing: &[String]) -> String {
    format!(
        "the identity platform did not grant {} that the connector requests",
        missing.join(", ")
    )
}

/// Tests connector `entry` (as stored in `vault`) as it works now: renews its access token
/// through its grant (refresh token, client credentials or the stored ROPC password; the
/// renewal is saved), then checks only what the connector requested: the user named by the ID
/// token, `/me` when `User.Read` was granted, the Inbox when a read permission was granted.
/// Sending is reported as granted but never exercised.
pub async fn check_connector(
    vault: Arc<Vault>,
    entry: &ConnectorEntry,
    http: OAuthHttp,
) -> CheckReport {
    let requested = scopes::requested_scopes(&entry.connector);
    let mut report = CheckReport {
        user: None,
        requested: requested.clone(),
        granted: Vec::new(),
        missing: Vec::new(),
        mailbox_ok: false,
        expires_at: None,
        checks: Vec::new(),
        error: None,
    };
    let name = entry.connector.name.clone();
    // Passing the cached access token as the refused one makes the renewal happen even
    // while that token has time left: a revoked refresh token shows now, not in an hour.
    let cached = entry
        .tokens
        .as_ref()
        .and_then(|t| t.access_token.clone())
        .unwrap_or_default();
    let renewed =
        super::renew_access_token_async(vault, name, http, secrecy::SecretString::from(cached))
            .await;
    let token = match renewed {
        Err(e) => {
            report
                .checks
                .push(Check::new("token", false, sentence_of(&e.to_string())));
            report.error = Some(CheckError::Token(e));
            return report;
        }
        Ok(token) => token,
    };
    report.checks.push(Check::new(
        "token",
        true,
        format!(
            "renewed through the {} grant",
            entry.connector.grant.label()
        ),
    ));
    report.expires_at = Some(token.expires_at);
    report.user = token.user.clone();
    report.granted = token.granted_scopes.clone();
    let delegated = entry.connector.grant.is_delegated();
    if delegated {
        report.missing = scopes::missing_scopes(&requested, &token.granted_scopes);
        let who = match &report.user {
            Some(u) => Check::new(
                "user",
                true,
                format!("signed in as {u} (from the ID token)"),
            ),
            None => Check::new("user", false, "the ID token named no user"),
        };
        report.checks.push(who);
    }
    let access = Access::of(&entry.connector, &token.granted_scopes);
    let result = probe_graph(entry, &token, access, &mut report).await;
    if report.missing.is_empty() {
        report.checks.push(Check::new(
            "scopes",
            true,
            "every requested permission was granted",
        ));
    } else {
        for m in &report.missing {
            report.checks.push(Check::new(
                "scopes",
                false,
                format!(
                    "{m} was requested but not granted, so graphmail cannot {}",
                    scopes::what_it_disables(m)
                ),
            ));
        }
    }
    if let Err(e) = result {
        report.error = Some(CheckError::Graph(e));
    } else if !report.missing.is_empty() {
        report.error = Some(CheckError::Missing(report.missing.clone()));
    }
    report
}

fn sentence_of(text: &str) -> String {
    crate::domain::sanitize::line(text).into_owned()
}

async fn probe_graph(
    entry: &ConnectorEntry,
    token: &FreshToken,
    access: Access,
    report: &mut CheckReport,
) -> Result<(), GraphFailure> {
    let client = crate::http::graph_client().map_err(|e| {
        GraphFailure::new("network", None, format!("cannot set up HTTPS: {e}"), None)
    })?;
    let api = entry.connector.cloud.graph_api();
    let app_only = !entry.connector.grant.is_delegated();
    let base = if app_only {
        match &entry.connector.mailbox {
            Some(mailbox) => {
                report.user = Some(mailbox.clone());
                format!("{api}/users/{}", url_segment(mailbox))
            }
            None => {
                return Err(GraphFailure::new(
                    "connector_incomplete",
                    None,
                    "an app-only connector needs the mailbox it works on".into(),
                    Some("set it with `graphmail connector edit NAME --mailbox user@domain`"),
                ));
            }
        }
    } else {
        format!("{api}/me")
    };
    if !app_only && access.profile {
        match graph_get(&client, &base, token).await {
            Ok(user) => {
                let upn = user
                    .get("userPrincipalName")
                    .or_else(|| user.get("mail"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("(no name)");
                report
                    .checks
                    .push(Check::new("profile", true, format!("/me answered: {upn}")));
            }
            Err(e) => {
                report.checks.push(Check::new("profile", false, &e.message));
                return Err(e);
            }
        }
    }
    if access.read {
        match graph_get(&client, &format!("{base}/mailFolders/inbox"), token).await {
            Ok(_) => {
                report.mailbox_ok = true;
                report
                    .checks
                    .push(Check::new("mailbox", true, "the Inbox opened"));
            }
            Err(e) => {
                report.checks.push(Check::new("mailbox", false, &e.message));
                return Err(e);
            }
        }
    }
    if access.send {
        report
            .checks
            .push(Check::new("send", true, "granted, not exercised"));
    }
    Ok(())
}

fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn graph_get(
    client: &reqwest::Client,
    url: &str,
    token: &FreshToken,
) -> Result<serde_json::Value, GraphFailure> {
    let path = url
        .split_once("/v1.0")
        .map(|(_, p)| p)
        .unwrap_or(url)
        .to_string();
    let response = client
        .get(url)
        .bearer_auth(token.secret())
        .send()
        .await
        .map_err(|e| {
            GraphFailure::new(
                "network",
                None,
                format!(
                    "cannot reach Microsoft Graph: {}",
                    super::network_message(&e)
                ),
                Some(
                    "check the network and the connector's cloud (`graphmail connector show NAME`)",
                ),
            )
        })?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let code = body["error"]["code"].as_str().unwrap_or("unknown");
    let message = body["error"]["message"].as_str().unwrap_or("");
    let fix = match status.as_u16() {
        401 => "sign in again with `graphmail connector login NAME`",
        403 => {
            "grant the missing permissions (and admin consent) in the Azure portal → App registrations → API permissions, then sign in again"
        }
        404 => {
            "check the connector's mailbox (`graphmail connector show NAME`); the user must have an Exchange Online mailbox"
        }
        _ => "try again later",
    };
    Err(GraphFailure::new(
        "graph_error",
        Some(status.as_u16()),
        format!(
            "Microsoft Graph refused GET {path} with HTTP {} ({code}{}{message})",
            status.as_u16(),
            if message.is_empty() { "" } else { ": " }
        ),
        Some(fix),
    ))
}
