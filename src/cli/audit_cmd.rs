//! `graphmail audit`: reads the audit log of changes made to mailboxes.

use serde_json::json;

use super::{AuditArgs, CliError, CliResult, GlobalArgs, output};
use crate::audit::{self, AuditRecord};
use crate::domain::sanitize;

/// `--since`: RFC 3339 (2026-11-01T08:00:00Z), a date (2026-11-01, UTC) or an age (30m, 12h, 7d).
pub(super) fn parse_since(text: &str, now: i64) -> Option<i64> {
    let text = text.trim();
    let rfc3339 = time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(text, &rfc3339) {
        return Some(t.unix_timestamp());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(text, date_format) {
        return Some(d.midnight().assume_utc().unix_timestamp());
    }
    let (split, _) = text.char_indices().last()?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().ok().filter(|n| *n >= 0)?;
    let secs = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    Some(now - n.checked_mul(secs)?)
}

/// `graphmail audit [--connector NAME] [--since WHEN] [--json]`
pub fn run(global: &GlobalArgs, args: AuditArgs) -> CliResult {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let since = match &args.since {
        None => None,
        Some(text) => Some(parse_since(text, now).ok_or_else(|| {
            CliError::usage(format!("--since '{}' is not a time graphmail understands", sanitize::line(text)))
                .with_fix("give a date (2026-11-01), an RFC 3339 time (2026-11-01T08:00:00Z) or an age (30m, 12h, 7d, 2w)")
        })?),
    };
    let path = audit::log_path(&super::vault_cmd::vault_path(global)?);
    let (records, unreadable) = audit::read(&path).map_err(|e| {
        CliError::failure(
            "audit_unreadable",
            format!("cannot read the audit log {}: {e}", path.display()),
        )
        .with_fix("check the file's permissions, or point GRAPHMAIL_AUDIT_LOG at the log")
    })?;
    if unreadable > 0 {
        crate::output::stderr(&format!(
            "warning: skipped {unreadable} unreadable line(s) in {}",
            path.display()
        ));
    }
    let shown: Vec<&AuditRecord> = records
        .iter()
        .filter(|r| args.connector.as_deref().is_none_or(|c| r.connector == c))
        .filter(|r| since.is_none_or(|s| r.unix_time().is_some_and(|t| t >= s)))
        .collect();
    if global.json {
        output::print_json(&json!({ "entries": shown }));
        return Ok(());
    }
    if shown.is_empty() {
        crate::output::stdout(&format!("no changes recorded in {}", path.display()));
    }
    for r in shown {
        crate::output::stdout(&human_line(r));
    }
    Ok(())
}

fn human_line(r: &AuditRecord) -> String {
    let mut line = format!(
        "{}  {}  {}  {}",
        sanitize::line(&r.time),
        sanitize::line(&r.connector),
        sanitize::line(&r.mailbox),
        sanitize::line(&r.action)
    );
    if let Some(id) = &r.message_id {
        line.push_str(&format!("  id {}", sanitize::line(id)));
    }
    if let Some(folder) = &r.folder {
        line.push_str(&format!("  to {}", sanitize::line(folder)));
    }
    if !r.recipients.is_empty() {
        line.push_str(&format!(
            "  recipients {}",
            sanitize::line(&r.recipients.join(", "))
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::parse_since;

    #[test]
    fn since_takes_dates_times_and_ages() {
        let now = 1_800_000_000;
        assert_eq!(parse_since("7d", now), Some(now - 7 * 86_400));
        assert_eq!(parse_since("30m", now), Some(now - 1800));
        assert_eq!(parse_since("1970-01-02", now), Some(86_400));
        assert_eq!(parse_since("1970-01-01T00:01:00Z", now), Some(60));
        assert_eq!(parse_since("yesterday", now), None);
        assert_eq!(parse_since("-3d", now), None);
    }
}
