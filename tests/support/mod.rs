//! What the product's integration tests share: the emulator started in-process, vaults, the
//! real binary run with a clean environment, TUI models and screens, and tmux driving.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of these helpers"
)]

pub mod emu;
pub mod emulated;
pub mod emulator;
#[path = "../../crates/graphmail-emulator/tests/emulator/json.rs"]
pub mod json;
pub mod mail;
pub mod signin;
#[path = "../../crates/graphmail-emulator/tests/emulator/start.rs"]
pub mod start;
pub mod tmux;
pub mod tui;
pub mod tui_mailbox;
pub mod vault;
