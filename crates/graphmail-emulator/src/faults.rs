//! Fault injection: added latency, 429 with `Retry-After`, 500/503, dropped connections.
//!
//! Faults come from `graphmail emulator --faults SPEC` or `POST /_emulator/faults`, and can be
//! changed while the emulator runs. They never touch `/_emulator/` paths.
//!
//! # Spec syntax
//!
//! ```text
//! SPEC   = RULE *( ";" RULE )               an empty spec clears every fault
//! RULE   = FAULT *( "," OPTION )
//! FAULT  = "latency=" DURATION              hold the request this long (250ms, 2s, 1.5s)
//!        | "429" [ "=" SECONDS ]            429 TooManyRequests, Retry-After SECONDS (default 1; 1.5 allowed)
//!        | "500"                            500 generalException
//!        | "503" [ "=" SECONDS ]            503 serviceNotAvailable, Retry-After when given
//!        | "drop" [ "=before" | "=after" ]  close the connection with no response; "after" lets the
//!                                           request take effect first (a sendMail is recorded), "before"
//!                                           (the default) does not
//!        | "concurrency=" N                 in-flight limit per app and mailbox before 429
//!                                           ApplicationThrottled (default 4; 0 = no limit); no options
//!        | "sent_delay=" DURATION           a sent message reaches Sent Items this late (the
//!                                           recipients and the sent hook get it at once), as
//!                                           Exchange sometimes files it late; no options
//! OPTION = "every=" K        fire on the K-th, 2K-th, … matching request
//!        | "share=" P        fire on a share P (0..1) of matching requests, from a seeded RNG
//!        | "seed=" N         seed for "share" (default 1), so runs repeat exactly
//!        | "path=" GLOB      only requests whose path matches; "*" matches any run of characters
//!        | "method=" M       only this HTTP method
//!        | "times=" N        fire at most N times
//! ```
//!
//! Without `every`/`share` a rule fires on every matching request. Every latency rule that fires
//! adds its delay; of the other rules, the first that fires (in spec order) decides the answer,
//! and the rules after it do not see that request. The delay counts as time in flight, so it
//! also holds a throttling place.
//!
//! Examples: `latency=300ms` · `429=1.5,every=3` · `503=2,share=0.1,seed=7` ·
//! `drop=after,path=*/sendMail,times=1` · `concurrency=0;500,path=/v1.0/me/mailFolders*`.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Emulator;
use super::graph::errors::{GraphError, RequestIds};

/// The in-flight limit per app and mailbox when the spec does not set one.
pub const DEFAULT_CONCURRENCY: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropWhen {
    Before,
    After,
}

#[derive(Debug, Clone, PartialEq)]
enum Action {
    Latency(Duration),
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    Drop(DropWhen),
}

#[derive(Debug, Clone)]
enum Pick {
    All,
    Every(u64),
    Share(f64),
}

#[derive(Debug, Clone)]
struct Rule {
    action: Action,
    pick: Pick,
    seed: u64,
    rng: StdRng,
    path: Option<String>,
    method: Option<Method>,
    times: Option<u64>,
    seen: u64,
    fired: u64,
}

impl Rule {
    fn applies(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method)
            && self.path.as_deref().is_none_or(|g| glob_match(g, path))
    }

    fn fire(&mut self) -> bool {
        if self.times.is_some_and(|t| self.fired >= t) {
            return false;
        }
        self.seen += 1;
        let hit = match self.pick {
            Pick::All => true,
            Pick::Every(k) => self.seen.is_multiple_of(k),
            Pick::Share(p) => self.rng.r#gen::<f64>() < p,
        };
        if hit {
            self.fired += 1;
        }
        hit
    }
}

#[derive(Debug, Clone)]
struct FaultSet {
    spec: String,
    rules: Vec<Rule>,
    concurrency: usize,
    sent_delay: Duration,
}

impl Default for FaultSet {
    fn default() -> Self {
        FaultSet {
            spec: String::new(),
            rules: vec![],
            concurrency: DEFAULT_CONCURRENCY,
            sent_delay: Duration::ZERO,
        }
    }
}

/// The faults in force.
#[derive(Default)]
pub struct Faults {
    set: Mutex<FaultSet>,
}

/// What happens to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    Drop(DropWhen),
}

