//! `graphmail relay queue|status|retry|drop`, and the queue listing of `sendmail -bp`.

use serde_json::json;

use super::relay_cmd::area_name;
use super::{CliError, CliResult, GlobalArgs};
use crate::domain::sanitize;
use crate::relay::spool::{EntrySummary, now};
use crate::relay::{Area, Spool};

fn entries(spool: &Spool) -> CliResult<Vec<(Area, EntrySummary)>> {
    let mut out = Vec::new();
    for area in [Area::Queue, Area::Failed] {
        let list = spool
            .list(area)
            .map_err(|e| CliError::failure("spool", format!("cannot read the relay spool: {e}")))?;
        out.extend(list.into_iter().map(|e| (area, e)));
    }
    Ok(out)
}

/// Prints the queue (`--json`: one array).
pub(super) fn queue(global: &GlobalArgs, spool: &Spool) -> CliResult {
    let list = entries(spool)?;
    if global.json {
        let items: Vec<_> = list
            .iter()
            .map(|(area, e)| {
                json!({
                    "id": e.id,
                    "status": area_name(*area),
                    "sender": e.envelope.sender,
                    "recipients": e.envelope.recipients,
                    "received_at": e.envelope.received_at,
                    "size": e.size,
                    "attempts": e.state.attempts,
                    "next_attempt": e.state.next_attempt,
                    "last_error": e.state.last_error,
                    "failed_reason": e.state.failed_reason,
                })
            })
            .collect();
        crate::output::json(&json!(items));
        return Ok(());
    }
    print_table(&list);
    Ok(())
}

/// The human listing, as `mailq` lays it out: one block per message.
pub(super) fn print_table(list: &[(Area, EntrySummary)]) {
    if list.is_empty() {
        crate::output::stdout("The relay queue is empty.");
        return;
    }
    for (area, e) in list {
        let age = now().saturating_sub(e.envelope.received_at);
        crate::output::stdout(&format!(
            "{}  {:>8} B  {:>6}  {}  {}",
            e.id,
            e.size,
            format!("{}m", age / 60),
            area_name(*area),
            sanitize::line(&e.envelope.sender),
        ));
        for r in &e.envelope.recipients {
            crate::output::stdout(&format!("    to {}", sanitize::line(r)));
        }
        if let Some(why) = e
            .state
            .failed_reason
            .as_ref()
            .or(e.state.last_error.as_ref())
        {
            crate::output::stdout(&format!("    ({})", sanitize::line(why)));
        }
    }
    let failed = list.iter().filter(|(a, _)| *a == Area::Failed).count();
    crate::output::stdout(&format!("{} queued, {failed} failed", list.len() - failed));
}

pub(super) fn status(global: &GlobalArgs, spool: &Spool) -> CliResult {
    let list = entries(spool)?;
    let queued: Vec<_> = list.iter().filter(|(a, _)| *a == Area::Queue).collect();
    let failed = list.len() - queued.len();
    let oldest = queued
        .iter()
        .map(|(_, e)| now().saturating_sub(e.envelope.received_at))
        .max();
    let running = spool.relay_running();
    if global.json {
        crate::output::json(&json!({
            "relay_running": running,
            "spool": spool.root().display().to_string(),
            "queued": queued.len(),
            "failed": failed,
            "oldest_queued_seconds": oldest,
        }));
        return Ok(());
    }
    crate::output::stdout(&format!(
        "relay: {}",
        if running { "running" } else { "not running" }
    ));
    crate::output::stdout(&format!(
        "spool: {}",
        sanitize::line(&spool.root().display().to_string())
    ));
    crate::output::stdout(&format!("queued: {}", queued.len()));
    crate::output::stdout(&format!("failed: {failed}"));
    if let Some(age) = oldest {
        crate::output::stdout(&format!("oldest queued: {} min", age / 60));
    }
    Ok(())
}

fn no_such(id: &str) -> CliError {
    CliError::failure(
        "no_such_message",
        format!(
            "there is no message '{}' in the relay spool",
            sanitize::line(id)
        ),
    )
    .with_fix("`graphmail relay queue` lists the messages")
}

fn spool_error(e: std::io::Error) -> CliError {
    CliError::failure("spool", format!("cannot change the relay spool: {e}"))
}

pub(super) fn retry(spool: &Spool, id: Option<String>, all: bool) -> CliResult {
    let ids = match (id, all) {
        (Some(id), _) => vec![id],
        (None, true) => entries(spool)?.into_iter().map(|(_, e)| e.id).collect(),
        (None, false) => return Err(CliError::usage("name a message ID, or give --all")),
    };
    let mut n = 0;
    for id in &ids {
        if spool.retry(id).map_err(spool_error)? {
            n += 1;
        } else if !all {
            return Err(no_such(id));
        }
    }
    crate::output::stdout(&format!("{n} message(s) due for delivery now"));
    Ok(())
}

pub(super) fn drop(spool: &Spool, id: &str) -> CliResult {
    if !spool.drop_entry(id).map_err(spool_error)? {
        return Err(no_such(id));
    }
    crate::output::stdout(&format!("dropped {}", sanitize::line(id)));
    Ok(())
}
