//! `update()` for signing in and testing: prompts, success, a decoded error, cancel, retry,
//! replies no longer awaited, and the token health the list shows afterwards.

use crate::support::tui::*;
use graphmail::app::keys::{Key, KeyCode};
use graphmail::app::overlay::Overlay;
use graphmail::app::signin::Phase;
use graphmail::app::{
    AuthorizePrompt, Cmd, DeviceCodePrompt, EventBody, Model, Msg, ReqId, Screen, SignInUpdate,
    SignedIn, TestReport, TokenHealth, UiError, UiErrorKind, update,
};

fn signin(m: &Model) -> &graphmail::app::signin::SignInState {
    match &m.screen {
        Screen::SignIn(s) => s,
        other => panic!("expected sign-in, got {other:?}"),
    }
}

fn start_sign_in(m: &mut Model, down: usize) -> ReqId {
    press_down(m, down);
    sign_in_id(&press(m, Key::ch('s')))
}

fn sign_in_id(cmds: &[Cmd]) -> ReqId {
    match cmds {
        [Cmd::SignIn { id, .. }] => *id,
        other => panic!("expected a sign-in, got {other:?}"),
    }
}

fn finish(m: &mut Model, id: ReqId, result: Result<SignedIn, UiError>) -> Vec<Cmd> {
    sign_in_step(m, id, SignInUpdate::Finished(result))
}

/// Esc sends the cancel of sign-in `id` and goes back to the list.
fn assert_esc_cancels(m: &mut Model, id: ReqId) {
    let cmds = code(m, KeyCode::Esc);
    assert!(matches!(cmds.as_slice(), [Cmd::Cancel { id: c }] if *c == id));
    assert!(matches!(m.screen, Screen::Connectors(_)));
}

/// Enter sends the pasted redirect URL to sign-in `id`.
fn assert_enter_submits(m: &mut Model, id: ReqId) {
    let cmds = enter(m);
    assert!(matches!(cmds.as_slice(), [Cmd::SubmitRedirect { id: s, .. }] if *s == id));
}

/// The list after `t` on the selected connector: the test's `report` arrives.
fn tested(m: &mut Model, id: ReqId, report: TestReport) {
    reply(m, id, EventBody::Tested(Ok(report)));
}

fn device_prompt() -> DeviceCodePrompt {
    DeviceCodePrompt {
        verification_uri: "https://microsoft.com/devicelogin".into(),
        user_code: "K7QX-PLMB".into(),
        message: "To sign in, use a web browser…".into(),
        expires_at: NOW + 900,
    }
}

#[test]
fn device_code_sign_in_shows_the_code_copies_it_and_ends_signed_in() {
    let mut m = list_model(rows());
    let id = start_sign_in(&mut m, 1);
    assert_eq!(signin(&m).phase, Phase::Starting);
    assert!(m.animating(), "the spinner needs ticks");
    sign_in_step(&mut m, id, SignInUpdate::DeviceCode(device_prompt()));
    assert!(matches!(signin(&m).phase, Phase::DeviceCode(_)));
    let cmds = press(&mut m, Key::ch('c'));
    assert!(matches!(cmds.as_slice(), [Cmd::Copy(c)] if c == "K7QX-PLMB"));
    let mut after = rows();
    after[1].token.expires_at = Some(NOW + 3600);
    finish(
        &mut m,
        id,
        Ok(SignedIn {
            user: Some("alerts@contoso.com".into()),
            scopes: vec!["Mail.Read".into()],
            expires_at: Some(NOW + 3600),
            connectors: after,
        }),
    );
    assert!(matches!(signin(&m).phase, Phase::Done(_)));
    assert_eq!(
        TokenHealth::of(&m.shared.connectors[1].token, NOW),
        TokenHealth::Valid
    );
    enter(&mut m);
    assert_list_selected(&m, 1);
}

