//! `graphmail vault …` and unlocking the vault for every other command.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde_json::json;
use zeroize::Zeroizing;

use super::output::print_json;
use super::{
    CliError, CliResult, Exit, GlobalArgs, RecipientsCommand, VaultCommand, VaultInitArgs,
    VaultPasswdArgs,
};
use crate::vault::{
    InitOptions, RecipientKey, Unlock, Vault, VaultAccess, VaultError, terminal_available,
};

pub fn run(global: &GlobalArgs, cmd: VaultCommand) -> CliResult {
    match cmd {
        VaultCommand::Init(args) => init(global, args),
        VaultCommand::Passwd(args) => passwd(global, args),
        VaultCommand::Recipients(RecipientsCommand::List) => list(global),
        VaultCommand::Recipients(RecipientsCommand::Add { key, file }) => add(global, key, file),
        VaultCommand::Recipients(RecipientsCommand::Remove { key }) => remove(global, &key),
    }
}

/// The vault file named by `--vault` / `GRAPHMAIL_VAULT`, the config file's `vault`, or the
/// default one.
pub(crate) fn vault_path(global: &GlobalArgs) -> CliResult<PathBuf> {
    global
        .vault
        .clone()
        .or_else(|| global.config.vault.as_ref().map(|v| v.value.clone()))
        .or_else(Vault::default_path)
        .ok_or_else(|| {
            CliError::failure(
                "no_vault_path",
                "graphmail cannot find a data folder for the vault on this system",
            )
            .with_fix("give --vault PATH, set GRAPHMAIL_VAULT, or set vault in the config file")
        })
}

/// Opens the vault named by the global options, unlocking it with the passphrase file, the
/// identity, or a prompt on the terminal (in that order).
pub(crate) fn unlock_vault(global: &GlobalArgs) -> CliResult<Vault> {
    let path = vault_path(global)?;
    if !path.exists() {
        let err = CliError::from(VaultError::NotFound { path });
        // Say so when the path came from the config file, which is easy to forget.
        return Err(match (&global.vault, &global.config.vault) {
            (None, Some(v)) => CliError {
                message: format!("{} (vault in {})", err.message, global.config.place(v)),
                fix: Some(
                    "create it with `graphmail vault init`, or correct vault in the config file"
                        .into(),
                ),
                ..err
            },
            _ => err,
        });
    }
    let has_passphrase = Vault::has_passphrase(&path);
    // A passphrase file or an identity given wins over the session agent.
    if global.passphrase_file.is_none()
        && global.identity.is_none()
        && let Some(vault) = super::agent_cmd::open_through_agent(&path)
    {
        return Ok(vault);
    }
    let unlock = match (&global.passphrase_file, &global.identity) {
        (Some(file), _) if has_passphrase => {
            Unlock::Passphrase(read_passphrase_file(file, Exit::Locked)?)
        }
        (_, Some(identity)) => Unlock::IdentityFile(identity.clone()),
        _ if !has_passphrase => return Err(VaultError::NoPassphrase { path }.into()),
        (Some(file), None) => Unlock::Passphrase(read_passphrase_file(file, Exit::Locked)?),
        (None, None) if terminal_available() => {
            Unlock::Passphrase(prompt("Vault passphrase: ", Exit::Locked)?)
        }
        (None, None) => {
            return Err(CliError::new(
                Exit::Locked,
                "vault_locked",
                "the vault is locked and there is no terminal to ask for its passphrase",
            )
            .with_fix(
                "pass --passphrase-file FILE (or set GRAPHMAIL_PASSPHRASE_FILE), or --identity FILE (or GRAPHMAIL_IDENTITY)",
            ));
        }
    };
    Ok(Vault::open(&path, unlock)?)
}

