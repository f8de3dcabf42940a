//! Fault injection: added latency, 429 with `Retry-After`, 500/503, dropped connections.

/// The faults in force.
#[derive(Default)]
pub struct Faults {}
