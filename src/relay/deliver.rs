//! Delivery of spool entries through Graph, exactly once.
//!
//! One path for every message: MIME → draft JSON carrying the entry's key (created in one
//! POST) → large attachments → send. Before each request that may change the mailbox the
//! stage is written to the spool, so after a crash or an ambiguous failure (timeout, dropped
//! connection, 5xx) the key is looked up in Sent Items and Drafts before anything is repeated:
//! found sent → done; found as a draft → send it; found nowhere twice, the second time at least
//! `lookup_settle` after the failure → create it again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::graph::{GraphClient, GraphError, KeyLookup};

use super::convert::{self, ConvertError, SPOOL_KEY_PROPERTY, SenderRules};
use super::settings::RelaySettings;
use super::spool::{Area, Claimed, DeliveryState, Envelope, Spool, Stage, now};

/// A connector ready to send: its Graph client and its mailbox's address.
pub struct Target {
    pub connector: String,
    pub client: GraphClient,
    /// The mailbox address, when known (the connector's mailbox or the signed-in user).
    pub mailbox: Option<String>,
}

/// Opens connectors by name (`None`: the default one).
pub trait TargetSource: Send + Sync {
    fn open(&self, connector: Option<&str>) -> Result<Target, String>;
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Still queued; tried again at `next_attempt`.
    Deferred(String),
    /// Moved to the failed folder.
    Failed(String),
}

/// Delivers spool entries.
pub struct Deliverer {
    pub spool: Spool,
    pub settings: RelaySettings,
    source: Box<dyn TargetSource>,
    targets: Mutex<HashMap<Option<String>, Arc<Target>>>,
    /// Where one line per relayed message goes.
    audit: Option<PathBuf>,
    /// Unix seconds before which the relay starts no delivery: Graph did not answer a lookup.
    hold_until: AtomicI64,
}

/// How long the relay waits after Graph failed to answer a lookup before it starts new
/// deliveries (each would only fail the same way and cost spool writes).
pub const HOLD: i64 = 30;

/// Entries that stayed incomplete this long (seconds) were never acknowledged: removed.
const STALE_INCOMPLETE: u64 = 3600;

/// How a Graph failure affects an entry.
enum Class {
    /// Graph refused for good (bad recipient, no permission).
    Permanent(String),
    /// The request may have taken effect: look the key up.
    Ambiguous(String),
}

fn classify(e: &GraphError) -> Class {
    match e {
        GraphError::Api { status, .. }
            if (400..500).contains(status) && ![401, 408, 429].contains(status) =>
        {
            Class::Permanent(e.to_string())
        }
        // Anything else after a request went out may have taken effect (a 201 whose body
        // broke off is a draft that exists), and a lookup settles it cheaply.
        _ => Class::Ambiguous(e.to_string()),
    }
}

/// Seconds to wait before try `attempts` + 1 after a temporary failure: 30 s doubling, at most an hour.
fn backoff(attempts: u32) -> i64 {
    (30i64 << attempts.min(10).saturating_sub(1)).min(3600)
}

impl Deliverer {
    pub fn new(
        spool: Spool,
        settings: RelaySettings,
        source: Box<dyn TargetSource>,
        audit: Option<PathBuf>,
    ) -> Deliverer {
        Deliverer {
            spool,
            settings,
            source,
            targets: Mutex::new(HashMap::new()),
            audit,
            hold_until: AtomicI64::new(0),
        }
    }

    /// Whether new deliveries wait at `now` because Graph was unavailable.
    pub fn held(&self, now: i64) -> bool {
        self.hold_until.load(Ordering::Relaxed) > now
    }

