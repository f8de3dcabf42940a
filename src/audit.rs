//! The audit log: one JSON line per change graphmail makes to a mailbox (send, reply,
//! forward, move, delete, mark), in `audit.jsonl` next to the vault. A record names who did
//! what to which message, and the recipients of what was sent; never a body, a subject, a
//! token or a secret. The file is created 0600.

use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Overrides where the audit log lives (tests, or a log kept elsewhere).
pub const AUDIT_LOG_ENV: &str = "GRAPHMAIL_AUDIT_LOG";
/// The file name next to the vault.
pub const AUDIT_FILE: &str = "audit.jsonl";

/// One change to a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// RFC 3339, UTC.
    pub time: String,
    pub connector: String,
    /// The mailbox changed: its address, or "me" for the signed-in user when unknown.
    pub mailbox: String,
    /// send, reply, reply_all, forward, move, delete, delete_hard, mark_read, mark_unread
    pub action: String,
    /// The message acted on (none for a new message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Where a move or delete put the message, when Graph said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_message_id: Option<String>,
    /// The destination folder of a move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// Every address a send or forward went to (to, cc and bcc).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

impl AuditRecord {
    /// A record stamped now.
    pub fn now(connector: &str, mailbox: &str, action: &str) -> AuditRecord {
        let time = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        AuditRecord {
            time,
            connector: connector.to_string(),
            mailbox: mailbox.to_string(),
            action: action.to_string(),
            message_id: None,
            new_message_id: None,
            folder: None,
            recipients: Vec::new(),
        }
    }

    /// The time as a Unix timestamp, when it parses.
    pub fn unix_time(&self) -> Option<i64> {
        time::OffsetDateTime::parse(&self.time, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|t| t.unix_timestamp())
    }
}

/// The mailbox a connector changes, as its audit lines name it: the connector's target
/// mailbox, else the signed-in user, else "me".
pub fn mailbox_name(target: Option<&str>, user: Option<&str>) -> String {
    target
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .or(user)
        .unwrap_or("me")
        .to_owned()
}

/// Every address a message went to: to, cc and bcc.
pub fn recipients(to: &[String], cc: &[String], bcc: &[String]) -> Vec<String> {
    to.iter().chain(cc).chain(bcc).cloned().collect()
}

/// The audit log for a vault at `vault_path`: `GRAPHMAIL_AUDIT_LOG`, else `audit.jsonl` in
/// the vault's folder.
pub fn log_path(vault_path: &Path) -> PathBuf {
    match std::env::var_os(AUDIT_LOG_ENV).filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => vault_path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(AUDIT_FILE),
    }
}

/// Appends one record as one line, creating the file 0600 (and tightening it if it is not).
pub fn append(path: &Path, record: &AuditRecord) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut file = crate::private::open(path, OpenOptions::new().append(true).create(true))?;
    // One write of the whole line, so lines from processes appending at once stay whole.
    file.write_all(&line)?;
    file.sync_data()
}

/// Every record in the log, oldest first, and how many lines could not be read. A missing
/// file is an empty log.
pub fn read(path: &Path) -> io::Result<(Vec<AuditRecord>, usize)> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut records = Vec::new();
    let mut unreadable = 0;
    for line in BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(r) => records.push(r),
            Err(_) => unreadable += 1,
        }
    }
    Ok((records, unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn records_append_as_lines_in_a_private_file_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(AUDIT_FILE);
        let mut first = AuditRecord::now("ops", "me", "send");
        first.recipients = vec!["a@example.test".into()];
        let mut second = AuditRecord::now("ops", "me", "move");
        second.message_id = Some("AAMk1".into());
        second.folder = Some("archive".into());
        append(&path, &first).unwrap();
        append(&path, &second).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        fs::write(&path, format!("{text}not json\n")).unwrap();
        let (records, bad) = read(&path).unwrap();
        assert_eq!(records, vec![first, second]);
        assert_eq!(bad, 1);
        assert!(records[0].unix_time().is_some());
    }

    #[test]
    fn a_missing_log_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let (records, bad) = read(&dir.path().join("none.jsonl")).unwrap();
        assert!(records.is_empty());
        assert_eq!(bad, 0);
    }
}
