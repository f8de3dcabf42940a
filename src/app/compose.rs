//! Writing a mail: new, reply, reply all or forward. The draft stays until it is sent or the
//! user discards it; a send whose outcome is unknown is never repeated without asking.

mod attachments;

pub use attachments::{AttachmentFile, on_checked as on_attachment_checked};

use ratatui_textarea::{Input, Key as TaKey, TextArea};

use super::keymap::{Action, Context};
use super::keys::{Key, KeyCode};
use super::msg::{Reply, ReqId, UiErrorKind};
use super::overlay::{ConfirmAction, Overlay, ToastLevel};
use super::text_field::TextField;
use super::{Cmd, Nav, Shared};
use crate::domain::mail::{ComposeKind, MessageView, OutgoingDraft, Person};
use crate::domain::reply::{Original, reply_recipients};
use crate::domain::sanitize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeField {
    To,
    Cc,
    Bcc,
    Subject,
    Body,
    Attachments,
}

impl ComposeField {
    pub const ALL: [ComposeField; 6] = [
        ComposeField::To,
        ComposeField::Cc,
        ComposeField::Bcc,
        ComposeField::Subject,
        ComposeField::Body,
        ComposeField::Attachments,
    ];
}

#[derive(Debug)]
pub struct ComposeState {
    pub connector: String,
    pub kind: ComposeKind,
    pub to: TextField,
    pub cc: TextField,
    pub bcc: TextField,
    pub subject: TextField,
    pub body: TextArea<'static>,
    /// The files to attach, each checked by the worker when it was added.
    pub attachments: Vec<AttachmentFile>,
    /// The path being typed into the attachment list.
    pub attach_field: TextField,
    /// The attachment chosen with Up/Down (Delete removes it); `None`: the path field.
    pub attach_sel: Option<usize>,
    /// Paths given to the worker to check, by request.
    pub checking: Vec<(ReqId, String)>,
    pub focus: ComposeField,
    pub sending: Option<ReqId>,
    /// The body is in the user's editor (the terminal is handed over until it answers).
    pub editing: Option<ReqId>,
    /// An earlier send failed in a way that may have delivered it.
    pub maybe_sent: bool,
    /// Why the field under the cursor cannot be sent yet (shown next to it).
    pub problem: Option<String>,
}

fn addresses(list: &[Person]) -> Vec<&str> {
    list.iter().map(|p| p.address.as_str()).collect()
}

fn people(list: &[String]) -> String {
    list.iter()
        .map(|a| sanitize::line(a).into_owned())
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The addresses of the mailbox `connector` works on: its target (or shared) mailbox, else
/// the signed-in user; a reply all leaves them out, as Graph does.
pub fn own_addresses(shared: &Shared, connector: &str) -> Vec<String> {
    let Some(row) = shared
        .connectors
        .iter()
        .find(|r| r.connector.name == connector)
    else {
        return Vec::new();
    };
    match row
        .connector
        .mailbox
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        Some(m) => vec![m.to_string()],
        None => row
            .token
            .user
            .iter()
            .chain(&row.username)
            .cloned()
            .collect(),
    }
}

fn prefixed(prefix: &str, subject: &str) -> String {
    let subject = sanitize::line(subject);
    let lower = subject.to_ascii_lowercase();
    if lower.starts_with(&format!("{}:", prefix.to_ascii_lowercase())) {
        subject.into_owned()
    } else {
        format!("{prefix}: {subject}")
    }
}

/// Splits `a@x, b@y; c@z` into addresses.
pub fn split_addresses(text: &str) -> Vec<String> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// The first address that does not look like one (`name@domain`).
fn bad_address(list: &[String]) -> Option<&String> {
    list.iter().find(|a| {
        let mut parts = a.splitn(2, '@');
        let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        local.is_empty() || !domain.contains('.') || a.chars().any(char::is_whitespace)
    })
}

fn text_area() -> TextArea<'static> {
    let mut t = TextArea::default();
    t.set_cursor_line_style(ratatui::style::Style::new());
    t
}

/// Our key as the editor widget's input.
fn editor_input(key: Key) -> Option<Input> {
    let k = match key.code {
        KeyCode::Char(c) => TaKey::Char(c),
        KeyCode::Enter => TaKey::Enter,
        KeyCode::Backspace => TaKey::Backspace,
        KeyCode::Delete => TaKey::Delete,
        KeyCode::Left => TaKey::Left,
        KeyCode::Right => TaKey::Right,
        KeyCode::Up => TaKey::Up,
        KeyCode::Down => TaKey::Down,
        KeyCode::Home => TaKey::Home,
        KeyCode::End => TaKey::End,
        KeyCode::PageUp => TaKey::PageUp,
        KeyCode::PageDown => TaKey::PageDown,
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc | KeyCode::F(_) => return None,
    };
    Some(Input {
        key: k,
        ctrl: key.ctrl,
        alt: key.alt,
        shift: false,
    })
}

