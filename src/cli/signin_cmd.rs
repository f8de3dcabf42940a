//! `graphmail connector login | test | logout` and `graphmail token`.

use std::io::{BufRead, Write};
use std::sync::Arc;

use serde_json::json;
use tokio::runtime::Runtime;

use super::vault_cmd::unlock_vault;
use super::{CliError, CliResult, GlobalArgs, output};
use crate::auth::{
    self, AuthError, BrowserChoice, CheckReport, FlowContext, OAuthHttp, Prompt, SignInOptions,
    TokenSet, scopes,
};
use crate::domain::Grant;
use crate::vault::{ConnectorEntry, Vault};

pub(super) fn runtime() -> CliResult<Runtime> {
    // Multi-threaded: token renewal blocks on the vault lock and drives HTTP on the workers.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::failure("runtime", format!("cannot start the async runtime: {e}")))
}

pub(super) fn http() -> CliResult<OAuthHttp> {
    OAuthHttp::new().map_err(CliError::from)
}

fn entry(vault: &Vault, name: &str) -> CliResult<ConnectorEntry> {
    let doc = vault.read()?;
    doc.get(name)
        .cloned()
        .ok_or_else(|| CliError::from(AuthError::UnknownConnector(name.to_string())))
}

pub(super) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Lines typed on standard input, read on their own thread (a blocked read never holds up
/// the exit).
fn stdin_lines() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// `graphmail connector login NAME [--no-browser]`
pub fn login(global: &GlobalArgs, name: &str, no_browser: bool) -> CliResult {
    let vault = unlock_vault(global)?;
    let entry = entry(&vault, name)?;
    let ctx = FlowContext::new(&entry);
    let http = http()?;
    let rt = runtime()?;
    let json = global.json;
    let pasted = (entry.connector.grant == Grant::AuthCode).then(stdin_lines);
    let options = SignInOptions { no_browser, pasted };
    let mut show = |p: &Prompt| show_prompt(p, &ctx, json);
    let result = rt.block_on(async {
        tokio::select! {
            r = auth::sign_in(&ctx, &http, options, &mut show) => r,
            _ = tokio::signal::ctrl_c() => Err(AuthError::Cancelled),
        }
    });
    let saved = result.and_then(|set| auth::save_sign_in(&vault, name, &set).map(|()| set));
    match saved {
        Ok(set) => {
            report_signed_in(name, &set, json);
            Ok(())
        }
        Err(err) => {
            // With --json, the stream's last event: the `error` object every command prints,
            // with the sign-in's own fields beside it.
            let event = json!({
                "event": "error",
                "code": err.decoded().map(|d| d.error.clone()).unwrap_or_else(|| err.code().to_string()),
                "aadsts": err.aadsts(),
                "description": err.decoded().and_then(|d| d.description.clone()),
                "message": err.to_string(),
                "fix": err.fix(),
            });
            Err(CliError::from(err).with_json_fields(event))
        }
    }
}

fn show_prompt(prompt: &Prompt, ctx: &FlowContext, json: bool) {
    match prompt {
        Prompt::AuthorizeUrl {
            url,
            redirect_uri,
            listening,
            browser,
            ssh_hint,
        } => {
            let port = ctx.connector.redirect_port;
            let taken = listening.is_none().then(|| {
                crate::domain::connector::port_in_use(port, |other| {
                    format!(
                        "`graphmail connector edit {} --redirect-port {other}`",
                        ctx.connector.name
                    )
                })
            });
            if json {
                output::print_json(&json!({
                    "event": "authorize_url",
                    "url": url,
                    "redirect_uri": redirect_uri,
                    "listening": listening.map(|a| a.to_string()),
                    "port_in_use": taken,
                    "browser": browser.as_str(),
                    "ssh_forward": ssh_hint,
                }));
                return;
            }
            if let Some(taken) = &taken {
                crate::output::stderr(&format!("warning: {taken}"));
            }
            let mut out = std::io::stdout().lock();
            let _ = crate::output::write_text(
                &mut out,
                &format!(
                    "Sign in connector '{}' in a browser at:\n\n  {url}\n",
                    ctx.connector.name
                ),
            );
            match browser {
                BrowserChoice::Open => {
                    let _ = crate::output::write_text(
                        &mut out,
                        "(Your browser was opened with this address.)",
                    );
                }
                BrowserChoice::Ssh => {
                    if let Some(hint) = ssh_hint {
                        let _ = crate::output::write_text(
                            &mut out,
                            &format!(
                                "This is an SSH session. To let the browser on your own machine reach graphmail here,\nrun this on your machine first, then open the address there:\n\n  {hint}\n"
                            ),
                        );
                    }
                }
                BrowserChoice::NoDesktop | BrowserChoice::Refused => {}
            }
            if let Some(addr) = listening {
                let _ = crate::output::write_text(
                    &mut out,
                    &format!(
                        "Waiting for the browser to return to {redirect_uri} (listening on {addr})."
                    ),
                );
            }
            let _ = crate::output::write_text(
                &mut out,
                &format!(
                    "Or paste the address the browser ends on (it starts with {redirect_uri}) and press Enter:"
                ),
            );
            let _ = out.flush();
        }
        Prompt::DeviceCode {
            verification_uri,
            user_code,
            expires_in,
            interval,
            message,
        } => {
            if json {
                output::print_json(&json!({
                    "event": "device_code",
                    "verification_uri": verification_uri,
                    "user_code": user_code,
                    "expires_in": expires_in,
                    "interval": interval,
                    "message": message,
                }));
                return;
            }
            let mut out = std::io::stdout().lock();
            let text = message.clone().unwrap_or_else(|| {
                format!("To sign in, open {verification_uri} on any device and enter the code {user_code}.")
            });
            let _ = crate::output::write_text(
                &mut out,
                &format!(
                    "{text}\n\n  Page: {verification_uri}\n  Code: {user_code}\n\nWaiting for the sign-in (the code works for {} minutes; Ctrl-C cancels)…",
                    expires_in.div_ceil(60)
                ),
            );
            let _ = out.flush();
        }
    }
}

fn report_signed_in(name: &str, set: &TokenSet, json: bool) {
    if json {
        output::print_json(&json!({
            "event": "signed_in",
            "user": set.user,
            "scopes": set.granted_scopes,
            "expires_at": rfc3339(set.expires_at),
        }));
        return;
    }
    let who = set.user.as_deref().unwrap_or("the app itself (app-only)");
    crate::output::stdout(&format!("Signed in connector '{name}' as {who}."));
    if !set.granted_scopes.is_empty() {
        crate::output::stdout(&format!("Granted: {}", set.granted_scopes.join(" ")));
    }
    crate::output::stdout(&format!(
        "The access token is valid until {}.",
        rfc3339(set.expires_at)
    ));
}

/// `graphmail connector logout NAME`
pub fn logout(global: &GlobalArgs, name: &str) -> CliResult {
    let vault = unlock_vault(global)?;
    let had = auth::forget_tokens(&vault, name).map_err(CliError::from)?;
    tracing::info!(connector = name, had_tokens = had, "signed out");
    if global.json {
        output::print_json(&json!({ "ok": true, "signed_out": had }));
    } else if had {
        crate::output::stdout(&format!(
            "Signed out connector '{name}': its tokens are forgotten."
        ));
    } else {
        crate::output::stdout(&format!("Connector '{name}' was not signed in."));
    }
    Ok(())
}

/// `graphmail connector test NAME`
pub fn test(global: &GlobalArgs, name: &str) -> CliResult {
    let vault = Arc::new(unlock_vault(global)?);
    let entry = entry(&vault, name)?;
    let http = http()?;
    let rt = runtime()?;
    let mut report = rt.block_on(auth::check_connector(vault.clone(), &entry, http));
    let error = report
        .error
        .take()
        .map(|e| CliError::from(e).for_connector(name));
    print_report(name, &report, error.as_ref(), global.json);
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn print_report(name: &str, r: &CheckReport, error: Option<&CliError>, json: bool) {
    if json {
        output::print_json(&json!({
            "ok": error.is_none(),
            "user": r.user,
            "requested_scopes": r.requested,
            "granted_scopes": r.granted,
            "missing_scopes": r.missing,
            "missing_disables": r.missing.iter().map(|s| json!({"scope": s, "disables": scopes::what_it_disables(s)})).collect::<Vec<_>>(),
            "mailbox_ok": r.mailbox_ok,
            "expires_at": r.expires_at.map(rfc3339),
            "checks": r.checks.iter().map(|c| json!({"name": c.name, "ok": c.ok, "detail": c.detail})).collect::<Vec<_>>(),
            "error": error.map(|e| json!({"code": e.code, "message": e.message, "fix": e.fix})),
        }));
        return;
    }
    let mut out = format!("Connector '{name}'\n");
    out.push_str(&format!("  requested: {}\n", r.requested.join(" ")));
    let granted = if r.granted.is_empty() {
        "(none reported)".to_string()
    } else {
        r.granted.join(" ")
    };
    out.push_str(&format!("  granted:   {granted}\n"));
    for c in &r.checks {
        let mark = if c.ok { "ok  " } else { "FAIL" };
        out.push_str(&format!("  {mark} {:<8} {}\n", c.name, c.detail));
    }
    if let Some(exp) = r.expires_at {
        out.push_str(&format!("  token valid until {}\n", rfc3339(exp)));
    }
    if error.is_none() {
        out.push_str("OK\n");
    }
    crate::output::stdout(out.trim_end());
}
