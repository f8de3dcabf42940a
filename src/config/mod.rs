//! The config file: `config.toml` in the config folder (default connector, theme, keymap file,
//! log level, vault path).
//!
//! [`parse`] and [`Config::resolve`] are pure, so every message is unit-tested; [`locate`] and
//! [`load`] are the only functions that look at the environment or read the file.
//! Precedence everywhere: command-line flag > environment variable > this file > built-in default.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The file's name inside the config folder.
pub const FILE_NAME: &str = "config.toml";

/// Every key the file may hold, in the order `config show` lists them.
pub const KEYS: [&str; 5] = ["default_connector", "theme", "keymap", "log_level", "vault"];

/// The tracing levels `log_level` accepts (`off` silences the log).
const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// Values longer than this are shortened in messages.
const SHOWN_MAX: usize = 60;

/// How the terminal app uses colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    /// Colour unless `NO_COLOR` is set.
    #[default]
    Auto,
    Color,
    NoColor,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Color => "color",
            Theme::NoColor => "no-color",
        }
    }

    fn from_name(name: &str) -> Option<Theme> {
        match name {
            "auto" => Some(Theme::Auto),
            "color" => Some(Theme::Color),
            "no-color" => Some(Theme::NoColor),
            _ => None,
        }
    }

    /// Whether to draw without colour. An explicit theme overrides `NO_COLOR`, as no-color.org
    /// asks of user-level configuration.
    pub fn no_color(self, no_color_env: bool) -> bool {
        match self {
            Theme::Auto => no_color_env,
            Theme::Color => false,
            Theme::NoColor => true,
        }
    }
}

/// Where an effective setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

/// One value from the file and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub line: usize,
}

/// The settings the file holds; a key left out is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// How messages name the file (`~/.config/graphmail/config.toml`); empty without a file.
    pub label: String,
    pub default_connector: Option<Setting<String>>,
    pub theme: Option<Setting<Theme>>,
    /// As written by [`parse`]; absolute after [`Config::resolve`].
    pub keymap: Option<Setting<PathBuf>>,
    pub log_level: Option<Setting<String>>,
    /// As written by [`parse`]; absolute after [`Config::resolve`].
    pub vault: Option<Setting<PathBuf>>,
    /// The `[relay]` section (`graphmail relay`, `graphmail sendmail`).
    pub relay: Option<Setting<crate::relay::RelaySettings>>,
}

/// A config file that cannot be used: which file, which line, which key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub label: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    /// The sentence after "FILE, line N: ".
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}: {}", self.label, self.problem),
            None => write!(f, "{}: {}", self.label, self.problem),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A config file that cannot be used, as a usage error that says where to fix it.
impl From<ConfigError> for crate::error::UserError {
    fn from(err: ConfigError) -> Self {
        let fix = format!(
            "edit {} (`graphmail config show` checks it again), or point GRAPHMAIL_CONFIG at another file",
            err.label
        );
        Self::new(crate::error::Exit::Usage, "bad_config", err.to_string()).with_fix(fix)
    }
}

/// The file as serde sees it: unknown keys are refused, values are checked by hand so each
/// message can name the key and show the value as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    default_connector: Option<Spanned<toml::Value>>,
    theme: Option<Spanned<toml::Value>>,
    keymap: Option<Spanned<toml::Value>>,
    log_level: Option<Spanned<toml::Value>>,
    vault: Option<Spanned<toml::Value>>,
    relay: Option<Spanned<toml::Value>>,
}

/// Parses and checks the text of a config file. `label` names the file in messages.
pub fn parse(text: &str, label: &str) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(text, label, &e))?;
    let check = Checker { text, label };
    Ok(Config {
        label: label.to_string(),
        default_connector: raw
            .default_connector
            .map(|v| check.connector_name(&v))
            .transpose()?,
        theme: raw.theme.map(|v| check.theme(&v)).transpose()?,
        keymap: raw.keymap.map(|v| check.path("keymap", &v)).transpose()?,
        log_level: raw.log_level.map(|v| check.log_level(&v)).transpose()?,
        vault: raw.vault.map(|v| check.path("vault", &v)).transpose()?,
        relay: raw.relay.map(|v| check.relay(&v)).transpose()?,
    })
}

