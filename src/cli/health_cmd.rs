//! `graphmail connector status` and `graphmail refresh`: token health, and renewal without a
//! person for cron jobs and systemd timers.

use serde_json::{Value, json};

use super::signin_cmd::{rfc3339, runtime};
use super::vault_cmd::unlock_vault;
use super::{CliError, CliResult, Exit, GlobalArgs, RefreshArgs, output};
use crate::auth::{self, AuthError, OAuthHttp};
use crate::domain::health::{self, REFRESH_INACTIVITY_DAYS, TokenFacts, TokenHealth};
use crate::domain::{Grant, sanitize};
use crate::vault::{ConnectorEntry, TokenCache};

fn facts(entry: &ConnectorEntry) -> TokenFacts {
    let t = entry.tokens.as_ref();
    TokenFacts {
        has_access_token: t.is_some_and(|t| t.access_token.is_some()),
        expires_at: t.and_then(|t| t.expires_at),
        has_refresh_token: t
            .and_then(|t| t.refresh_token.as_deref())
            .is_some_and(|r| !r.is_empty()),
        refresh_issued_at: t.and_then(|t| t.refresh_issued_at),
        last_success: t.and_then(|t| t.last_success),
        last_error: t.and_then(|t| t.last_error.clone()),
        self_renewing: entry.connector.grant == Grant::ClientCredentials
            || (entry.connector.grant == Grant::Ropc && entry.secrets.password.is_some()),
    }
}

/// The token health as the terminal app's connector list words it: one model for both.
fn health_text(entry: &ConnectorEntry, now: i64) -> String {
    crate::app::TokenHealth::of(&crate::worker::connector_row(entry).token, now).label()
}

fn status_json(entry: &ConnectorEntry, f: &TokenFacts, h: &TokenHealth, now: i64) -> Value {
    let t: Option<&TokenCache> = entry.tokens.as_ref();
    json!({
        "name": entry.connector.name,
        "grant": entry.connector.grant.as_str(),
        "health": h.health,
        "token_health": health_text(entry, now),
        "user": t.and_then(|t| t.user.clone()),
        "access_token": {
            "present": f.has_access_token,
            "expires_at": f.has_access_token.then_some(f.expires_at).flatten().map(rfc3339),
            "expires_in_secs": h.access_expires_in,
        },
        "refresh_token": {
            "present": f.has_refresh_token,
            "issued_at": f.has_refresh_token.then_some(f.refresh_issued_at).flatten().map(rfc3339),
            "age_days": h.refresh_age_days,
            "inactivity_limit_days": REFRESH_INACTIVITY_DAYS,
            "days_left": h.refresh_days_left,
        },
        "last_success": f.last_success.map(rfc3339),
        "last_error": f.last_error.as_deref().map(|e| sanitize::line(e).into_owned()),
    })
}

fn duration(secs: i64) -> String {
    let abs = secs.abs();
    let text = if abs >= 86_400 {
        format!("{}d", abs / 86_400)
    } else if abs >= 3600 {
        format!("{}h{:02}m", abs / 3600, abs % 3600 / 60)
    } else {
        format!("{}m", abs / 60)
    };
    if secs < 0 {
        format!("expired {text} ago")
    } else {
        format!("in {text}")
    }
}

fn status_human(entry: &ConnectorEntry, f: &TokenFacts, h: &TokenHealth, now: i64) -> String {
    let mut out = format!(
        "{} ({}): {}\n",
        sanitize::line(&entry.connector.name),
        entry.connector.grant.as_str(),
        health_text(entry, now)
    );
    let access = match h.access_expires_in {
        Some(s) => duration(s),
        None => "none".into(),
    };
    out.push_str(&format!("  access token:   {access}\n"));
    let refresh = match (f.has_refresh_token, h.refresh_age_days, h.refresh_days_left) {
        (false, ..) => "none".to_string(),
        (true, Some(age), Some(left)) if age < REFRESH_INACTIVITY_DAYS => {
            format!("{age} days old, {left} of {REFRESH_INACTIVITY_DAYS} inactivity days left")
        }
        (true, Some(age), Some(_)) => {
            format!("{age} days old, past the {REFRESH_INACTIVITY_DAYS}-day inactivity limit")
        }
        (true, ..) => "present, age unknown".to_string(),
    };
    out.push_str(&format!("  refresh token:  {refresh}\n"));
    let last = f
        .last_success
        .map(rfc3339)
        .unwrap_or_else(|| "never".into());
    out.push_str(&format!("  last success:   {last}\n"));
    if let Some(e) = &f.last_error {
        out.push_str(&format!("  last error:     {}\n", sanitize::line(e)));
    }
    out
}

