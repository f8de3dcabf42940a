//! The vault through the real binary: `graphmail vault …`, crash safety and concurrent updates,
//! and interoperability with the reference `age` CLI and OpenSSH keys.

#[path = "../support/mod.rs"]
mod support;

mod age_cli;
mod cli;
mod crash;
