//! The wizard's keys: fields, choices, steps, the tenant check and saving.

use crate::domain::guide::GuideInput;
use crate::domain::{Cloud, Grant};

use super::super::connectors::row::ConnectorRow;
use super::super::keymap::{Action, Context};
use super::super::keys::{Key, KeyCode};
use super::super::msg::Reply;
use super::super::overlay::{ConfirmAction, GuideView, Overlay, ToastLevel};
use super::super::picker::PickerKey;
use super::super::{Cmd, Nav, Shared};
use super::field_problems as rules;
use super::{Field, Step, TenantNote, WizardState, cloud_label};

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
