//! The connector list: the home screen once the vault is open.

pub mod row;

use super::keymap::{Action, Context};
use super::keys::Key;
use super::msg::{EventBody, Reply, ReqId};
use super::overlay::{ConfirmAction, GuideView, Overlay, ToastLevel};
use super::{Cmd, Nav, Screen, Shared, mailbox, signin, wizard};
use crate::domain::guide::GuideInput;
use row::ConnectorRow;

#[derive(Debug, Default)]
pub struct ConnectorsState {
    pub selected: usize,
    /// The vault read in flight.
    pub loading: Option<ReqId>,
}

impl ConnectorsState {
    pub fn loading(id: ReqId) -> ConnectorsState {
        ConnectorsState {
            selected: 0,
            loading: Some(id),
        }
    }

    pub fn awaiting(&self, id: ReqId) -> bool {
        self.loading == Some(id)
    }
}

/// The list's actions that work on the selected connector (none when the list is empty).
pub fn needs_a_connector(action: Action) -> bool {
    matches!(
        action,
        Action::Edit
            | Action::Delete
            | Action::SignIn
            | Action::SignOut
            | Action::Test
            | Action::Open
    )
}

pub fn on_key(shared: &mut Shared, s: &mut ConnectorsState, key: Key) -> Vec<Cmd> {
    let action = shared
        .keymap
        .resolve(&[Context::List, Context::Global], key);
    let count = shared.connectors.len();
    let selected = shared.connectors.get(s.selected).cloned();
    let needs_row = action.is_some_and(needs_a_connector);
    if needs_row && selected.is_none() {
        let add = shared.keymap.key_name(Context::List, Action::Add);
        shared.toast(
            ToastLevel::Info,
            format!("No connector yet: press {add} to add one."),
        );
        return Vec::new();
    }
    match (action, selected) {
        (Some(Action::Up), _) => {
            s.selected = s.selected.saturating_sub(1);
            Vec::new()
        }
        (Some(Action::Down), _) => {
            s.selected = (s.selected + 1).min(count.saturating_sub(1));
            Vec::new()
        }
        (Some(Action::Add), _) => {
            let taken = shared.names_except(None);
            shared.nav = Some(Nav::Push(Screen::Wizard(Box::new(
                wizard::WizardState::new(taken),
            ))));
            Vec::new()
        }
        (Some(Action::Edit), Some(row)) => {
            let taken = shared.names_except(Some(&row.connector.name));
            shared.nav = Some(Nav::Push(Screen::Wizard(Box::new(
                wizard::WizardState::edit(&row, taken),
            ))));
            Vec::new()
        }
        (Some(Action::Delete), Some(row)) => {
            let name = row.connector.name;
            shared.overlays.push(Overlay::Confirm {
                title: "Delete connector".into(),
                body: format!(
                    "Delete {name}? Its client secret, password and tokens are removed from the vault. The app registration in Azure stays."
                ),
                yes: "Delete".into(),
                no: "Keep".into(),
                action: ConfirmAction::DeleteConnector(name),
            });
            Vec::new()
        }
        (Some(Action::SignIn), Some(row)) => {
            let id = shared.next_id();
            let name = row.connector.name.clone();
            shared.nav = Some(Nav::Push(Screen::SignIn(Box::new(
                signin::SignInState::new(id, &row),
            ))));
            vec![Cmd::SignIn { id, name }]
        }
        (Some(Action::SignOut), Some(row))
            if row.token.expires_at.is_none() && !row.token.has_refresh_token =>
        {
            let name = &row.connector.name;
            shared.toast(
                ToastLevel::Info,
                format!("{name} is not signed in: it holds no tokens to forget."),
            );
            Vec::new()
        }
        (Some(Action::SignOut), Some(row)) => {
            let name = row.connector.name;
            shared.overlays.push(Overlay::Confirm {
                title: "Sign out".into(),
                body: format!(
                    "Sign {name} out? Its tokens are forgotten; its settings and secrets stay, and it can sign in again."
                ),
                yes: "Sign out".into(),
                no: "Keep".into(),
                action: ConfirmAction::SignOut(name),
            });
            Vec::new()
        }
        (Some(Action::Test), Some(row)) => {
            let id = shared.next_id();
            let name = row.connector.name;
            shared.busy = Some((id, format!("Testing {name}…")));
            vec![Cmd::Test { id, name }]
        }
        (Some(Action::LockAgent), _) => lock_agent(shared),
        (Some(Action::Guide), Some(row)) => {
            let input = GuideInput::saved(row.connector, row.client_secret_set)
                .with_username(row.username.as_deref());
            shared.overlays.push(Overlay::Guide(GuideView::new(&input)));
            Vec::new()
        }
        (Some(Action::Open), Some(row))
            if row::TokenHealth::of(&row.token, shared.now.unix)
                == row::TokenHealth::NeedsSignIn =>
        {
            // No dead end: a connector that needs a sign-in gets one, then its mailbox opens.
            let id = shared.next_id();
            let name = row.connector.name.clone();
            let mut state = signin::SignInState::new(id, &row);
            state.then_open = true;
            shared.nav = Some(Nav::Push(Screen::SignIn(Box::new(state))));
            vec![Cmd::SignIn { id, name }]
        }
        (Some(Action::Open), Some(row)) => {
            let (state, cmds) = mailbox::MailboxState::open(shared, &row.connector.name);
            shared.nav = Some(Nav::Push(Screen::Mailbox(Box::new(state))));
            cmds
        }
        (Some(Action::Refresh), _) => {
            let id = shared.next_id();
            s.loading = Some(id);
            vec![Cmd::LoadConnectors { id }]
        }
        (other, _) => shared.global(other),
    }
}

