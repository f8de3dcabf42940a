use std::path::{Path, PathBuf};

use super::*;

const LABEL: &str = "~/.config/graphmail/config.toml";

fn err(text: &str) -> ConfigError {
    match parse(text, LABEL) {
        Ok(c) => panic!("accepted {text:?}: {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn an_empty_file_means_the_defaults() {
    let c = parse("", LABEL).unwrap();
    assert_eq!(
        c,
        Config {
            label: LABEL.into(),
            ..Config::default()
        }
    );
    let c = parse("# only a comment\n\n", LABEL).unwrap();
    assert!(c.theme.is_none() && c.vault.is_none() && c.default_connector.is_none());
}

#[test]
fn every_key_is_read_with_its_line() {
    let text = "# graphmail\n\ndefault_connector = \"ops-mailbox\"\ntheme = \"no-color\"\nkeymap = \"~/keys.toml\"\nlog_level = \"debug\"\n\nvault = '/srv/vault.age'\n";
    let c = parse(text, LABEL).unwrap();
    assert_eq!(
        c.default_connector,
        Some(Setting {
            value: "ops-mailbox".into(),
            line: 3
        })
    );
    assert_eq!(
        c.theme,
        Some(Setting {
            value: Theme::NoColor,
            line: 4
        })
    );
    assert_eq!(
        c.keymap.as_ref().unwrap().value,
        PathBuf::from("~/keys.toml")
    );
    assert_eq!(c.keymap.as_ref().unwrap().line, 5);
    assert_eq!(c.log_level.as_ref().unwrap().value, "debug");
    assert_eq!(c.log_level.as_ref().unwrap().line, 6);
    assert_eq!(
        c.vault.as_ref().unwrap().value,
        PathBuf::from("/srv/vault.age")
    );
    assert_eq!(c.vault.as_ref().unwrap().line, 8);
    assert_eq!(
        c.place(c.vault.as_ref().unwrap()),
        format!("{LABEL}, line 8")
    );
}

#[test]
fn a_bad_theme_names_the_key_the_line_and_the_choices() {
    let e = err("default_connector = \"ops\"\n\ntheme = \"neon\"\n");
    assert_eq!(
        e.to_string(),
        format!("{LABEL}, line 3: theme = \"neon\" is not a theme; use auto, color or no-color")
    );
    assert_eq!(e.key.as_deref(), Some("theme"));
    assert_eq!(e.line, Some(3));
    for theme in ["auto", "color", "no-color"] {
        let c = parse(&format!("theme = \"{theme}\""), LABEL).unwrap();
        assert_eq!(c.theme.unwrap().value.as_str(), theme);
    }
    let e = err("theme = 3");
    assert_eq!(e.line, Some(1));
    assert!(e.problem.starts_with("theme = 3 is not a theme"), "{e}");
    assert!(e.problem.contains("auto, color or no-color"), "{e}");
    assert!(err("theme = \"Color\"").problem.contains("is not a theme"));
}

#[test]
fn the_theme_decides_colour_and_auto_follows_no_color() {
    assert!(!Theme::Auto.no_color(false));
    assert!(Theme::Auto.no_color(true));
    assert!(!Theme::Color.no_color(true));
    assert!(Theme::NoColor.no_color(false));
}

#[test]
fn default_connector_must_be_a_connector_name() {
    let c = parse("default_connector = \"contoso.support_2\"", LABEL).unwrap();
    assert_eq!(c.default_connector.unwrap().value, "contoso.support_2");
    let e = err("\ndefault_connector = \"ops mailbox\"");
    assert_eq!(e.line, Some(2));
    assert_eq!(e.key.as_deref(), Some("default_connector"));
    assert!(
        e.problem
            .starts_with("default_connector = \"ops mailbox\" is not a connector name: ' '"),
        "{e}"
    );
    let e = err("default_connector = \"\"");
    assert!(e.problem.contains("it is empty"), "{e}");
    let e = err("default_connector = true");
    assert_eq!(
        e.problem,
        "default_connector = true is not a connector name; write it in quotes"
    );
}

#[test]
fn log_level_takes_a_level_or_a_strict_filter() {
    for ok in [
        "error",
        "warn",
        "info",
        "debug",
        "trace",
        "off",
        "DEBUG",
        "graphmail=debug,warn",
        "graphmail::auth=trace, reqwest=info",
    ] {
        let c = parse(&format!("log_level = \"{ok}\""), LABEL).unwrap();
        assert_eq!(c.log_level.unwrap().value, ok);
    }
    for bad in [
        "loud",
        "",
        "graphmail=loud",
        "=debug",
        "info,,debug",
        "verbose",
    ] {
        let e = err(&format!("# logs\nlog_level = \"{bad}\""));
        assert_eq!(e.line, Some(2), "{bad}");
        assert_eq!(e.key.as_deref(), Some("log_level"));
        assert!(
            e.problem.starts_with(&format!(
                "log_level = \"{bad}\" is not a log level; use error, warn, info, debug or trace"
            )),
            "{e}"
        );
    }
    assert!(err("log_level = 3").problem.contains("is not a log level"));
}

#[test]
fn paths_must_be_non_empty_strings_without_a_user_name() {
    for key in ["keymap", "vault"] {
        let e = err(&format!("{key} = \"\""));
        assert_eq!(e.key.as_deref(), Some(key));
        assert_eq!(
            e.problem,
            format!("{key} = \"\" is empty; give a path, or remove the line")
        );
        let e = err(&format!("\n\n{key} = \"~bob/x\""));
        assert_eq!(e.line, Some(3));
        assert!(e.problem.contains("~user"), "{e}");
        let e = err(&format!("{key} = ['a']"));
        assert_eq!(
            e.problem,
            format!("{key} = ['a'] is not a path; write it in quotes")
        );
    }
}

#[test]
fn an_unknown_key_is_named_with_its_line_and_the_known_keys() {
    let e = err("theme = \"auto\"\ncolour = \"no\"\n");
    assert_eq!(e.key.as_deref(), Some("colour"));
    assert_eq!(e.line, Some(2));
    assert_eq!(
        e.to_string(),
        format!(
            "{LABEL}, line 2: `colour` is not a setting; the known keys are default_connector, theme, keymap, log_level and vault"
        )
    );
    let e = err("theme = \"auto\"\n\n[vault]\npath = \"x\"\n");
    assert_eq!(e.key.as_deref(), Some("vault"));
    assert_eq!(e.line, Some(3));
    assert!(e.problem.contains("vault is a table here"), "{e}");
    let e = err("[extra]\na = 1\n");
    assert_eq!(e.key.as_deref(), Some("extra"));
    assert_eq!(e.line, Some(1));
}

#[test]
fn a_syntax_error_points_at_its_line() {
    let e = err("theme = \"auto\"\nvault = \n");
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.problem.starts_with("this is not valid TOML"), "{e}");
    assert!(
        e.to_string().starts_with(&format!("{LABEL}, line 2: ")),
        "{e}"
    );
    let e = err("theme = \"auto\"\n\ntheme = \"color\"\n");
    assert_eq!(e.line, Some(3), "{e}");
    assert_eq!(e.key.as_deref(), Some("theme"));
    assert!(e.problem.contains("second time"), "{e}");
    let e = err("vault = \"unterminated\n");
    assert_eq!(e.line, Some(1), "{e}");
}

#[test]
fn a_long_or_multi_line_value_is_shortened_in_messages() {
    let long = "x".repeat(200);
    let e = err(&format!("theme = \"{long}\""));
    assert!(e.problem.len() < 150, "{e}");
    assert!(e.problem.contains('…'));
    let e = err("theme = \"\"\"neon\nblue\"\"\"");
    assert!(!e.problem.contains('\n'), "{e}");
}

#[test]
fn resolve_expands_home_and_reads_relative_paths_from_the_file_folder() {
    let text = "vault = \"~/vaults/ops.age\"\nkeymap = \"keys.toml\"\n";
    let c = parse(text, LABEL)
        .unwrap()
        .resolve(Some(Path::new("/home/ana")), Path::new("/etc/graphmail"))
        .unwrap();
    assert_eq!(
        c.vault.unwrap().value,
        PathBuf::from("/home/ana/vaults/ops.age")
    );
    assert_eq!(
        c.keymap.unwrap().value,
        PathBuf::from("/etc/graphmail/keys.toml")
    );
    let c = parse("vault = \"/srv/v.age\"", LABEL)
        .unwrap()
        .resolve(None, Path::new("/etc"))
        .unwrap();
    assert_eq!(c.vault.unwrap().value, PathBuf::from("/srv/v.age"));
    let e = parse("\nvault = \"~/v.age\"", LABEL)
        .unwrap()
        .resolve(None, Path::new("/etc"))
        .unwrap_err();
    assert_eq!(e.line, Some(2));
    assert_eq!(e.key.as_deref(), Some("vault"));
    assert!(e.problem.contains("HOME is not set"), "{e}");
}

#[test]
fn lines_are_counted_from_byte_offsets() {
    assert_eq!(line_of("a\nb\nc", 0), 1);
    assert_eq!(line_of("a\nb\nc", 2), 2);
    assert_eq!(line_of("a\nb\nc", 4), 3);
    assert_eq!(line_of("a\n", 99), 2);
    assert_eq!(one_of(&["a"]), "a");
    assert_eq!(one_of(&["a", "b", "c"]), "a, b or c");
}
