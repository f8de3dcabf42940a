//! A loopback emulator of the Microsoft identity platform (v2.0) and Graph mail.
//!
//! It puts on the wire what the real services do, so every flow of graphmail can be exercised
//! without reaching Microsoft: integration tests, benchmarks and `graphmail demo` run on it.
//! Test hooks live only under `/_emulator/`.

pub mod claims;
pub mod graph;
pub mod identity;
pub mod tenant;

pub use claims::{AccessClaims, TokenRejection, TokenSigner};
