//! The user-facing error: a sentence, what to do about it, a stable code and an exit status.
//!
//! Every layer's error becomes one of these exactly once, through a `From` impl beside that
//! layer's error type (`vault`, `auth`, `graph`, `config`). The command line prints it (see
//! [`crate::output`]); the terminal app's worker turns it into the screen's error, using the
//! app's own wording of the fix where it differs.

use serde_json::json;

use crate::domain::sanitize;

/// Process exit statuses, the same for every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failure = 1,
    Usage = 2,
    /// The vault is locked: no or wrong passphrase / identity.
    Locked = 3,
    /// A person must sign the connector in (again).
    SignIn = 4,
    /// The connector lacks a permission this action needs.
    NoPermission = 5,
}

/// How the terminal app says "sign in", where the command line names a command. The app puts
/// the key bound now in place of the `{key:…}` marker (`Keymap::fill`).
pub const SIGN_IN_IN_APP: &str = "sign it in from the connector list (press {key:list.sign_in})";
/// How the terminal app says "sign in again".
pub const SIGN_IN_AGAIN_IN_APP: &str =
    "sign it in again from the connector list (press {key:list.sign_in})";
/// How the terminal app says "edit the connector".
pub const EDIT_IN_APP: &str = "select it in the connector list and press {key:list.edit}";

#[derive(Debug)]
pub struct UserError {
    pub exit: Exit,
    /// Stable, machine-readable (`--json` prints it as `error.code`).
    pub code: &'static str,
    pub message: String,
    /// What to do, said for the command line (commands to run, flags to pass).
    pub fix: Option<String>,
    /// What the terminal app says differently (boxed: most errors have nothing here).
    pub app: Option<Box<AppWords>>,
    /// More fields of the `--json` error object, beside `error`: a command that prints a
    /// stream of events ends it with this object (`"event": "error"`, with details).
    pub json_fields: serde_json::Map<String, serde_json::Value>,
}

/// What the terminal app shows beside the message.
#[derive(Debug, Default)]
pub struct AppWords {
    /// What to do, said for the app, when that differs from `fix` (a key instead of a command).
    pub fix: Option<String>,
    /// The service's code and request ids, for support, on a line of their own.
    pub detail: Option<String>,
}

pub type UserResult<T = ()> = Result<T, UserError>;

impl UserError {
    pub fn new(exit: Exit, code: &'static str, message: impl Into<String>) -> Self {
        UserError {
            exit,
            code,
            message: message.into(),
            fix: None,
            app: None,
            json_fields: serde_json::Map::new(),
        }
    }

    pub fn failure(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Exit::Failure, code, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, "usage", message)
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Sets `fix` when there is one.
    pub fn with_optional_fix(mut self, fix: Option<String>) -> Self {
        self.fix = fix;
        self
    }

    /// The fix as the terminal app says it, where it differs from `fix`.
    pub fn with_app_fix(mut self, fix: impl Into<String>) -> Self {
        self.app.get_or_insert_default().fix = Some(fix.into());
        self
    }

    /// The service's code and ids, which the app shows for support.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.app.get_or_insert_default().detail = Some(detail.into());
        self
    }

    /// The fix as the terminal app says it: its own wording, else the command line's.
    pub fn app_fix(&self) -> Option<&str> {
        self.app
            .as_ref()
            .and_then(|a| a.fix.as_deref())
            .or(self.fix.as_deref())
    }

    pub fn detail(&self) -> Option<&str> {
        self.app.as_ref().and_then(|a| a.detail.as_deref())
    }

    /// Adds the fields of the object `fields` to the `--json` error (see `json_fields`).
    pub fn with_json_fields(mut self, fields: serde_json::Value) -> Self {
        if let serde_json::Value::Object(fields) = fields {
            self.json_fields.extend(fields);
        }
        self
    }

    /// Fills the `NAME` placeholder of the fixes with connector `name`.
    pub fn for_connector(mut self, name: &str) -> Self {
        let fill = |f: String| f.replace(" NAME", &format!(" {name}"));
        self.fix = self.fix.map(fill);
        if let Some(app) = self.app.as_mut() {
            app.fix = app.fix.take().map(fill);
        }
        self
    }

    /// The message as one sentence: a capital first letter and a full stop (the app's style).
    pub fn sentence(&self) -> String {
        let text = &self.message;
        let mut out: String = text
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .chain(text.chars().skip(1))
            .collect();
        if !out.ends_with(['.', '!', '?']) {
            out.push('.');
        }
        out
    }

    /// `{"error":{"code":…,"message":…,"fix":…}}`, with the `json_fields`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut err = json!({ "code": self.code, "message": self.message });
        if let Some(fix) = &self.fix {
            err["fix"] = json!(fix);
        }
        let mut out = self.json_fields.clone();
        out.insert("error".into(), err);
        serde_json::Value::Object(out)
    }

    /// The text printed on stderr: the sentence, then the fix, each on one inert line.
    pub fn human(&self) -> String {
        let message = sanitize::line(&self.message);
        match &self.fix {
            Some(fix) => format!("error: {message}\n  fix: {}", sanitize::line(fix)),
            None => format!("error: {message}"),
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests;
