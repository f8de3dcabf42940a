//! A loopback emulator of the Microsoft identity platform (v2.0) and Graph mail.
//!
//! It puts on the wire what the real services do, so every flow of graphmail can be exercised
//! without reaching Microsoft: integration tests, benchmarks and `graphmail demo` run on it.
//! Test hooks live only under `/_emulator/`.

pub mod claims;
pub mod faults;
pub mod graph;
pub mod identity;
pub mod tenant;

pub use claims::{AccessClaims, TokenRejection, TokenSigner};

/// Everything the running emulator knows. Shared by the handlers as `Arc<Emulator>`;
/// each part keeps its own interior locks.
pub struct Emulator {
    /// `http://127.0.0.1:PORT` (the identity platform's base; `/{tenant}/oauth2/v2.0/...` follows).
    pub login_url: String,
    /// `http://127.0.0.1:PORT/v1.0`.
    pub graph_url: String,
    pub tenant: tenant::TenantSeed,
    pub signer: TokenSigner,
    /// Authorization codes, device codes, refresh tokens.
    pub identity: identity::IdentityState,
    /// Mailboxes, sent mail, throttling.
    pub mail: graph::MailState,
    /// Injected latency, errors and dropped connections.
    pub faults: faults::Faults,
}
