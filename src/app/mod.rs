//! The TUI state machine: `update(&mut Model, Msg) -> Vec<Cmd>`, pure and free of secrets
//! (a masked field holds what is being typed only until it is handed to the worker).
//!
//! Screens are an enum with a back-stack; dialogs are an overlay stack; each screen's state and
//! key handling live in a file named after it. Focus is derived, most specific first:
//! overlay > focused text field > screen > global keys.

pub mod compose;
pub mod connectors;
pub mod hints;
pub mod in_app;
pub mod keymap;
pub mod keys;
pub mod mailbox;
pub mod msg;
pub mod overlay;
pub mod picker;
pub mod signin;
pub mod text_field;
pub mod unlock;
pub mod wizard;

pub use crate::domain::mail::*;
pub use connectors::row::{ConnectorRow, TokenFacts, TokenHealth};
use keymap::{Action, Context, Keymap};
use keys::Key;
pub use msg::*;
use overlay::{Overlay, Toast, ToastLevel};

/// The time, as the runtime last set it: `update` never reads a clock itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    /// Monotonic milliseconds since start (toasts, spinner).
    pub mono_ms: u64,
    /// Unix seconds (token expiry, countdowns).
    pub unix: i64,
}

#[derive(Debug)]
pub enum Screen {
    Unlock(unlock::UnlockState),
    Connectors(connectors::ConnectorsState),
    Wizard(Box<wizard::WizardState>),
    SignIn(Box<signin::SignInState>),
    Mailbox(Box<mailbox::MailboxState>),
    Compose(Box<compose::ComposeState>),
}

/// A screen change asked for by a handler, applied after it returns.
#[derive(Debug)]
pub enum Nav {
    Push(Screen),
    Pop,
    /// Replace the current screen, keeping the ones under it (sign-in → its mailbox).
    Replace(Screen),
    /// Replace the whole stack (after unlocking).
    Reset(Screen),
}

/// Everything but the screen stack.
#[derive(Debug)]
pub struct Shared {
    pub keymap: Keymap,
    pub overlays: Vec<Overlay>,
    pub toasts: Vec<Toast>,
    pub connectors: Vec<ConnectorRow>,
    pub now: Clock,
    /// Where the vault is, for the title bar.
    pub vault_label: String,
    pub size: (u16, u16),
    /// A list operation in flight (delete, test), with what the status line says.
    pub busy: Option<(ReqId, String)>,
    /// Set by `update` when the screen must be drawn again.
    pub changed: bool,
    pub nav: Option<Nav>,
    /// The connector the list selects when it is shown next.
    pub select: Option<String>,
    pub quitting: bool,
    /// A dialog's "yes" that the screen under it carries out (delete a message, send a mail).
    pub confirmed: Option<overlay::ConfirmAction>,
    /// `NO_COLOR` is set: the view uses no colour.
    pub no_color: bool,
    /// `graphmail demo`: the sign-in screen can approve an authorize URL by itself.
    pub demo: bool,
    /// The vault was opened through the session agent (`graphmail unlock`).
    pub through_agent: bool,
    /// Advances on every tick; drives the spinner.
    pub frame: u64,
    /// The folder the save dialog offers (the runtime sets the download folder).
    pub save_dir: String,
    next_id: u64,
}

impl Shared {
    pub fn next_id(&mut self) -> ReqId {
        self.next_id += 1;
        ReqId(self.next_id)
    }

    pub fn toast(&mut self, level: ToastLevel, text: impl Into<String>) {
        let ms = if level == ToastLevel::Error {
            overlay::ERROR_TOAST_MS
        } else {
            overlay::TOAST_MS
        };
        self.toasts.push(Toast {
            text: text.into(),
            level,
            until_ms: self.now.mono_ms + ms,
        });
        if self.toasts.len() > 3 {
            self.toasts.remove(0);
        }
    }

    pub fn error(&mut self, title: impl Into<String>, error: UiError) {
        // One cause reported by two requests (folders and messages, say) is one dialog.
        let same = |o: &Overlay| matches!(o, Overlay::Error { error: e, .. } if *e == error);
        if self.overlays.iter().any(same) {
            return;
        }
        self.overlays.push(Overlay::Error {
            title: title.into(),
            error,
        });
    }

    /// Keys every screen understands once its own bindings did not match.
    fn global(&mut self, action: Option<Action>) -> Vec<Cmd> {
        match action {
            Some(Action::Quit) => {
                self.quitting = true;
                vec![Cmd::Quit]
            }
            Some(Action::Help) => {
                self.overlays.push(Overlay::Help(Default::default()));
                Vec::new()
            }
            _ => {
                self.changed = false;
                Vec::new()
            }
        }
    }

