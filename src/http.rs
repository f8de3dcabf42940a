//! The one HTTP client setup every outgoing request uses: rustls (ring) with the operating
//! system's trust store, bounded timeouts and a `graphmail/<version>` user agent.

use std::time::Duration;

/// Time allowed to open a TCP + TLS connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a whole request, body included: a reply that drips in slowly ends here
/// and counts as a failed attempt.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed without a byte arriving, on long transfers whose total time is raised.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// `graphmail/<version>`.
pub fn user_agent() -> String {
    format!("graphmail/{}", env!("CARGO_PKG_VERSION"))
}

/// A client builder with the shared settings. Callers add what their service needs (the Graph
/// client its redirect policy, the identity client none at all) and build it.
pub fn builder() -> reqwest::ClientBuilder {
    // reqwest is built without a crypto provider of its own; ring is the process-wide one.
    // Installing twice is harmless: the second attempt reports the provider already present.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_backend_rustls()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(user_agent())
}

/// The client for the identity platform: redirects are never followed, so a token request can
/// not be bounced to another host.
pub fn identity_client() -> Result<reqwest::Client, reqwest::Error> {
    builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// The client for Microsoft Graph: a few redirects are followed (attachment downloads use them),
/// a stall limit guards long transfers, and idle connections are kept for every request a
/// mailbox may have in flight.
pub fn graph_client() -> Result<reqwest::Client, reqwest::Error> {
    builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .read_timeout(STALL_TIMEOUT)
        .pool_max_idle_per_host(crate::graph::MAILBOX_CONCURRENCY)
        .build()
}
