//! Every screen in its empty, filled and error states, at 80×24 and 120×40.
//! CI never writes snapshots: new ones are made locally with INSTA_UPDATE=always and reviewed.

use crate::support::tui::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::{
    AuthorizePrompt, DeviceCodePrompt, EventBody, Model, SignInUpdate, SignedIn, Start, TestReport,
    UiError, UiErrorKind,
};
use ratatui::style::Color;

fn snap(name: &str, m: &Model) {
    for (w, h) in [(80, 24), (120, 40)] {
        let t = render(m, w, h);
        insta::assert_snapshot!(format!("{name}@{w}x{h}"), t.backend());
    }
}

fn list_without_toasts(rows: Vec<graphmail::app::ConnectorRow>) -> Model {
    let mut m = list_model(rows);
    m.shared.toasts.clear();
    m
}

/// Microsoft's refusals the screens show, as the worker decodes them.
fn secret_refused() -> UiError {
    identity_error(
        "The client secret is wrong or expired.",
        "create a new client secret in Azure portal → Microsoft Entra ID → App registrations → Certificates & secrets, and store its Value with `graphmail connector edit alerts --client-secret-file F`",
        "AADSTS7000215 (trace id 0b3c…, correlation id 9f2e…)",
    )
}

fn redirect_refused() -> UiError {
    identity_error(
        "The redirect URI http://localhost:8400/ is not registered for the app.",
        "add http://localhost:8400/ in Azure portal → Microsoft Entra ID → App registrations → the app with client ID 11111111-2222-3333-4444-555555555555 → Authentication → Add a platform → Mobile and desktop applications",
        "AADSTS50011 (trace id 4c1e…, correlation id 77ab…)",
    )
}

#[test]
fn unlock_screens() {
    let (mut m, _) = model(Start::Unlock);
    snap("unlock_empty", &m);
    type_text(&mut m, "correct horse");
    snap("unlock_filled", &m);
    enter(&mut m);
    snap("unlock_busy", &m);
    let id = graphmail::app::ReqId(1);
    wrong_passphrase(&mut m, id);
    snap("unlock_error", &m);

    let (mut m, _) = model(Start::Create);
    snap("create_empty", &m);
    type_text(&mut m, "long enough passphrase");
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, "long enough passphrasE");
    enter(&mut m);
    snap("create_error", &m);
}

#[test]
fn connector_list_screens() {
    let m = list_model(vec![]);
    snap("list_empty", &m);
    let m = list_without_toasts(rows());
    snap("list_filled", &m);

    let mut m = list_without_toasts(rows());
    code(&mut m, KeyCode::Down);
    let id = press(&mut m, Key::ch('t'))[0].id().unwrap();
    snap("list_testing", &m);
    reply(&mut m, id, EventBody::Tested(Err(secret_refused())));
    snap("list_error", &m);

    let mut m = list_without_toasts(rows());
    press(&mut m, Key::ch('d'));
    snap("list_delete_confirm", &m);

    let mut m = list_without_toasts(rows());
    press(&mut m, Key::ch('?'));
    snap("list_help", &m);

    let mut m = list_without_toasts(rows());
    let id = press(&mut m, Key::ch('t'))[0].id().unwrap();
    reply(
        &mut m,
        id,
        EventBody::Tested(Ok(TestReport {
            name: "helpdesk".into(),
            user: Some("ana@contoso.com".into()),
            missing_scopes: vec![],
            mailbox_ok: true,
            connectors: rows(),
            problem: None,
        })),
    );
    snap("list_toast", &m);

    let mut m = list_without_toasts(rows());
    let id = press(&mut m, Key::ch('t'))[0].id().unwrap();
    let mut after = rows();
    after[0].token.last_error = Some("The stored sign-in has expired or was revoked.".into());
    reply(
        &mut m,
        id,
        EventBody::Tested(Ok(TestReport {
            name: "helpdesk".into(),
            user: None,
            missing_scopes: vec![],
            mailbox_ok: false,
            connectors: after,
            problem: Some(UiError {
                kind: UiErrorKind::Identity,
                message: "The stored sign-in has expired or was revoked.".into(),
                fix: Some("sign it in again from the connector list (s by default)".into()),
                detail: Some(
                    "AADSTS50173 (invalid_grant) · trace id 7de6…, correlation id dfe7…".into(),
                ),
            }),
        })),
    );
    snap("list_test_failed", &m);
}

fn wizard_model() -> Model {
    let mut m = list_without_toasts(rows());
    press(&mut m, Key::ch('a'));
    m
}