/// `graphmail connector status [--json]`
pub fn status(global: &GlobalArgs) -> CliResult {
    let vault = unlock_vault(global)?;
    let doc = vault.read()?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let rows: Vec<(&ConnectorEntry, TokenFacts, TokenHealth)> = doc
        .connectors
        .iter()
        .map(|e| {
            let f = facts(e);
            let h = health::assess(e.connector.grant, &f, now);
            (e, f, h)
        })
        .collect();
    if global.json {
        // A bare array, like every list-like `--json` output.
        let list: Vec<Value> = rows
            .iter()
            .map(|(e, f, h)| status_json(e, f, h, now))
            .collect();
        output::print_json(&json!(list));
    } else if rows.is_empty() {
        crate::output::stdout("no connectors yet; add one with `graphmail connector add NAME …`");
    } else {
        let text: Vec<String> = rows
            .iter()
            .map(|(e, f, h)| status_human(e, f, h, now))
            .collect();
        crate::output::print(&text.join("\n"));
    }
    Ok(())
}

/// The outcome of renewing one connector.
enum Outcome {
    Renewed { expires_at: i64 },
    NeedsPerson(CliError),
    Failed(CliError),
}

/// `graphmail refresh [--all | NAME]`
pub fn refresh(global: &GlobalArgs, args: RefreshArgs) -> CliResult {
    let vault = unlock_vault(global)?;
    let names: Vec<String> = {
        let doc = vault.read()?;
        match &args.name {
            Some(name) => {
                if doc.get(name).is_none() {
                    return Err(CliError::from(AuthError::UnknownConnector(name.clone())));
                }
                vec![name.clone()]
            }
            None => doc
                .connectors
                .iter()
                .map(|e| e.connector.name.clone())
                .collect(),
        }
    };
    let http = OAuthHttp::new().map_err(CliError::from)?;
    let rt = runtime()?;
    let mut needs_person = Vec::new();
    let mut failed = Vec::new();
    for name in &names {
        let outcome = renew_one(&vault, name, &http, &rt);
        report(global.json, name, &outcome);
        match outcome {
            Outcome::Renewed { .. } => {}
            Outcome::NeedsPerson(_) => needs_person.push(name.clone()),
            Outcome::Failed(_) => failed.push(name.clone()),
        }
    }
    if !needs_person.is_empty() {
        let list = needs_person.join(", ");
        let (what, fix) = match needs_person.as_slice() {
            [one] => (
                format!("connector {one} needs a person to sign in again"),
                format!("run `graphmail connector login {one}`"),
            ),
            _ => (
                format!("connectors {list} need a person to sign in again"),
                "run `graphmail connector login NAME` for each of them".to_string(),
            ),
        };
        return Err(CliError::new(Exit::SignIn, "sign_in_needed", what).with_fix(fix));
    }
    if !failed.is_empty() {
        return Err(CliError::failure(
            "refresh_failed",
            format!("could not renew the tokens of {}", failed.join(", ")),
        )
        .with_fix("see the reason above each name, then run `graphmail refresh` again"));
    }
    Ok(())
}

fn renew_one(
    vault: &crate::vault::Vault,
    name: &str,
    http: &OAuthHttp,
    rt: &tokio::runtime::Runtime,
) -> Outcome {
    // Passing the current access token as the refused one makes the renewal happen even
    // when that token still has time left.
    let current = match vault.read() {
        Ok(doc) => doc
            .get(name)
            .and_then(|e| e.tokens.as_ref())
            .and_then(|t| t.access_token.clone())
            .unwrap_or_default(),
        Err(e) => return Outcome::Failed(e.into()),
    };
    match auth::renew_access_token(vault, name, http, rt.handle(), &current) {
        Ok(token) => Outcome::Renewed {
            expires_at: token.expires_at,
        },
        Err(err) => {
            let person = err.needs_sign_in();
            let message = err.to_string();
            let cli = CliError::from(err);
            // Remember the failure for `connector status`; the tokens stay as they were.
            let noted = vault.update(|doc| {
                if let Some(entry) = doc.get_mut(name) {
                    entry
                        .tokens
                        .get_or_insert_with(TokenCache::default)
                        .last_error = Some(sanitize::line(&message).into_owned());
                }
                Ok::<_, crate::vault::VaultError>(())
            });
            if let Err(e) = noted {
                tracing::warn!(connector = name, error = %e, "could not note the renewal failure");
            }
            if person {
                Outcome::NeedsPerson(cli)
            } else {
                Outcome::Failed(cli)
            }
        }
    }
}

fn report(json: bool, name: &str, outcome: &Outcome) {
    match (json, outcome) {
        (true, Outcome::Renewed { expires_at }) => output::print_json(&json!({
            "connector": name, "ok": true, "expires_at": rfc3339(*expires_at),
        })),
        (true, Outcome::NeedsPerson(e) | Outcome::Failed(e)) => output::print_json(&json!({
            "connector": name,
            "ok": false,
            "needs_sign_in": matches!(outcome, Outcome::NeedsPerson(_)),
            "code": e.code,
            "message": e.message,
        })),
        (false, Outcome::Renewed { expires_at }) => crate::output::stdout(&format!(
            "{}: renewed, access token valid until {}",
            sanitize::line(name),
            rfc3339(*expires_at)
        )),
        (false, Outcome::NeedsPerson(e)) => crate::output::stderr(&format!(
            "{}: needs sign-in: {}",
            sanitize::line(name),
            e.message
        )),
        (false, Outcome::Failed(e)) => {
            crate::output::stderr(&format!("{}: failed: {}", sanitize::line(name), e.message))
        }
    }
}