pub fn on_loaded(
    shared: &mut Shared,
    s: &mut ConnectorsState,
    reply: Reply<Vec<ConnectorRow>>,
) -> Vec<Cmd> {
    s.loading = None;
    match reply {
        Ok(rows) => {
            shared.connectors = rows;
            s.selected = s.selected.min(shared.connectors.len().saturating_sub(1));
        }
        Err(e) => shared.error("The vault could not be read", e),
    }
    Vec::new()
}

/// Puts the list in `rows`, keeping the selection on `name` when it is still there.
pub fn replace_rows(shared: &mut Shared, rows: Vec<ConnectorRow>) {
    shared.connectors = rows;
}

/// A delete or test started from the list has finished.
pub fn on_busy_done(shared: &mut Shared, body: EventBody) -> Vec<Cmd> {
    match body {
        EventBody::Deleted(Ok(rows)) => {
            let before: Vec<String> = shared.names_except(None);
            replace_rows(shared, rows);
            let gone = before
                .into_iter()
                .find(|n| !shared.connectors.iter().any(|r| &r.connector.name == n));
            shared.toast(
                ToastLevel::Success,
                match gone {
                    Some(n) => format!("Deleted {n}."),
                    None => "Deleted.".into(),
                },
            );
        }
        EventBody::Deleted(Err(e)) => shared.error("The connector was not deleted", e),
        EventBody::SignedOut(Ok(rows)) => {
            replace_rows(shared, rows);
            let sign_in = shared.keymap.key_name(Context::List, Action::SignIn);
            shared.toast(
                ToastLevel::Success,
                format!("Signed out: its tokens are forgotten. {sign_in} signs it in again."),
            );
        }
        EventBody::SignedOut(Err(e)) => shared.error("The connector was not signed out", e),
        EventBody::Tested(Ok(report)) => {
            replace_rows(shared, report.connectors);
            if let Some(problem) = report.problem {
                shared.error(format!("The test of {} failed", report.name), problem);
                return Vec::new();
            }
            let who = report.user.map(|u| format!(" as {u}")).unwrap_or_default();
            let mailbox = if report.mailbox_ok {
                "the Inbox opens"
            } else {
                "the Inbox did not open"
            };
            if report.missing_scopes.is_empty() {
                shared.toast(
                    ToastLevel::Success,
                    format!("{} works: signed in{who}, {mailbox}.", report.name),
                );
            } else {
                shared.toast(
                    ToastLevel::Error,
                    format!(
                        "{} signs in{who}, but was not granted {}: consent to them in the Azure portal.",
                        report.name,
                        report.missing_scopes.join(", ")
                    ),
                );
            }
        }
        EventBody::Tested(Err(e)) => shared.error("The test failed", e),
        _ => shared.changed = false,
    }
    Vec::new()
}

/// `L`: the agent forgets the vault key; the app closes the vault and asks for the passphrase.
fn lock_agent(shared: &mut Shared) -> Vec<Cmd> {
    if !shared.through_agent {
        shared.toast(
            ToastLevel::Info,
            "The vault was not opened through the session agent; nothing to lock.",
        );
        return Vec::new();
    }
    shared.through_agent = false;
    shared.connectors.clear();
    shared.nav = Some(Nav::Reset(Screen::Unlock(
        super::unlock::UnlockState::unlock(),
    )));
    shared.toast(
        ToastLevel::Info,
        "The session agent forgot the vault key; type the passphrase to open it again.",
    );
    vec![Cmd::LockAgent]
}
