//! Time from opening a folder in the terminal app to its first rows drawn, against the
//! emulator, next to the emulator's own time for the same request.
//!
//! cargo run --release --example bench_open_folder               # 100,000 messages in the Inbox
//! cargo run --release --example bench_open_folder -- 10000 50   # messages, rounds
//!
//! The emulator runs in this process on 127.0.0.1 with the demo tenant, the first user's Inbox
//! filled with that many generated messages. The vault is the demo's (the app-only connector
//! `demo-app`, already signed in, on that user's mailbox). The real model, worker and view run as
//! the terminal app runs them: a key press goes through `update`, its commands to the worker,
//! the worker's events back through `update`, and a frame is drawn (into an off-screen buffer of
//! 120×40) each time the model changed. The clock stops at the first frame that shows the
//! folder's rows. The emulator's own time for the list request is measured inside it (arrival
//! to finished response) and a bare client's round trip for the same URL and token is timed
//! too; the difference is what graphmail adds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

#[path = "bench_list/served.rs"]
mod served;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use graphmail::app::keymap::Keymap;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::mailbox::Pane;
use graphmail::app::{Clock, Cmd, Event, Model, Msg, Screen, Start, init, update};
use graphmail::worker::{self, Services};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

const SIZE: (u16, u16) = (120, 40);
const CONNECTOR: &str = "demo-app";

/// The model, the worker it talks to and the off-screen terminal, driven as the app's loop does.
struct App {
    model: Model,
    terminal: Terminal<TestBackend>,
    cmds: mpsc::Sender<Cmd>,
    events: mpsc::Receiver<Event>,
    start: Instant,
}

