//! The new / edit connector wizard: name → app → grant → permissions → review.
//! Each field is checked as it is typed; "Next" says why it cannot go on.

pub mod field_problems;

use std::collections::{HashMap, HashSet};

use crate::domain::connector::DEFAULT_REDIRECT_PORT;
use crate::domain::guide::GuideInput;
use crate::domain::permissions::default_presets;
use crate::domain::validate::SecretPresence;
use crate::domain::{Cloud, Connector, Grant};

use super::connectors::row::ConnectorRow;
use super::keymap::{Action, Context};
use super::keys::{Key, KeyCode};
use super::msg::{ConnectorDraft, Reply, ReqId, UiError};
use super::overlay::{ConfirmAction, GuideView, Overlay, ToastLevel};
use super::picker::{PickerKey, PickerState};
use super::text_field::TextField;
use super::{Cmd, Nav, Shared};
use field_problems as rules;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Name,
    App,
    Grant,
    Permissions,
    Review,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Name,
        Step::App,
        Step::Grant,
        Step::Permissions,
        Step::Review,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Name => "Name",
            Step::App => "App registration",
            Step::Grant => "Sign-in method",
            Step::Permissions => "Permissions",
            Step::Review => "Review",
        }
    }

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

pub use crate::domain::validate::Field;

pub fn cloud_label(cloud: &Cloud) -> &'static str {
    match cloud {
        Cloud::Global => "Global (login.microsoftonline.com)",
        Cloud::Usgov => "US Gov GCC High (login.microsoftonline.us)",
        Cloud::UsgovDod => "US Gov DoD (login.microsoftonline.us)",
        Cloud::China => "China, 21Vianet (login.chinacloudapi.cn)",
        Cloud::Custom { .. } => "Custom endpoints (a proxy or the emulator)",
    }
}

#[derive(Debug)]
pub struct WizardState {
    pub step: Step,
    /// Index into `self.fields()` of the focused field.
    pub focus: usize,
    /// The connector's name before an edit.
    pub editing: Option<String>,
    pub name: TextField,
    /// The cloud chosen; a custom cloud's URLs are the `login_url` and `graph_url` fields.
    pub cloud: Cloud,
    pub login_url: TextField,
    pub graph_url: TextField,
    pub tenant: TextField,
    pub client_id: TextField,
    pub client_secret: TextField,
    /// Editing: a client secret is stored; an empty field keeps it.
    pub secret_stored: bool,
    pub grant: Grant,
    pub username: TextField,
    pub password: TextField,
    pub password_stored: bool,
    pub mailbox: TextField,
    /// The loopback port of the authorization-code redirect, as typed.
    pub redirect_port: TextField,
    pub picker: PickerState,
    /// Names other connectors already use.
    taken: Vec<String>,
    /// Every field's current problem.
    pub problems: HashMap<Field, String>,
    /// What is worth a second look but does not stop the wizard (a secret's ID as the secret).
    pub warnings: HashMap<Field, String>,
    /// Fields whose problem is shown: touched ones, or all of a step after a refused Next.
    pub shown: HashSet<Field>,
    /// Something was typed or chosen: leaving asks first.
    pub dirty: bool,
    pub saving: Option<ReqId>,
    pub save_error: Option<UiError>,
    /// The tenant check under way (asked when the tenant field is left).
    pub tenant_check: Option<ReqId>,
    /// What the last check said, for the tenant and cloud it was asked about.
    tenant_note: Option<TenantNote>,
}

/// A tenant check's warning, kept while the tenant and cloud are the ones it was asked about.
#[derive(Debug, Clone)]
struct TenantNote {
    tenant: String,
    cloud: Cloud,
    text: String,
}

