//! The emulated identity platform over real HTTP on 127.0.0.1: every grant, the AADSTS errors,
//! device-code polling, auth code with PKCE, consent, discovery, and `graphmail emulator --json`.

#[path = "../common_emulator/mod.rs"]
mod common_emulator;

mod authorize;
mod cli;
mod device;
mod errors;
mod grants;
mod oauth2_interop;
