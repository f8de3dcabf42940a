//! Signing a connector in: device code, authorization code (listener + pasted URL), or a
//! direct grant (ROPC, client credentials); then the result or the decoded error.

use crate::domain::Grant;

use super::connectors::row::ConnectorRow;
use super::keymap::{Action, Context};
use super::keys::Key;
use super::msg::{AuthorizePrompt, DeviceCodePrompt, ReqId, SignInUpdate, SignedIn, UiError};
use super::overlay::ToastLevel;
use super::text_field::TextField;
use super::{Cmd, Nav, Shared};

/// What a copy toast adds: the terminal may drop OSC 52 without a word, so say how to check.
pub const SENT: &str =
    "If pasting gives nothing, your terminal ignores it: use the URL screen or select the text.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the identity platform's first answer (or for ROPC / client credentials).
    Starting,
    DeviceCode(DeviceCodePrompt),
    AuthCode(AuthorizePrompt),
    Done(SignedIn),
    Failed(UiError),
}

#[derive(Debug)]
pub struct SignInState {
    pub name: String,
    pub grant: Grant,
    /// The sign-in in flight; its id stays the same through its prompts.
    pub req: ReqId,
    pub phase: Phase,
    /// Auth code: the final redirect URL pasted from the browser.
    pub paste: TextField,
    pub paste_focused: bool,
    /// The pasted URL was sent and is being checked.
    pub submitted: bool,
    /// Opened by "open" on a connector that needed a sign-in: its mailbox follows success.
    pub then_open: bool,
    /// The sign-in URL is shown alone on a clean screen, for the terminal's own selection.
    pub url_alone: bool,
}

impl SignInState {
    pub fn new(req: ReqId, row: &ConnectorRow) -> SignInState {
        SignInState {
            name: row.connector.name.clone(),
            grant: row.connector.grant,
            req,
            phase: Phase::Starting,
            paste: TextField::new(""),
            paste_focused: false,
            submitted: false,
            then_open: false,
            url_alone: false,
        }
    }

    pub fn awaiting(&self, id: ReqId) -> bool {
        self.req == id && self.waiting()
    }

    /// Still waiting for the identity platform or the user.
    pub fn waiting(&self) -> bool {
        matches!(
            self.phase,
            Phase::Starting | Phase::DeviceCode(_) | Phase::AuthCode(_)
        )
    }

    /// Where a paste goes: the redirect-URL field while an auth-code sign-in waits.
    /// The URL to show alone on a clean screen, while it is asked for.
    pub fn url_alone(&self) -> Option<&str> {
        match &self.phase {
            Phase::AuthCode(p) if self.url_alone => Some(&p.url),
            _ => None,
        }
    }

    pub fn paste_field(&mut self) -> Option<&mut TextField> {
        if matches!(self.phase, Phase::AuthCode(_)) && !self.submitted {
            self.paste_focused = true;
            Some(&mut self.paste)
        } else {
            None
        }
    }
}