impl Config {
    /// Makes the file's paths absolute: `~/` is `home`, a relative path is relative to `base`
    /// (the file's folder), as in most tools' config files.
    pub fn resolve(mut self, home: Option<&Path>, base: &Path) -> Result<Config, ConfigError> {
        for (key, setting) in [("keymap", &mut self.keymap), ("vault", &mut self.vault)] {
            let Some(setting) = setting else { continue };
            setting.value = expand(&setting.value, home, base).map_err(|problem| ConfigError {
                label: self.label.clone(),
                line: Some(setting.line),
                key: Some(key.to_string()),
                problem: format!("{key} = {problem}"),
            })?;
        }
        Ok(self)
    }

    /// The file's theme, else the default (`auto`).
    pub fn theme(&self) -> Theme {
        self.theme.as_ref().map(|t| t.value).unwrap_or_default()
    }

    /// Whether to draw without colour: the file's theme, with `NO_COLOR` for `auto`.
    pub fn no_color(&self) -> bool {
        self.theme().no_color(no_color_env())
    }

    /// Where messages about a setting point: "~/.config/graphmail/config.toml, line 3".
    pub fn place<T>(&self, setting: &Setting<T>) -> String {
        format!("{}, line {}", self.label, setting.line)
    }
}

/// `~/x` → `home/x`, `x` → `base/x`; an absolute path stays as it is.
fn expand(path: &Path, home: Option<&Path>, base: &Path) -> Result<PathBuf, String> {
    let shown = format!("{:?}", path.display().to_string());
    if let Ok(rest) = path.strip_prefix("~") {
        let Some(home) = home.filter(|h| !h.as_os_str().is_empty()) else {
            return Err(format!(
                "{shown} starts with ~ but HOME is not set; write the full path"
            ));
        };
        return Ok(home.join(rest));
    }
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(base.join(path))
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// What a value looks like in the file, on one line and not too long.
fn as_written(text: &str, span: std::ops::Range<usize>) -> String {
    let written = text.get(span).unwrap_or("").trim();
    let first = written.lines().next().unwrap_or("");
    if first.chars().count() > SHOWN_MAX || first.len() < written.len() {
        let short: String = first.chars().take(SHOWN_MAX).collect();
        format!("{short}…")
    } else {
        first.to_string()
    }
}

/// "a, b, c or d"
fn one_of(items: &[&str]) -> String {
    joined(items, "or")
}

/// "a, b, c and d" (or with another last word).
fn joined(items: &[&str], last_word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} {last_word} {last}", init.join(", ")),
    }
}

/// Turns a TOML syntax error or an unknown key into a message with the line.
fn toml_error(text: &str, label: &str, err: &toml::de::Error) -> ConfigError {
    let line = err.span().map(|s| line_of(text, s.start));
    let message = err.message().trim();
    // serde's wording: "unknown field `colour`, expected one of …".
    if let Some(key) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(key, _)| key)
    {
        return ConfigError {
            label: label.to_string(),
            line,
            key: Some(key.to_string()),
            problem: format!(
                "`{key}` is not a setting; the known keys are {}",
                joined(&KEYS, "and")
            ),
        };
    }
    if message.starts_with("duplicate key") {
        let key = err.span().map(|s| as_written(text, s)).unwrap_or_default();
        return ConfigError {
            label: label.to_string(),
            line,
            key: Some(key.trim_matches(['"', '\'']).to_string()).filter(|k| !k.is_empty()),
            problem: format!("{key} is set a second time here; keep one of the two lines"),
        };
    }
    let near = err
        .span()
        .map(|s| as_written(text, s))
        .filter(|w| !w.is_empty())
        .map(|w| format!(" (at `{w}`)"))
        .unwrap_or_default();
    ConfigError {
        label: label.to_string(),
        line,
        key: None,
        problem: format!(
            "this is not valid TOML: {message}{near}; write each setting as key = \"value\""
        ),
    }
}

struct Checker<'a> {
    text: &'a str,
    label: &'a str,
}