    /// The target for a connector name, opened once.
    pub fn target(&self, name: Option<&str>) -> Result<Arc<Target>, String> {
        let key = name.map(str::to_string);
        if let Some(t) = self
            .targets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(t.clone());
        }
        let t = Arc::new(self.source.open(name)?);
        self.targets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, t.clone());
        Ok(t)
    }

    /// Tries to deliver one entry. `force` ignores its next-attempt time.
    pub async fn deliver_id(&self, id: &str, force: bool) -> Option<Outcome> {
        let mut claimed = self.spool.claim(id)?;
        let state = self.spool.state(Area::Queue, id);
        if !force && state.next_attempt > now() {
            return None;
        }
        let entry = match claimed.read() {
            Ok(entry) => entry,
            Err(e) if super::spool::is_incomplete(&e) => {
                drop(claimed);
                if self.spool.remove_stale_incomplete(id, STALE_INCOMPLETE) {
                    tracing::warn!(
                        id,
                        "removed an entry whose writer stopped before acknowledging it"
                    );
                }
                return None;
            }
            Err(e) => {
                tracing::error!(id, error = %e, "spool read failed");
                return Some(Outcome::Deferred(format!(
                    "the spool could not be read: {e}"
                )));
            }
        };
        Some(match self.deliver(claimed, entry, state).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!(id, error = %e, "spool write failed");
                Outcome::Deferred(format!("the spool could not be written: {e}"))
            }
        })
    }

    async fn deliver(
        &self,
        claimed: Claimed,
        (envelope, raw): (Envelope, Vec<u8>),
        mut state: DeliveryState,
    ) -> std::io::Result<Outcome> {
        let id = claimed.id.clone();
        let age = now().saturating_sub(envelope.received_at);
        if age > self.settings.max_age().as_secs() as i64 {
            let reason = format!(
                "not delivered within {} hours ({})",
                self.settings.max_age().as_secs() / 3600,
                state
                    .last_error
                    .as_deref()
                    .unwrap_or("no attempt succeeded")
            );
            return self.fail(claimed, state, reason);
        }
        let connector = envelope.connector.clone().or_else(|| {
            self.settings
                .connector_for(&envelope.sender, envelope.auth_user.as_deref())
        });
        state.attempts += 1;
        let target = match self.target(connector.as_deref()) {
            Ok(t) => t,
            Err(e) => return self.defer(&id, state, e),
        };
        let recipients = match self.recipients(&envelope, &target) {
            Ok(r) => r,
            Err(e) => return self.fail(claimed, state, e.0),
        };
        let rules = SenderRules {
            mailbox: target.mailbox.clone(),
            send_as: self.settings.send_as.clone(),
            policy: self.settings.from_policy,
        };
        let draft = match convert::to_draft(&raw, &id, &recipients, &rules) {
            Ok(d) => d,
            Err(e) => return self.fail(claimed, state, e.0),
        };
        drop(raw);
        if !draft.header_only.is_empty() {
            tracing::info!(id, not_delivered = ?draft.header_only, "header addresses that are not envelope recipients were not delivered");
        }
        // A stage found at the start whose request went out without a recorded outcome.
        if matches!(state.stage, Stage::Creating | Stage::Sending { .. }) {
            let sent = matches!(state.stage, Stage::Sending { .. });
            state.stage = Stage::Unknown {
                since: now(),
                nowhere: 0,
                sent,
            };
            self.spool.set_state(&id, &state)?;
        }
        let client = &target.client;
        let settle = self.settings.lookup_settle().as_secs() as i64;
        // Each step moves the stage on; a bound keeps a confused mailbox from looping here.
        for _ in 0..8 {
            match state.stage.clone() {
                Stage::New => {
                    state.stage = Stage::Creating;
                    self.spool.set_state(&id, &state)?;
                    match client.create_draft(&draft.json).await {
                        Ok(draft_id) => {
                            state.stage = Stage::Uploading { draft_id };
                        }
                        Err(e) => match classify(&e) {
                            Class::Permanent(r) => return self.fail(claimed, state, r),
                            Class::Ambiguous(r) => self.ambiguous(&id, &mut state, r, false)?,
                        },
                    }
                }
                Stage::Uploading { draft_id } => {
                    if !draft.large.is_empty() {
                        self.spool.set_state(&id, &state)?;
                        if let Err(e) = client.attach_to_draft(&draft_id, &draft.large).await {
                            // An incomplete draft is never sent: remove it and start over.
                            if let Class::Permanent(r) = classify(&e) {
                                let _ = client.discard_draft(&draft_id).await;
                                return self.fail(claimed, state, r);
                            }
                            if client.discard_draft(&draft_id).await.is_ok() {
                                state.stage = Stage::New;
                            }
                            return self.defer(&id, state, e.to_string());
                        }
                    }
                    state.stage = Stage::Sending { draft_id };
                }
                Stage::Sending { draft_id } => {
                    self.spool.set_state(&id, &state)?;
                    match client.send_draft(&draft_id).await {
                        Ok(()) => return self.delivered(claimed, &target, &draft, &envelope),
                        Err(e) => match classify(&e) {
                            Class::Permanent(r) => return self.fail(claimed, state, r),
                            Class::Ambiguous(r) => self.ambiguous(&id, &mut state, r, true)?,
                        },
                    }
                }
                Stage::Creating => {
                    // Only reached from a fresh start (handled above); treat as unknown.
                    state.stage = Stage::Unknown {
                        since: now(),
                        nowhere: 0,
                        sent: false,
                    };
                }
                Stage::Unknown {
                    since,
                    nowhere,
                    sent,
                } => {
                    let found = match client.find_by_property(SPOOL_KEY_PROPERTY, &id).await {
                        Ok(found) => found,
                        Err(e) => {
                            self.hold_until.fetch_max(now() + HOLD, Ordering::Relaxed);
                            tracing::warn!(error = %e, seconds = HOLD, "Graph did not answer a lookup; new deliveries wait");
                            return self.defer(&id, state, e.to_string());
                        }
                    };
                    tracing::info!(id, ?found, "looked up after an ambiguous failure");
                    let waited = now() - since;
                    match found {
                        KeyLookup::Sent => {
                            return self.delivered(claimed, &target, &draft, &envelope);
                        }
                        // A draft whose send went out may still be on its way to Sent Items.
                        KeyLookup::Draft(_) if sent && waited < settle => {
                            return self.defer_until(
                                &id,
                                state,
                                since + settle,
                                "sent; waiting for Sent Items",
                            );
                        }
                        KeyLookup::Draft(draft_id) if !sent => {
                            state.stage = Stage::Uploading { draft_id };
                        }
                        KeyLookup::Draft(draft_id) => state.stage = Stage::Sending { draft_id },
                        KeyLookup::Nowhere => {
                            let nowhere = nowhere + 1;
                            if nowhere >= 2 && waited >= settle {
                                state.stage = Stage::New;
                            } else {
                                state.stage = Stage::Unknown {
                                    since,
                                    nowhere,
                                    sent,
                                };
                                if waited < settle {
                                    return self.defer_until(
                                        &id,
                                        state,
                                        since + settle,
                                        "not found yet; looking again",
                                    );
                                }
                            }
                            self.spool.set_state(&id, &state)?;
                        }
                    }
                }
            }
        }
        self.defer(
            &id,
            state,
            "delivery did not settle; trying again later".into(),
        )
    }

    /// Records an ambiguous failure: the next step is a lookup. Not written to the spool
    /// here: the lookup's outcome is written before anything else happens, and a crash before
    /// that leaves `Creating`/`Sending` on disk, which is read as "look it up" too.
    fn ambiguous(
        &self,
        id: &str,
        state: &mut DeliveryState,
        reason: String,
        sent: bool,
    ) -> std::io::Result<()> {
        tracing::info!(id, %reason, sent, "outcome unknown; the key will be looked up");
        state.last_error = Some(reason);
        state.stage = Stage::Unknown {
            since: now(),
            nowhere: 0,
            sent,
        };
        Ok(())
    }

    /// Bare names through the aliases, else to the connector's mailbox.
    fn recipients(
        &self,
        envelope: &Envelope,
        target: &Target,
    ) -> Result<Vec<String>, ConvertError> {
        envelope
            .recipients
            .iter()
            .map(|r| {
                self.settings
                    .map_recipient(r, target.mailbox.as_deref())
                    .ok_or_else(|| {
                        ConvertError(format!(
                            "'{r}' is a local name with no alias in [relay.aliases], and the mailbox of connector '{}' is not known",
                            target.connector
                        ))
                    })
            })
            .collect()
    }

    fn delivered(
        &self,
        claimed: Claimed,
        target: &Target,
        draft: &convert::Draft,
        envelope: &Envelope,
    ) -> std::io::Result<Outcome> {
        let id = claimed.id.clone();
        self.spool.remove(claimed)?;
        tracing::info!(id, connector = %target.connector, source = %envelope.source, recipients = draft.to.len() + draft.cc.len() + draft.bcc.len(), "relayed");
        if let Some(path) = &self.audit {
            let mailbox = crate::audit::mailbox_name(target.mailbox.as_deref(), None);
            let mut record = crate::audit::AuditRecord::now(&target.connector, &mailbox, "relay");
            record.message_id = Some(id);
            record.recipients = crate::audit::recipients(&draft.to, &draft.cc, &draft.bcc);
            if let Err(e) = crate::audit::append(path, &record) {
                tracing::warn!(error = %e, "could not write the audit log");
            }
        }
        Ok(Outcome::Delivered)
    }

    fn fail(
        &self,
        claimed: Claimed,
        state: DeliveryState,
        reason: String,
    ) -> std::io::Result<Outcome> {
        tracing::warn!(id = %claimed.id, %reason, "message moved to the failed folder");
        self.spool.fail(claimed, state, &reason)?;
        Ok(Outcome::Failed(reason))
    }

    fn defer(&self, id: &str, state: DeliveryState, reason: String) -> std::io::Result<Outcome> {
        let when = now() + backoff(state.attempts);
        self.defer_until(id, state, when, &reason)
    }

    fn defer_until(
        &self,
        id: &str,
        mut state: DeliveryState,
        when: i64,
        reason: &str,
    ) -> std::io::Result<Outcome> {
        tracing::info!(id, %reason, in_seconds = when - now(), "delivery deferred");
        state.next_attempt = when;
        if state.last_error.is_none() || !reason.contains("looking again") {
            state.last_error = Some(reason.to_string());
        }
        self.spool.set_state(id, &state)?;
        Ok(Outcome::Deferred(reason.to_string()))
    }

    /// Delivers every due entry (all with `force`), `workers` at a time, until the queue has
    /// nothing due. Returns how many were delivered, deferred and failed.
    pub async fn drain(self: &Arc<Self>, force: bool) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        let ids = self.spool.ids(Area::Queue).unwrap_or_default();
        let workers = self.settings.workers.unwrap_or(8).max(1);
        let sem = Arc::new(tokio::sync::Semaphore::new(workers));
        let mut set = tokio::task::JoinSet::new();
        for id in ids {
            let Ok(permit) = sem.clone().acquire_owned().await else {
                break;
            };
            let me = self.clone();
            set.spawn(async move {
                let out = me.deliver_id(&id, force).await;
                drop(permit);
                out
            });
        }
        while let Some(done) = set.join_next().await {
            match done.ok().flatten() {
                Some(Outcome::Delivered) => counts.0 += 1,
                Some(Outcome::Deferred(_)) => counts.1 += 1,
                Some(Outcome::Failed(_)) => counts.2 += 1,
                None => {}
            }
        }
        counts
    }
}

/// How often the relay looks for entries that became due.
pub const TICK: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_final_and_everything_else_is_looked_up() {
        let api = |status| GraphError::Api {
            status,
            code: "ErrorInvalidRecipients".into(),
            message: "bad".into(),
        };
        assert!(matches!(classify(&api(400)), Class::Permanent(_)));
        assert!(matches!(classify(&api(403)), Class::Permanent(_)));
        assert!(matches!(classify(&api(429)), Class::Ambiguous(_)));
        assert!(matches!(classify(&api(401)), Class::Ambiguous(_)));
        let dropped = GraphError::MaybeSent {
            action: "send",
            detail: "connection closed".into(),
        };
        assert!(matches!(classify(&dropped), Class::Ambiguous(_)));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), 30);
        assert_eq!(backoff(2), 60);
        assert_eq!(backoff(30), 3600);
    }
}
