//! `graphmail sendmail` and `graphmail relay`: mail from the server's own programs, sent
//! through a connector with Microsoft Graph.
//!
//! SMTP (or a sendmail pipe) in → the message and its envelope fsync'd into the spool →
//! 250 / exit 0 → the delivery worker turns the MIME into a Graph draft carrying the spool key
//! and sends it, exactly once (see `deliver.rs`).

pub mod convert;
pub mod deliver;
mod delivery_loop;
pub mod sendmail_args;
pub mod settings;
pub mod smtp;
pub mod spool;
pub mod users;

pub use convert::{FromPolicy, SPOOL_KEY_PROPERTY};
pub use deliver::{Deliverer, Outcome, Target, TargetSource};
pub use delivery_loop::{RESCAN, delivery_loop};
pub use settings::RelaySettings;
pub use spool::{Area, Envelope, Spool};
