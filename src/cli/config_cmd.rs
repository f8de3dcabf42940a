//! `graphmail config path|show`, and how the config file's settings reach other commands.

use serde_json::{Value, json};

use super::output::print_json;
use super::{CliError, CliResult, ConfigCommand, GlobalArgs};
use crate::config::{Config, ConfigError, Location, Setting, Source};

pub fn run(
    global: &GlobalArgs,
    cmd: &ConfigCommand,
    location: &Location,
    bad: Option<ConfigError>,
) -> CliResult {
    match cmd {
        ConfigCommand::Path => path(global, location, bad.as_ref()),
        ConfigCommand::Show => match bad {
            Some(bad) => Err(bad.into()),
            None => show(global, location),
        },
    }
}

/// Runs `use_connector` with the connector named on the command line, else the config file's
/// `default_connector` (else `None`). When the default names no connector, the error says
/// where the name came from.
pub(super) fn with_connector<T>(
    global: &GlobalArgs,
    name: Option<&str>,
    use_connector: impl FnOnce(Option<&str>) -> CliResult<T>,
) -> CliResult<T> {
    match (name, &global.config.default_connector) {
        (None, Some(default)) => use_connector(Some(&default.value))
            .map_err(|e| blame_default_connector(e, &global.config, default)),
        _ => use_connector(name),
    }
}

fn blame_default_connector(err: CliError, config: &Config, default: &Setting<String>) -> CliError {
    if !matches!(err.code, "connector_not_found" | "no_such_connector") {
        return err;
    }
    let place = config.place(default);
    CliError {
        message: format!("{} (default_connector in {place})", err.message),
        fix: Some(format!(
            "name a connector on the command line, or correct default_connector in {}; `graphmail connector list` shows the connectors",
            config.label
        )),
        ..err
    }
}

/// `graphmail config path`: the file's path on stdout, even when it is missing or bad.
fn path(global: &GlobalArgs, location: &Location, bad: Option<&ConfigError>) -> CliResult {
    let Some(file) = &location.path else {
        return Err(CliError::failure(
            "no_config_dir",
            "graphmail cannot find a config folder on this system",
        )
        .with_fix("set GRAPHMAIL_CONFIG_DIR to a folder, or GRAPHMAIL_CONFIG to a file"));
    };
    if global.json {
        let mut out = file_json(location);
        if let Some(bad) = bad {
            out["problem"] = json!(bad.to_string());
        }
        print_json(&out);
        return Ok(());
    }
    println!("{}", file.display());
    if !file.exists() {
        eprintln!("note: the file does not exist; graphmail uses its built-in defaults");
    } else if let Some(bad) = bad {
        eprintln!("note: the file cannot be used: {bad}");
    }
    Ok(())
}

/// Where the config file is, whether it exists and what chose the place, for `--json`.
fn file_json(location: &Location) -> Value {
    let mut out = json!({
        "path": location.path.as_ref().map(|p| p.display().to_string()),
        "exists": location.path.as_ref().is_some_and(|p| p.exists()),
        "source": if location.env.is_some() { Source::Env } else { Source::Default },
    });
    if let Some(env) = location.env {
        out["env"] = json!(env);
    }
    out
}

/// One effective setting for `config show`.
struct Row {
    key: &'static str,
    value: Option<String>,
    source: Source,
    /// The flag, variable or line behind `source`.
    detail: Option<String>,
    line: Option<usize>,
    /// Extra facts for people and scripts ("exists", "no_color").
    extra: Vec<(&'static str, Value)>,
    note: Option<String>,
}

impl Row {
    fn new(key: &'static str, value: Option<String>, source: Source) -> Row {
        Row {
            key,
            value,
            source,
            detail: None,
            line: None,
            extra: Vec::new(),
            note: None,
        }
    }

    fn from_file<T>(key: &'static str, value: String, setting: &Setting<T>) -> Row {
        Row {
            line: Some(setting.line),
            ..Row::new(key, Some(value), Source::File)
        }
    }

    fn source_text(&self) -> String {
        let what = match self.source {
            Source::Flag => "flag",
            Source::Env => "env",
            Source::File => "file",
            Source::Default => "default",
        };
        match (&self.detail, self.line) {
            (_, Some(line)) => format!("{what}, line {line}"),
            (Some(detail), None) => format!("{what} {detail}"),
            (None, None) => what.to_string(),
        }
    }

