//! The audit line each mailbox-changing `graphmail mail` command appends (see [`crate::audit`]).

use std::path::PathBuf;

use super::{CliError, CliResult};
use crate::audit::{self, AuditRecord};

/// Where and for whom a mail command records its changes.
pub(super) struct MailAudit {
    pub path: PathBuf,
    pub connector: String,
    pub mailbox: String,
}

impl MailAudit {
    /// A record for `action` on this connector's mailbox, stamped now.
    pub fn record(&self, action: &str) -> AuditRecord {
        AuditRecord::now(&self.connector, &self.mailbox, action)
    }

    /// Appends `record`. The change already happened, so a failure says so.
    pub fn note(&self, record: AuditRecord) -> CliResult {
        audit::append(&self.path, &record).map_err(|e| {
            CliError::failure(
                "audit_failed",
                format!(
                    "the {} went through, but its audit line could not be written to {}: {e}",
                    record.action,
                    self.path.display()
                ),
            )
            .with_fix(format!(
                "make the folder writable, or point {} at a file you can write",
                audit::AUDIT_LOG_ENV
            ))
        })
    }
}