    fn names_except(&self, except: Option<&str>) -> Vec<String> {
        self.connectors
            .iter()
            .map(|r| r.connector.name.clone())
            .filter(|n| Some(n.as_str()) != except)
            .collect()
    }
}

#[derive(Debug)]
pub struct Model {
    pub screen: Screen,
    pub back: Vec<Screen>,
    pub shared: Shared,
}

/// How the vault is opened at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The vault exists: ask for its passphrase.
    Unlock,
    /// No vault yet: ask for a new passphrase twice.
    Create,
    /// An identity file was given: no prompt.
    Identity,
}

/// The first model and the commands to run before the first key.
pub fn init(keymap: Keymap, start: Start, vault_label: String, now: Clock) -> (Model, Vec<Cmd>) {
    let mut shared = Shared {
        keymap,
        overlays: Vec::new(),
        toasts: Vec::new(),
        connectors: Vec::new(),
        now,
        vault_label,
        size: (80, 24),
        busy: None,
        changed: true,
        nav: None,
        select: None,
        quitting: false,
        confirmed: None,
        no_color: false,
        demo: false,
        through_agent: false,
        frame: 0,
        save_dir: "~".into(),
        next_id: 0,
    };
    let (screen, cmds) = match start {
        Start::Unlock => (Screen::Unlock(unlock::UnlockState::unlock()), Vec::new()),
        Start::Create => (Screen::Unlock(unlock::UnlockState::create()), Vec::new()),
        Start::Identity => {
            let id = shared.next_id();
            (
                Screen::Connectors(connectors::ConnectorsState::loading(id)),
                vec![Cmd::OpenWithIdentity { id }],
            )
        }
    };
    (
        Model {
            screen,
            back: Vec::new(),
            shared,
        },
        cmds,
    )
}

/// Applies one message. The runtime sets `model.shared.now` before calling.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Cmd> {
    model.shared.changed = true;
    let cmds = match msg {
        Msg::Key(key) => on_key(model, key),
        Msg::Paste(text) => on_paste(model, &text),
        Msg::Resize(w, h) => {
            model.shared.size = (w, h);
            // An open message is wrapped again once, for its pane's new width.
            let screens = std::iter::once(&mut model.screen).chain(model.back.iter_mut());
            for screen in screens {
                if let Screen::Mailbox(s) = screen {
                    s.fit_preview((w, h));
                }
            }
            Vec::new()
        }
        Msg::Tick => on_tick(model),
        Msg::Worker(event) => on_event(model, event),
    };
    if let Some(nav) = model.shared.nav.take() {
        match nav {
            Nav::Push(s) => {
                let old = std::mem::replace(&mut model.screen, s);
                model.back.push(old);
            }
            Nav::Pop => {
                if let Some(s) = model.back.pop() {
                    model.screen = s;
                }
            }
            Nav::Replace(s) => model.screen = s,
            Nav::Reset(s) => {
                model.back.clear();
                model.screen = s;
            }
        }
    }
    // Kept until the list has rows: the config's default connector waits for the vault to open.
    if let (Some(name), Screen::Connectors(list), false) = (
        &model.shared.select,
        &mut model.screen,
        model.shared.connectors.is_empty(),
    ) {
        if let Some(i) = model
            .shared
            .connectors
            .iter()
            .position(|r| &r.connector.name == name)
        {
            list.selected = i;
        }
        model.shared.select = None;
    }
    cmds
}

/// Quit pressed over a dialog while the screen below holds unsaved work: the screen asks, as it
/// does without the dialog, instead of the dialog quitting at once. Its own question is left to
/// quit on a second press.
fn quits_unsaved_work_over_a_dialog(model: &Model, key: Key) -> bool {
    let Some(top) = model.shared.overlays.last() else {
        return false;
    };
    let asking_already = matches!(
        top,
        Overlay::Confirm {
            action: overlay::ConfirmAction::QuitDiscarding,
            ..
        }
    );
    let quits = model
        .shared
        .keymap
        .resolve(&[top.context(), Context::Global], key)
        == Some(Action::Quit);
    let unsaved = match &model.screen {
        Screen::Compose(s) => s.holds_unsaved_work(),
        Screen::Wizard(w) => w.dirty,
        _ => false,
    };
    quits && unsaved && !asking_already
}