impl Faults {
    /// Parses a spec (syntax in the module docs); the error names the rule and part at fault.
    pub fn parse(spec: &str) -> Result<Faults, String> {
        Ok(Faults {
            set: Mutex::new(parse_set(spec)?),
        })
    }

    /// Replaces the faults in force; on a parse error nothing changes.
    pub fn set_spec(&self, spec: &str) -> Result<(), String> {
        let parsed = parse_set(spec)?;
        *self.lock() = parsed;
        Ok(())
    }

    /// The spec in force, as given.
    pub fn spec(&self) -> String {
        self.lock().spec.clone()
    }

    /// In-flight limit per app and mailbox (0 = none).
    pub fn concurrency(&self) -> usize {
        self.lock().concurrency
    }

    /// How late a sent message appears in Sent Items.
    pub fn sent_delay(&self) -> Duration {
        self.lock().sent_delay
    }

    /// Decides the added latency and outcome of one request (and counts it).
    pub fn decide(&self, method: &Method, path: &str) -> (Duration, Outcome) {
        let mut set = self.lock();
        let mut latency = Duration::ZERO;
        let mut outcome = Outcome::Pass;
        for rule in set.rules.iter_mut() {
            if !rule.applies(method, path) {
                continue;
            }
            match rule.action.clone() {
                Action::Latency(d) if rule.fire() => {
                    latency += d;
                }
                Action::Status { code, retry_after } if outcome == Outcome::Pass && rule.fire() => {
                    outcome = Outcome::Status { code, retry_after };
                }
                Action::Drop(when) if outcome == Outcome::Pass && rule.fire() => {
                    outcome = Outcome::Drop(when);
                }
                _ => {}
            }
        }
        (latency, outcome)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultSet> {
        self.set
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn parse_set(spec: &str) -> Result<FaultSet, String> {
    let mut set = FaultSet {
        spec: spec.trim().to_owned(),
        ..FaultSet::default()
    };
    for (n, text) in spec.split(';').enumerate() {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let fail = |what: String| format!("fault rule {} ('{text}'): {what}", n + 1);
        let mut parts = text.split(',').map(str::trim);
        let head = parts.next().unwrap_or_default();
        let (name, value) = match head.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (head, None),
        };
        if name.eq_ignore_ascii_case("concurrency") {
            let v = value
                .ok_or_else(|| fail("concurrency needs a number, e.g. concurrency=4".into()))?;
            set.concurrency = v
                .parse()
                .map_err(|_| fail(format!("'{v}' is not a whole number")))?;
            if let Some(extra) = parts.next() {
                return Err(fail(format!(
                    "concurrency takes no options, found '{extra}'"
                )));
            }
            continue;
        }
        if name.eq_ignore_ascii_case("sent_delay") {
            let v = value
                .ok_or_else(|| fail("sent_delay needs a duration, e.g. sent_delay=3s".into()))?;
            set.sent_delay = parse_duration(v).map_err(fail)?;
            if let Some(extra) = parts.next() {
                return Err(fail(format!(
                    "sent_delay takes no options, found '{extra}'"
                )));
            }
            continue;
        }
        let action = match (name.to_ascii_lowercase().as_str(), value) {
            ("latency", Some(v)) => Action::Latency(parse_duration(v).map_err(fail)?),
            ("latency", None) => {
                return Err(fail("latency needs a duration, e.g. latency=250ms".into()));
            }
            ("429", v) => Action::Status {
                code: 429,
                retry_after: Some(parse_seconds(v.unwrap_or("1")).map_err(fail)?),
            },
            ("500", None) => Action::Status {
                code: 500,
                retry_after: None,
            },
            ("503", v) => Action::Status {
                code: 503,
                retry_after: v.map(parse_seconds).transpose().map_err(fail)?,
            },
            ("drop", None) => Action::Drop(DropWhen::Before),
            ("drop", Some(w)) if w.eq_ignore_ascii_case("before") => Action::Drop(DropWhen::Before),
            ("drop", Some(w)) if w.eq_ignore_ascii_case("after") => Action::Drop(DropWhen::After),
            ("drop", Some(w)) => {
                return Err(fail(format!(
                    "drop is 'drop=before' or 'drop=after', not '{w}'"
                )));
            }
            _ => {
                return Err(fail(format!(
                    "unknown fault '{head}'; use latency=DURATION, 429[=SECONDS], 500, 503[=SECONDS], drop[=before|after], concurrency=N or sent_delay=DURATION"
                )));
            }
        };
        let mut rule = Rule {
            action,
            pick: Pick::All,
            seed: 1,
            rng: StdRng::seed_from_u64(1),
            path: None,
            method: None,
            times: None,
            seen: 0,
            fired: 0,
        };
        for opt in parts {
            let (k, v) = opt
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| fail(format!("option '{opt}' needs a value (KEY=VALUE)")))?;
            let number = |v: &str| -> Result<u64, String> {
                v.parse::<u64>()
                    .map_err(|_| fail(format!("'{k}={v}' needs a whole number")))
            };
            match k.to_ascii_lowercase().as_str() {
                "every" => {
                    let k = number(v)?;
                    if k == 0 {
                        return Err(fail("every=0 would never fire; use every=1 or more".into()));
                    }
                    rule.pick = Pick::Every(k);
                }
                "share" => {
                    let p: f64 = v
                        .parse()
                        .ok()
                        .filter(|p| (0.0..=1.0).contains(p))
                        .ok_or_else(|| fail(format!("share '{v}' must be a number from 0 to 1")))?;
                    rule.pick = Pick::Share(p);
                }
                "seed" => rule.seed = number(v)?,
                "times" => rule.times = Some(number(v)?),
                "path" => rule.path = Some(v.to_owned()),
                "method" => {
                    rule.method = Some(
                        Method::from_bytes(v.to_ascii_uppercase().as_bytes())
                            .map_err(|_| fail(format!("'{v}' is not an HTTP method")))?,
                    )
                }
                _ => {
                    return Err(fail(format!(
                        "unknown option '{k}'; use every, share, seed, path, method or times"
                    )));
                }
            }
        }
        rule.rng = StdRng::seed_from_u64(rule.seed);
        set.rules.push(rule);
    }
    Ok(set)
}

fn parse_duration(v: &str) -> Result<Duration, String> {
    let (num, scale) = if let Some(n) = v.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1.0)
    } else {
        return Err(format!(
            "duration '{v}' needs a unit: ms or s (e.g. 250ms, 1.5s)"
        ));
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0 && *n * scale <= 3600.0)
        .map(|n| Duration::from_secs_f64(n * scale))
        .ok_or_else(|| format!("duration '{v}' is not a number of ms or s up to an hour"))
}