impl ComposeState {
    pub fn new(connector: &str) -> ComposeState {
        ComposeState {
            connector: connector.into(),
            kind: ComposeKind::New,
            to: TextField::new(""),
            cc: TextField::new(""),
            bcc: TextField::new(""),
            subject: TextField::new(""),
            body: text_area(),
            attachments: Vec::new(),
            attach_field: TextField::new(""),
            attach_sel: None,
            checking: Vec::new(),
            focus: ComposeField::To,
            sending: None,
            editing: None,
            maybe_sent: false,
            problem: None,
        }
    }

    /// A reply: Graph addresses it and quotes the original, so only the text is written here.
    /// The recipients shown are the ones Graph will use; `own` are the mailbox's addresses.
    pub fn reply(
        connector: &str,
        original: &MessageView,
        all: bool,
        own: &[String],
    ) -> ComposeState {
        let mut s = ComposeState::new(connector);
        s.kind = ComposeKind::Reply {
            message_id: original.id.clone(),
            all,
        };
        let own: Vec<&str> = own.iter().map(String::as_str).collect();
        let who = reply_recipients(
            Original {
                from: original.from.as_ref().map(|p| p.address.as_str()),
                reply_to: &addresses(&original.reply_to),
                to: &addresses(&original.to),
                cc: &addresses(&original.cc),
            },
            all,
            &own,
        );
        s.to = TextField::new(&people(&who.to));
        s.cc = TextField::new(&people(&who.cc));
        s.subject = TextField::new(&prefixed("RE", &original.subject));
        s.focus = ComposeField::Body;
        s
    }

    /// A forward: the recipients and a note above the forwarded message.
    pub fn forward(connector: &str, original: &MessageView) -> ComposeState {
        let mut s = ComposeState::new(connector);
        s.kind = ComposeKind::Forward {
            message_id: original.id.clone(),
        };
        s.subject = TextField::new(&prefixed("FW", &original.subject));
        s.focus = ComposeField::To;
        s
    }

    /// Fields this kind of mail lets the user change (Graph fills the others for replies).
    pub fn editable(&self, field: ComposeField) -> bool {
        matches!(
            (&self.kind, field),
            (ComposeKind::New, _)
                | (_, ComposeField::Body)
                | (ComposeKind::Forward { .. }, ComposeField::To)
        )
    }

    pub fn awaiting(&self, id: ReqId) -> bool {
        self.sending == Some(id)
    }

