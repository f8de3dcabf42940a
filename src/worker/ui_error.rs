//! Each layer's error as the screen shows it: the user-facing error of [`crate::error`] (the
//! same sentence, code and fix as the command line, with the app's wording of the fix where it
//! differs), plus the kind the screens react to.

use crate::app::in_app::in_app;
use crate::app::{UiError, UiErrorKind};
use crate::auth::{AuthError, CheckError};
use crate::error::UserError;
use crate::graph::GraphError;
use crate::vault::VaultError;

/// The screen's error for `err`: its sentence, the app's fix (else the command line's), and
/// the service's ids for support.
pub fn shown(kind: UiErrorKind, err: UserError) -> UiError {
    UiError {
        kind,
        // The app says where it does what a command line fix names, never "run `graphmail …`".
        message: in_app(&err.sentence()),
        fix: err.app_fix().map(in_app),
        detail: err.detail().map(str::to_string),
    }
}

pub fn vault_error(e: VaultError) -> UiError {
    let kind = match e {
        VaultError::WrongPassphrase => UiErrorKind::WrongPassphrase,
        _ => UiErrorKind::Vault,
    };
    shown(kind, e.into())
}

/// A sign-in or token error of connector `name`: the decoded cause, its fix, and for an
/// identity refusal the AADSTS code and the service's ids.
pub fn auth_error(e: AuthError, name: &str) -> UiError {
    let kind = match e {
        AuthError::Vault(v) => return vault_error(v),
        AuthError::Network(_) | AuthError::Unavailable(_) => UiErrorKind::Network,
        AuthError::Cancelled | AuthError::UnknownConnector(_) => UiErrorKind::Other,
        _ => UiErrorKind::Identity,
    };
    shown(kind, UserError::from(e).for_connector(name))
}

/// A failed connector test of connector `name`.
pub fn check_error(e: CheckError, name: &str) -> UiError {
    match e {
        CheckError::Token(t) => auth_error(t, name),
        CheckError::Graph(g) => {
            let kind = if g.code == "network" {
                UiErrorKind::Network
            } else {
                UiErrorKind::Other
            };
            shown(
                kind,
                UserError::from(CheckError::Graph(g)).for_connector(name),
            )
        }
        missing @ CheckError::Missing(_) => shown(
            UiErrorKind::Other,
            UserError::from(missing).for_connector(name),
        ),
    }
}

pub fn graph_error(e: GraphError) -> UiError {
    let kind = if e.may_have_sent() {
        UiErrorKind::MaybeSent
    } else if matches!(e, GraphError::Transport(_) | GraphError::GaveUp { .. }) {
        UiErrorKind::Network
    } else if e.status() == Some(404) {
        UiErrorKind::NotFound
    } else {
        UiErrorKind::Other
    };
    shown(kind, e.into())
}

/// Connector `name` vanished from the vault under the screen (another process removed it).
pub fn connector_gone(name: &str, fix: &str) -> UiError {
    UiError::new(
        UiErrorKind::Vault,
        format!("The connector '{name}' is no longer in the vault."),
    )
    .with_fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{SIGN_IN_AGAIN_IN_APP, SIGN_IN_IN_APP};

    #[test]
    fn fixes_say_how_to_do_it_in_the_app_not_in_a_shell() {
        let net = auth_error(AuthError::Network("timed out".into()), "hr");
        assert_eq!(net.kind, UiErrorKind::Network);
        assert!(
            net.fix.as_deref().is_some_and(|f| f
                .contains("the connector's details (select it in the connector list)")
                && !f.contains("graphmail ")),
            "{net:?}"
        );
        let never = auth_error(AuthError::NotSignedIn("hr".into()), "hr");
        assert_eq!(never.fix.as_deref(), Some(SIGN_IN_IN_APP));
        assert_eq!(never.message, "Connector 'hr' is not signed in.");
    }

    #[test]
    fn a_refused_graph_token_says_where_to_sign_in_in_the_app() {
        let e = GraphError::from_reply(
            401,
            br#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#,
        );
        let shown = graph_error(e);
        assert_eq!(shown.fix.as_deref(), Some(SIGN_IN_AGAIN_IN_APP));
        assert_eq!(
            shown.detail.as_deref(),
            Some("Graph error code: InvalidAuthenticationToken")
        );
        assert!(shown.message.ends_with('.'), "{shown:?}");
    }

    fn refused(code: u32) -> AuthError {
        use crate::domain::aadsts::{ErrorContext, RawIdentityError, decode};
        use crate::domain::{Cloud, Grant};
        let raw = RawIdentityError {
            error: "invalid_grant".into(),
            error_description: Some(format!("AADSTS{code}: refused.")),
            error_codes: vec![code],
            trace_id: None,
            correlation_id: None,
        };
        let ctx = ErrorContext {
            cloud: Cloud::Global,
            tenant: "contoso.com".into(),
            client_id: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into(),
            grant: Grant::Ropc,
            redirect_uri: String::new(),
            scopes: vec!["Mail.Read".into()],
        };
        AuthError::identity(decode(&raw, &ctx))
    }

    #[test]
    fn the_ropc_fixes_name_the_edit_key_the_keymap_binds_now() {
        use crate::app::keymap::Keymap;
        let defaults = Keymap::defaults();
        let rebound = Keymap::with_user(
            "[[keys]]\ncontext = \"list\"\non = [\"E\"]\nrun = \"edit\"\n",
            "test keymap",
        )
        .expect("the rebinding is valid");
        for (code, says) in [
            (50126, "change the stored password"),
            (50076, "device code"),
        ] {
            let shown = auth_error(refused(code), "legacy");
            let fix = shown.fix_with_keys(&defaults).expect("a fix");
            assert!(fix.contains(says) && fix.contains("press e,"), "{fix}");
            let fix = shown.fix_with_keys(&rebound).expect("a fix");
            assert!(fix.contains("press E,"), "AADSTS{code}: {fix}");
            assert!(!fix.contains("press e") && !fix.contains("{key:"), "{fix}");
            assert!(!fix.contains("by default"), "{fix}");
        }
    }

    #[test]
    fn a_wrong_passphrase_keeps_its_kind_for_the_unlock_screen() {
        let shown = vault_error(VaultError::WrongPassphrase);
        assert_eq!(shown.kind, UiErrorKind::WrongPassphrase);
        assert_eq!(shown.message, "The passphrase is wrong.");
    }
}
