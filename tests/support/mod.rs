//! What the product's integration tests share.
#![allow(dead_code)] // each test binary uses a different part of these helpers

pub mod emulator;
pub mod vault;
