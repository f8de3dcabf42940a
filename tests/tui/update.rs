//! `update()` without a terminal: the wizard, the picker's summary, unlock and the list
//! (sign-in has its own file).

use crate::support::tui::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::overlay::Overlay;
use graphmail::app::unlock::UnlockMode;
use graphmail::app::wizard::{Field, Step};
use graphmail::app::{
    Cmd, ConnectorRow, EventBody, Model, Msg, Screen, Start, TokenFacts, TokenHealth, UiError,
    UiErrorKind, update,
};
use graphmail::domain::Grant;

/// The wizard editing the connector `down` rows below the first of the list.
fn editing_row(down: usize) -> Model {
    let mut m = list_model(rows());
    press_down(&mut m, down);
    press(&mut m, Key::ch('e'));
    m
}

/// The problem the wizard shows beside `field`; fails when it shows none.
fn problem(m: &Model, field: Field) -> &str {
    wizard(m)
        .visible_problem(field)
        .unwrap_or_else(|| panic!("a problem shows beside {field:?}"))
}

fn tab(m: &mut Model) {
    code(m, KeyCode::Tab);
}

/// From the list: add, name it, fill the app step with a valid tenant and client ID.
fn wizard_at_grant(name: &str) -> Model {
    wizard_at_grant_in(rows(), name, "contoso.onmicrosoft.com")
}

/// The same from a list of `rows`, with `tenant` typed.
fn wizard_at_grant_in(rows: Vec<ConnectorRow>, name: &str, tenant: &str) -> Model {
    let mut m = wizard_with_name(rows, name);
    enter(&mut m);
    // Past the cloud to the tenant, then the client ID.
    fill_fields(&mut m, &[tenant, "11111111-2222-3333-4444-555555555555"]);
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Grant);
    m
}

#[test]
fn the_wizard_checks_the_name_as_it_is_typed_and_next_says_why_it_is_blocked() {
    let mut m = list_model(rows());
    press(&mut m, Key::ch('a'));
    assert_eq!(wizard(&m).step, Step::Name);
    // Untouched: the problem exists (Next is blocked) but is not shouted yet.
    assert!(wizard(&m).blocker().is_some());
    assert_eq!(wizard(&m).visible_problem(Field::Name), None);
    type_text(&mut m, "help desk");
    let p = wizard(&m).visible_problem(Field::Name).unwrap();
    assert!(p.contains("' ' is not allowed"), "{p}");
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Name, "Next refuses a bad name");
    press(&mut m, Key::ctrl('u'));
    type_text(&mut m, "helpdesk");
    let p = wizard(&m).visible_problem(Field::Name).unwrap();
    assert!(p.contains("already exists"), "{p}");
    code(&mut m, KeyCode::Backspace);
    type_text(&mut m, "2");
    assert_eq!(wizard(&m).visible_problem(Field::Name), None);
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::App);
}

#[test]
fn next_on_an_empty_step_shows_every_problem_and_focuses_the_first() {
    let mut m = wizard_with_name(vec![], "ops");
    enter(&mut m);
    enter(&mut m);
    let w = wizard(&m);
    assert_eq!(w.step, Step::App);
    assert_eq!(w.focused(), Some(Field::Tenant));
    let (field, why) = w.blocker().unwrap();
    assert_eq!(field, Field::Tenant);
    assert!(why.starts_with("Tenant: it is empty"), "{why}");
    assert!(
        w.visible_problem(Field::ClientId)
            .unwrap()
            .starts_with("Client ID")
    );
    type_text(&mut m, "not a tenant");
    let p = wizard(&m).visible_problem(Field::Tenant).unwrap();
    assert!(p.starts_with("Tenant:") && p.contains("domain"), "{p}");
}

