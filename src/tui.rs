//! The terminal app's lifecycle and event loop.
//!
//! One task owns the model. It waits on the keyboard (crossterm's `EventStream`), the worker's
//! events and, only while something animates, a tick; it applies each message with
//! `app::update`, hands the commands to the worker, and draws only when the model changed.
//! Raw mode and the alternate screen are undone on exit, on a panic, on Ctrl-C and on SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event as TermEvent, EventStream, KeyCode as TK,
    KeyEventKind, KeyModifiers,
};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use crate::app::keymap::Keymap;
use crate::app::keys::{Key, KeyCode};
use crate::app::{self, Clock, Cmd, Model, Msg, Start};
use crate::config::Config;
use crate::error::{Exit, UserError, UserResult};
use crate::vault::Vault;
use crate::worker::{self, Services};

/// How often the spinner, countdowns and fading toasts move.
const TICK: Duration = Duration::from_millis(100);

/// The keymap: the defaults, with the user's file merged over them: the config file's `keymap`,
/// else `keymap.toml` in the config folder.
pub fn load_keymap(config: &Config) -> UserResult<Keymap> {
    let Some(file) = crate::config::keymap_file(config) else {
        return Ok(Keymap::defaults());
    };
    match std::fs::read_to_string(&file) {
        Ok(text) => Keymap::with_user(&text, &file.display().to_string())
            .map_err(|e| UserError::failure("bad_keymap", e)),
        // A file the config names must be there; the default one is optional.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match &config.keymap {
            Some(k) => Err(UserError::new(
                Exit::Usage,
                "bad_keymap",
                format!(
                    "the keymap file {} does not exist (keymap in {})",
                    file.display(),
                    config.place(k)
                ),
            )
            .with_fix("create it, or correct or remove the keymap line of the config file")),
            None => Ok(Keymap::defaults()),
        },
        Err(e) => Err(UserError::failure(
            "bad_keymap",
            format!("{} cannot be read: {e}", file.display()),
        )
        .with_fix("fix its permissions, or remove it to use the default keys")),
    }
}

struct Clocks {
    start: Instant,
}

impl Clocks {
    fn now(&self) -> Clock {
        Clock {
            mono_ms: self.start.elapsed().as_millis() as u64,
            unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        }
    }
}

/// Runs the TUI on this terminal. `vault` is already open when an identity or passphrase file
/// was given; otherwise the unlock (or create) screen asks.
pub fn run(vault_path: PathBuf, vault: Option<Vault>, config: &Config) -> UserResult {
    run_with(vault_path, vault, None, config, false)
}

/// Runs the TUI with a vault opened through the session agent (the header says so; `L` locks).
pub fn run_through_agent(vault_path: PathBuf, vault: Vault, config: &Config) -> UserResult {
    run_with(vault_path, Some(vault), None, config, true)
}

/// Runs the app for `graphmail demo`: the sign-in screen can approve an authorize URL as
/// `user` (a demo account of the built-in emulator) with a key.
#[cfg(feature = "demo")]
pub fn run_demo(
    vault_path: PathBuf,
    vault: Vault,
    user: (String, secrecy::SecretString),
) -> UserResult {
    // The file was checked before the demo started; its theme and keymap apply here too.
    let config = crate::config::load(&crate::config::locate()).unwrap_or_default();
    run_with(vault_path, Some(vault), Some(user), &config, false)
}

fn run_with(
    vault_path: PathBuf,
    vault: Option<Vault>,
    demo_user: Option<(String, secrecy::SecretString)>,
    config: &Config,
    through_agent: bool,
) -> UserResult {
    let keymap = load_keymap(config)?;
    let start = if vault.is_some() {
        Start::Identity
    } else if vault_path.exists() {
        Start::Unlock
    } else {
        Start::Create
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UserError::failure("runtime", format!("cannot start: {e}")))?;
    let clocks = Clocks {
        start: Instant::now(),
    };
    let (mut model, first) = app::init(
        keymap,
        start,
        crate::config::home_label(&vault_path),
        clocks.now(),
    );
    model.shared.no_color = config.no_color();
    model.shared.demo = demo_user.is_some();
    model.shared.through_agent = through_agent;
    model.shared.save_dir = crate::config::download_dir().display().to_string();
    if !model.shared.demo {
        model.shared.select = config.default_connector.as_ref().map(|d| d.value.clone());
    }
    let services = match demo_user {
        #[cfg(feature = "demo")]
        Some(user) => Services::for_demo(vault_path, vault, user),
        _ => Services::new(vault_path, vault),
    };
    runtime.block_on(async move {
        let mut terminal = ratatui::init();
        let _ = crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
        let result = event_loop(&mut terminal, &mut model, first, services, clocks).await;
        let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
        // After a hangup the terminal is gone: restoring it fails, and ratatui's own reports
        // of that would write to the dead terminal and abort before the demo's folder is
        // removed. Restore quietly, and leave nothing for the terminal's drop to report.
        let _ = ratatui::try_restore();
        if terminal.show_cursor().is_err() {
            std::mem::forget(terminal);
        }
        result
    })
}

