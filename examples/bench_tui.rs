//! Cost of one key press in the terminal app: `update` plus drawing the whole frame into an
//! off-screen buffer, on the permission picker and on a list of 50 connectors.
//!
//! cargo run --release --example bench_tui
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::time::{Duration, Instant};

use graphmail::app::keymap::Keymap;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::{
    Clock, ConnectorRow, Event, EventBody, Model, Msg, Start, TokenFacts, init, update,
};
use graphmail::domain::permissions::Preset;
use graphmail::domain::{Cloud, Connector, Grant};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: i64 = 1_800_000_000;

fn rows(n: usize) -> Vec<ConnectorRow> {
    (0..n)
        .map(|i| ConnectorRow {
            access: graphmail::domain::access::Access::ALL,
            connector: Connector {
                name: format!("connector-{i:02}"),
                cloud: Cloud::Global,
                tenant: "contoso.onmicrosoft.com".into(),
                client_id: "11111111-2222-3333-4444-555555555555".into(),
                grant: Grant::ALL[i % 4],
                presets: vec![Preset::Fetch, Preset::Send, Preset::Offline],
                extra_scopes: vec![],
                mailbox: Some(format!("box{i}@contoso.com")),
                redirect_port: 8400,
            },
            client_secret_set: i % 2 == 0,
            password_set: false,
            username: None,
            token: TokenFacts {
                expires_at: Some(NOW + (i as i64) * 60),
                has_refresh_token: true,
                refresh_issued_at: None,
                user: None,
                last_check: Some(NOW - 300),
                last_error: None,
                self_renewing: false,
            },
        })
        .collect()
}

fn list_model(n: usize) -> Model {
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
    update(
        &mut m,
        Msg::Worker(Event {
            id,
            body: EventBody::Unlocked(Ok(rows(n))),
        }),
    );
    m.shared.toasts.clear();
    m
}

fn press(m: &mut Model, key: Key) {
    update(m, Msg::Key(key));
}

/// Runs `keys` round after round, timing update + draw per key; returns (median, p99).
fn measure(
    m: &mut Model,
    term: &mut Terminal<TestBackend>,
    keys: &[Key],
    rounds: usize,
) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(keys.len() * rounds);
    for _ in 0..rounds {
        for k in keys {
            let t = Instant::now();
            update(m, Msg::Key(*k));
            term.draw(|f| graphmail::ui::view(m, f)).expect("draw");
            samples.push(t.elapsed());
        }
    }
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100],
    )
}

fn main() {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");

        let mut m = list_model(50);
        let down = Key::new(KeyCode::Down);
        let up = Key::new(KeyCode::Up);
        let mut keys = vec![down; 49];
        keys.extend(vec![up; 49]);
        let (med, p99) = measure(&mut m, &mut term, &keys, 50);
        println!(
            "connector list, 50 connectors, {w}x{h}: median {:.1} µs, p99 {:.1} µs per key (update + draw)",
            med.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6
        );

        let mut m = list_model(50);
        press(&mut m, Key::ch('a'));
        for c in "bench".chars() {
            press(&mut m, Key::ch(c));
        }
        press(&mut m, Key::new(KeyCode::Enter));
        press(&mut m, Key::new(KeyCode::Tab));
        for c in "contoso.onmicrosoft.com".chars() {
            press(&mut m, Key::ch(c));
        }
        press(&mut m, Key::new(KeyCode::Tab));
        for c in "11111111-2222-3333-4444-555555555555".chars() {
            press(&mut m, Key::ch(c));
        }
        press(&mut m, Key::new(KeyCode::Enter));
        press(&mut m, Key::new(KeyCode::Enter));
        // On the picker: toggle each permission twice, then type and erase a scope.
        let mut keys = Vec::new();
        for _ in 0..6 {
            keys.push(Key::ch(' '));
            keys.push(Key::ch(' '));
            keys.push(down);
        }
        keys.extend(vec![up; 6]);
        let (med_t, p99_t) = measure(&mut m, &mut term, &keys, 50);
        press(&mut m, Key::new(KeyCode::Tab));
        let mut typing: Vec<Key> = "Calendars.Read".chars().map(Key::ch).collect();
        typing.extend(vec![Key::new(KeyCode::Backspace); 14]);
        let (med_k, p99_k) = measure(&mut m, &mut term, &typing, 50);
        println!(
            "permission picker, {w}x{h}: toggle median {:.1} µs (p99 {:.1} µs), typing median {:.1} µs (p99 {:.1} µs) per key",
            med_t.as_secs_f64() * 1e6,
            p99_t.as_secs_f64() * 1e6,
            med_k.as_secs_f64() * 1e6,
            p99_k.as_secs_f64() * 1e6
        );
    }
}