#[test]
fn ropc_asks_for_username_and_password_and_its_tenant_rule_is_checked_at_review() {
    let mut m = wizard_at_grant_in(vec![], "scanner", "common");
    // Grant: auth code is the default; two steps right is ROPC.
    assert_eq!(wizard(&m).grant, Grant::AuthCode);
    code(&mut m, KeyCode::Right);
    code(&mut m, KeyCode::Right);
    assert_eq!(wizard(&m).grant, Grant::Ropc);
    assert_eq!(
        wizard(&m).fields(),
        vec![Field::Grant, Field::Username, Field::Password]
    );
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Grant);
    assert!(problem(&m, Field::Username).contains("user's UPN"));
    type_text(&mut m, "ana@contoso.com");
    tab(&mut m);
    type_text(&mut m, "s3cret-Passw0rd");
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Permissions);
    assert_any_contains(&wizard(&m).picker.summary.warnings, "ROPC");
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Review);
    // Saving is refused: "common" does not work with ROPC; the wizard goes back to the tenant.
    let cmds = enter(&mut m);
    assert!(cmds.is_empty());
    let w = wizard(&m);
    assert_eq!(w.step, Step::App);
    assert_eq!(w.focused(), Some(Field::Tenant));
    assert!(
        w.visible_problem(Field::Tenant)
            .unwrap()
            .contains("ROPC does not work")
    );
}

#[test]
fn client_credentials_needs_a_secret_and_a_target_mailbox() {
    let mut m = wizard_at_grant("ops-app2");
    code(&mut m, KeyCode::Left); // wraps to client credentials
    assert_eq!(wizard(&m).grant, Grant::ClientCredentials);
    assert_eq!(wizard(&m).fields(), vec![Field::Grant, Field::Mailbox]);
    enter(&mut m);
    assert!(problem(&m, Field::Mailbox).contains("target mailbox"));
    type_text(&mut m, "ops@contoso.com");
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Permissions);
    assert_eq!(
        wizard(&m).picker.summary.scope_string,
        "https://graph.microsoft.com/.default"
    );
    enter(&mut m);
    enter(&mut m);
    // No secret was typed: Review sends the user back to the secret field.
    let w = wizard(&m);
    assert_eq!(w.step, Step::App);
    assert_eq!(w.focused(), Some(Field::ClientSecret));
}

#[test]
fn esc_asks_before_discarding_typed_work_and_not_otherwise() {
    let mut m = list_model(rows());
    press(&mut m, Key::ch('a'));
    code(&mut m, KeyCode::Esc);
    assert!(
        matches!(m.screen, Screen::Connectors(_)),
        "nothing typed: leaves at once"
    );

    press(&mut m, Key::ch('a'));
    type_text(&mut m, "half");
    code(&mut m, KeyCode::Esc);
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { .. })
    ));
    press(&mut m, Key::ch('n'));
    assert!(m.shared.overlays.is_empty());
    assert_eq!(wizard(&m).name.value(), "half", "kept editing");
    code(&mut m, KeyCode::Esc);
    press(&mut m, Key::ch('y'));
    assert!(matches!(m.screen, Screen::Connectors(_)));
    assert!(m.shared.toasts.iter().any(|t| t.text.contains("not saved")));
}

#[test]
fn a_text_field_takes_keys_before_the_keymap() {
    let mut m = list_model(rows());
    press(&mut m, Key::ch('a'));
    let cmds = press(&mut m, Key::ch('q'));
    type_text(&mut m, "?x");
    assert!(cmds.is_empty());
    assert!(m.shared.overlays.is_empty(), "? typed, not help");
    assert_eq!(wizard(&m).name.value(), "q?x");
    let cmds = press(&mut m, Key::ctrl('c'));
    assert!(
        cmds.is_empty(),
        "what was typed is not lost: Ctrl+C asks first"
    );
    let cmds = press(&mut m, Key::ctrl('c'));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit]));
}

#[test]
fn saving_sends_the_connector_and_returns_to_the_list_with_it_selected() {
    let mut m = wizard_at_grant("zeta");
    enter(&mut m); // auth code, no mailbox
    enter(&mut m); // default permissions
    let cmds = enter(&mut m);
    let (id, draft) = match cmds.as_slice() {
        [Cmd::SaveConnector { id, draft }] => (*id, draft),
        other => panic!("expected a save, got {other:?}"),
    };
    assert_eq!(draft.connector.name, "zeta");
    assert_eq!(draft.connector.grant, Grant::AuthCode);
    assert_eq!(draft.connector.tenant, "contoso.onmicrosoft.com");
    assert!(draft.client_secret.is_none());
    assert!(wizard(&m).saving.is_some());
    let mut saved = rows();
    saved.push(row("zeta", Grant::AuthCode, TokenFacts::default()));
    reply(&mut m, id, EventBody::Saved(Ok(saved)));
    assert_list_selected(&m, 5);
    assert_toast(&m, "Saved zeta");
}

