//! One error type for every command: a sentence, a fix, a stable code and an exit status.

use serde_json::json;

use crate::vault::VaultError;

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
}

#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    /// Stable, machine-readable (`--json` prints it as `error.code`).
    pub code: &'static str,
    pub message: String,
    pub fix: Option<String>,
    /// More fields of the `--json` error object, beside `error`: a command that prints a
    /// stream of events ends it with this object (`"event": "error"`, with details).
    pub json_fields: serde_json::Map<String, serde_json::Value>,
}

impl CliError {
    pub fn new(exit: Exit, code: &'static str, message: impl Into<String>) -> Self {
        CliError {
            exit,
            code,
            message: message.into(),
            fix: None,
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

    /// Adds the fields of the object `fields` to the `--json` error (see `json_fields`).
    pub fn with_json_fields(mut self, fields: serde_json::Value) -> Self {
        if let serde_json::Value::Object(fields) = fields {
            self.json_fields.extend(fields);
        }
        self
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

    /// The text printed on stderr: the sentence, then the fix.
    pub fn human(&self) -> String {
        match &self.fix {
            Some(fix) => format!("error: {}\n  fix: {}", self.message, fix),
            None => format!("error: {}", self.message),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<VaultError> for CliError {
    fn from(e: VaultError) -> Self {
        let message = e.to_string();
        match e {
            VaultError::NotFound { .. } => CliError::failure("vault_not_found", message)
                .with_fix("create one with `graphmail vault init`, or point --vault / GRAPHMAIL_VAULT at it"),
            VaultError::AlreadyExists { .. } => CliError::failure("vault_exists", message)
                .with_fix("use it as it is, or choose another path with --vault"),
            VaultError::WrongPassphrase => CliError::new(Exit::Locked, "wrong_passphrase", message)
                .with_fix("try again; check --passphrase-file / GRAPHMAIL_PASSPHRASE_FILE"),
            VaultError::WrongIdentityPassphrase { .. } => CliError::new(Exit::Locked, "wrong_identity_passphrase", message)
                .with_fix("try again with the passphrase of that key file (not the vault passphrase)"),
            VaultError::NoMatchingIdentity => CliError::new(Exit::Locked, "no_matching_identity", message)
                .with_fix("use an identity whose public key is a vault recipient (`graphmail vault recipients list`)"),
            VaultError::NoPassphrase { .. } => CliError::new(Exit::Locked, "vault_no_passphrase", message)
                .with_fix("unlock it with --identity FILE (or GRAPHMAIL_IDENTITY) naming the private key of a recipient"),
            VaultError::IdentityUnusable { .. } => CliError::new(Exit::Locked, "identity_unusable", message)
                .with_fix("give --identity an age identity file or an OpenSSH ed25519 or rsa private key"),
            VaultError::IdentityPassphraseNeeded { .. } => CliError::new(Exit::Locked, "identity_passphrase_needed", message)
                .with_fix("run the command on a terminal, use a key without a passphrase, or unlock with --passphrase-file"),
            VaultError::Corrupt { ref path, .. } => {
                let fix = format!(
                    "restore the previous version from {}.bak, or a backup of your own",
                    path.display()
                );
                CliError::failure("vault_corrupt", message).with_fix(fix)
            }
            VaultError::NewerSchema { .. } => CliError::failure("vault_newer_schema", message)
                .with_fix("upgrade graphmail to open this vault"),
            VaultError::InsecurePermissions { ref path, .. } => {
                let fix = format!("chmod 600 {0} and chmod 700 on its folder", path.display());
                CliError::failure("vault_insecure", message).with_fix(fix)
            }
            VaultError::Busy => CliError::failure("vault_busy", message)
                .with_fix("wait for the other graphmail process to finish, then try again"),
            VaultError::Invalid(_) => CliError::failure("vault_invalid", message),
            VaultError::Io { .. } => CliError::failure("io", message),
        }
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