#[test]
fn a_failed_sign_in_shows_the_decoded_error_and_retry_drops_the_old_reply() {
    let mut m = list_model(rows());
    let first = start_sign_in(&mut m, 0);
    let err = identity_error(
        "The redirect URI http://localhost:8400/ is not registered for the app.",
        "add http://localhost:8400/ in Azure portal → Authentication",
        "AADSTS50011 (trace id t-1)",
    );
    finish(&mut m, first, Err(err.clone()));
    assert_eq!(signin(&m).phase, Phase::Failed(err));
    let second = sign_in_id(&press(&mut m, Key::ch('r')));
    assert_ne!(first, second);
    // A late answer to the first attempt changes nothing.
    sign_in_step(&mut m, first, SignInUpdate::DeviceCode(device_prompt()));
    assert!(!m.shared.changed, "stale reply dropped");
    assert_eq!(signin(&m).phase, Phase::Starting);
}

#[test]
fn esc_cancels_a_waiting_sign_in_and_its_late_reply_is_dropped() {
    let mut m = list_model(rows());
    let id = start_sign_in(&mut m, 1);
    sign_in_step(&mut m, id, SignInUpdate::DeviceCode(device_prompt()));
    assert_esc_cancels(&mut m, id);
    let before = m.shared.connectors.clone();
    let cmds = finish(
        &mut m,
        id,
        Ok(SignedIn {
            user: None,
            scopes: vec![],
            expires_at: None,
            connectors: vec![],
        }),
    );
    assert!(cmds.is_empty());
    assert!(!m.shared.changed);
    assert_eq!(m.shared.connectors, before);
}

#[test]
fn auth_code_sends_the_pasted_redirect_url_to_the_same_sign_in() {
    let mut m = list_model(rows());
    let id = start_sign_in(&mut m, 0);
    let prompt = AuthorizePrompt {
        ssh_target: Some("admin@mail-gw".into()),
        ..authorize_prompt()
    };
    sign_in_step(&mut m, id, SignInUpdate::AuthorizeUrl(prompt));
    update(
        &mut m,
        Msg::Paste("http://localhost:8400/?code=abc&state=xyz\n".into()),
    );
    assert!(signin(&m).paste_focused);
    assert_enter_submits(&mut m, id);
    assert!(signin(&m).submitted);
    assert!(signin(&m).paste.is_empty(), "the pasted code is not kept");
}

/// The first connector's auth-code sign-in showing its authorize URL and paste field, in the
/// demo or not.
fn paste_prompted(demo: bool) -> (Model, ReqId) {
    let mut m = list_model(rows());
    m.shared.demo = demo;
    let id = start_sign_in(&mut m, 0);
    sign_in_step(&mut m, id, SignInUpdate::AuthorizeUrl(authorize_prompt()));
    (m, id)
}

fn authorize_prompt() -> AuthorizePrompt {
    AuthorizePrompt {
        url: "https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize?client_id=1".into(),
        redirect_uri: "http://localhost:8400/".into(),
        port: 8400,
        listening: true,
        ssh_target: None,
    }
}

#[test]
fn a_url_typed_into_the_paste_field_is_sent_and_a_refusal_allows_another_paste() {
    let (mut m, id) = paste_prompted(false);
    // Enter on an empty field focuses it; typing goes into it, not to the keymap ("c", "r").
    assert!(enter(&mut m).is_empty());
    assert!(signin(&m).paste_focused);
    type_text(&mut m, "http://localhost:8400/?code=rc&state=s");
    assert_eq!(
        signin(&m).paste.value(),
        "http://localhost:8400/?code=rc&state=s"
    );
    assert_enter_submits(&mut m, id);
    let err = UiError::new(
        UiErrorKind::Identity,
        "The sign-in reply did not carry the state graphmail sent, so it was refused.",
    )
    .with_fix("start the sign-in again and use only the newest sign-in link");
    finish(&mut m, id, Err(err.clone()));
    assert_eq!(signin(&m).phase, Phase::Failed(err));
    assert!(!signin(&m).submitted);
    assert!(!m.animating(), "nothing spins once it failed");
}

#[test]
fn esc_in_the_paste_field_cancels_the_auth_code_sign_in() {
    let (mut m, id) = paste_prompted(false);
    code(&mut m, KeyCode::Tab);
    type_text(&mut m, "http://loc");
    assert_esc_cancels(&mut m, id);
}

