//! The audit line each mailbox-changing `graphmail mail` command appends (see [`crate::audit`]).

use std::path::PathBuf;

use super::error::graph_error;
use crate::audit::{self, AuditRecord};
use crate::cli::{CliError, CliResult};
use crate::domain::reply::{Original, reply_recipients};
use crate::graph::{Address, BodyFormat, GraphClient, GraphError};

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

    /// Whom a reply to `id` goes to, as Graph's reply actions address it, for the audit line
    /// and the output. The mailbox's own address is asked of Graph when the vault does not know it.
    pub async fn reply_recipients(
        &self,
        client: &GraphClient,
        id: &str,
        all: bool,
    ) -> CliResult<Vec<String>> {
        let original = match client.message(id, BodyFormat::Text).await {
            Ok(m) => m,
            // Allowed to send but not to read: the reply still goes; its line names nobody.
            Err(GraphError::Api { status: 403, .. }) => return Ok(Vec::new()),
            Err(e) => return Err(graph_error(e)),
        };
        let mut own = vec![self.mailbox.clone()];
        // Not knowing the mailbox only costs naming it among the recipients.
        if all
            && self.mailbox == "me"
            && let Ok(owner) = client.mailbox_owner().await
        {
            own = vec![owner.mail, owner.user_principal_name];
        }
        let own: Vec<&str> = own.iter().map(String::as_str).collect();
        let who = reply_recipients(
            Original {
                from: original.from.as_ref().map(|a| a.address.as_str()),
                reply_to: &addresses(&original.reply_to),
                to: &addresses(&original.to),
                cc: &addresses(&original.cc),
            },
            all,
            &own,
        );
        Ok(who.all())
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

fn addresses(list: &[Address]) -> Vec<&str> {
    list.iter().map(|a| a.address.as_str()).collect()
}