    fn to_json(&self) -> Value {
        let mut out = json!({ "value": self.value, "source": self.source });
        if let Some(line) = self.line {
            out["line"] = json!(line);
        }
        match self.source {
            Source::Flag => out["flag"] = json!(self.detail),
            Source::Env => out["env"] = json!(self.detail),
            Source::File | Source::Default => {}
        }
        for (key, value) in &self.extra {
            out[*key] = value.clone();
        }
        out
    }
}

/// The effective settings, in the order of [`crate::config::KEYS`].
fn rows(global: &GlobalArgs) -> Vec<Row> {
    let config = &global.config;
    let connector = match &config.default_connector {
        Some(d) => Row::from_file("default_connector", d.value.clone(), d),
        None => Row {
            note: Some("the vault's only connector, else name one with -c".into()),
            ..Row::new("default_connector", None, Source::Default)
        },
    };

    let theme_value = config.theme();
    let mut theme = match &config.theme {
        Some(t) => Row::from_file("theme", t.value.as_str().into(), t),
        None => Row::new("theme", Some(theme_value.as_str().into()), Source::Default),
    };
    theme.extra.push(("no_color", json!(config.no_color())));
    if theme_value == crate::config::Theme::Auto {
        theme.note = Some(if crate::config::no_color_env() {
            "NO_COLOR is set: no colour".into()
        } else {
            "colour (NO_COLOR is not set)".into()
        });
    }

    let keymap = match crate::config::keymap_file(config) {
        Some(file) => {
            let exists = file.exists();
            let shown = file.display().to_string();
            let mut row = match &config.keymap {
                Some(k) => Row::from_file("keymap", shown, k),
                None => Row::new("keymap", Some(shown), Source::Default),
            };
            row.extra.push(("exists", json!(exists)));
            if !exists {
                row.note = Some(match row.source {
                    Source::File => "missing: the terminal app will refuse to start".into(),
                    _ => "not there: the built-in keys".into(),
                });
            }
            row
        }
        None => Row::new("keymap", None, Source::Default),
    };

    let log_level = match (crate::logging::env_filter(), &config.log_level) {
        (Some(filter), _) => Row {
            detail: Some("GRAPHMAIL_LOG".into()),
            ..Row::new("log_level", Some(filter), Source::Env)
        },
        (None, Some(level)) => Row::from_file("log_level", level.value.clone(), level),
        (None, None) => Row::new(
            "log_level",
            Some(crate::logging::DEFAULT_LEVEL.into()),
            Source::Default,
        ),
    };

    let vault = match (&global.vault, &config.vault) {
        (Some(path), _) => {
            let source = global.vault_source.unwrap_or(Source::Flag);
            let detail = match source {
                Source::Env => "GRAPHMAIL_VAULT",
                _ => "--vault",
            };
            Row {
                detail: Some(detail.into()),
                ..Row::new("vault", Some(path.display().to_string()), source)
            }
        }
        (None, Some(v)) => Row::from_file("vault", v.value.display().to_string(), v),
        (None, None) => Row::new(
            "vault",
            crate::vault::Vault::default_path().map(|p| p.display().to_string()),
            Source::Default,
        ),
    };
    vec![connector, theme, keymap, log_level, vault]
}

/// `graphmail config show`: every setting, its value and where it came from.
fn show(global: &GlobalArgs, location: &Location) -> CliResult {
    let rows = rows(global);
    if global.json {
        let file = file_json(location);
        let settings: serde_json::Map<String, Value> = rows
            .iter()
            .map(|r| (r.key.to_string(), r.to_json()))
            .collect();
        print_json(&json!({ "config_file": file, "settings": settings }));
        return Ok(());
    }
    let file = match &location.path {
        Some(p) if p.exists() => location.label(),
        Some(_) => format!("{} (not there: built-in defaults)", location.label()),
        None => "none (no config folder on this system; set GRAPHMAIL_CONFIG_DIR)".into(),
    };
    let from = location
        .env
        .map(|e| format!(", from {e}"))
        .unwrap_or_default();
    println!("config file: {file}{from}");
    println!();
    let table: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            [
                r.key.to_string(),
                r.value.clone().unwrap_or_else(|| "-".into()),
                r.source_text(),
                r.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let header = ["KEY", "VALUE", "SOURCE", "NOTE"].map(String::from);
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            std::iter::once(&header)
                .chain(&table)
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&table) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        println!("{}", line.trim_end());
    }
    Ok(())
}