impl WizardState {
    pub fn new(taken: Vec<String>) -> WizardState {
        let mut w = WizardState {
            step: Step::Name,
            focus: 0,
            editing: None,
            name: TextField::new(""),
            cloud: Cloud::Global,
            login_url: TextField::new(""),
            graph_url: TextField::new(""),
            tenant: TextField::new(""),
            client_id: TextField::new(""),
            client_secret: TextField::masked(),
            secret_stored: false,
            grant: Grant::AuthCode,
            username: TextField::new(""),
            password: TextField::masked(),
            password_stored: false,
            mailbox: TextField::new(""),
            redirect_port: TextField::new(&DEFAULT_REDIRECT_PORT.to_string()),
            picker: PickerState::new(default_presets(Grant::AuthCode), ""),
            taken,
            problems: HashMap::new(),
            warnings: HashMap::new(),
            shown: HashSet::new(),
            dirty: false,
            saving: None,
            save_error: None,
            tenant_check: None,
            tenant_note: None,
        };
        w.revalidate();
        w
    }

    /// The same screens, filled in from a stored connector.
    pub fn edit(row: &ConnectorRow, taken: Vec<String>) -> WizardState {
        let c = &row.connector;
        let mut w = WizardState::new(taken);
        w.editing = Some(c.name.clone());
        w.name.set(&c.name);
        w.cloud = c.cloud.clone();
        if let Cloud::Custom {
            login_url,
            graph_url,
        } = &c.cloud
        {
            w.login_url.set(login_url);
            w.graph_url.set(graph_url);
        }
        w.tenant.set(&c.tenant);
        w.client_id.set(&c.client_id);
        w.secret_stored = row.client_secret_set;
        w.grant = c.grant;
        w.username.set(row.username.as_deref().unwrap_or(""));
        w.password_stored = row.password_set;
        w.mailbox.set(c.mailbox.as_deref().unwrap_or(""));
        w.redirect_port.set(&c.redirect_port.to_string());
        w.picker = PickerState::new(c.presets.clone(), &c.extra_scopes.join(" "));
        w.revalidate();
        w
    }

    pub fn awaiting(&self, id: ReqId) -> bool {
        self.saving == Some(id)
    }

    /// The cloud chosen, a custom one with the URLs as typed.
    pub fn cloud(&self) -> Cloud {
        match &self.cloud {
            Cloud::Custom { .. } => Cloud::Custom {
                login_url: self.login_url.value().trim().to_owned(),
                graph_url: self.graph_url.value().trim().to_owned(),
            },
            other => other.clone(),
        }
    }

    /// The fields of a step, as shown (custom URLs and grant extras only when they apply).
    pub fn fields_of(&self, step: Step) -> Vec<Field> {
        match step {
            Step::Name => vec![Field::Name],
            Step::App => {
                let mut f = vec![Field::Cloud];
                if matches!(self.cloud, Cloud::Custom { .. }) {
                    f.extend([Field::LoginUrl, Field::GraphUrl]);
                }
                f.extend([Field::Tenant, Field::ClientId, Field::ClientSecret]);
                f
            }
            Step::Grant => match self.grant {
                Grant::Ropc => vec![Field::Grant, Field::Username, Field::Password],
                Grant::AuthCode => vec![Field::Grant, Field::RedirectPort, Field::Mailbox],
                _ => vec![Field::Grant, Field::Mailbox],
            },
            Step::Permissions => vec![Field::Permissions],
            Step::Review => Vec::new(),
        }
    }

    pub fn fields(&self) -> Vec<Field> {
        self.fields_of(self.step)
    }

    pub fn focused(&self) -> Option<Field> {
        self.fields().get(self.focus).copied()
    }

    pub fn text_field(&self, f: Field) -> Option<&TextField> {
        Some(match f {
            Field::Name => &self.name,
            Field::LoginUrl => &self.login_url,
            Field::GraphUrl => &self.graph_url,
            Field::Tenant => &self.tenant,
            Field::ClientId => &self.client_id,
            Field::ClientSecret => &self.client_secret,
            Field::Username => &self.username,
            Field::Password => &self.password,
            Field::Mailbox => &self.mailbox,
            Field::RedirectPort => &self.redirect_port,
            _ => return None,
        })
    }

    /// The redirect port typed, or the default while the field holds no port (its problem
    /// is shown beside it and stops the wizard).
    pub fn port(&self) -> u16 {
        self.redirect_port
            .value()
            .trim()
            .parse()
            .unwrap_or(DEFAULT_REDIRECT_PORT)
    }

