//! Exchange's concurrency limit: at most N requests of one app to one mailbox in flight at once
//! (4 by default); the next one gets 429 `ApplicationThrottled` with `Retry-After`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// In-flight requests per (app, mailbox).
#[derive(Default)]
pub struct Throttle {
    in_flight: Arc<Mutex<HashMap<(String, usize), usize>>>,
}

/// Holds one in-flight place until dropped.
pub struct Slot {
    in_flight: Arc<Mutex<HashMap<(String, usize), usize>>>,
    key: (String, usize),
}

impl Throttle {
    /// Takes a place for `app` on `mailbox`, or `None` when `limit` are already taken.
    /// A `limit` of 0 means no limit.
    pub fn enter(&self, app: &str, mailbox: usize, limit: usize) -> Option<Slot> {
        let key = (app.to_owned(), mailbox);
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(key.clone()).or_default();
        if limit > 0 && *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            in_flight: self.in_flight.clone(),
            key,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_concurrent_request_is_refused_until_one_finishes() {
        let t = Throttle::default();
        let slots: Vec<_> = (0..4).map(|_| t.enter("app", 0, 4).unwrap()).collect();
        assert!(t.enter("app", 0, 4).is_none());
        assert!(
            t.enter("app", 1, 4).is_some(),
            "another mailbox has its own limit"
        );
        assert!(
            t.enter("other", 0, 4).is_some(),
            "another app has its own limit"
        );
        drop(slots);
        assert!(t.enter("app", 0, 4).is_some());
        assert!(t.enter("app", 0, 0).is_some());
    }
}
