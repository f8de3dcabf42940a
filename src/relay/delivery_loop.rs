//! The relay's delivery loop: an in-memory index of queued entries by due time, fed by the
//! SMTP side over a channel. The queue folder is read only at start and every [`RESCAN`]
//! (for entries queued by `graphmail sendmail` or changed by `relay retry`), so accepting a
//! message costs no work that grows with the queue.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinSet;

use super::deliver::{self, Deliverer, Outcome};
use super::spool::{self, Area};

/// How often the queue folder is read again.
pub const RESCAN: Duration = Duration::from_secs(5);

/// Queued entries by due time (Unix seconds).
#[derive(Default)]
struct DueIndex {
    by_time: BTreeSet<(i64, String)>,
    by_id: HashMap<String, i64>,
}

impl DueIndex {
    fn set(&mut self, id: String, due: i64) {
        if let Some(old) = self.by_id.insert(id.clone(), due) {
            self.by_time.remove(&(old, id.clone()));
        }
        self.by_time.insert((due, id));
    }

    /// The entry due first, if it is due at `now`; it leaves the index.
    fn pop_due(&mut self, now: i64) -> Option<String> {
        let first = self.by_time.first()?;
        if first.0 > now {
            return None;
        }
        let (_, id) = self.by_time.pop_first()?;
        self.by_id.remove(&id);
        Some(id)
    }

    /// Keeps only the entries in `ids`.
    fn retain(&mut self, ids: &HashSet<String>) {
        self.by_id.retain(|id, _| ids.contains(id));
        self.by_time.retain(|(_, id)| ids.contains(id));
    }
}

/// The queue folder's entries that are not being delivered, with their due times.
fn scan(deliverer: &Deliverer, skip: &HashSet<String>) -> Option<Vec<(String, i64)>> {
    let ids = deliverer.spool.ids(Area::Queue).ok()?;
    Some(
        ids.into_iter()
            .filter(|id| !skip.contains(id))
            .map(|id| {
                let due = deliverer.spool.state(Area::Queue, &id).next_attempt;
                (id, due)
            })
            .collect(),
    )
}

/// Runs until `stop` is notified: delivers each accepted id at once, deferred entries when
/// they fall due, at most `workers` at a time, none while Graph is known to be unavailable.
pub async fn delivery_loop(
    deliverer: Arc<Deliverer>,
    mut accepted: UnboundedReceiver<String>,
    stop: Arc<Notify>,
) {
    let workers = deliverer.settings.workers.unwrap_or(8).max(1);
    let mut running: JoinSet<(String, Option<Outcome>)> = JoinSet::new();
    let mut in_flight: HashSet<String> = HashSet::new();
    let mut index = DueIndex::default();
    let mut next_scan = Instant::now();
    loop {
        if Instant::now() >= next_scan {
            let d = deliverer.clone();
            let skip = in_flight.clone();
            if let Ok(Some(found)) = tokio::task::spawn_blocking(move || scan(&d, &skip)).await {
                let present: HashSet<String> = found.iter().map(|(id, _)| id.clone()).collect();
                index.retain(&present);
                for (id, due) in found {
                    if !in_flight.contains(&id) {
                        index.set(id, due);
                    }
                }
            }
            next_scan = Instant::now() + RESCAN;
        }
        let now = spool::now();
        if !deliverer.held(now) {
            while running.len() < workers {
                let Some(id) = index.pop_due(now) else { break };
                in_flight.insert(id.clone());
                let d = deliverer.clone();
                running.spawn(async move {
                    let outcome = d.deliver_id(&id, false).await;
                    (id, outcome)
                });
            }
        }
        tokio::select! {
            _ = stop.notified() => break,
            Some(id) = accepted.recv() => {
                index.set(id, 0);
                while let Ok(id) = accepted.try_recv() {
                    index.set(id, 0);
                }
            }
            Some(done) = running.join_next(), if !running.is_empty() => {
                if let Ok(done) = done {
                    finished(&deliverer, &mut index, &mut in_flight, done);
                }
            }
            _ = tokio::time::sleep(deliver::TICK) => {}
        }
        while let Some(done) = running.try_join_next() {
            if let Ok(done) = done {
                finished(&deliverer, &mut index, &mut in_flight, done);
            }
        }
    }
    // Let deliveries in progress finish their current step; their stage is on disk either way.
    while running.join_next().await.is_some() {}
}

/// Books the end of one delivery: a deferred entry goes back into the index at its new time.
/// An entry not attempted (held by another process, not due, incomplete) is left to the next
/// scan.
fn finished(
    deliverer: &Deliverer,
    index: &mut DueIndex,
    in_flight: &mut HashSet<String>,
    (id, outcome): (String, Option<Outcome>),
) {
    in_flight.remove(&id);
    match outcome {
        Some(Outcome::Deferred(reason)) => {
            tracing::debug!(id, %reason, "deferred");
            let due = deliverer.spool.state(Area::Queue, &id).next_attempt;
            index.set(id, due);
        }
        Some(Outcome::Failed(reason)) => tracing::warn!(id, %reason, "failed"),
        Some(Outcome::Delivered) | None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_hands_out_due_entries_oldest_first_and_once() {
        let mut index = DueIndex::default();
        index.set("b".into(), 20);
        index.set("a".into(), 10);
        index.set("c".into(), 5);
        index.set("c".into(), 30);
        assert_eq!(index.pop_due(25).as_deref(), Some("a"));
        assert_eq!(index.pop_due(25).as_deref(), Some("b"));
        assert_eq!(index.pop_due(25), None, "c was moved to 30");
        index.retain(&HashSet::new());
        assert_eq!(index.pop_due(100), None);
    }
}