    /// The text field that gets typed keys, if one has focus.
    pub fn focused_field(&mut self) -> Option<&mut TextField> {
        if self.saving.is_some() {
            return None;
        }
        Some(match self.focused()? {
            Field::Name => &mut self.name,
            Field::LoginUrl => &mut self.login_url,
            Field::GraphUrl => &mut self.graph_url,
            Field::Tenant => &mut self.tenant,
            Field::ClientId => &mut self.client_id,
            Field::ClientSecret => &mut self.client_secret,
            Field::Username => &mut self.username,
            Field::Password => &mut self.password,
            Field::Mailbox => &mut self.mailbox,
            Field::RedirectPort => &mut self.redirect_port,
            Field::Permissions if self.picker.on_extra_field() => &mut self.picker.extra,
            _ => return None,
        })
    }

    /// Re-checks every field with the domain rules, and the live permission summary.
    pub fn revalidate(&mut self) {
        let draft = self.connector();
        let secrets = SecretPresence {
            client_secret: !self.client_secret.is_empty() || self.secret_stored,
            username: !self.username.value().trim().is_empty(),
            password: !self.password.is_empty() || self.password_stored,
        };
        let typed = rules::Typed {
            username: self.username.value(),
            scopes: self.picker.extra.value(),
            port: self.redirect_port.value(),
        };
        self.problems = rules::problems(&draft, secrets, &typed, &self.taken)
            .into_iter()
            .collect();
        self.warnings = self
            .client_secret
            .check(rules::warnings)
            .into_iter()
            .collect();
        let cloud = self.cloud();
        if let Some(note) = &self.tenant_note
            && note.tenant == self.tenant.value().trim()
            && note.cloud == cloud
            && !note.text.is_empty()
        {
            self.warnings.insert(Field::Tenant, note.text.clone());
        }
        let cloud = self.cloud();
        self.picker.refresh(self.grant, &cloud, self.port());
    }

    /// The connector as the form stands (no secrets).
    pub fn connector(&self) -> Connector {
        let mailbox = self.mailbox.value().trim();
        Connector {
            name: self.name.value().trim().to_string(),
            cloud: self.cloud(),
            tenant: self.tenant.value().trim().to_string(),
            client_id: self.client_id.value().trim().to_ascii_lowercase(),
            grant: self.grant,
            presets: self.picker.checked.clone(),
            extra_scopes: self.picker.extra_scopes(),
            mailbox: (!mailbox.is_empty()).then(|| mailbox.to_string()),
            redirect_port: self.port(),
        }
    }

    /// The problem shown next to a field, if it should be shown yet.
    pub fn visible_problem(&self, f: Field) -> Option<&str> {
        if self.shown.contains(&f) {
            self.problems.get(&f).map(String::as_str)
        } else {
            None
        }
    }

    /// The warning shown next to a field once it was touched, when it has no problem.
    pub fn visible_warning(&self, f: Field) -> Option<&str> {
        if self.shown.contains(&f) && !self.problems.contains_key(&f) {
            self.warnings.get(&f).map(String::as_str)
        } else {
            None
        }
    }

    /// Why "Next" cannot go on from the current step: the first problem of its fields.
    /// A problem on a later step's field (the tenant no longer fits a new grant) counts on Review.
    pub fn blocker(&self) -> Option<(Field, &str)> {
        let steps: Vec<Step> = if self.step == Step::Review {
            Step::ALL.to_vec()
        } else {
            vec![self.step]
        };
        steps
            .into_iter()
            .flat_map(|s| self.fields_of(s))
            .find_map(|f| self.problems.get(&f).map(|p| (f, p.as_str())))
    }

    fn step_of(&self, field: Field) -> Step {
        Step::ALL
            .into_iter()
            .find(|s| self.fields_of(*s).contains(&field))
            .unwrap_or(Step::Name)
    }

    fn go_to(&mut self, step: Step) {
        self.step = step;
        self.focus = 0;
        if step == Step::Permissions {
            self.picker.cursor = 0;
        }
    }

