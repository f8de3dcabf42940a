//! The real binary from the command line: connectors, sign-in for every grant, token health,
//! mail commands against the emulator, the config file, the setup guide and what is installed
//! around the binary.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../support/mod.rs"]
mod support;

mod agent;
mod config;
mod connector;
mod connector_truth;
mod emulator;
mod guide;
mod mail;
mod mail_actions;
mod mail_audit;
mod mail_client_policy;
mod mail_editor;
mod mail_faults;
mod mail_offline;
mod mail_tokens;
mod meta;
mod relay;
mod signin_auth_code;
mod signin_device_code;
mod signin_errors;
mod signin_offline;
mod signin_refresh;
mod signin_secrets;
mod token_health;