fn on_key(model: &mut Model, key: Key) -> Vec<Cmd> {
    let help_contexts = screen_key_contexts(model);
    if quits_unsaved_work_over_a_dialog(model, key) {
        let shared = &mut model.shared;
        return match &mut model.screen {
            Screen::Compose(s) => compose::on_key(shared, s, key),
            Screen::Wizard(s) => wizard::on_key(shared, s, key),
            _ => Vec::new(),
        };
    }
    if let Some(mut cmds) = overlay::on_key(&mut model.shared, key, &help_contexts) {
        if let Some(what) = model.shared.confirmed.take() {
            let shared = &mut model.shared;
            cmds.extend(match &mut model.screen {
                Screen::Mailbox(s) => s.on_confirmed(shared, what),
                Screen::Compose(s) => s.on_confirmed(shared, what),
                _ => Vec::new(),
            });
        }
        return cmds;
    }
    let shared = &mut model.shared;
    match &mut model.screen {
        Screen::Unlock(s) => unlock::on_key(shared, s, key),
        Screen::Connectors(s) => connectors::on_key(shared, s, key),
        Screen::Wizard(s) => wizard::on_key(shared, s, key),
        Screen::SignIn(s) => signin::on_key(shared, s, key),
        Screen::Mailbox(s) => mailbox::on_key(shared, s, key),
        Screen::Compose(s) => compose::on_key(shared, s, key),
    }
}

fn on_paste(model: &mut Model, text: &str) -> Vec<Cmd> {
    if let (true, Screen::Compose(s)) = (model.shared.overlays.is_empty(), &mut model.screen) {
        compose::on_paste(s, text);
        return Vec::new();
    }
    let line: String = text.chars().filter(|c| !c.is_control()).collect();
    let field = if model.shared.overlays.is_empty() {
        match &mut model.screen {
            Screen::Unlock(s) => s.focused_field(),
            Screen::Wizard(s) => s.focused_field(),
            Screen::SignIn(s) => s.paste_field(),
            Screen::Mailbox(s) => s.prompt.as_mut().map(|p| &mut p.field),
            Screen::Connectors(_) | Screen::Compose(_) => None,
        }
    } else {
        None
    };
    match field {
        Some(f) => {
            for c in line.chars() {
                f.handle_key(Key::ch(c));
            }
            if let Screen::Wizard(w) = &mut model.screen {
                w.revalidate();
            }
        }
        None => model.shared.changed = false,
    }
    Vec::new()
}

fn on_tick(model: &mut Model) -> Vec<Cmd> {
    let now = model.shared.now.mono_ms;
    model.shared.frame += 1;
    model.shared.toasts.retain(|t| t.until_ms > now);
    Vec::new()
}

fn on_event(model: &mut Model, event: Event) -> Vec<Cmd> {
    let shared = &mut model.shared;
    let id = event.id;
    // A list operation (delete, test) finished.
    if shared.busy.as_ref().is_some_and(|(b, _)| *b == id) {
        shared.busy = None;
        return connectors::on_busy_done(shared, event.body);
    }
    if matches!(
        event.body,
        EventBody::Folders(_)
            | EventBody::Messages(_)
            | EventBody::Message(_)
            | EventBody::Changed(_)
            | EventBody::ChangedMany(_)
    ) {
        // The mailbox may be under a compose screen; its replies still apply to it.
        let mailbox = std::iter::once(&mut model.screen)
            .chain(model.back.iter_mut().rev())
            .find_map(|s| match s {
                Screen::Mailbox(m) if m.awaiting(id) => Some(m),
                _ => None,
            });
        return match mailbox {
            Some(m) => mailbox::events::on_event(shared, m, id, event.body),
            None => {
                shared.changed = false;
                Vec::new()
            }
        };
    }
    match (&mut model.screen, event.body) {
        (Screen::Compose(s), EventBody::Sent(r)) if s.awaiting(id) => {
            compose::on_sent(shared, s, r)
        }
        (Screen::Compose(s), EventBody::BodyEdited(r)) if s.editing == Some(id) => {
            compose::on_edited(shared, s, r)
        }
        (Screen::Compose(s), EventBody::AttachmentChecked(r)) => {
            compose::on_attachment_checked(shared, s, id, r)
        }
        (Screen::Unlock(s), EventBody::Unlocked(r)) if s.awaiting(id) => {
            unlock::on_unlocked(shared, s, r)
        }
        (Screen::Connectors(s), EventBody::Unlocked(r) | EventBody::Connectors(r))
            if s.awaiting(id) =>
        {
            connectors::on_loaded(shared, s, r)
        }
        (Screen::Wizard(s), EventBody::Saved(r)) if s.awaiting(id) => {
            wizard::on_saved(shared, s, r)
        }
        (Screen::Wizard(s), EventBody::TenantChecked(v)) if s.tenant_check == Some(id) => {
            wizard::on_tenant_checked(s, v);
            Vec::new()
        }
        (Screen::SignIn(s), EventBody::SignIn(u)) if s.awaiting(id) => {
            signin::on_update(shared, s, u)
        }
        _ => {
            // A reply nobody waits for any more (cancelled, or its screen was left).
            shared.changed = false;
            Vec::new()
        }
    }
}