    fn draft(&self) -> ConnectorDraft {
        let client_secret = (!self.client_secret.is_empty()).then(|| self.client_secret.secret());
        let password = (self.grant == Grant::Ropc && !self.password.is_empty())
            .then(|| self.password.secret());
        ConnectorDraft {
            connector: self.connector(),
            original_name: self.editing.clone(),
            client_secret,
            username: (self.grant == Grant::Ropc).then(|| self.username.value().trim().to_string()),
            password,
        }
    }
}

pub fn on_key(shared: &mut Shared, w: &mut WizardState, key: Key) -> Vec<Cmd> {
    if w.saving.is_some() {
        // Saving takes a moment; only quitting is possible meanwhile.
        let action = shared.keymap.resolve(&[Context::Global], key);
        return match action {
            Some(Action::Quit) => shared.global(action),
            _ => {
                shared.changed = false;
                Vec::new()
            }
        };
    }
    let focused = w.focused();
    let action = if focused == Some(Field::Permissions) {
        match w.picker.on_key(shared, key) {
            PickerKey::Handled => {
                w.dirty = true;
                w.shown.insert(Field::Permissions);
                w.revalidate();
                return Vec::new();
            }
            PickerKey::Pass(action) => action,
        }
    } else {
        if let Some(f) = w.focused_field()
            && f.handle_key(key)
        {
            w.dirty = true;
            if let Some(f) = focused {
                w.shown.insert(f);
            }
            w.revalidate();
            return Vec::new();
        }
        shared
            .keymap
            .resolve(&[Context::Wizard, Context::Global], key)
    };
    let count = w.fields().len().max(1);
    // The grants are listed one under the other: ↑/↓ move through them, then on to the
    // field before or after; ←/→ still choose, Tab still moves on.
    let action = match (focused, key.code, action) {
        (Some(Field::Grant), KeyCode::Down, _) if w.grant != Grant::ALL[Grant::ALL.len() - 1] => {
            Some(Action::ChooseNext)
        }
        (Some(Field::Grant), KeyCode::Up, _) if w.grant != Grant::ALL[0] => {
            Some(Action::ChoosePrev)
        }
        _ => action,
    };
    match action {
        Some(a @ (Action::NextField | Action::PrevField)) => {
            if let Some(f) = focused {
                w.shown.insert(f);
            }
            w.focus = if a == Action::NextField {
                (w.focus + 1) % count
            } else {
                (w.focus + count - 1) % count
            };
            if focused == Some(Field::Tenant) {
                return check_tenant(shared, w);
            }
        }
        Some(a @ (Action::ChooseNext | Action::ChoosePrev)) => {
            let forward = a == Action::ChooseNext;
            match focused {
                Some(Field::Cloud) => {
                    w.cloud = w.cloud.cycle(forward);
                }
                Some(Field::Grant) => {
                    let i = Grant::ALL.iter().position(|g| *g == w.grant).unwrap_or(0);
                    let n = Grant::ALL.len();
                    w.grant = Grant::ALL[if forward {
                        (i + 1) % n
                    } else {
                        (i + n - 1) % n
                    }];
                    w.picker.follow_grant(w.grant);
                }
                _ => {
                    shared.changed = false;
                    return Vec::new();
                }
            }
            w.dirty = true;
            w.revalidate();
        }
        Some(Action::Guide) => {
            let secret = w.secret_stored || !w.client_secret.value().trim().is_empty();
            let input = if w.editing.is_some() {
                GuideInput::saved(w.connector(), secret)
            } else {
                GuideInput::new(w.connector(), secret)
            }
            .with_username(Some(w.username.value()));
            shared.overlays.push(Overlay::Guide(GuideView::new(&input)));
        }
        Some(Action::NextStep) => return next_step(shared, w),
        Some(Action::PrevStep) => {
            if let Some(prev) = w.step.index().checked_sub(1) {
                w.go_to(Step::ALL[prev]);
            } else {
                shared.changed = false;
            }
        }
        Some(Action::Cancel) => {
            if w.dirty {
                let what = if w.editing.is_some() {
                    "Discard the changes to this connector?"
                } else {
                    "Discard this new connector? Nothing has been saved yet."
                };
                shared.overlays.push(Overlay::Confirm {
                    title: "Leave the wizard".into(),
                    body: what.into(),
                    yes: "Discard".into(),
                    no: "Keep editing".into(),
                    action: ConfirmAction::DiscardWizard,
                });
            } else {
                shared.nav = Some(Nav::Pop);
            }
        }
        // Quitting would lose what was typed: ask, as leaving does; Ctrl+C again quits.
        Some(Action::Quit) if w.dirty => {
            let what = if w.editing.is_some() {
                "Quit graphmail without saving the changes to this connector?"
            } else {
                "Quit graphmail without saving this new connector?"
            };
            shared.overlays.push(Overlay::Confirm {
                title: "Quit graphmail".into(),
                body: what.into(),
                yes: "Quit".into(),
                no: "Keep editing".into(),
                action: ConfirmAction::QuitDiscarding,
            });
        }
        other => return shared.global(other),
    }
    Vec::new()
}

