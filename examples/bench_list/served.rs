//! The emulator served by the benchmark itself, with a layer that counts the Graph requests
//! (`/v1.0/…`) it answers. Same state and routes as `graphmail::emulator::start`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::middleware::Next;
use graphmail::emulator::faults::Faults;
use graphmail::emulator::graph::MailState;
use graphmail::emulator::identity::IdentityState;
use graphmail::emulator::tenant::TenantSeed;
use graphmail::emulator::{Emulator, IdentitySettings, TokenSigner, router};
use tokio::sync::oneshot;

pub struct Served {
    pub state: Arc<Emulator>,
    /// Graph requests answered so far.
    pub requests: Arc<AtomicU64>,
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
    let counter = requests.clone();
    let app = router(state.clone()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            if req.uri().path().starts_with("/v1.0/") {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            next.run(req)
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
        stop,
    }
}