    /// Tab has somewhere to go: more than one field can be edited (a reply has only its text).
    pub fn has_fields_to_move_between(&self) -> bool {
        ComposeField::ALL
            .iter()
            .filter(|f| self.editable(**f))
            .count()
            > 1
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            ComposeKind::New => "New mail",
            ComposeKind::Reply { all: false, .. } => "Reply",
            ComposeKind::Reply { all: true, .. } => "Reply all",
            ComposeKind::Forward { .. } => "Forward",
        }
    }

    pub fn body_text(&self) -> String {
        self.body.lines().join("\n")
    }

    /// Quitting now would lose a draft, or the answer to a send in flight.
    pub fn holds_unsaved_work(&self) -> bool {
        self.has_content() || self.sending.is_some()
    }

    fn has_content(&self) -> bool {
        let typed = |f: &TextField, field| self.editable(field) && !f.is_empty();
        typed(&self.to, ComposeField::To)
            || typed(&self.cc, ComposeField::Cc)
            || typed(&self.bcc, ComposeField::Bcc)
            || typed(&self.subject, ComposeField::Subject)
            || !self.body_text().trim().is_empty()
            || !self.attachments.is_empty()
            || !self.checking.is_empty()
    }

    fn cycle(&mut self, forward: bool) {
        let all = ComposeField::ALL;
        let mut i = all.iter().position(|f| *f == self.focus).unwrap_or(0);
        for _ in 0..all.len() {
            i = if forward {
                (i + 1) % all.len()
            } else {
                (i + all.len() - 1) % all.len()
            };
            if self.editable(all[i]) {
                self.focus = all[i];
                return;
            }
        }
    }

    fn field_mut(&mut self, field: ComposeField) -> Option<&mut TextField> {
        match field {
            ComposeField::To => Some(&mut self.to),
            ComposeField::Cc => Some(&mut self.cc),
            ComposeField::Bcc => Some(&mut self.bcc),
            ComposeField::Subject => Some(&mut self.subject),
            ComposeField::Attachments => Some(&mut self.attach_field),
            ComposeField::Body => None,
        }
    }

    /// The draft as it would be sent, or why it cannot be.
    pub fn draft(&self) -> Result<OutgoingDraft, (ComposeField, String)> {
        let to = split_addresses(self.to.value());
        let cc = split_addresses(self.cc.value());
        let bcc = split_addresses(self.bcc.value());
        let needs_to = !matches!(self.kind, ComposeKind::Reply { .. });
        if needs_to && to.is_empty() {
            return Err((ComposeField::To, "Add at least one recipient in To.".into()));
        }
        for (field, list) in [
            (ComposeField::To, &to),
            (ComposeField::Cc, &cc),
            (ComposeField::Bcc, &bcc),
        ] {
            if self.editable(field)
                && let Some(bad) = bad_address(list)
            {
                return Err((
                    field,
                    format!("'{bad}' is not a mail address: write it as name@domain."),
                ));
            }
        }
        Ok(OutgoingDraft {
            kind: self.kind.clone(),
            to,
            cc,
            bcc,
            subject: self.subject.value().to_string(),
            body: self.body_text(),
            attachments: self.attachments.iter().map(|a| a.path.clone()).collect(),
        })
    }

    /// Sends the draft after the confirmation.
    pub fn on_confirmed(&mut self, shared: &mut Shared, what: ConfirmAction) -> Vec<Cmd> {
        match what {
            ConfirmAction::SendMail => match self.draft() {
                Ok(draft) => {
                    let id = shared.next_id();
                    self.sending = Some(id);
                    vec![Cmd::SendMail {
                        id,
                        name: self.connector.clone(),
                        draft: Box::new(draft),
                    }]
                }
                Err((field, why)) => {
                    self.focus = field;
                    self.problem = Some(why);
                    Vec::new()
                }
            },
            ConfirmAction::DiscardDraft => {
                shared.nav = Some(Nav::Pop);
                shared.toast(ToastLevel::Info, "The draft was discarded.");
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

pub fn on_key(shared: &mut Shared, s: &mut ComposeState, key: Key) -> Vec<Cmd> {
    let action = shared
        .keymap
        .resolve(&[Context::Compose, Context::Global], key);
    if action == Some(Action::Quit) && s.holds_unsaved_work() {
        ask_before_quitting(shared, s);
        return Vec::new();
    }
    if s.sending.is_some() {
        shared.toast(
            ToastLevel::Info,
            "Sending… the draft stays open until Graph answers.",
        );
        return Vec::new();
    }
    match action {
        Some(Action::NextField) => {
            s.cycle(true);
            Vec::new()
        }
        Some(Action::PrevField) => {
            s.cycle(false);
            Vec::new()
        }
        Some(Action::Send) if !s.checking.is_empty() => {
            s.focus = ComposeField::Attachments;
            s.problem = Some("Wait a moment: the attachment is still being checked.".into());
            Vec::new()
        }
        Some(Action::Send) => {
            match s.draft() {
                Ok(d) => {
                    s.problem = None;
                    let mut who = d.to.clone();
                    who.extend(d.cc.iter().cloned());
                    who.extend(d.bcc.iter().cloned());
                    let to = if who.is_empty() {
                        "the original sender".to_string()
                    } else {
                        who.join(", ")
                    };
                    let files = match d.attachments.len() {
                        0 => String::new(),
                        1 => " with 1 attachment".into(),
                        n => format!(" with {n} attachments"),
                    };
                    let mut body = format!("Send \"{}\" to {to}{files}?", d.subject);
                    if s.maybe_sent {
                        body = format!(
                            "The last attempt may already have been delivered: check Sent Items first. {body}"
                        );
                    }
                    shared.overlays.push(Overlay::Confirm {
                        title: s.title().into(),
                        body,
                        yes: if s.maybe_sent {
                            "Send again".into()
                        } else {
                            "Send".into()
                        },
                        no: "Keep editing".into(),
                        action: ConfirmAction::SendMail,
                    });
                }
                Err((field, why)) => {
                    s.focus = field;
                    s.problem = Some(why);
                }
            }
            Vec::new()
        }
        Some(Action::EditBody) => {
            let id = shared.next_id();
            s.editing = Some(id);
            s.problem = None;
            vec![Cmd::EditBody {
                id,
                text: s.body_text(),
            }]
        }
        Some(Action::Cancel) => {
            if s.has_content() {
                shared.overlays.push(Overlay::Confirm {
                    title: "Discard the draft".into(),
                    body: "Close this mail without sending it? What you wrote is lost.".into(),
                    yes: "Discard".into(),
                    no: "Keep editing".into(),
                    action: ConfirmAction::DiscardDraft,
                });
            } else {
                shared.nav = Some(Nav::Pop);
            }
            Vec::new()
        }
        Some(Action::Quit) => shared.global(action),
        // `?` is text here; F1 still opens the help.
        Some(Action::Help) if key.code == KeyCode::F(1) => shared.global(action),
        _ => edit(shared, s, key),
    }
}

/// Quitting would lose the draft (or the answer to a send in flight): ask first. A second
/// Ctrl+C at the question quits.
fn ask_before_quitting(shared: &mut Shared, s: &ComposeState) {
    let body = if s.sending.is_some() {
        "The mail is being sent: quit now and graphmail cannot tell you whether it went out (Sent Items will)."
    } else {
        "Quit graphmail without sending this mail? What you wrote is lost."
    };
    shared.overlays.push(Overlay::Confirm {
        title: "Quit graphmail".into(),
        body: body.into(),
        yes: "Quit".into(),
        no: "Keep editing".into(),
        action: ConfirmAction::QuitDiscarding,
    });
}

fn edit(shared: &mut Shared, s: &mut ComposeState, key: Key) -> Vec<Cmd> {
    s.problem = None;
    if s.focus == ComposeField::Attachments {
        return attachments::on_key(shared, s, key);
    }
    match s.focus {
        ComposeField::Body => {
            if let Some(input) = editor_input(key) {
                s.body.input(input);
            } else {
                shared.changed = false;
            }
        }
        _ if key.code == KeyCode::Enter => s.cycle(true),
        field => {
            let editable = s.editable(field);
            match s.field_mut(field) {
                Some(f) if editable => {
                    if !f.handle_key(key) {
                        shared.changed = false;
                    }
                }
                _ => shared.changed = false,
            }
        }
    }
    Vec::new()
}

/// Text for the body: line breaks kept (any style becomes `\n`), a tab as the spaces the
/// body's Tab key writes, and no other control character.
fn body_text_from(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

/// Pasted text goes into the focused field; the editor keeps its line breaks.
pub fn on_paste(s: &mut ComposeState, text: &str) {
    match s.focus {
        ComposeField::Body => {
            s.body.insert_str(body_text_from(text));
        }
        field => {
            let editable = s.editable(field);
            if let Some(f) = s.field_mut(field).filter(|_| editable) {
                for c in text.chars().filter(|c| !c.is_control()) {
                    f.handle_key(Key::ch(c));
                }
            }
        }
    }
}

pub fn on_sent(shared: &mut Shared, s: &mut ComposeState, r: Reply<()>) -> Vec<Cmd> {
    s.sending = None;
    match r {
        Ok(()) => {
            shared.nav = Some(Nav::Pop);
            shared.toast(ToastLevel::Success, "Sent. A copy is in Sent Items.");
        }
        Err(e) if e.kind == UiErrorKind::MaybeSent => {
            s.maybe_sent = true;
            shared.error("The mail may have been sent", e);
        }
        Err(e) => shared.error("The mail was not sent; the draft is still here", e),
    }
    Vec::new()
}

/// The editor's text replaces the body, the cursor at its end; a failure leaves the body as
/// it was and says why.
pub fn on_edited(shared: &mut Shared, s: &mut ComposeState, r: Reply<String>) -> Vec<Cmd> {
    s.editing = None;
    match r {
        Ok(text) => {
            let text = body_text_from(text.trim_end_matches(['\n', '\r']));
            if text == s.body_text() {
                // A graphical editor started without its wait flag returns at once.
                shared.toast(
                    ToastLevel::Info,
                    "The editor left the text as it was (a windowed editor needs its wait flag, e.g. EDITOR='code --wait').",
                );
                return Vec::new();
            }
            let mut body = text_area();
            body.insert_str(text);
            s.body = body;
            s.focus = ComposeField::Body;
            shared.toast(ToastLevel::Info, "The body now holds the editor's text.");
        }
        Err(e) => shared.error("The editor's text was not taken; the body is unchanged", e),
    }
    Vec::new()
}