pub fn on_key(shared: &mut Shared, s: &mut SignInState, key: Key) -> Vec<Cmd> {
    if s.url_alone {
        // The URL screen: any key goes back (Ctrl+C still quits).
        s.url_alone = false;
        let global = shared.keymap.resolve(&[Context::Global], key);
        return match global {
            Some(Action::Quit) => shared.global(global),
            _ => Vec::new(),
        };
    }
    if s.paste_focused
        && matches!(s.phase, Phase::AuthCode(_))
        && !s.submitted
        && s.paste.handle_key(key)
    {
        return Vec::new();
    }
    let action = shared
        .keymap
        .resolve(&[Context::SignIn, Context::Global], key);
    match (action, &s.phase) {
        (Some(Action::Copy), Phase::DeviceCode(p)) => {
            let code = p.user_code.clone();
            shared.toast(
                ToastLevel::Info,
                format!("Sent the code {code} to the terminal's clipboard (OSC 52). {SENT}"),
            );
            vec![Cmd::Copy(code)]
        }
        (Some(Action::Copy), Phase::AuthCode(p)) => {
            let url = p.url.clone();
            shared.toast(
                ToastLevel::Info,
                format!("Sent the sign-in URL to the terminal's clipboard (OSC 52). {SENT}"),
            );
            vec![Cmd::Copy(url)]
        }
        (Some(Action::ShowUrl), Phase::AuthCode(_)) => {
            s.url_alone = true;
            Vec::new()
        }
        (Some(Action::DemoApprove), Phase::AuthCode(p)) if shared.demo && !s.submitted => {
            s.submitted = true;
            s.paste_focused = false;
            shared.toast(
                ToastLevel::Info,
                "Approving the sign-in as the demo user, as a browser would.",
            );
            vec![Cmd::DemoApprove {
                id: s.req,
                url: p.url.clone(),
                user_code: None,
            }]
        }
        (Some(Action::DemoApprove), Phase::DeviceCode(p)) if shared.demo && !s.submitted => {
            s.submitted = true;
            shared.toast(
                ToastLevel::Info,
                "Entering the code as the demo user, as the person at a browser would.",
            );
            vec![Cmd::DemoApprove {
                id: s.req,
                url: p.verification_uri.clone(),
                user_code: Some(p.user_code.clone()),
            }]
        }
        (Some(Action::NextField), Phase::AuthCode(_)) => {
            s.paste_focused = !s.paste_focused;
            Vec::new()
        }
        (Some(Action::Confirm), Phase::AuthCode(_)) if !s.paste.is_empty() && !s.submitted => {
            s.submitted = true;
            s.paste_focused = false;
            vec![Cmd::SubmitRedirect {
                id: s.req,
                url: s.paste.take_secret(),
            }]
        }
        (Some(Action::Confirm), Phase::AuthCode(_)) => {
            s.paste_focused = true;
            Vec::new()
        }
        (Some(Action::Confirm | Action::Cancel), Phase::Done(_) | Phase::Failed(_)) => {
            shared.nav = Some(Nav::Pop);
            Vec::new()
        }
        (Some(Action::Retry), Phase::Failed(_)) => {
            s.req = shared.next_id();
            s.phase = Phase::Starting;
            s.paste.clear();
            s.submitted = false;
            vec![Cmd::SignIn {
                id: s.req,
                name: s.name.clone(),
            }]
        }
        (Some(Action::Cancel), _) => {
            shared.toast(
                ToastLevel::Info,
                format!("Sign-in of {} cancelled.", s.name),
            );
            shared.nav = Some(Nav::Pop);
            vec![Cmd::Cancel { id: s.req }]
        }
        (other, _) => shared.global(other),
    }
}

pub fn on_update(shared: &mut Shared, s: &mut SignInState, update: SignInUpdate) -> Vec<Cmd> {
    match update {
        SignInUpdate::DeviceCode(p) => s.phase = Phase::DeviceCode(p),
        SignInUpdate::AuthorizeUrl(p) => {
            s.phase = Phase::AuthCode(p);
            s.submitted = false;
        }
        SignInUpdate::Finished(Ok(done)) => {
            s.url_alone = false;
            shared.connectors = done.connectors.clone();
            shared.select = Some(s.name.clone());
            let who = done
                .user
                .as_deref()
                .map(|u| format!(" as {u}"))
                .unwrap_or_default();
            shared.toast(
                ToastLevel::Success,
                format!("{} is signed in{who}.", s.name),
            );
            s.phase = Phase::Done(done);
            if s.then_open {
                let (state, cmds) = super::mailbox::MailboxState::open(shared, &s.name);
                shared.nav = Some(Nav::Replace(super::Screen::Mailbox(Box::new(state))));
                return cmds;
            }
        }
        SignInUpdate::Finished(Err(e)) => {
            s.url_alone = false;
            s.submitted = false;
            s.phase = Phase::Failed(e);
        }
    }
    Vec::new()
}
