//! graphmail: Microsoft Graph mail connectors for sysadmins, kept in an age-encrypted vault.
//!
//! Layers (see README): `domain` holds pure types and rules; `vault` the encrypted store;
//! `cli` the scriptable commands. The loopback identity platform + Graph mail emulator behind
//! `graphmail demo` is the `graphmail-emulator` crate, present with the `demo` feature.

pub mod agent;
pub mod app;
pub mod audit;
pub mod auth;
pub mod bounded;
pub mod cli;
pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod domain;
pub mod editor;
pub mod error;
pub mod graph;
pub mod http;
pub mod logging;
pub mod output;
pub mod private;
pub mod relay;
pub mod tui;
pub mod ui;
pub mod vault;
pub mod worker;