impl App {
    fn clock(&self) -> Clock {
        Clock {
            mono_ms: self.start.elapsed().as_millis() as u64,
            unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }

    fn draw(&mut self) {
        let model = &self.model;
        self.terminal
            .draw(|f| graphmail::ui::view(model, f))
            .expect("an off-screen frame");
    }

    /// Applies `msg`, hands its commands to the worker, and then applies the worker's events
    /// (drawing once per batch, when something changed) until `done` holds after a frame.
    async fn run_until(&mut self, msg: Msg, done: impl Fn(&Model) -> bool) {
        self.model.shared.now = self.clock();
        let mut pending = update(&mut self.model, msg);
        let mut dirty = self.model.shared.changed;
        loop {
            for cmd in pending.drain(..) {
                if cmd.id().is_some() {
                    self.cmds.send(cmd).await.expect("the worker runs");
                }
            }
            if dirty {
                self.draw();
                dirty = false;
                if done(&self.model) {
                    return;
                }
            }
            let ev = tokio::time::timeout(Duration::from_secs(60), self.events.recv())
                .await
                .expect("the worker answers within a minute")
                .expect("the worker runs");
            self.model.shared.now = self.clock();
            pending = update(&mut self.model, Msg::Worker(ev));
            dirty |= self.model.shared.changed;
            while let Ok(ev) = self.events.try_recv() {
                pending.extend(update(&mut self.model, Msg::Worker(ev)));
                dirty |= self.model.shared.changed;
            }
        }
    }

    async fn key(&mut self, code: KeyCode) {
        self.run_until(Msg::Key(Key::new(code)), |_| true).await;
    }

    fn mailbox(&self) -> &graphmail::app::mailbox::MailboxState {
        match &self.model.screen {
            Screen::Mailbox(s) => s,
            _ => panic!("the mailbox should be open"),
        }
    }

    /// Waits until no page is on its way: once the first arrives the next is fetched ahead.
    async fn settle(&mut self) {
        while self.mailbox().paging.is_some() || self.mailbox().folders.is_empty() {
            self.run_until(Msg::Tick, |m| {
                matches!(&m.screen, Screen::Mailbox(s) if s.paging.is_none() && !s.folders.is_empty())
            })
            .await;
        }
    }

    /// Moves the focus to the folder pane and its selection onto `well_known`.
    async fn select_folder(&mut self, well_known: &str) {
        while self.mailbox().focus != Pane::Folders {
            self.key(KeyCode::BackTab).await;
        }
        let target = self
            .mailbox()
            .folders
            .iter()
            .position(|f| f.well_known.as_deref() == Some(well_known))
            .unwrap_or_else(|| panic!("the tenant has a {well_known} folder"));
        while self.mailbox().folder_sel != target {
            let code = if self.mailbox().folder_sel < target {
                KeyCode::Down
            } else {
                KeyCode::Up
            };
            self.key(code).await;
        }
    }
}

/// Rows of the open folder are on screen and no first page is awaited.
fn rows_drawn(m: &Model) -> bool {
    matches!(&m.screen, Screen::Mailbox(s) if !s.listing_loading && !s.rows.is_empty())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

struct Row {
    folder: &'static str,
    total: u64,
    drawn: Vec<Duration>,
    emulator: Vec<Duration>,
    bare: Vec<Duration>,
    /// The most Graph requests one opening waited for before its rows were drawn.
    requests: u64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let messages: usize = args.next().map_or(100_000, |a| a.parse().expect("a count"));
    let rounds: usize = args.next().map_or(30, |a| a.parse().expect("a count"));
    let rt = Runtime::new().expect("a runtime");
    let served = rt.block_on(served::serve(messages));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let vault_path: PathBuf = dir.path().join("vault.age");
    let (vault, _) = graphmail::demo::prepare_vault(&rt, &served.state, &vault_path)
        .unwrap_or_else(|e| panic!("the demo vault: {}", e.human()));
    let token = vault
        .read()
        .expect("the vault reads")
        .get(CONNECTOR)
        .and_then(|e| e.tokens.as_ref()?.access_token.clone())
        .expect("the app-only connector is signed in");

    let services = Services::without_browser(vault_path.clone(), Some(vault));
    let (cmds, cmd_rx) = mpsc::channel(64);
    let (event_tx, events) = mpsc::channel(64);
    rt.spawn(worker::run(services, cmd_rx, event_tx));
    let start = Instant::now();
    let (mut model, first) = init(
        Keymap::defaults(),
        Start::Identity,
        vault_path.display().to_string(),
        Clock {
            mono_ms: 0,
            unix: 0,
        },
    );
    model.shared.size = SIZE;
    let mut app = App {
        model,
        terminal: Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a terminal"),
        cmds,
        events,
        start,
    };
    let http = graphmail::graph::http_client().expect("an HTTP client");
    let rows = rt.block_on(async {
        for cmd in first {
            app.cmds.send(cmd).await.expect("the worker runs");
        }
        app.run_until(Msg::Resize(SIZE.0, SIZE.1), |m| {
            !m.shared.connectors.is_empty()
        })
        .await;
        let index = app
            .model
            .shared
            .connectors
            .iter()
            .position(|c| c.connector.name == CONNECTOR)
            .expect("the demo has an app-only connector");
        for _ in 0..index {
            app.key(KeyCode::Down).await;
        }

        // The first open builds the connector's Graph client (and its token source).
        let t = Instant::now();
        app.run_until(Msg::Key(Key::new(KeyCode::Enter)), rows_drawn)
            .await;
        let first_open = t.elapsed();
        // The folder tree arrives alongside the first page; wait for it before moving in it.
        app.settle().await;

        let mut rows: Vec<Row> = [
            ("inbox", "Inbox"),
            ("sentitems", "Sent Items"),
            ("archive", "Archive"),
        ]
        .into_iter()
        .map(|(wk, name)| Row {
            folder: name,
            total: app
                .mailbox()
                .folders
                .iter()
                .find(|f| f.well_known.as_deref() == Some(wk))
                .map_or(0, |f| f.total),
            drawn: Vec::new(),
            emulator: Vec::new(),
            bare: Vec::new(),
            requests: 0,
        })
        .collect();
        let wells = ["inbox", "sentitems", "archive"];
        for _ in 0..rounds {
            for (row, wk) in rows.iter_mut().zip(wells) {
                app.select_folder(wk).await;
                let before = served.handled.lock().expect("timings").len();
                let t = Instant::now();
                app.run_until(Msg::Key(Key::new(KeyCode::Enter)), rows_drawn)
                    .await;
                row.drawn.push(t.elapsed());
                app.settle().await;
                let handled = served.handled.lock().expect("timings")[before..].to_vec();
                let list = handled
                    .iter()
                    .find(|h| h.uri.contains("/messages?") && !h.uri.contains("skip"))
                    .cloned()
                    .expect("opening a folder lists its messages");
                row.emulator.push(list.took);
                // Requests made before the first page was answered: the round trips the
                // screenful waited for.
                let waited = handled
                    .iter()
                    .filter(|h| h.arrived <= list.arrived + list.took)
                    .count() as u64;
                row.requests = row.requests.max(waited);
                let uri = list.uri;
                let url = format!("{}{uri}", served.state.login_url);
                let t = Instant::now();
                let body = http
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .expect("the bare request")
                    .bytes()
                    .await
                    .expect("the body");
                let _: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                row.bare.push(t.elapsed());
            }
        }
        println!(
            "first open of {CONNECTOR}'s mailbox (Graph client built, folders and Inbox in parallel): {}",
            ms(first_open)
        );
        rows
    });
    let page = app.mailbox().rows.len().min(50);
    println!(
        "\nopening a folder, {rounds} rounds, median; {}×{}, first page of {page} rows:\n",
        SIZE.0, SIZE.1
    );
    println!(
        "| folder | messages | Graph requests waited for | key press to first rows drawn | emulator's own time for the list request | bare client, same request | graphmail's share |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let (drawn, emulator, bare) = (median(r.drawn), median(r.emulator), median(r.bare));
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.folder,
            r.total,
            r.requests,
            ms(drawn),
            ms(emulator),
            ms(bare),
            ms(drawn.saturating_sub(bare))
        );
    }
    drop(app);
    served.stop();
}