/// The first line of a passphrase file, without its line ending.
pub(super) fn read_passphrase_file(file: &Path, exit: Exit) -> CliResult<SecretString> {
    let text = std::fs::read(file).map(Zeroizing::new).map_err(|e| {
        CliError::new(
            exit,
            "passphrase_file_unreadable",
            format!("cannot read the passphrase file {}: {e}", file.display()),
        )
        .with_fix("check the path given to --passphrase-file / GRAPHMAIL_PASSPHRASE_FILE")
    })?;
    let text = String::from_utf8_lossy(&text);
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(CliError::new(
            exit,
            "passphrase_empty",
            format!(
                "the passphrase file {} starts with an empty line",
                file.display()
            ),
        )
        .with_fix("put the passphrase on the first line of the file"));
    }
    Ok(SecretString::from(line.to_string()))
}

pub(super) fn prompt(question: &str, exit: Exit) -> CliResult<SecretString> {
    let answer = rpassword::prompt_password(question).map_err(|e| {
        CliError::new(
            exit,
            "prompt_failed",
            format!("cannot read the passphrase from the terminal: {e}"),
        )
        .with_fix("pass --passphrase-file FILE (or set GRAPHMAIL_PASSPHRASE_FILE)")
    })?;
    Ok(SecretString::from(answer))
}

/// Asks a new passphrase twice on the terminal; `instead` names the flags to use without one.
fn ask_new_passphrase(instead: &str) -> CliResult<SecretString> {
    if !terminal_available() {
        return Err(
            CliError::usage("there is no terminal to ask for the new passphrase on")
                .with_fix(format!("give {instead}")),
        );
    }
    let first = prompt("New vault passphrase: ", Exit::Failure)?;
    if secrecy::ExposeSecret::expose_secret(&first).is_empty() {
        return Err(CliError::usage("the passphrase is empty")
            .with_fix("run the command again and type a passphrase"));
    }
    let second = prompt("Type it again: ", Exit::Failure)?;
    if secrecy::ExposeSecret::expose_secret(&first) != secrecy::ExposeSecret::expose_secret(&second)
    {
        return Err(CliError::usage("the two passphrases differ")
            .with_fix("run the command again and type the same passphrase twice"));
    }
    Ok(first)
}

/// Public key lines from a file such as `~/.ssh/id_ed25519.pub` (blank and `#` lines skipped).
fn read_recipient_file(file: &Path) -> CliResult<Vec<String>> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError::failure(
            "recipient_file_unreadable",
            format!("cannot read the recipient file {}: {e}", file.display()),
        )
        .with_fix("give the path of a public key file, e.g. ~/.ssh/id_ed25519.pub")
    })?;
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if lines.is_empty() {
        return Err(CliError::failure(
            "recipient_file_empty",
            format!("the recipient file {} holds no public key", file.display()),
        )
        .with_fix("give a file with one public key per line, e.g. ~/.ssh/id_ed25519.pub"));
    }
    Ok(lines)
}

fn parse_recipients(lines: &[String]) -> CliResult<Vec<RecipientKey>> {
    lines
        .iter()
        .map(|l| {
            RecipientKey::parse(l).map_err(|e| {
                CliError::usage(e.to_string())
                    .with_fix("check --recipient / --recipient-file; `ssh-keygen -y -f KEY` prints the public key of a private one")
            })
        })
        .collect()
}

fn recipient_json(key: &RecipientKey) -> serde_json::Value {
    json!({ "kind": key.kind(), "key": key.key(), "comment": key.comment(), "line": key.as_str() })
}

fn access_json(path: &Path, access: &VaultAccess) -> serde_json::Value {
    json!({
        "vault": path.display().to_string(),
        "passphrase": access.passphrase,
        "key_file": access.passphrase.then(|| Vault::key_path(path).display().to_string()),
        "recipients": access.recipients.iter().map(recipient_json).collect::<Vec<_>>(),
    })
}

fn print_access(access: &VaultAccess) {
    println!(
        "passphrase: {}",
        if access.passphrase { "yes" } else { "no" }
    );
    if access.recipients.is_empty() {
        println!("recipients: none");
    } else {
        println!("recipients:");
        for key in &access.recipients {
            println!("  {key}");
        }
    }
}