/// The tenant field was left: ask discovery about a well-formed tenant of its own (GUID or
/// domain), once per tenant and cloud. The answer only ever adds a warning.
fn check_tenant(shared: &mut Shared, w: &mut WizardState) -> Vec<Cmd> {
    let tenant = w.tenant.value().trim().to_string();
    let cloud = w.cloud();
    let asked_before = w
        .tenant_note
        .as_ref()
        .is_some_and(|n| n.tenant == tenant && n.cloud == cloud);
    if asked_before
        || w.problems.contains_key(&Field::Tenant)
        || w.problems.contains_key(&Field::LoginUrl)
        || crate::domain::tenant_check::clouds_to_ask(&cloud, &tenant).is_empty()
    {
        return Vec::new();
    }
    let id = shared.next_id();
    w.tenant_check = Some(id);
    vec![Cmd::CheckTenant { id, cloud, tenant }]
}

/// Discovery answered: a warning beside the tenant when it does not exist or lives in another
/// cloud; nothing when it is found, or nobody answered.
pub fn on_tenant_checked(w: &mut WizardState, verdict: crate::domain::tenant_check::Verdict) {
    w.tenant_check = None;
    let tenant = w.tenant.value().trim().to_string();
    let cloud = w.cloud();
    let fix = |c: &Cloud| format!("choose \"{}\" in the Cloud field", cloud_label(c));
    let text = crate::domain::tenant_check::warning(&verdict, &tenant, &cloud, fix)
        .map(|t| rules::sentence(&t))
        .unwrap_or_default();
    w.tenant_note = Some(TenantNote {
        tenant,
        cloud,
        text: text.clone(),
    });
    if !text.is_empty() {
        w.shown.insert(Field::Tenant);
    }
    w.revalidate();
}

fn next_step(shared: &mut Shared, w: &mut WizardState) -> Vec<Cmd> {
    if let Some((field, _)) = w.blocker() {
        // Show every problem of the step and put the cursor on the first one.
        let step = w.step_of(field);
        w.shown.extend(w.fields_of(step));
        w.go_to(step);
        w.focus = w.fields().iter().position(|f| *f == field).unwrap_or(0);
        return Vec::new();
    }
    if w.step == Step::Review {
        let id = shared.next_id();
        w.saving = Some(id);
        w.save_error = None;
        return vec![Cmd::SaveConnector {
            id,
            draft: Box::new(w.draft()),
        }];
    }
    w.go_to(Step::ALL[w.step.index() + 1]);
    Vec::new()
}

pub fn on_saved(
    shared: &mut Shared,
    w: &mut WizardState,
    reply: Reply<Vec<ConnectorRow>>,
) -> Vec<Cmd> {
    w.saving = None;
    match reply {
        Ok(rows) => {
            let name = w.name.value().trim().to_string();
            shared.connectors = rows;
            shared.select = Some(name.clone());
            let hint = match shared.keymap.key_for(Context::List, Action::SignIn) {
                Some(k) => format!(" Press {k} to sign it in."),
                None => String::new(),
            };
            shared.toast(ToastLevel::Success, format!("Saved {name}.{hint}"));
            shared.nav = Some(Nav::Pop);
        }
        Err(e) => {
            w.save_error = Some(e.clone());
            shared.error("The connector was not saved", e);
        }
    }
    Vec::new()
}