#[test]
fn a_failed_save_stays_in_the_wizard_with_the_error_shown() {
    let mut m = wizard_at_grant("zeta");
    enter(&mut m);
    enter(&mut m);
    let id = enter(&mut m)[0].id().unwrap();
    let err = UiError::new(UiErrorKind::Vault, "The vault is busy.")
        .with_fix("Wait for the other graphmail process, then save again.");
    reply(&mut m, id, EventBody::Saved(Err(err)));
    assert_eq!(wizard(&m).step, Step::Review);
    assert!(wizard(&m).save_error.is_some());
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Error { .. })
    ));
    // Enter closes the dialog; Enter again saves again.
    enter(&mut m);
    assert!(matches!(
        enter(&mut m).as_slice(),
        [Cmd::SaveConnector { .. }]
    ));
}

#[test]
fn a_typed_secret_never_shows_in_debug_output() {
    let mut m = wizard_at_grant("ops-app2");
    code(&mut m, KeyCode::Left);
    code(&mut m, KeyCode::PageUp);
    // App step: cloud, tenant, client ID, secret.
    for _ in 0..3 {
        tab(&mut m);
    }
    assert_eq!(wizard(&m).focused(), Some(Field::ClientSecret));
    type_text(&mut m, "Sup3rS3cretValue~");
    assert!(!format!("{m:?}").contains("Sup3rS3cretValue"));
    enter(&mut m);
    tab(&mut m);
    type_text(&mut m, "ops@contoso.com");
    enter(&mut m);
    enter(&mut m);
    let cmds = enter(&mut m);
    assert!(matches!(cmds.as_slice(), [Cmd::SaveConnector { .. }]));
    assert!(!format!("{cmds:?}").contains("Sup3rS3cretValue"));
}

#[test]
fn editing_opens_the_same_wizard_filled_in() {
    let m = editing_row(3);
    let w = wizard(&m);
    assert_eq!(w.editing.as_deref(), Some("ops-app"));
    assert_eq!(w.name.value(), "ops-app");
    assert_eq!(w.grant, Grant::ClientCredentials);
    assert!(w.secret_stored);
    assert_eq!(w.blocker(), None, "a stored connector is valid as it is");
    assert!(
        !w.problems.contains_key(&Field::Name),
        "its own name is not taken"
    );
}

#[test]
fn the_picker_summary_changes_with_every_toggle_and_keystroke() {
    let mut m = wizard_at_grant("pick");
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Permissions);
    let first = wizard(&m).picker.summary.clone();
    assert!(first.scope_string.contains("Mail.Read"));
    assert!(first.scope_string.contains("offline_access"));
    assert_eq!(
        first.redirect_uri.as_deref(),
        Some("http://localhost:8400/")
    );
    // Tick "Read and write mail" (second row).
    code(&mut m, KeyCode::Down);
    press(&mut m, Key::ch(' '));
    let second = wizard(&m).picker.summary.clone();
    assert!(second.scope_string.contains("Mail.ReadWrite"));
    assert!(second.warnings.iter().any(|w| w.contains("redundant")));
    // Untick it again: back to the first summary.
    press(&mut m, Key::ch(' '));
    assert_eq!(wizard(&m).picker.summary, first);
    // Type into the field for more permissions: the summary follows each key.
    tab(&mut m);
    type_text(&mut m, "Calendars.Rea");
    let partial = wizard(&m).picker.summary.scope_string.clone();
    assert!(partial.contains("Calendars.Rea"));
    let typo = &wizard(&m).picker.summary;
    assert_any_contains(&typo.warnings, "did you mean Calendars.Read?");
    press(&mut m, Key::ch('d'));
    let s = &wizard(&m).picker.summary;
    assert!(s.scope_string.contains("Calendars.Read"));
    // A permission Microsoft publishes is taken without a warning.
    assert!(!s.warnings.iter().any(|w| w.contains("Calendars.Read")));
    // A known scope typed in another case is merged with the ticked one.
    type_text(&mut m, " mail.read");
    let count = wizard(&m)
        .picker
        .summary
        .scope_string
        .matches("Mail.Read ")
        .count();
    assert_eq!(count, 1, "{}", wizard(&m).picker.summary.scope_string);
}

