//! The config file through the real binary: `config path|show`, bad values, and the settings
//! reaching other commands (flag > environment > file > default).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::vault::{graphmail, write_private};
use serde_json::Value;

use crate::support::signin::Out;

const CLIENT: &str = "c2a15992-f9b8-42f5-a434-e52adae08363";

/// A home, a config folder and a log folder in a temp dir, and nothing from the caller's
/// environment that could change what graphmail reads.
struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            tmp: tempfile::tempdir().expect("temp dir"),
        };
        for dir in ["home", "cfg", "logs", "inputs"] {
            std::fs::create_dir(env.path(dir)).unwrap();
        }
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn config_file(&self) -> PathBuf {
        self.path("cfg").join("config.toml")
    }

    fn write_config(&self, text: &str) {
        std::fs::write(self.config_file(), text).unwrap();
    }

    fn passphrase(&self) -> PathBuf {
        let file = self.path("inputs").join("passphrase");
        write_private(&file, "correct horse battery staple\n");
        file
    }

    /// The isolated binary (logs in `logs/`), with this home and config folder.
    fn command(&self) -> Command {
        let mut cmd = graphmail(self.tmp.path());
        for var in [
            "GRAPHMAIL_LOG",
            "NO_COLOR",
            "XDG_CONFIG_HOME",
            "XDG_DATA_HOME",
            "XDG_STATE_HOME",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.path("home"))
            .env("GRAPHMAIL_CONFIG_DIR", self.path("cfg"));
        cmd
    }

    fn run_cmd(mut cmd: Command) -> Out {
        let (code, stdout, stderr) = crate::support::vault::run(&mut cmd);
        Out {
            code,
            stdout,
            stderr,
        }
    }

    fn run(&self, args: &[&str]) -> Out {
        let mut cmd = self.command();
        cmd.args(args);
        Self::run_cmd(cmd)
    }

    fn run_env(&self, vars: &[(&str, &str)], args: &[&str]) -> Out {
        let mut cmd = self.command();
        cmd.envs(vars.iter().copied()).args(args);
        Self::run_cmd(cmd)
    }

    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        out
    }

    fn show(&self, vars: &[(&str, &str)], args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["config", "show", "--json"]);
        let out = self.run_env(vars, &all);
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        out.json()["settings"].clone()
    }

    /// A vault (at the config file's `vault`, so no --vault) holding never-signed-in
    /// device-code connectors: using one stops at "not signed in" before any network.
    fn vault_with(&self, names: &[&str]) -> PathBuf {
        let pass = self.passphrase();
        let pass = path(&pass);
        self.ok(&["--passphrase-file", pass, "vault", "init"]);
        for name in names {
            self.ok(&[
                "--passphrase-file",
                pass,
                "connector",
                "add",
                name,
                "--tenant",
                "contoso.onmicrosoft.com",
                "--client-id",
                CLIENT,
                "--grant",
                "device-code",
            ]);
        }
        self.passphrase()
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

#[test]
fn config_path_prints_the_file_whether_or_not_it_exists() {
    let env = Env::new();
    let out = env.ok(&["config", "path"]);
    assert_eq!(out.stdout.trim(), path(&env.config_file()));
    crate::support::mail::assert_contains(&out.stderr, "does not exist");
    let json = env.ok(&["config", "path", "--json"]).json();
    assert_eq!(json["path"], path(&env.config_file()));
    assert_eq!(json["exists"], false);
    assert_eq!(json["source"], "env");
    assert_eq!(json["env"], "GRAPHMAIL_CONFIG_DIR");

    env.write_config("theme = \"color\"\n");
    let out = env.ok(&["config", "path"]);
    assert_eq!(out.stdout.trim(), path(&env.config_file()));
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert_eq!(env.ok(&["config", "path", "--json"]).json()["exists"], true);

    // GRAPHMAIL_CONFIG names a file directly and wins over the folder.
    let other = env.path("inputs").join("other.toml");
    std::fs::write(&other, "theme = \"no-color\"\n").unwrap();
    let vars = [("GRAPHMAIL_CONFIG", path(&other))];
    let out = env.run_env(&vars, &["config", "path"]);
    assert_eq!(out.stdout.trim(), path(&other));
    assert_eq!(env.show(&vars, &[])["theme"]["value"], "no-color");
}

#[test]
fn config_show_reports_each_file_value_and_where_it_came_from() {
    let env = Env::new();
    let defaults = env.show(&[], &[]);
    for key in ["default_connector", "theme", "keymap", "log_level", "vault"] {
        assert_eq!(defaults[key]["source"], "default", "{key}: {defaults}");
    }
    assert_eq!(defaults["default_connector"]["value"], Value::Null);
    assert_eq!(defaults["theme"]["value"], "auto");
    assert_eq!(defaults["log_level"]["value"], "info");
    let keymap = env.path("cfg").join("keymap.toml");
    assert_eq!(defaults["keymap"]["value"], path(&keymap));

    env.write_config(
        "# graphmail settings\ndefault_connector = \"ops-mailbox\"\ntheme = \"no-color\"\nkeymap = \"keys.toml\"\nlog_level = \"debug\"\nvault = \"~/vaults/ops.age\"\n",
    );
    let s = env.show(&[], &[]);
    let expect = [
        ("default_connector", "ops-mailbox".to_string(), 2),
        ("theme", "no-color".to_string(), 3),
        (
            "keymap",
            path(&env.path("cfg").join("keys.toml")).to_string(),
            4,
        ),
        ("log_level", "debug".to_string(), 5),
        (
            "vault",
            path(&env.path("home").join("vaults/ops.age")).to_string(),
            6,
        ),
    ];
    for (key, value, line) in expect {
        assert_eq!(s[key]["value"], value.as_str(), "{key}: {s}");
        assert_eq!(s[key]["source"], "file", "{key}: {s}");
        assert_eq!(s[key]["line"], line, "{key}: {s}");
    }
    assert_eq!(s["theme"]["no_color"], true);
    assert_eq!(s["keymap"]["exists"], false);

    // The environment wins over the file.
    let s = env.show(&[("GRAPHMAIL_LOG", "warn")], &[]);
    assert_eq!(s["log_level"]["value"], "warn");
    assert_eq!(s["log_level"]["source"], "env");

    let human = env.ok(&["config", "show"]).stdout;
    assert!(human.contains(path(&env.config_file())), "{human}");
    assert!(
        human.lines().any(|l| l.starts_with("theme")
            && l.contains("no-color")
            && l.contains("file, line 3")),
        "{human}"
    );
}

#[test]
fn theme_auto_follows_no_color_and_an_explicit_theme_overrides_it() {
    let env = Env::new();
    let s = env.show(&[("NO_COLOR", "1")], &[]);
    assert_eq!(s["theme"]["value"], "auto");
    assert_eq!(s["theme"]["no_color"], true);
    assert_eq!(env.show(&[], &[])["theme"]["no_color"], false);
    env.write_config("theme = \"color\"\n");
    assert_eq!(
        env.show(&[("NO_COLOR", "1")], &[])["theme"]["no_color"],
        false
    );
}

#[test]
fn a_bad_value_stops_commands_with_exit_2_naming_the_key_and_the_line() {
    let env = Env::new();
    env.write_config("default_connector = \"ops\"\n\ntheme = \"neon\"\n");
    let wanted =
        "config.toml, line 3: theme = \"neon\" is not a theme; use auto, color or no-color";
    for args in [
        &["config", "show"][..],
        &["connector", "list"],
        &["vault", "init"],
        &["token"],
    ] {
        let out = env.run(args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(wanted), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
    let out = env.run(&["--json", "connector", "list"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.json()["error"]["code"], "bad_config");
    assert!(
        out.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains(wanted)
    );
    // The vault was not created by the refused `vault init`.
    assert!(!env.path("home").join(".local").exists());

    // What helps to fix the file still works.
    let out = env.ok(&["config", "path"]);
    assert_eq!(out.stdout.trim(), path(&env.config_file()));
    crate::support::mail::assert_contains(&out.stderr, "line 3");
    assert!(
        env.ok(&["config", "path", "--json"]).json()["problem"]
            .as_str()
            .unwrap()
            .contains(wanted)
    );
    for args in [
        &["completions", "bash"][..],
        &["man"],
        &["--help"],
        &["--version"],
        &["config", "--help"],
    ] {
        env.ok(args);
    }

    env.write_config("theme = \"auto\"\ncolour = \"no\"\n");
    let out = env.run(&["config", "show"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "config.toml, line 2: `colour` is not a setting; the known keys are default_connector, theme, keymap, log_level and vault"
        ),
        "{}",
        out.stderr
    );

    env.write_config("log_level = \"loud\"\n");
    let out = env.run(&["connector", "list"]);
    assert_eq!(out.code, 2);
    crate::support::mail::assert_contains(
        &out.stderr,
        "line 1: log_level = \"loud\" is not a log level",
    );
}

#[test]
fn the_files_vault_is_used_unless_a_flag_or_the_environment_names_another() {
    let env = Env::new();
    let file_vault = env.path("home").join("vaults/ops.age");
    env.write_config("vault = \"~/vaults/ops.age\"\n");
    let pass = env.vault_with(&["mail"]);
    assert!(
        file_vault.exists(),
        "vault init did not use the file's vault"
    );
    let pass = path(&pass);

    let out = env.ok(&["--passphrase-file", pass, "--json", "connector", "list"]);
    assert_eq!(out.json()[0]["name"], "mail");

    // --vault wins over the file: that vault does not exist.
    let elsewhere = env.path("inputs").join("elsewhere.age");
    let out = env.run(&[
        "--passphrase-file",
        pass,
        "connector",
        "list",
        "--vault",
        path(&elsewhere),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains(path(&elsewhere)), "{}", out.stderr);

    let s = env.show(&[], &["--vault", path(&elsewhere)]);
    assert_eq!(s["vault"]["value"], path(&elsewhere));
    assert_eq!(s["vault"]["source"], "flag");
    let vars = [("GRAPHMAIL_VAULT", path(&elsewhere))];
    let s = env.show(&vars, &[]);
    assert_eq!(s["vault"]["source"], "env");
    let other = env.path("inputs").join("flag.age");
    let s = env.show(&vars, &["--vault", path(&other)]);
    assert_eq!(s["vault"]["value"], path(&other));
    assert_eq!(s["vault"]["source"], "flag");
    let s = env.show(&[], &[]);
    assert_eq!(s["vault"]["value"], path(&file_vault));
    assert_eq!(s["vault"]["source"], "file");

    // A missing vault named by the file says where the name came from.
    env.write_config("\nvault = \"~/nowhere.age\"\n");
    let out = env.run(&["--passphrase-file", pass, "connector", "list"]);
    assert_eq!(out.code, 1);
    crate::support::mail::assert_contains_all(&out.stderr, &["(vault in ", "config.toml, line 2)"]);
}

#[test]
fn default_connector_picks_the_connector_when_none_is_named() {
    let env = Env::new();
    env.write_config("vault = \"vault.age\"\n");
    let pass = env.vault_with(&["first", "second"]);
    let pass = path(&pass);

    // Without a default, two connectors need a name.
    let out = env.run(&["--passphrase-file", pass, "mail", "folders"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    crate::support::mail::assert_contains(&out.stderr, "several connectors");
    let out = env.run(&["--passphrase-file", pass, "token"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    crate::support::mail::assert_contains(&out.stderr, "default_connector");

    // The default is used; neither connector is signed in, so nothing goes out.
    env.write_config("vault = \"vault.age\"\ndefault_connector = \"second\"\n");
    for args in [&["mail", "folders"][..], &["token"]] {
        let mut all = vec!["--passphrase-file", pass];
        all.extend(args);
        let out = env.run(&all);
        assert_eq!(out.code, 4, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("connector 'second' is not signed in"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // A name on the command line wins over the default.
    let out = env.run(&["--passphrase-file", pass, "mail", "folders", "-c", "first"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    crate::support::mail::assert_contains(&out.stderr, "'first'");
    let out = env.run(&["--passphrase-file", pass, "token", "first"]);
    crate::support::mail::assert_contains(&out.stderr, "'first'");

    // A default that names no connector says it came from the file, and on which line.
    env.write_config("vault = \"vault.age\"\ndefault_connector = \"ghost\"\n");
    for args in [&["mail", "folders"][..], &["token"]] {
        let mut all = vec!["--passphrase-file", pass];
        all.extend(args);
        let out = env.run(&all);
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("'ghost'")
                && out.stderr.contains("default_connector in ")
                && out.stderr.contains("config.toml, line 2"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn log_level_from_the_file_filters_the_log_unless_graphmail_log_is_set() {
    let env = Env::new();
    let log = env.path("logs").join("graphmail.log");
    let logged = || std::fs::read_to_string(&log).unwrap_or_default();
    // A failing command logs a warning: with log_level = "error" it is left out.
    env.write_config("log_level = \"error\"\n");
    assert_eq!(env.run(&["connector", "list"]).code, 1);
    assert!(!logged().contains("command failed"), "{}", logged());
    let out = env.run_env(&[("GRAPHMAIL_LOG", "warn")], &["connector", "list"]);
    assert_eq!(out.code, 1);
    assert!(logged().contains("command failed"), "{}", logged());
}