impl Checker<'_> {
    fn error(&self, key: &str, value: &Spanned<toml::Value>, problem: &str) -> ConfigError {
        ConfigError {
            label: self.label.to_string(),
            line: Some(line_of(self.text, value.span().start)),
            key: Some(key.to_string()),
            problem: format!("{key} = {} {problem}", as_written(self.text, value.span())),
        }
    }

    /// The value when it is a string; otherwise "KEY = VALUE is not WHAT; FIX, in quotes".
    fn string<'v>(
        &self,
        key: &str,
        value: &'v Spanned<toml::Value>,
        what: &str,
        fix: &str,
    ) -> Result<&'v str, ConfigError> {
        match value.get_ref() {
            toml::Value::String(s) => Ok(s),
            // `[vault]` or `theme.x = …` make the key a table.
            toml::Value::Table(_) => Err(ConfigError {
                label: self.label.to_string(),
                line: Some(line_of(self.text, value.span().start)),
                key: Some(key.to_string()),
                problem: format!(
                    "{key} is a table here, but it takes one value; write {key} = \"…\" above any [section]"
                ),
            }),
            _ => Err(self.error(key, value, &format!("is not {what}; {fix}"))),
        }
    }

    /// The `[relay]` table, checked as a whole; a problem names the section's line.
    fn relay(
        &self,
        value: &Spanned<toml::Value>,
    ) -> Result<Setting<crate::relay::RelaySettings>, ConfigError> {
        let problem = |p: String| ConfigError {
            label: self.label.to_string(),
            line: Some(line_of(self.text, value.span().start)),
            key: Some("relay".to_string()),
            problem: format!("[relay]: {p}"),
        };
        let settings: crate::relay::RelaySettings = value
            .get_ref()
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| problem(e.message().to_string()))?;
        settings.check().map_err(problem)?;
        Ok(self.setting(value, settings))
    }

    fn setting<T>(&self, value: &Spanned<toml::Value>, inner: T) -> Setting<T> {
        Setting {
            value: inner,
            line: line_of(self.text, value.span().start),
        }
    }

    fn connector_name(&self, v: &Spanned<toml::Value>) -> Result<Setting<String>, ConfigError> {
        let key = "default_connector";
        let name = self.string(key, v, "a connector name", "write it in quotes")?;
        crate::domain::validate::validate_name(name).map_err(|e| {
            let why = e.message.strip_prefix("name: ").unwrap_or(&e.message);
            self.error(key, v, &format!("is not a connector name: {why}"))
        })?;
        Ok(self.setting(v, name.to_string()))
    }

    fn theme(&self, v: &Spanned<toml::Value>) -> Result<Setting<Theme>, ConfigError> {
        let choices = "use auto, color or no-color";
        let name = self.string("theme", v, "a theme", &format!("{choices}, in quotes"))?;
        let theme = Theme::from_name(name)
            .ok_or_else(|| self.error("theme", v, &format!("is not a theme; {choices}")))?;
        Ok(self.setting(v, theme))
    }

    fn log_level(&self, v: &Spanned<toml::Value>) -> Result<Setting<String>, ConfigError> {
        let key = "log_level";
        let fix = format!(
            "use {}, or a filter such as \"graphmail=debug,warn\"",
            one_of(&LEVELS[1..])
        );
        let level = self.string(key, v, "a log level", &format!("{fix}, in quotes"))?;
        if !is_filter(level) {
            return Err(self.error(key, v, &format!("is not a log level; {fix}")));
        }
        Ok(self.setting(v, level.to_string()))
    }

    fn path(&self, key: &str, v: &Spanned<toml::Value>) -> Result<Setting<PathBuf>, ConfigError> {
        let path = self.string(key, v, "a path", "write it in quotes")?;
        if path.trim().is_empty() {
            return Err(self.error(key, v, "is empty; give a path, or remove the line"));
        }
        if path.starts_with('~') && !(path == "~" || path.starts_with("~/")) {
            return Err(self.error(
                key,
                v,
                "uses ~user, which graphmail does not expand; write the full path or ~/…",
            ));
        }
        if path.contains('\0') {
            return Err(self.error(key, v, "contains a NUL character; write a plain path"));
        }
        Ok(self.setting(v, PathBuf::from(path)))
    }
}