fn parse_seconds(v: &str) -> Result<String, String> {
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(v.to_owned()),
        _ => Err(format!(
            "Retry-After '{v}' is not a number of seconds (e.g. 2 or 1.5)"
        )),
    }
}

/// `*` matches any run of characters; everything else literally.
fn glob_match(glob: &str, text: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Latency still owed to a request. Graph handlers serve it while they hold a throttling place;
/// whatever is left is served once the handler is done.
#[derive(Clone, Default)]
pub struct PendingLatency(Arc<AtomicU64>);

impl PendingLatency {
    fn new(d: Duration) -> Self {
        PendingLatency(Arc::new(AtomicU64::new(d.as_micros() as u64)))
    }

    pub async fn serve(&self) {
        let micros = self.0.swap(0, Ordering::SeqCst);
        if micros > 0 {
            tokio::time::sleep(Duration::from_micros(micros)).await;
        }
    }
}

/// Middleware for the whole emulator: applies the faults in force to each request.
#[expect(
    clippy::expect_used,
    reason = "the fault parser accepts only statuses from 100 to 599"
)]
pub async fn inject(State(emu): State<Arc<Emulator>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        return next.run(req).await;
    }
    let (latency, outcome) = emu.faults.decide(req.method(), &path);
    let pending = PendingLatency::new(latency);
    req.extensions_mut().insert(pending.clone());
    match outcome {
        Outcome::Pass => {
            let resp = next.run(req).await;
            pending.serve().await;
            resp
        }
        Outcome::Status { code, retry_after } => {
            let ids = RequestIds::from_headers(req.headers());
            pending.serve().await;
            let status = StatusCode::from_u16(code).expect("fault statuses are valid");
            let mut err = match code {
                429 => GraphError::new(status, "TooManyRequests", "Please retry again later."),
                503 => GraphError::new(
                    status,
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Please retry later.",
                ),
                _ => GraphError::new(
                    status,
                    "generalException",
                    "An unexpected error occurred while processing the request.",
                ),
            };
            err.retry_after = retry_after;
            ids.stamp(err.into_response())
        }
        Outcome::Drop(when) => {
            if when == DropWhen::After {
                drop(next.run(req).await);
            }
            pending.serve().await;
            dropped_connection()
        }
    }
}