fn init(global: &GlobalArgs, args: VaultInitArgs) -> CliResult {
    let path = vault_path(global)?;
    if path.exists() {
        return Err(VaultError::AlreadyExists { path }.into());
    }
    let mut lines = args.recipients.clone();
    for file in &args.recipient_files {
        lines.extend(read_recipient_file(file)?);
    }
    let keys = parse_recipients(&lines)?;
    let passphrase = if args.no_passphrase {
        if keys.is_empty() {
            return Err(
                CliError::usage("--no-passphrase needs at least one recipient").with_fix(
                    "add --recipient KEY or --recipient-file FILE, or drop --no-passphrase",
                ),
            );
        }
        None
    } else if let Some(file) = &global.passphrase_file {
        Some(read_passphrase_file(file, Exit::Failure)?)
    } else {
        Some(ask_new_passphrase(
            "--passphrase-file FILE, or --no-passphrase with --recipient KEY",
        )?)
    };
    let access = VaultAccess {
        passphrase: passphrase.is_some(),
        recipients: keys.clone(),
    };
    Vault::init(
        &path,
        InitOptions {
            passphrase,
            recipients: keys.iter().map(|k| k.as_str().to_string()).collect(),
        },
    )?;
    if global.json {
        print_json(&access_json(&path, &access));
    } else {
        println!("Created the vault at {}.", path.display());
        if access.passphrase {
            println!(
                "Its key is in {}, protected by the passphrase; keep both files together.",
                Vault::key_path(&path).display()
            );
        }
        print_access(&access);
    }
    Ok(())
}

fn passwd(global: &GlobalArgs, args: VaultPasswdArgs) -> CliResult {
    let mut vault = unlock_vault(global)?;
    let passphrase = match &args.new_passphrase_file {
        Some(file) => read_passphrase_file(file, Exit::Failure)?,
        None => ask_new_passphrase("--new-passphrase-file FILE")?,
    };
    vault.change_passphrase(&passphrase)?;
    if global.json {
        print_json(&json!({ "vault": vault.path().display().to_string(), "passphrase": true }));
    } else {
        println!(
            "Changed the passphrase of {}; the old passphrase no longer opens it.",
            vault.path().display()
        );
    }
    Ok(())
}

fn list(global: &GlobalArgs) -> CliResult {
    let vault = unlock_vault(global)?;
    let access = vault.access()?;
    if global.json {
        print_json(&access_json(vault.path(), &access));
    } else {
        print_access(&access);
    }
    Ok(())
}

fn add(global: &GlobalArgs, key: Option<String>, file: Option<PathBuf>) -> CliResult {
    let mut lines: Vec<String> = key.into_iter().collect();
    if let Some(file) = &file {
        lines.extend(read_recipient_file(file)?);
    }
    if lines.is_empty() {
        return Err(CliError::usage("no public key to add")
            .with_fix("give the key (age1… or an SSH public key line) or --recipient-file FILE"));
    }
    let keys = parse_recipients(&lines)?;
    let vault = unlock_vault(global)?;
    let mut results = Vec::new();
    for key in &keys {
        let added = vault.add_recipient(key)?;
        if !global.json {
            if added {
                println!("Added {key}; the vault is re-encrypted for it.");
            } else {
                println!("{key} can open the vault already.");
            }
        }
        results.push(json!({ "added": added, "recipient": recipient_json(key) }));
    }
    if global.json {
        print_json(&json!(results));
    }
    Ok(())
}

fn remove(global: &GlobalArgs, query: &str) -> CliResult {
    let vault = unlock_vault(global)?;
    let removed = vault.remove_recipient(query)?;
    if global.json {
        print_json(&json!({ "removed": recipient_json(&removed) }));
    } else {
        println!("Removed {removed}; the vault and its backup are re-encrypted without it.");
        println!(
            "Copies made before still open with that key: rotate the connectors' secrets if that matters."
        );
    }
    Ok(())
}
