use super::*;
use crate::auth::AuthError;
use crate::config::ConfigError;
use crate::graph::GraphError;
use crate::vault::VaultError;

#[test]
fn exit_statuses_are_the_documented_numbers() {
    let all = [
        (Exit::Ok, 0),
        (Exit::Failure, 1),
        (Exit::Usage, 2),
        (Exit::Locked, 3),
        (Exit::SignIn, 4),
        (Exit::NoPermission, 5),
    ];
    for (exit, n) in all {
        assert_eq!(exit as u8, n, "{exit:?}");
    }
}

#[test]
fn a_wrong_vault_passphrase_is_locked_with_its_fix() {
    let e = UserError::from(VaultError::WrongPassphrase);
    assert_eq!((e.code, e.exit), ("wrong_passphrase", Exit::Locked));
    assert_eq!(e.message, "the passphrase is wrong");
    assert!(
        e.fix
            .as_deref()
            .is_some_and(|f| f.contains("--passphrase-file"))
    );
}

#[test]
fn a_damaged_vault_points_at_its_backup_only_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.age");
    let fix = || {
        let e = UserError::from(VaultError::Corrupt {
            path: path.clone(),
            detail: "bad header".into(),
        });
        assert_eq!((e.code, e.exit), ("vault_corrupt", Exit::Failure));
        e.fix.unwrap_or_default()
    };
    assert!(!fix().contains(".bak"), "{}", fix());
    std::fs::write(dir.path().join("v.age.bak"), "old").unwrap();
    assert!(
        fix().contains(&format!("{}.bak", path.display())),
        "{}",
        fix()
    );
}

#[test]
fn a_graph_403_is_a_denied_access_with_the_permission_fix() {
    let body = br#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}"#;
    let e = UserError::from(GraphError::from_reply(403, body));
    assert_eq!((e.code, e.exit), ("access_denied", Exit::Failure));
    assert!(e.message.contains("ErrorAccessDenied"), "{e:?}");
    assert!(
        e.fix
            .as_deref()
            .is_some_and(|f| f.contains("admin consent"))
    );
    assert_eq!(e.detail(), Some("Graph error code: ErrorAccessDenied"));
}

#[test]
fn a_graph_401_needs_sign_in_and_names_the_connector() {
    let body = br#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#;
    let e = UserError::from(GraphError::from_reply(401, body)).for_connector("hr");
    assert_eq!((e.code, e.exit), ("sign_in_needed", Exit::SignIn));
    assert!(
        e.fix
            .as_deref()
            .is_some_and(|f| f.contains("`graphmail connector login hr`")),
        "{e:?}"
    );
    assert_eq!(e.app_fix(), Some(SIGN_IN_AGAIN_IN_APP));
}

#[test]
fn a_connector_never_signed_in_says_how_on_each_surface() {
    let e = UserError::from(AuthError::NotSignedIn("hr".into()));
    assert_eq!((e.code, e.exit), ("not_signed_in", Exit::SignIn));
    assert_eq!(
        e.fix.as_deref(),
        Some("sign in with `graphmail connector login hr`")
    );
    assert_eq!(e.app_fix(), Some(SIGN_IN_IN_APP));
}

#[test]
fn a_vault_error_inside_a_sign_in_keeps_the_vault_code() {
    let e = UserError::from(AuthError::Vault(VaultError::Busy));
    assert_eq!((e.code, e.exit), ("vault_busy", Exit::Failure));
}

#[test]
fn a_bad_config_file_is_a_usage_error_naming_the_file() {
    let e = UserError::from(ConfigError {
        label: "/etc/graphmail.toml".into(),
        line: Some(3),
        key: Some("theme".into()),
        problem: "theme = 3 is not a name".into(),
    });
    assert_eq!((e.code, e.exit), ("bad_config", Exit::Usage));
    assert_eq!(
        e.message,
        "/etc/graphmail.toml, line 3: theme = 3 is not a name"
    );
    assert!(
        e.fix
            .as_deref()
            .is_some_and(|f| f.starts_with("edit /etc/graphmail.toml"))
    );
}

#[test]
fn the_json_shape_holds_code_message_fix_and_the_extra_fields() {
    let e = UserError::failure("vault_busy", "the vault is busy")
        .with_fix("wait")
        .with_json_fields(json!({"event": "error"}));
    assert_eq!(
        e.to_json(),
        json!({"event": "error", "error": {"code": "vault_busy", "message": "the vault is busy", "fix": "wait"}})
    );
    let bare = UserError::usage("no name");
    assert_eq!(
        bare.to_json(),
        json!({"error": {"code": "usage", "message": "no name"}})
    );
}

#[test]
fn the_human_shape_is_the_sentence_then_the_fix_each_on_one_line() {
    let e = UserError::usage("no connector 'a\nfix: rm -rf'").with_fix("list them");
    assert_eq!(
        e.human(),
        "error: no connector 'a fix: rm -rf'\n  fix: list them"
    );
    assert_eq!(UserError::usage("no name").human(), "error: no name");
}

#[test]
fn the_app_sentence_has_a_capital_and_a_full_stop() {
    assert_eq!(
        UserError::failure("network", "cannot reach the identity platform").sentence(),
        "Cannot reach the identity platform."
    );
    assert_eq!(UserError::failure("x", "Done.").sentence(), "Done.");
}