#[test]
fn wizard_screens() {
    let mut m = wizard_model();
    snap("wizard_name_empty", &m);
    type_text(&mut m, "alerts");
    snap("wizard_name_error", &m);
    press(&mut m, Key::ctrl('u'));
    type_text(&mut m, "mail-gw");
    enter(&mut m);
    snap("wizard_app_empty", &m);
    enter(&mut m);
    type_text(&mut m, "contoso");
    snap("wizard_app_error", &m);
    press(&mut m, Key::ctrl('u'));
    // Custom cloud: four steps right from global.
    code(&mut m, KeyCode::BackTab);
    code(&mut m, KeyCode::Left);
    fill_fields(
        &mut m,
        &[
            "http://127.0.0.1:41234",
            "http://127.0.0.1:41234/v1.0",
            "8f2d1c3e-7a4b-4e9f-9c1d-2b3a4c5d6e7f",
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "a-client-secret",
        ],
    );
    snap("wizard_app_filled", &m);
    enter(&mut m);
    snap("wizard_grant_auth_code", &m);
    code(&mut m, KeyCode::Right);
    code(&mut m, KeyCode::Right);
    enter(&mut m);
    snap("wizard_grant_ropc_error", &m);
    code(&mut m, KeyCode::BackTab);
    code(&mut m, KeyCode::Right);
    snap("wizard_grant_client_credentials", &m);
    code(&mut m, KeyCode::Left);
    code(&mut m, KeyCode::Left);
    code(&mut m, KeyCode::Left);
    enter(&mut m);
    snap("picker_default", &m);
    code(&mut m, KeyCode::Down);
    press(&mut m, Key::ch(' '));
    code(&mut m, KeyCode::Down);
    press(&mut m, Key::ch(' '));
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, "Calendars.Read, mail.send");
    snap("picker_filled", &m);
    enter(&mut m);
    snap("review_filled", &m);
}

#[test]
fn picker_error_and_client_credentials() {
    let mut m = wizard_model();
    type_text(&mut m, "ops2");
    enter(&mut m);
    fill_fields(
        &mut m,
        &[
            "contoso.onmicrosoft.com",
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        ],
    );
    enter(&mut m);
    enter(&mut m);
    // Untick the defaults: fetch (row 0), send (row 2), profile (row 4), keep signed in (row 5).
    for down in [0, 2, 2, 1] {
        press_down(&mut m, down);
        press(&mut m, Key::ch(' '));
    }
    enter(&mut m);
    snap("picker_error", &m);
    code(&mut m, KeyCode::PageUp);
    code(&mut m, KeyCode::Left);
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, "ops@contoso.com");
    enter(&mut m);
    snap("picker_client_credentials", &m);
}

fn sign_in_model(down: usize) -> (Model, graphmail::app::ReqId) {
    let mut m = list_without_toasts(rows());
    press_down(&mut m, down);
    let id = press(&mut m, Key::ch('s'))[0].id().unwrap();
    (m, id)
}

/// The authorize URL of an auth-code sign-in, listened for on port 8400 or not.
fn authorize_url(url: &str, listening: bool, ssh_target: Option<&str>) -> SignInUpdate {
    SignInUpdate::AuthorizeUrl(AuthorizePrompt {
        url: url.into(),
        redirect_uri: "http://localhost:8400/".into(),
        port: 8400,
        listening,
        ssh_target: ssh_target.map(Into::into),
    })
}

