//! The mailbox list is virtualised: drawing one frame costs the same with 100 or 100,000
//! summaries loaded; and what 100,000 summaries cost in memory, counted by the allocator.
//!
//! cargo run --release --example bench_mailbox
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use graphmail::app::keymap::Keymap;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::{
    Clock, ConnectorRow, Event, EventBody, Importance, MessageRow, Model, Msg, Screen, Start,
    TokenFacts, init, update,
};
use graphmail::domain::{Cloud, Connector, Grant};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Counts the bytes in use, so the cost of the summaries can be read off exactly.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes straight to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same layout as asked for.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const NOW: i64 = 1_800_000_000;

fn summary(i: usize) -> MessageRow {
    let senders = ["Adele Vance", "Megan Bowen", "Lee Gu", "Grady Archie"];
    let subjects = [
        "Quarterly report draft",
        "Server maintenance window on Saturday",
        "Re: VPN certificate renewal",
        "Invoice 2024-0042",
    ];
    MessageRow {
        // Graph message ids are about 150 characters.
        id: format!("AAMkAGI2TG93AAA{i:0>135}"),
        subject: format!("{} #{i}", subjects[i % subjects.len()]),
        from: senders[i % senders.len()].into(),
        to: String::new(),
        received: format!("2024-05-{:02}T{:02}:{:02}:00Z", 1 + i % 28, i % 24, i % 60),
        unread: i.is_multiple_of(3),
        attachment: i % 4 == 1,
        flagged: i % 7 == 2,
        importance: Importance::Normal,
    }
}

fn mailbox_model(rows: Vec<MessageRow>) -> Model {
    let (mut m, cmds) = init(
        Keymap::defaults(),
        Start::Identity,
        "~/.local/share/graphmail/vault.age".into(),
        Clock {
            mono_ms: 0,
            unix: NOW,
        },
    );
    let id = cmds[0].id().expect("open has an id");
    let row = ConnectorRow {
        access: graphmail::domain::access::Access::ALL,
        connector: Connector {
            name: "bench".into(),
            cloud: Cloud::Global,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            grant: Grant::Ropc,
            presets: vec![],
            extra_scopes: vec![],
            mailbox: None,
            redirect_port: 8400,
        },
        client_secret_set: false,
        password_set: true,
        username: Some("ana@contoso.com".into()),
        token: TokenFacts::default(),
    };
    update(
        &mut m,
        Msg::Worker(Event {
            id,
            body: EventBody::Unlocked(Ok(vec![row])),
        }),
    );
    update(&mut m, Msg::Key(Key::ch('o')));
    if let Screen::Mailbox(s) = &mut m.screen {
        s.rows = rows;
        s.listing = None;
        s.listing_loading = false;
    }
    m
}

/// Median time of one key press (`update`, down one row) plus drawing the whole frame.
fn frame_cost(n: usize, size: (u16, u16)) -> Duration {
    let mut m = mailbox_model((0..n).map(summary).collect());
    update(&mut m, Msg::Resize(size.0, size.1));
    let mut t = Terminal::new(TestBackend::new(size.0, size.1)).expect("off-screen terminal");
    let mut times = Vec::with_capacity(2000);
    for i in 0..2000 {
        let key = if (i / 20) % 2 == 0 {
            KeyCode::Down
        } else {
            KeyCode::Up
        };
        let start = Instant::now();
        update(&mut m, Msg::Key(Key::new(key)));
        t.draw(|f| graphmail::ui::view(&m, f)).expect("draw");
        times.push(start.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn main() {
    println!("frame cost (update + draw, median of 2000 key presses):");
    for size in [(80, 24), (120, 40)] {
        for n in [100, 100_000] {
            let d = frame_cost(n, size);
            println!(
                "  {}x{} with {n:>7} summaries: {:>7.1} µs",
                size.0,
                size.1,
                d.as_secs_f64() * 1e6
            );
        }
    }
    let before = IN_USE.load(Ordering::Relaxed);
    let rows: Vec<MessageRow> = (0..100_000).map(summary).collect();
    let after = IN_USE.load(Ordering::Relaxed);
    let bytes = after - before;
    println!(
        "memory of 100,000 summaries in the model: {bytes} bytes ({:.1} MiB, {} bytes each, ids of 150 characters)",
        bytes as f64 / (1024.0 * 1024.0),
        bytes / rows.len()
    );
}
