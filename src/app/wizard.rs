//! The new / edit connector wizard: name → app → grant → permissions → review.
//! Each field is checked as it is typed; "Next" says why it cannot go on.

mod events;
pub mod field_problems;

pub use events::{on_key, on_saved, on_tenant_checked};

use std::collections::{HashMap, HashSet};

use crate::domain::connector::DEFAULT_REDIRECT_PORT;
use crate::domain::permissions::default_presets;
use crate::domain::validate::SecretPresence;
use crate::domain::{Cloud, Connector, Grant};

use super::connectors::row::ConnectorRow;
use super::msg::{ConnectorDraft, ReqId, UiError};
use super::picker::PickerState;
use super::text_field::TextField;
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
