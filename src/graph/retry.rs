//! When to try a Graph request again, and how long to wait first. Pure: the client feeds it
//! what happened and sleeps for what it says.

use std::time::Duration;

/// How a call may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Reads, PATCH, DELETE, upload chunks: repeating them leaves the mailbox as one call would.
    Safe,
    /// A POST that changes the mailbox (move, create a draft): repeated only when Graph surely
    /// did not act on it (429, 401, a connection that never opened).
    Once,
    /// Sends mail (sendMail, reply, replyAll, forward, send): like `Once`, and an unknown outcome
    /// is reported as "may have been sent".
    Sends,
}

/// What went wrong with one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// 429: Graph did not act on the request.
    Throttled { retry_after: Option<Duration> },
    /// 503 or 504: the service may or may not have acted on it.
    Unavailable { retry_after: Option<Duration> },
    /// 500 and other 5xx without a retry promise.
    ServerError,
    /// The connection could not be opened: the request never left.
    NotSent,
    /// Timeout or a connection dropped after the request went out.
    Ambiguous,
}

/// The decision for one failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    RetryAfter(Duration),
    /// Stop: retrying would exceed the attempt or wait budget.
    GiveUp,
    /// Stop: the outcome is unknown and the call must not be repeated.
    Unknown,
}

/// Limits on retrying. The defaults suit an interactive tool: a throttled listing rides out a
/// minute of 429s, a dead service is reported within seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Attempts when the server promised nothing (no answer, or a 5xx without `Retry-After`):
    /// a service that is down is reported within seconds.
    pub max_blind_attempts: u32,
    /// The most time spent waiting between attempts of one call.
    pub max_total_wait: Duration,
    /// First backoff when the server gives no `Retry-After`; doubles each time.
    pub base_backoff: Duration,
    /// The largest backoff step.
    pub max_backoff: Duration,
    /// The most time one call may take, every attempt and wait included: no attempt starts
    /// after it, however many the attempt limits still allow.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            max_blind_attempts: 4,
            max_total_wait: Duration::from_secs(90),
            base_backoff: Duration::from_millis(400),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(180),
        }
    }
}

impl RetryPolicy {
    /// Whether another attempt may start after waiting `wait`, `elapsed` into the call.
    pub(crate) fn has_time_for(&self, elapsed: Duration, wait: Duration) -> bool {
        elapsed.saturating_add(wait) < self.max_elapsed
    }

    /// Decides what to do after failed attempt number `attempt` (1-based), having waited
    /// `waited` so far. `jitter` is a random number in `[0, 1)`.
    pub(crate) fn next(
        &self,
        replay: Replay,
        failure: Failure,
        attempt: u32,
        waited: Duration,
        jitter: f64,
    ) -> Next {
        let retry_after = match (replay, failure) {
            (_, Failure::Throttled { retry_after }) => retry_after,
            (_, Failure::NotSent) => None,
            (Replay::Safe, Failure::Unavailable { retry_after }) => retry_after,
            (Replay::Safe, Failure::ServerError | Failure::Ambiguous) => None,
            (Replay::Once | Replay::Sends, _) => return Next::Unknown,
        };
        let limit = match retry_after {
            Some(_) => self.max_attempts,
            None => self.max_blind_attempts.min(self.max_attempts),
        };
        if attempt >= limit {
            return Next::GiveUp;
        }
        let wait = match retry_after {
            // Never earlier than the server asked; spread clients out by up to 10% (max 1 s).
            Some(ra) => ra + ra.mul_f64(0.1).min(Duration::from_secs(1)).mul_f64(jitter),
            None => {
                let step = self
                    .base_backoff
                    .saturating_mul(1 << (attempt - 1).min(16))
                    .min(self.max_backoff);
                // "Equal jitter": at least half the step, so retries never bunch up at zero.
                step.mul_f64(0.5 + 0.5 * jitter)
            }
        };
        if waited + wait > self.max_total_wait {
            Next::GiveUp
        } else {
            Next::RetryAfter(wait)
        }
    }
}