/// A response whose body fails before a single byte is written: the server closes the
/// connection, and the client sees it dropped without an answer.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<axum::body::Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kth_request_fails_and_times_caps_it() {
        let f = Faults::parse("429=1.5,every=2,times=2").unwrap();
        let outcomes: Vec<_> = (0..8)
            .map(|_| f.decide(&Method::GET, "/v1.0/me").1)
            .collect();
        let hits = outcomes.iter().filter(|o| **o != Outcome::Pass).count();
        assert_eq!(hits, 2);
        assert_eq!(outcomes[0], Outcome::Pass);
        assert_eq!(
            outcomes[1],
            Outcome::Status {
                code: 429,
                retry_after: Some("1.5".into())
            }
        );
    }

    #[test]
    fn sent_delay_is_a_setting_not_a_rule() {
        let f = Faults::parse("sent_delay=3s;500,every=2").unwrap();
        assert_eq!(f.sent_delay(), Duration::from_secs(3));
        assert_eq!(f.decide(&Method::GET, "/v1.0/me").1, Outcome::Pass);
        assert_eq!(Faults::parse("").unwrap().sent_delay(), Duration::ZERO);
        let err = Faults::parse("sent_delay=3s,share=0.5").err().unwrap();
        assert!(err.contains("takes no options"), "{err}");
        assert!(Faults::parse("sent_delay").is_err());
    }

    #[test]
    fn path_and_method_narrow_a_rule_and_latency_adds_up() {
        let f = Faults::parse("latency=100ms;latency=1.5s;drop=after,path=*/sendMail,method=post")
            .unwrap();
        let (lat, out) = f.decide(&Method::POST, "/v1.0/me/sendMail");
        assert_eq!(lat, Duration::from_millis(1600));
        assert_eq!(out, Outcome::Drop(DropWhen::After));
        assert_eq!(f.decide(&Method::GET, "/v1.0/me/sendMail").1, Outcome::Pass);
        assert_eq!(
            f.decide(&Method::POST, "/v1.0/me/messages").1,
            Outcome::Pass
        );
    }

    #[test]
    fn a_seeded_share_repeats_exactly() {
        let run = || {
            let f = Faults::parse("500,share=0.3,seed=9").unwrap();
            (0..200)
                .map(|_| f.decide(&Method::GET, "/x").1 != Outcome::Pass)
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|h| **h).count();
        assert!((30..90).contains(&hits), "{hits} of 200");
    }

    #[test]
    fn parse_errors_name_the_bad_part() {
        let e = Faults::parse("latency=5ms;429=soon").err().unwrap();
        assert!(e.contains("rule 2") && e.contains("soon"), "{e}");
        let e = Faults::parse("500,every=x").err().unwrap();
        assert!(e.contains("every=x"), "{e}");
        let e = Faults::parse("explode").err().unwrap();
        assert!(e.contains("explode"), "{e}");
        assert!(Faults::parse("latency=5").is_err());
        assert!(Faults::parse("drop=later").is_err());
        assert!(Faults::parse("").is_ok());
    }

    #[test]
    fn concurrency_is_a_setting_and_set_spec_replaces_everything() {
        let f = Faults::default();
        assert_eq!(f.concurrency(), DEFAULT_CONCURRENCY);
        f.set_spec("concurrency=0; 503").unwrap();
        assert_eq!(f.concurrency(), 0);
        assert!(f.set_spec("nonsense").is_err());
        assert_eq!(f.spec(), "concurrency=0; 503", "a bad spec changes nothing");
        f.set_spec("").unwrap();
        assert_eq!(f.decide(&Method::GET, "/x").1, Outcome::Pass);
    }

    #[test]
    fn globs_match_runs_of_characters() {
        assert!(glob_match("*/sendMail", "/v1.0/me/sendMail"));
        assert!(glob_match("/v1.0/*/messages*", "/v1.0/me/messages/abc"));
        assert!(!glob_match("/v1.0/*/messages", "/v1.0/me/mailFolders"));
        assert!(glob_match("*", "/anything"));
    }
}
