//! The vault through the real binary: `graphmail vault …`, crash safety and concurrent updates,
//! and interoperability with the reference `age` CLI and OpenSSH keys.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../support/mod.rs"]
mod support;

mod age_cli;
mod cli;
mod crash;
mod private_files;