/// Parses a `Retry-After` value in seconds; Graph sends whole (`10`) and fractional (`2.128`)
/// values. HTTP dates and nonsense give `None`, and the caller backs off on its own.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    if secs.is_finite() && secs >= 0.0 {
        // An absurd value is clamped; the total-wait cap then decides.
        Some(Duration::from_secs_f64(secs.min(3600.0)))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(f64) -> Duration = Duration::from_secs_f64;

    #[test]
    fn no_attempt_starts_past_the_call_deadline() {
        let p = RetryPolicy::default();
        assert!(p.has_time_for(S(0.0), S(1.0)));
        assert!(p.has_time_for(S(120.0), S(10.0)));
        // A first attempt that dripped for the whole request deadline leaves room for one more;
        // a second one does not.
        assert!(!p.has_time_for(S(240.0), S(0.5)));
        assert!(!p.has_time_for(p.max_elapsed, S(0.0)));
    }

    #[test]
    fn retry_after_accepts_whole_and_fractional_seconds() {
        assert_eq!(parse_retry_after("10"), Some(S(10.0)));
        assert_eq!(parse_retry_after(" 1.5 "), Some(S(1.5)));
        assert_eq!(parse_retry_after("2.128"), Some(S(2.128)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("NaN"), None);
    }

    #[test]
    fn a_throttled_call_waits_at_least_retry_after_plus_bounded_jitter() {
        let p = RetryPolicy::default();
        let f = Failure::Throttled {
            retry_after: Some(S(1.5)),
        };
        for replay in [Replay::Safe, Replay::Once, Replay::Sends] {
            assert_eq!(p.next(replay, f, 1, S(0.0), 0.0), Next::RetryAfter(S(1.5)));
            let Next::RetryAfter(w) = p.next(replay, f, 1, S(0.0), 0.999) else {
                panic!("429 is always retried")
            };
            assert!(w >= S(1.5) && w <= S(1.65), "{w:?}");
        }
    }

    #[test]
    fn an_unknown_outcome_is_never_retried_for_calls_that_change_the_mailbox() {
        let p = RetryPolicy::default();
        for f in [
            Failure::Ambiguous,
            Failure::ServerError,
            Failure::Unavailable {
                retry_after: Some(S(1.0)),
            },
        ] {
            assert_eq!(p.next(Replay::Sends, f, 1, S(0.0), 0.5), Next::Unknown);
            assert_eq!(p.next(Replay::Once, f, 1, S(0.0), 0.5), Next::Unknown);
            assert!(matches!(
                p.next(Replay::Safe, f, 1, S(0.0), 0.5),
                Next::RetryAfter(_)
            ));
        }
        assert!(matches!(
            p.next(Replay::Sends, Failure::NotSent, 1, S(0.0), 0.5),
            Next::RetryAfter(_)
        ));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_caps() {
        let p = RetryPolicy::default();
        let f = Failure::ServerError;
        let w = |attempt, jitter| match p.next(Replay::Safe, f, attempt, S(0.0), jitter) {
            Next::RetryAfter(w) => w,
            other => panic!("{other:?}"),
        };
        assert_eq!(w(1, 0.0), S(0.2));
        assert_eq!(w(1, 1.0), S(0.4));
        assert_eq!(w(2, 1.0), S(0.8));
        assert_eq!(w(3, 1.0), S(1.6));
        assert_eq!(p.next(Replay::Safe, f, 4, S(0.0), 0.0), Next::GiveUp);
        let patient = RetryPolicy {
            max_blind_attempts: 20,
            ..p
        };
        assert_eq!(
            patient.next(Replay::Safe, f, 7, S(0.0), 1.0),
            Next::RetryAfter(S(10.0))
        );
        assert_eq!(patient.next(Replay::Safe, f, 8, S(0.0), 0.0), Next::GiveUp);
        let throttled = Failure::Throttled {
            retry_after: Some(S(1.0)),
        };
        assert!(matches!(
            p.next(Replay::Safe, throttled, 7, S(0.0), 0.0),
            Next::RetryAfter(_)
        ));
        let near_cap = p.max_total_wait - S(0.1);
        let long = Failure::Throttled {
            retry_after: Some(S(5.0)),
        };
        assert_eq!(p.next(Replay::Safe, long, 2, near_cap, 0.0), Next::GiveUp);
    }
}