fn key_from(ev: crossterm::event::KeyEvent) -> Option<Key> {
    let code = match ev.code {
        TK::Char(c) => KeyCode::Char(c),
        TK::Enter => KeyCode::Enter,
        TK::Esc => KeyCode::Esc,
        TK::Tab => KeyCode::Tab,
        TK::BackTab => KeyCode::BackTab,
        TK::Backspace => KeyCode::Backspace,
        TK::Delete => KeyCode::Delete,
        TK::Left => KeyCode::Left,
        TK::Right => KeyCode::Right,
        TK::Up => KeyCode::Up,
        TK::Down => KeyCode::Down,
        TK::Home => KeyCode::Home,
        TK::End => KeyCode::End,
        TK::PageUp => KeyCode::PageUp,
        TK::PageDown => KeyCode::PageDown,
        TK::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(Key {
        code,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        alt: ev.modifiers.contains(KeyModifiers::ALT),
    })
}

fn term_msg(ev: TermEvent) -> Option<Msg> {
    match ev {
        TermEvent::Key(k) if k.kind != KeyEventKind::Release => key_from(k).map(Msg::Key),
        TermEvent::Paste(text) => Some(Msg::Paste(text)),
        TermEvent::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// OSC 52: the terminal puts the text on the clipboard of the machine the user sits at,
/// which also works over SSH.
fn copy_to_clipboard(text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

/// The sign-in URL alone on a cleared screen, written as one line that the terminal wraps
/// itself: its selection (and tmux's) then takes the URL whole. A link too (OSC 8).
fn print_url_alone(name: &str, url: &str) {
    let name = crate::domain::sanitize::line(name);
    let url = crate::domain::sanitize::line(url);
    let mut out = std::io::stdout();
    let _ = crossterm::queue!(
        out,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::cursor::MoveTo(0, 0)
    );
    let _ = write!(
        out,
        "Sign-in URL of {name}: open it in a browser. It is one line, however the terminal wraps it: select it whole.\r\n\r\n\x1b]8;;{url}\x1b\\{url}\x1b]8;;\x1b\\\r\n\r\nPress any key to go back."
    );
    let _ = out.flush();
}

/// Re-writes on-screen link text wrapped in OSC 8, so terminals that support it make it
/// clickable; the characters are the same, so the screen does not change.
fn draw_links(model: &Model, width: u16, height: u16) {
    let links = crate::ui::hyperlinks(model, ratatui::layout::Rect::new(0, 0, width, height));
    if links.is_empty() {
        return;
    }
    let mut out = std::io::stdout();
    for l in links {
        let _ = crossterm::queue!(
            out,
            crossterm::cursor::SavePosition,
            crossterm::cursor::MoveTo(l.x, l.y)
        );
        let _ = write!(out, "\x1b]8;;{}\x1b\\{}\x1b]8;;\x1b\\", l.url, l.text);
        let _ = crossterm::queue!(out, crossterm::cursor::RestorePosition);
    }
    let _ = out.flush();
}

/// After something else wrote on the screen (the editor, the URL alone): the screen is
/// cleared and an empty frame makes ratatui's last frame blank too, so the next draw writes
/// every cell. (`Terminal::clear` would ask the terminal where the cursor is, and wait.)
fn repaint_all(terminal: &mut DefaultTerminal) {
    use crossterm::terminal::{Clear, ClearType};
    let _ = terminal.autoresize();
    let _ = crossterm::execute!(std::io::stdout(), Clear(ClearType::All));
    let _ = terminal.draw(|_| {});
}

/// Hands the terminal to the user's editor on `text` and takes it back: the key reader is
/// stopped (it would read the editor's keys), raw mode and the alternate screen are left and
/// the cursor shown; afterwards all of that is set up again and the next draw repaints the
/// whole screen. Returns the new key reader and the editor's text or error.
fn edit_in_terminal(
    terminal: &mut DefaultTerminal,
    keys: EventStream,
    text: &str,
) -> (EventStream, app::Reply<String>) {
    use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
    // Dropping the stream wakes its reading thread, which then ends. A new stream takes the
    // reader's lock when made, so once it exists the old thread has let go of the terminal;
    // dropping it at once wakes the old thread again, in case it had not started to wait yet.
    drop(keys);
    drop(EventStream::new());
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, DisableBracketedPaste, LeaveAlternateScreen);
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = terminal.show_cursor();
    let edited = crate::editor::Editor::from_env().and_then(|editor| editor.edit(text));
    let _ = crossterm::terminal::enable_raw_mode();
    let _ = crossterm::execute!(out, EnterAlternateScreen, EnableBracketedPaste);
    let _ = terminal.hide_cursor();
    repaint_all(terminal);
    let reply = edited.map_err(|e| {
        crate::worker::ui_error::shown(app::UiErrorKind::Other, crate::error::UserError::from(e))
    });
    (EventStream::new(), reply)
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    model: &mut Model,
    first: Vec<Cmd>,
    services: std::sync::Arc<Services>,
    clocks: Clocks,
) -> UserResult {
    let (cmd_tx, cmd_rx) = mpsc::channel::<Cmd>(64);
    let (ev_tx, mut ev_rx) = mpsc::channel(64);
    let worker = tokio::spawn(worker::run(services, cmd_rx, ev_tx));
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let watch = |kind: tokio::signal::unix::SignalKind, name: &str| {
        tokio::signal::unix::signal(kind)
            .map_err(|e| UserError::failure("signal", format!("cannot watch for {name}: {e}")))
    };
    let mut sigterm = watch(tokio::signal::unix::SignalKind::terminate(), "SIGTERM")?;
    // A closed SSH session or terminal window hangs up: leave as cleanly as on SIGTERM.
    let mut sighup = watch(tokio::signal::unix::SignalKind::hangup(), "SIGHUP")?;
    if let Ok(size) = terminal.size() {
        model.shared.size = (size.width, size.height);
    }
    let mut dirty = true;
    let (mut url_shown, mut url_stale) = (false, false);
    let mut pending = first;
    // The editor's answer, applied before waiting for anything else.
    let mut handed_back: Option<Msg> = None;
    loop {
        for cmd in pending.drain(..) {
            match cmd {
                Cmd::Quit => model.shared.quitting = true,
                Cmd::Copy(text) => copy_to_clipboard(&text),
                Cmd::EditBody { id, text } => {
                    let (reader, edited) = edit_in_terminal(terminal, keys, &text);
                    keys = reader;
                    if let Ok(size) = terminal.size() {
                        model.shared.size = (size.width, size.height);
                    }
                    handed_back = Some(Msg::Worker(app::Event {
                        id,
                        body: app::EventBody::BodyEdited(edited),
                    }));
                    dirty = true;
                }
                other => {
                    if cmd_tx.send(other).await.is_err() {
                        model.shared.quitting = true;
                    }
                }
            }
        }
        if model.shared.quitting {
            break;
        }
        if dirty && let Some((name, url)) = model.url_alone() {
            if !url_shown || url_stale {
                print_url_alone(name, url);
                url_shown = true;
                url_stale = false;
            }
            dirty = false;
        }
        // The editor's text is applied first: drawing the old body in between would only flash.
        if dirty && handed_back.is_none() {
            if std::mem::take(&mut url_shown) {
                repaint_all(terminal);
            }
            terminal
                .draw(|f| crate::ui::view(model, f))
                .map_err(|e| UserError::failure("terminal", format!("cannot draw: {e}")))?;
            let (w, h) = model.shared.size;
            draw_links(model, w, h);
            dirty = false;
        }
        let animating = model.animating();
        let msg = if let Some(msg) = handed_back.take() {
            Some(msg)
        } else {
            tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(ev)) => term_msg(ev),
                Some(Err(_)) | None => break,
            },
            Some(ev) = ev_rx.recv() => Some(Msg::Worker(ev)),
            _ = tick.tick(), if animating => Some(Msg::Tick),
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
            }
        };
        let Some(msg) = msg else { continue };
        if let Msg::Resize(..) = msg {
            // A resize redraws everything: ratatui's buffers are resized on the next draw.
            let _ = terminal.autoresize();
            url_stale = true;
        }
        model.shared.now = clocks.now();
        pending = app::update(model, msg);
        dirty |= model.shared.changed;
        // Apply everything already queued before drawing once.
        while let Ok(ev) = ev_rx.try_recv() {
            model.shared.now = clocks.now();
            pending.extend(app::update(model, Msg::Worker(ev)));
            dirty |= model.shared.changed;
        }
        if animating && !model.animating() {
            tick.reset();
        }
    }
    drop(cmd_tx);
    worker.abort();
    Ok(())
}