#[test]
fn the_picker_blocks_next_when_nothing_is_chosen() {
    let mut m = wizard_at_grant("pick");
    enter(&mut m);
    // Untick the defaults (fetch, send, profile, keep signed in).
    for row in [0usize, 2, 4, 5] {
        while wizard(&m).picker.cursor < row {
            code(&mut m, KeyCode::Down);
        }
        press(&mut m, Key::ch(' '));
    }
    assert!(wizard(&m).picker.checked.is_empty());
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Permissions);
    assert!(problem(&m, Field::Permissions).contains("no mail permission is chosen"));
}

#[test]
fn a_wrong_passphrase_says_so_and_allows_another_try() {
    let (mut m, cmds) = model(Start::Unlock);
    assert!(cmds.is_empty());
    type_text(&mut m, "wrong horse");
    let id = match enter(&mut m).as_slice() {
        [Cmd::UnlockVault { id, .. }] => *id,
        other => panic!("{other:?}"),
    };
    wrong_passphrase(&mut m, id);
    let Screen::Unlock(s) = &m.screen else {
        panic!("still on unlock")
    };
    assert!(s.problem.as_deref().unwrap().contains("wrong"));
    assert!(s.passphrase.is_empty());
    type_text(&mut m, "correct horse");
    let id2 = enter(&mut m)[0].id().unwrap();
    assert_ne!(id, id2);
    reply(&mut m, id2, EventBody::Unlocked(Ok(rows())));
    assert!(matches!(m.screen, Screen::Connectors(_)));
    assert!(m.back.is_empty());
}

#[test]
fn creating_a_vault_asks_twice_and_refuses_a_mismatch() {
    let (mut m, _) = model(Start::Create);
    type_text(&mut m, "short");
    assert!(enter(&mut m).is_empty());
    let Screen::Unlock(s) = &m.screen else {
        panic!()
    };
    assert_eq!(s.mode, UnlockMode::Create);
    assert!(s.problem.as_deref().unwrap().contains("too short"));
    type_text(&mut m, "-but-longer");
    tab(&mut m);
    type_text(&mut m, "short-but-longeR");
    assert!(enter(&mut m).is_empty());
    let Screen::Unlock(s) = &m.screen else {
        panic!()
    };
    assert!(s.problem.as_deref().unwrap().contains("differ"));
    assert_eq!(s.focus, 1);
    type_text(&mut m, "short-but-longer");
    assert!(matches!(
        enter(&mut m).as_slice(),
        [Cmd::CreateVault { .. }]
    ));
}

#[test]
fn delete_asks_first_then_removes_the_connector() {
    let mut m = list_model(rows());
    code(&mut m, KeyCode::Down);
    assert!(press(&mut m, Key::ch('d')).is_empty());
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { body, .. }) if body.contains("alerts")
    ));
    let cmds = press(&mut m, Key::ch('y'));
    let id = match cmds.as_slice() {
        [Cmd::DeleteConnector { id, name }] if name == "alerts" => *id,
        other => panic!("{other:?}"),
    };
    let mut left = rows();
    left.remove(1);
    reply(&mut m, id, EventBody::Deleted(Ok(left)));
    assert_eq!(m.shared.connectors.len(), 4);
    assert!(m.shared.toasts.iter().any(|t| t.text == "Deleted alerts."));
}

#[test]
fn a_toast_fades_and_the_ticks_stop() {
    let mut m = list_model(vec![]);
    m.shared.toasts.clear();
    press(&mut m, Key::ch('o'));
    assert!(m.shared.toasts[0].text.contains("No connector yet"));
    assert!(m.animating());
    m.shared.now.mono_ms += 10_000;
    update(&mut m, Msg::Tick);
    assert!(m.shared.toasts.is_empty());
    assert!(!m.animating(), "no ticks once nothing moves");
}

