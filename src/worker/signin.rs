//! Signing in and testing connectors from the TUI.
//!
//! These run the sign-in service of `crate::auth` when the build has it; until then they say
//! plainly that the terminal app cannot sign in, so the screen shows a clear error.

use std::sync::Arc;

use secrecy::SecretString;
use tokio::sync::mpsc;

use crate::app::{Event, ReqId, SignedIn, TestReport, UiError, UiErrorKind};

use super::Services;

fn unavailable(name: &str) -> UiError {
    UiError::new(
        UiErrorKind::Other,
        format!("This build of graphmail cannot sign {name} in from the terminal app."),
    )
    .with_fix("update graphmail to a build with sign-in support")
}

pub async fn run(
    _services: Arc<Services>,
    name: String,
    _paste: mpsc::Receiver<SecretString>,
    _events: &mpsc::Sender<Event>,
    _id: ReqId,
) -> Result<SignedIn, UiError> {
    Err(unavailable(&name))
}

pub async fn test(_services: Arc<Services>, name: String) -> Result<TestReport, UiError> {
    Err(unavailable(&name))
}
