//! The terminal app: screens drawn from models, key handling, the worker against the emulator,
//! snapshots at two terminal sizes, and the real binary driven in tmux.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../support/mod.rs"]
mod support;

mod batch;
mod compose;
mod demo_e2e;
mod demo_keyboard;
mod e2e;
mod guide;
mod layout;
mod mailbox;
mod mailbox_marks;
mod mailbox_preview;
mod mailbox_snapshots;
mod selection_e2e;
mod signin_update;
mod snapshots;
mod update;
mod worker;
mod worker_audit;
mod worker_paging;