#[test]
fn token_health_reads_expiry_refresh_and_errors() {
    let f = |expires_at, has_refresh_token, last_error: Option<&str>| TokenFacts {
        refresh_issued_at: None,
        expires_at,
        has_refresh_token,
        last_error: last_error.map(str::to_string),
        ..TokenFacts::default()
    };
    assert_eq!(
        TokenHealth::of(&f(Some(NOW + 3600), true, None), NOW),
        TokenHealth::Valid
    );
    assert_eq!(
        TokenHealth::of(&f(Some(NOW + 200), false, None), NOW).label(),
        "expires in 4 min"
    );
    assert_eq!(
        TokenHealth::of(&f(Some(NOW - 1), true, None), NOW),
        TokenHealth::Renewable
    );
    assert_eq!(
        TokenHealth::of(&f(None, false, None), NOW),
        TokenHealth::NeedsSignIn
    );
    assert_eq!(
        TokenHealth::of(&f(None, false, Some("x")), NOW).label(),
        "error"
    );
}

#[test]
fn help_lists_the_keys_of_the_screen_from_the_keymap() {
    let mut m = list_model(rows());
    press(&mut m, Key::ch('?'));
    assert!(matches!(m.shared.overlays.last(), Some(Overlay::Help(_))));
    let text = screen_text(&m, 120, 40);
    assert!(text.contains("Sign the connector in"), "{text}");
    assert!(text.contains("Quit graphmail"));
    code(&mut m, KeyCode::Esc);
    assert!(m.shared.overlays.is_empty());
}

#[test]
fn the_config_default_connector_is_selected_once_the_vault_opens() {
    let (mut m, cmds) = model(Start::Identity);
    let id = cmds[0].id().unwrap();
    // What the terminal app sets from the config file's default_connector.
    m.shared.select = Some("ops-app".into());
    update(&mut m, Msg::Resize(100, 30));
    assert_eq!(
        m.shared.select.as_deref(),
        Some("ops-app"),
        "kept while loading"
    );
    reply(&mut m, id, EventBody::Unlocked(Ok(rows())));
    let Screen::Connectors(s) = &m.screen else {
        panic!("on the list")
    };
    assert_eq!(m.shared.connectors[s.selected].connector.name, "ops-app");
    assert!(m.shared.select.is_none());
}

#[test]
fn client_credentials_does_not_tick_keep_signed_in_by_default() {
    use graphmail::domain::permissions::Preset;
    let mut m = wizard_at_grant("ops2");
    for _ in 0..3 {
        code(&mut m, KeyCode::Right);
    }
    assert_eq!(wizard(&m).grant, Grant::ClientCredentials);
    assert!(!wizard(&m).picker.is_checked(Preset::Offline));
    assert!(wizard(&m).picker.is_checked(Preset::Fetch));
    assert!(
        !wizard(&m)
            .picker
            .summary
            .warnings
            .iter()
            .any(|w| w.contains("offline_access")),
        "no warning about a default: {:?}",
        wizard(&m).picker.summary.warnings
    );
    tab(&mut m);
    type_text(&mut m, "ops@contoso.com");
    enter(&mut m);
    assert_eq!(wizard(&m).step, Step::Permissions);
    let text = screen_text(&m, 120, 40);
    assert!(text.contains("[ ] Keep signed in"), "{text}");
    assert!(!text.contains("offline_access is"), "{text}");
    // Back to a delegated grant: its default comes back.
    code(&mut m, KeyCode::PageUp);
    for _ in 0..3 {
        code(&mut m, KeyCode::Left);
    }
    assert_eq!(wizard(&m).grant, Grant::AuthCode);
    assert!(wizard(&m).picker.is_checked(Preset::Offline));
}

#[test]
fn editing_keeps_the_stored_permissions() {
    use graphmail::domain::permissions::Preset;
    let m = editing_row(3);
    assert_eq!(wizard(&m).grant, Grant::ClientCredentials);
    assert_eq!(
        wizard(&m).picker.checked,
        vec![Preset::Fetch, Preset::Send, Preset::Offline],
        "what the vault holds is shown as it is"
    );
}

#[test]
fn ctrl_c_in_the_wizard_with_changes_asks_and_no_keeps_them() {
    let mut m = wizard_with_name(rows(), "night");
    assert!(press(&mut m, Key::ctrl('c')).is_empty());
    assert!(matches!(
        m.shared.overlays.last(),
        Some(Overlay::Confirm { body, .. }) if body.contains("without saving this new connector")
    ));
    press(&mut m, Key::ch('n'));
    assert_eq!(wizard(&m).name.value(), "night");
    assert!(!m.shared.quitting);
}
