//! Pure types and rules. Nothing in here does IO or holds a secret.

pub mod aadsts;
pub mod cloud;
pub mod connector;
pub mod grant;
pub mod permissions;
pub mod sanitize;
pub mod validate;

pub use cloud::Cloud;
pub use connector::Connector;
pub use grant::Grant;