#[test]
fn a_prompt_for_another_sign_in_is_ignored() {
    let mut m = list_model(rows());
    let id = start_sign_in(&mut m, 1);
    let other = graphmail::app::ReqId(id.0 + 100);
    sign_in_step(&mut m, other, SignInUpdate::DeviceCode(device_prompt()));
    assert!(!m.shared.changed);
    assert_eq!(signin(&m).phase, Phase::Starting);
}

#[test]
fn a_failed_test_shows_why_and_the_list_shows_the_error_health() {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    let cmds = press(&mut m, Key::ch('t'));
    let id = match cmds.as_slice() {
        [Cmd::Test { id, name }] => {
            assert_eq!(name, &m.shared.connectors[0].connector.name);
            *id
        }
        other => panic!("{other:?}"),
    };
    assert!(m.animating(), "the status line spins while testing");
    let mut after = rows();
    after[0].token.last_error = Some("The stored sign-in has expired or was revoked.".into());
    let problem = UiError::new(
        UiErrorKind::Identity,
        "The stored sign-in has expired or was revoked.",
    )
    .with_fix("sign it in again from the connector list (s by default)");
    tested(
        &mut m,
        id,
        TestReport {
            name: after[0].connector.name.clone(),
            user: None,
            missing_scopes: vec![],
            mailbox_ok: false,
            connectors: after,
            problem: Some(problem.clone()),
        },
    );
    assert!(m.shared.busy.is_none());
    match m.shared.overlays.last() {
        Some(Overlay::Error { title, error }) => {
            assert!(title.contains("failed"), "{title}");
            assert_eq!(error, &problem);
        }
        other => panic!("expected the error dialog, got {other:?}"),
    }
    assert!(matches!(
        TokenHealth::of(&m.shared.connectors[0].token, NOW),
        TokenHealth::Error(_)
    ));
    assert!(m.shared.toasts.is_empty(), "no success toast");
}

#[test]
fn a_passing_test_says_so_and_refreshes_the_list() {
    let mut m = list_model(rows());
    m.shared.toasts.clear();
    code(&mut m, KeyCode::Down);
    assert!(matches!(
        TokenHealth::of(&m.shared.connectors[1].token, NOW),
        TokenHealth::ExpiresIn { .. }
    ));
    let id = press(&mut m, Key::ch('t'))[0].id().expect("an id");
    // The test renewed the token.
    let mut after = rows();
    after[1].token.expires_at = Some(NOW + 3600);
    after[1].token.last_check = Some(NOW);
    let name = after[1].connector.name.clone();
    tested(
        &mut m,
        id,
        TestReport {
            name: name.clone(),
            user: Some("ana@contoso.com".into()),
            missing_scopes: vec![],
            mailbox_ok: true,
            connectors: after,
            problem: None,
        },
    );
    assert!(m.shared.overlays.is_empty());
    assert_eq!(
        TokenHealth::of(&m.shared.connectors[1].token, NOW),
        TokenHealth::Valid
    );
    let toast = &m.shared.toasts.last().expect("a toast").text;
    assert!(toast.contains(&name) && toast.contains("works"), "{toast}");
}

#[test]
fn only_the_demo_approves_an_authorize_url_with_a_key_and_says_so_in_the_footer() {
    // Outside the demo the key does nothing and the footer does not offer it.
    let (mut m, _) = paste_prompted(false);
    assert!(!screen_text(&m, 120, 30).contains("approve (demo)"));
    assert!(press(&mut m, Key::ch('a')).is_empty());
    assert!(!signin(&m).submitted);

    // In the demo the footer offers it and the key sends the authorize URL to be approved.
    let (mut m, id) = paste_prompted(true);
    assert!(screen_text(&m, 120, 30).contains("a approve (demo)"));
    let cmds = press(&mut m, Key::ch('a'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::DemoApprove { id: s, url, user_code: None }] if *s == id && *url == authorize_prompt().url),
        "{cmds:?}"
    );
    assert!(signin(&m).submitted, "the screen waits for the result");
    assert!(
        press(&mut m, Key::ch('a')).is_empty(),
        "approved once, not twice"
    );
}
