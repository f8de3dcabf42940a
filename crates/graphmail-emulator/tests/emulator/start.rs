//! Starting the emulator on 127.0.0.1:0 for a test, with an HTTP client that shows redirects
//! instead of following them; shared by the emulator's tests and the product's tests.

use std::time::Duration;

use graphmail_emulator::{EmulatorConfig, RunningEmulator};

/// The running emulator and a client with the given overall request timeout.
pub async fn started(
    config: EmulatorConfig,
    timeout: Duration,
) -> (RunningEmulator, reqwest::Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let running = graphmail_emulator::start(config)
        .await
        .expect("the emulator starts on 127.0.0.1");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("a reqwest client builds");
    (running, http)
}