#[test]
fn sign_in_screens() {
    let (mut m, id) = sign_in_model(1);
    snap("signin_starting", &m);
    sign_in_step(
        &mut m,
        id,
        SignInUpdate::DeviceCode(DeviceCodePrompt {
            verification_uri: "https://microsoft.com/devicelogin".into(),
            user_code: "K7QXPLMB".into(),
            message: "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code K7QXPLMB to authenticate.".into(),
            expires_at: NOW + 872,
        }),
    );
    snap("signin_device_code", &m);
    sign_in_step(
        &mut m,
        id,
        SignInUpdate::Finished(Ok(SignedIn {
            user: Some("alerts@contoso.com".into()),
            scopes: vec![
                "Mail.Read".into(),
                "Mail.Send".into(),
                "offline_access".into(),
            ],
            expires_at: Some(NOW + 3599),
            connectors: rows(),
        })),
    );
    m.shared.toasts.clear();
    snap("signin_done", &m);

    let (mut m, id) = sign_in_model(0);
    let url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=11111111-2222-3333-4444-555555555555&response_type=code";
    let full = format!(
        "{url}&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2F&scope=https%3A%2F%2Fgraph.microsoft.com%2FMail.Read%20offline_access&state=Zm9vYmFy&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    let over_ssh = authorize_url(&full, true, Some("admin@mail-gw.contoso.com"));
    sign_in_step(&mut m, id, over_ssh);
    snap("signin_auth_code", &m);
    let (mut taken, taken_id) = sign_in_model(0);
    sign_in_step(&mut taken, taken_id, authorize_url(url, false, None));
    snap("signin_auth_code_port_taken", &taken);
    sign_in_step(&mut m, id, SignInUpdate::Finished(Err(redirect_refused())));
    snap("signin_error", &m);
}

#[test]
fn no_color_draws_without_colours_and_colour_marks_errors_red() {
    let mut m = list_without_toasts(rows());
    code(&mut m, KeyCode::Down);
    let t = render(&m, 120, 40);
    let buf = t.backend().buffer();
    let red = buf
        .content()
        .iter()
        .any(|c| c.fg == Color::Red && c.symbol() == "e");
    assert!(red, "the token health 'error' is red with colour on");
    m.shared.no_color = true;
    let t = render(&m, 120, 40);
    let coloured = t
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(coloured, 0, "NO_COLOR: emphasis only, no colour");
}

#[test]
fn guide_screens() {
    let mut m = list_without_toasts(rows());
    press(&mut m, Key::ch('g'));
    snap("guide_list", &m);
    code(&mut m, KeyCode::PageDown);
    code(&mut m, KeyCode::PageDown);
    snap("guide_scrolled", &m);

    let mut m = list_without_toasts(vec![]);
    press(&mut m, Key::ch('a'));
    type_text(&mut m, "newbox");
    press(&mut m, Key::ctrl('g'));
    snap("guide_wizard", &m);
}

/// Every word of `words` is on the 80×24 screen whole, and no line ends in a cut (`…`).
fn assert_nothing_cut(m: &Model, words: &[&str]) {
    let text = screen_text(m, 80, 24);
    assert!(!text.contains('…'), "a cut line:\n{text}");
    for w in words {
        assert!(
            text.split_whitespace()
                .any(|t| t.trim_matches(|c: char| ",.:;()".contains(c)) == *w),
            "{w} is not shown whole:\n{text}"
        );
    }
}

#[test]
fn every_preset_and_three_more_scopes_fit_80_by_24_without_a_cut_word() {
    let mut m = wizard_with_name(rows(), "mail-gw");
    enter(&mut m);
    fill_fields(
        &mut m,
        &[
            "contoso.onmicrosoft.com",
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        ],
    );
    enter(&mut m);
    enter(&mut m);
    // Tick every preset: the cursor starts on the first row.
    for preset in graphmail::domain::permissions::Preset::ALL {
        if !wizard(&m).picker.is_checked(preset) {
            press(&mut m, Key::ch(' '));
        }
        code(&mut m, KeyCode::Down);
    }
    type_text(&mut m, "Calendars.Read Contacts.Read Tasks.Read");
    // Back on a preset row, so the typed scopes show whole under the field's label.
    code(&mut m, KeyCode::Up);
    let all = graphmail::domain::permissions::Preset::ALL;
    assert!(all.iter().all(|p| wizard(&m).picker.is_checked(*p)));
    snap("picker_all_presets", &m);
    assert_nothing_cut(
        &m,
        &[
            "Mail.Read.Shared",
            "Mail.Send.Shared",
            "Calendars.Read",
            "Contacts.Read",
            "Tasks.Read",
            "applications",
        ],
    );
    enter(&mut m);
    snap("review_all_presets", &m);
    assert_nothing_cut(&m, &["graph.microsoft.com", "Tasks.Read", "applications"]);
}

#[test]
fn the_empty_list_says_its_whole_sentence_at_80_by_24() {
    let m = list_model(vec![]);
    assert_nothing_cut(&m, &["Azure"]);
}

#[test]
fn a_long_detail_wraps_under_its_label_at_80_columns() {
    let mut rows = rows();
    let c = &mut rows[0].connector;
    c.presets = graphmail::domain::permissions::Preset::ALL.to_vec();
    c.extra_scopes = vec!["Calendars.Read".into(), "Contacts.Read".into()];
    let m = list_without_toasts(rows);
    let text = screen_text(&m, 80, 24);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(" Scopes "))
        .unwrap_or_else(|| panic!("no Scopes line:\n{text}"));
    let col = lines[at]
        .find("Mail.")
        .expect("the scopes follow the label");
    let next = lines[at + 1];
    assert!(
        next[..col].trim().is_empty() && !next[col..].trim().is_empty(),
        "the rest of the scopes continues under the first:\n{text}"
    );
    assert_nothing_cut(&m, &["Mail.Send.Shared", "Contacts.Read"]);
}