/// The key contexts in force, most specific first: what the footer and help show.
pub fn key_contexts(model: &Model) -> Vec<Context> {
    if let Some(top) = model.shared.overlays.last() {
        return vec![top.context()];
    }
    screen_key_contexts(model)
}

/// A text field has the keys: a plain character is typed, not taken as a command, so hints
/// name another key of the same action (`F1 help`, not `? help`).
pub fn typing(model: &Model) -> bool {
    if !model.shared.overlays.is_empty() {
        return false;
    }
    match &model.screen {
        Screen::Unlock(_) | Screen::Compose(_) => true,
        Screen::Wizard(w) => w.focused().is_some_and(|f| w.text_field(f).is_some()),
        Screen::Mailbox(s) => s.prompt.is_some(),
        Screen::SignIn(s) => s.paste_focused,
        Screen::Connectors(_) => false,
    }
}

/// Whether an action can do anything right now: the footer leaves out those that cannot.
pub fn action_available(model: &Model, action: Action) -> bool {
    if !model.shared.overlays.is_empty() {
        return true;
    }
    match &model.screen {
        Screen::Connectors(_) => {
            !connectors::needs_a_connector(action) || !model.shared.connectors.is_empty()
        }
        Screen::SignIn(s) => {
            use signin::Phase;
            match action {
                Action::DemoApprove => {
                    model.shared.demo
                        && matches!(s.phase, Phase::AuthCode(_) | Phase::DeviceCode(_))
                        && !s.submitted
                }
                Action::Copy => matches!(s.phase, Phase::DeviceCode(_) | Phase::AuthCode(_)),
                Action::ShowUrl => matches!(s.phase, Phase::AuthCode(_)),
                Action::NextField => matches!(s.phase, Phase::AuthCode(_)),
                Action::Confirm => {
                    matches!(
                        s.phase,
                        Phase::AuthCode(_) | Phase::Done(_) | Phase::Failed(_)
                    )
                }
                Action::Retry => matches!(s.phase, Phase::Failed(_)),
                _ => true,
            }
        }
        Screen::Wizard(w) => match action {
            Action::PrevStep => w.step != wizard::Step::Name,
            Action::NextField | Action::PrevField => w.step != wizard::Step::Review,
            _ => true,
        },
        Screen::Unlock(_) => true,
        Screen::Mailbox(s) => match action {
            Action::MarkRead | Action::Move | Action::Delete | Action::Toggle => {
                s.selected_row().is_some()
            }
            Action::Reply | Action::ReplyAll | Action::Forward | Action::Save => {
                s.preview.is_some()
            }
            _ => true,
        },
        Screen::Compose(s) => {
            !matches!(action, Action::NextField | Action::PrevField)
                || s.has_fields_to_move_between()
        }
    }
}

/// The key contexts of the screen under any overlay: what the `?` help lists.
pub fn screen_key_contexts(model: &Model) -> Vec<Context> {
    let mut chain = match &model.screen {
        Screen::Unlock(_) => vec![Context::Unlock],
        Screen::Connectors(_) => vec![Context::List],
        Screen::Wizard(w) if w.step == wizard::Step::Permissions => {
            vec![Context::Picker, Context::Wizard]
        }
        Screen::Wizard(_) => vec![Context::Wizard],
        Screen::SignIn(_) => vec![Context::SignIn],
        Screen::Mailbox(s) if s.prompt.is_some() || s.picker.is_some() => {
            vec![Context::Prompt]
        }
        Screen::Mailbox(_) => vec![Context::Mailbox],
        Screen::Compose(_) => vec![Context::Compose],
    };
    chain.push(Context::Global);
    chain
}

impl Model {
    /// Seconds left until `unix`, by the model's clock.
    pub fn now_unix_left(&self, unix: i64) -> i64 {
        unix - self.shared.now.unix
    }

    /// The sign-in whose URL is shown alone on a clean screen (the terminal loop prints it as
    /// one unwrapped line, outside the drawn screen): its connector and URL.
    pub fn url_alone(&self) -> Option<(&str, &str)> {
        match &self.screen {
            Screen::SignIn(s) if self.shared.overlays.is_empty() => {
                s.url_alone().map(|u| (s.name.as_str(), u))
            }
            _ => None,
        }
    }

    /// True while a spinner, countdown or toast needs ticks.
    pub fn animating(&self) -> bool {
        !self.shared.toasts.is_empty()
            || self.shared.busy.is_some()
            || match &self.screen {
                Screen::Unlock(s) => s.pending.is_some(),
                Screen::Connectors(s) => s.loading.is_some(),
                Screen::Wizard(s) => s.saving.is_some(),
                Screen::SignIn(s) => s.waiting(),
                Screen::Mailbox(s) => s.busy(),
                Screen::Compose(s) => s.sending.is_some(),
            }
    }
}
