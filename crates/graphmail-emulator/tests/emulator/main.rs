//! The emulator over real HTTP on 127.0.0.1: the identity platform (every grant, the AADSTS
//! errors, device-code polling, auth code with PKCE, consent, discovery) and Graph mail
//! (folders, messages, paging, changes, uploads, faults), checked against Microsoft's shapes.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common_emulator;
mod common_graph;
mod json;
mod start;

mod authorize;
mod catalog;
mod device;
mod errors;
mod grants;
mod graph;
mod graph_batch;
mod graph_changes;
mod graph_faults;
mod graph_uploads;
mod oauth2_interop;