/// A tracing level, or comma-separated `target=level` directives with an optional bare level:
/// stricter than `EnvFilter`, which would read a misspelt level as a target name.
fn is_filter(text: &str) -> bool {
    let is_level = |s: &str| LEVELS.iter().any(|l| l.eq_ignore_ascii_case(s));
    let is_target = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
    };
    !text.trim().is_empty()
        && text
            .split(',')
            .map(str::trim)
            .all(|part| match part.split_once('=') {
                Some((target, level)) => is_target(target.trim()) && is_level(level.trim()),
                None => is_level(part),
            })
}

// ---- the part that looks at the environment and the disk ----

/// Where the config file is looked for, and what chose that place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// `None` when neither variable is set and the platform has no config folder.
    pub path: Option<PathBuf>,
    /// `GRAPHMAIL_CONFIG`, `GRAPHMAIL_CONFIG_DIR`, or `None` for the platform folder.
    pub env: Option<&'static str>,
}

impl Location {
    /// How messages name the file: with `~` for the home folder.
    pub fn label(&self) -> String {
        match &self.path {
            Some(path) => home_label(path),
            None => "the config file".to_string(),
        }
    }
}

/// A variable's value, with an empty one counted as unset.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The config folder: `GRAPHMAIL_CONFIG_DIR`, or the platform's (`~/.config/graphmail`).
pub fn config_dir() -> Option<PathBuf> {
    env_path("GRAPHMAIL_CONFIG_DIR").or_else(|| {
        directories::ProjectDirs::from("", "", "graphmail").map(|d| d.config_dir().to_path_buf())
    })
}

/// `NO_COLOR` is set (to anything but the empty string).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The user keymap file: the config file's `keymap`, else `keymap.toml` in [`config_dir`].
pub fn keymap_file(config: &Config) -> Option<PathBuf> {
    match &config.keymap {
        Some(k) => Some(k.value.clone()),
        None => config_dir().map(|d| d.join("keymap.toml")),
    }
}

/// `GRAPHMAIL_CONFIG` (a file), else `config.toml` in [`config_dir`].
pub fn locate() -> Location {
    if let Some(file) = env_path("GRAPHMAIL_CONFIG") {
        return Location {
            path: Some(file),
            env: Some("GRAPHMAIL_CONFIG"),
        };
    }
    let env = env_path("GRAPHMAIL_CONFIG_DIR").map(|_| "GRAPHMAIL_CONFIG_DIR");
    Location {
        path: config_dir().map(|d| d.join(FILE_NAME)),
        env,
    }
}

/// Reads and checks the file. A missing file (or no config folder) means the defaults.
pub fn load(location: &Location) -> Result<Config, ConfigError> {
    let Some(path) = &location.path else {
        return Ok(Config::default());
    };
    let label = location.label();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            let problem = if e.kind() == std::io::ErrorKind::InvalidData {
                "is not UTF-8 text; save it as UTF-8".to_string()
            } else {
                format!(
                    "cannot be read ({e}); fix its permissions, or remove it to use the defaults"
                )
            };
            return Err(ConfigError {
                label,
                line: None,
                key: None,
                problem,
            });
        }
    };
    let base = path.parent().unwrap_or(Path::new(""));
    parse(&text, &label)?.resolve(env_path("HOME").as_deref(), base)
}

/// Where attachments are saved unless told otherwise: the XDG download folder
/// (`XDG_DOWNLOAD_DIR` of `~/.config/user-dirs.dirs`), else the home folder, else the working
/// folder; always absolute.
pub fn download_dir() -> PathBuf {
    let dirs = directories::UserDirs::new();
    let dir = dirs
        .as_ref()
        .and_then(|d| d.download_dir().map(Path::to_path_buf))
        .or_else(|| dirs.as_ref().map(|d| d.home_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."));
    std::path::absolute(&dir).unwrap_or(dir)
}

/// A path with the home folder shown as `~`.
pub fn home_label(path: &Path) -> String {
    let shown = path.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && home != "/" && shown.starts_with(&home) => {
            match &shown[home.len()..] {
                rest if rest.is_empty() || rest.starts_with('/') => format!("~{rest}"),
                _ => shown,
            }
        }
        _ => shown,
    }
}

#[cfg(test)]
mod tests;
