//! Pure types and rules. Nothing in here does IO or holds a secret.

pub mod aadsts;
pub mod access;
pub mod cloud;
pub mod connector;
pub mod grant;
pub mod guide;
pub mod health;
pub mod mail;
pub mod permissions;
pub mod reply;
pub mod sanitize;
pub mod summary;
pub mod tenant_check;
pub mod validate;

pub use cloud::Cloud;
pub use connector::Connector;
pub use grant::Grant;
pub use permissions::Preset;
pub use summary::{PermissionSummary, summarize};
pub use validate::{Field, FieldError, SecretPresence, validate_connector};
