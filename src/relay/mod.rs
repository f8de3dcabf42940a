//! `graphmail sendmail` and `graphmail relay`: mail from the server's own programs, sent
//! through a connector with Microsoft Graph.
//!
//! SMTP (or a sendmail pipe) in → the message and its envelope fsync'd into the spool →
//! 250 / exit 0 → the delivery worker turns the MIME into a Graph draft carrying the spool key
//! and sends it, exactly once (see `deliver.rs`).

pub mod convert;
pub mod deliver;
pub mod sendmail_args;
pub mod settings;
pub mod smtp;
pub mod spool;
pub mod users;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Notify;

pub use convert::{FromPolicy, SPOOL_KEY_PROPERTY};
pub use deliver::{Deliverer, Outcome, Target, TargetSource};
pub use settings::RelaySettings;
pub use spool::{Area, Envelope, Spool};

/// Runs the delivery loop until `stop` is notified: delivers what is due whenever a message
/// arrives, and once a second for deferred ones. At most `workers` deliveries at once.
pub async fn delivery_loop(deliverer: Arc<Deliverer>, accepted: Arc<Notify>, stop: Arc<Notify>) {
    let workers = deliverer.settings.workers.unwrap_or(8).max(1);
    let mut running: tokio::task::JoinSet<String> = tokio::task::JoinSet::new();
    let mut in_flight: std::collections::HashSet<String> = Default::default();
    // When each entry is due, so that deferred ones are not re-read every tick.
    let mut due: HashMap<String, i64> = HashMap::new();
    loop {
        let now = spool::now();
        if let Ok(ids) = deliverer.spool.ids(Area::Queue) {
            due.retain(|id, _| ids.binary_search(id).is_ok());
            for id in ids {
                if running.len() >= workers {
                    break;
                }
                if in_flight.contains(&id) || due.get(&id).is_some_and(|t| *t > now) {
                    continue;
                }
                let state = deliverer.spool.state(Area::Queue, &id);
                if state.next_attempt > now {
                    due.insert(id, state.next_attempt);
                    continue;
                }
                in_flight.insert(id.clone());
                let d = deliverer.clone();
                running.spawn(async move {
                    match d.deliver_id(&id, false).await {
                        Some(Outcome::Deferred(reason)) => {
                            tracing::debug!(id, %reason, "deferred")
                        }
                        Some(Outcome::Failed(reason)) => tracing::warn!(id, %reason, "failed"),
                        _ => {}
                    }
                    id
                });
            }
        }
        tokio::select! {
            _ = stop.notified() => break,
            _ = accepted.notified() => {}
            Some(done) = running.join_next(), if !running.is_empty() => {
                if let Ok(id) = done {
                    in_flight.remove(&id);
                    due.remove(&id);
                }
            }
            _ = tokio::time::sleep(deliver::TICK) => {}
        }
        // Collect everything else that finished meanwhile.
        while let Some(done) = running.try_join_next() {
            if let Ok(id) = done {
                in_flight.remove(&id);
                due.remove(&id);
            }
        }
    }
    // Let deliveries in progress finish their current step; their stage is on disk either way.
    while running.join_next().await.is_some() {}
}
