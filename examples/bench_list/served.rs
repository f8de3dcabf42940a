//! The emulator served by a benchmark itself, with a layer that counts the Graph requests
//! (`/v1.0/…`) it answers and times how long the emulator took to answer each one. Same state
//! and routes as `graphmail_emulator::start`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use graphmail_emulator::faults::Faults;
use graphmail_emulator::graph::MailState;
use graphmail_emulator::identity::IdentityState;
use graphmail_emulator::tenant::TenantSeed;
use graphmail_emulator::{Emulator, IdentitySettings, TokenSigner, router};
use tokio::sync::oneshot;

/// One Graph request the emulator answered.
#[allow(dead_code, reason = "each benchmark reads the parts it reports")]
#[derive(Debug, Clone)]
pub struct Handled {
    pub uri: String,
    pub arrived: Instant,
    pub took: Duration,
}

#[allow(dead_code, reason = "each benchmark reads the parts it reports")]
pub struct Served {
    pub state: Arc<Emulator>,
    /// Graph requests answered so far.
    pub requests: Arc<AtomicU64>,
    /// Each Graph request's path and query, when it arrived, and the time from then to the
    /// emulator's finished response (handler, filtering, sorting and JSON encoding).
    pub handled: Arc<Mutex<Vec<Handled>>>,
    stop: oneshot::Sender<()>,
}

impl Served {
    pub fn stop(self) {
        let _ = self.stop.send(());
    }
}

/// The demo tenant with `messages` more in the first user's Inbox, on 127.0.0.1.
pub async fn serve(messages: usize) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let seed = TenantSeed::demo();
    let state = Arc::new(Emulator {
        login_url: base.clone(),
        graph_url: format!("{base}/v1.0"),
        mail: MailState::new(&seed, Some(messages)),
        tenant: seed,
        signer: TokenSigner::new(),
        identity: IdentityState::new(IdentitySettings::default()),
        faults: Faults::default(),
    });
    let requests = Arc::new(AtomicU64::new(0));
    let handled = Arc::new(Mutex::new(Vec::new()));
    let (counter, times) = (requests.clone(), handled.clone());
    let app = router(state.clone()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let graph = req.uri().path().starts_with("/v1.0/");
            let uri = req.uri().to_string();
            if graph {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            let times = times.clone();
            async move {
                let arrived = Instant::now();
                let response = next.run(req).await;
                if graph && let Ok(mut t) = times.lock() {
                    let took = arrived.elapsed();
                    t.push(Handled { uri, arrived, took });
                }
                response
            }
        },
    ));
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .expect("the emulator serves");
    });
    Served {
        state,
        requests,
        handled,
        stop,
    }
}
