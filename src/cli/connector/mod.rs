//! `graphmail connector …` and `graphmail permissions`.

mod guide_view;
mod input;
mod view;

use std::io::{BufRead, IsTerminal};

use serde_json::json;

use super::output::print_json;
use super::vault_cmd::unlock_vault;
use super::{
    CliError, CliResult, ConnectorCommand, ConnectorFields, GlobalArgs, GuideArgs, PermissionsArgs,
};
use crate::domain::connector::DEFAULT_REDIRECT_PORT;
use crate::domain::guide::GuideInput;
use crate::domain::permissions::default_presets;
use crate::domain::summary::summarize;
use crate::domain::validate::{self, FieldError};
use crate::vault::{ConnectorEntry, ConnectorSecrets};
use input::{SecretInput, invalid};
pub use view::ConnectorColumn;
use view::Style;

pub fn run(global: &GlobalArgs, cmd: ConnectorCommand) -> CliResult {
    match cmd {
        ConnectorCommand::Add { name, fields } => add(global, &name, &fields),
        ConnectorCommand::List { columns } => list(global, &columns),
        ConnectorCommand::Show { name } => show(global, &name),
        ConnectorCommand::Edit { name, fields } => edit(global, &name, &fields),
        ConnectorCommand::Remove { name, yes } => remove(global, &name, yes),
        ConnectorCommand::Login { name, no_browser } => {
            super::signin_cmd::login(global, &name, no_browser)
        }
        ConnectorCommand::Test { name } => super::signin_cmd::test(global, &name),
        ConnectorCommand::Guide { name } => connector_guide(global, &name),
        ConnectorCommand::Logout { name } => super::signin_cmd::logout(global, &name),
        ConnectorCommand::Status => super::health_cmd::status(global),
    }
}

fn not_found(name: &str) -> CliError {
    CliError::failure(
        "connector_not_found",
        format!("there is no connector named '{name}'"),
    )
    .with_fix("see the names with `graphmail connector list`")
}

fn add(global: &GlobalArgs, name: &str, fields: &ConnectorFields) -> CliResult {
    let secrets = SecretInput::read(fields)?;
    warn_about(&secrets);
    let connector = input::new_connector(name, fields, &secrets).map_err(invalid)?;
    for note in input::notes(fields, &connector.cloud) {
        crate::output::stderr(&format!("note: {note}"));
    }
    check_tenant(&connector);
    let vault = unlock_vault(global)?;
    let entry = vault.update(|doc| -> CliResult<ConnectorEntry> {
        let others = doc.connectors.iter().map(|e| e.connector.name.as_str());
        validate::validate_name_unique(name, others).map_err(|e| invalid(vec![e]))?;
        let mut stored = ConnectorSecrets::default();
        secrets.apply(&mut stored);
        let entry = ConnectorEntry {
            connector,
            secrets: stored,
            tokens: None,
        };
        doc.connectors.push(entry.clone());
        Ok(entry)
    })?;
    tracing::info!(connector = %entry.connector.name, grant = %entry.connector.grant, "connector added");
    if global.json {
        print_json(&view::connector_detail_json(&entry));
    } else {
        let style = Style::detect(&global.config);
        crate::output::stdout(&format!("Added connector {}.\n", entry.connector.name));
        crate::output::print_styled(&view::show_human(&style, &entry), style.color);
    }
    Ok(())
}

/// Asks the identity platform whether the connector's tenant exists, and in which cloud; says
/// what it finds as a warning. No answer within the deadline says nothing: never a block.
fn check_tenant(c: &crate::domain::Connector) {
    use crate::domain::tenant_check::warning;
    let Ok(rt) = super::signin_cmd::runtime() else {
        return;
    };
    let verdict = rt.block_on(crate::worker::check_tenant(&c.cloud, &c.tenant));
    let fix = |cloud: &crate::domain::Cloud| {
        format!(
            "change it with `graphmail connector edit {} --cloud {}`",
            c.name,
            cloud.as_str()
        )
    };
    if let Some(w) = warning(&verdict, &c.tenant, &c.cloud, fix) {
        crate::output::stderr(&format!("warning: {w}"));
    }
}

/// Says what looks wrong in the secrets given, without refusing them.
fn warn_about(secrets: &SecretInput) {
    for w in secrets.warnings() {
        crate::output::stderr(&format!("warning: {w}"));
    }
}

fn list(global: &GlobalArgs, columns: &[ConnectorColumn]) -> CliResult {
    let doc = unlock_vault(global)?.read()?;
    if global.json {
        let items: Vec<_> = doc.connectors.iter().map(view::connector_json).collect();
        print_json(&json!(items));
    } else {
        let style = Style::detect(&global.config);
        let columns = if columns.is_empty() {
            &ConnectorColumn::DEFAULTS[..]
        } else {
            columns
        };
        crate::output::print_styled(
            &view::list_human(&style, &doc.connectors, columns),
            style.color,
        );
    }
    Ok(())
}

fn show(global: &GlobalArgs, name: &str) -> CliResult {
    let doc = unlock_vault(global)?.read()?;
    let entry = doc.get(name).ok_or_else(|| not_found(name))?;
    if global.json {
        print_json(&view::connector_detail_json(entry));
    } else {
        let style = Style::detect(&global.config);
        crate::output::print_styled(&view::show_human(&style, entry), style.color);
    }
    Ok(())
}

fn edit(global: &GlobalArgs, name: &str, fields: &ConnectorFields) -> CliResult {
    if !input::changes_anything(fields) {
        return Err(CliError::usage(format!(
            "nothing to change for connector '{name}'"
        ))
        .with_fix("give the flags to change, e.g. --scopes \"Mail.Read\" (see `graphmail connector edit --help`)"));
    }
    let secrets = SecretInput::read(fields)?;
    warn_about(&secrets);
    let vault = unlock_vault(global)?;
    let (entry, dropped) = vault.update(|doc| -> CliResult<(ConnectorEntry, bool)> {
        let entry = doc.get_mut(name).ok_or_else(|| not_found(name))?;
        let dropped =
            input::edit_connector(&mut entry.connector, &mut entry.secrets, fields, secrets)
                .map_err(invalid)?;
        Ok((entry.clone(), dropped))
    })?;
    tracing::info!(connector = %name, "connector changed");
    if fields.tenant.is_some() || fields.cloud.is_some() || fields.login_url.is_some() {
        check_tenant(&entry.connector);
    }
    for note in input::notes(fields, &entry.connector.cloud) {
        crate::output::stderr(&format!("note: {note}"));
    }
    if global.json {
        print_json(&view::connector_detail_json(&entry));
    } else {
        crate::output::stdout(&format!("Changed connector {name}."));
        if dropped {
            crate::output::stdout(
                "The stored ROPC user name and password were removed: the new grant does not use them.",
            );
        }
        crate::output::stdout("");
        let style = Style::detect(&global.config);
        crate::output::print_styled(&view::show_human(&style, &entry), style.color);
    }
    Ok(())
}

fn remove(global: &GlobalArgs, name: &str, yes: bool) -> CliResult {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !yes && !interactive {
        return Err(CliError::usage(format!(
            "removing connector '{name}' needs confirmation, and there is no terminal to ask on"
        ))
        .with_fix(format!("run `graphmail connector remove {name} --yes`")));
    }
    let vault = unlock_vault(global)?;
    if vault.read()?.get(name).is_none() {
        return Err(not_found(name));
    }
    if !yes
        && !confirm(&format!(
            "Remove connector {name} and its secrets and tokens? [y/N] "
        ))?
    {
        return Err(
            CliError::failure("cancelled", format!("connector '{name}' was kept"))
                .with_fix("answer y to remove it, or pass --yes"),
        );
    }
    vault.update(|doc| -> CliResult {
        let before = doc.connectors.len();
        doc.connectors.retain(|e| e.connector.name != name);
        if doc.connectors.len() == before {
            return Err(not_found(name));
        }
        Ok(())
    })?;
    tracing::info!(connector = %name, "connector removed");
    if global.json {
        print_json(&json!({ "removed": name }));
    } else {
        crate::output::stdout(&format!("Removed connector {name}."));
    }
    Ok(())
}

fn confirm(question: &str) -> CliResult<bool> {
    crate::output::eprint(question);
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| {
            CliError::failure(
                "prompt_failed",
                format!("cannot read the answer: {}", e.kind()),
            )
            .with_fix("pass --yes to remove without asking")
        })?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The grant, cloud, predefined permissions, further scopes and port given on the command line.
struct PermissionChoice {
    grant: crate::domain::Grant,
    cloud: crate::domain::Cloud,
    presets: Vec<crate::domain::permissions::Preset>,
    scopes: String,
    port: u16,
}

fn permission_choice(args: &PermissionsArgs) -> Result<PermissionChoice, CliError> {
    (|| -> Result<_, FieldError> {
        let grant = input::parse_grant(&args.grant)?;
        let cloud = input::cloud_from(
            Some(&args.cloud),
            args.login_url.as_deref(),
            args.graph_url.as_deref(),
            None,
        )?;
        validate::validate_cloud(&cloud)
            .into_iter()
            .next()
            .map_or(Ok(()), Err)?;
        let presets = input::presets_from(args.permissions.as_deref())?;
        if let Some(s) = &args.scopes {
            validate::validate_scopes(s)?;
        }
        let port = args.redirect_port.unwrap_or(DEFAULT_REDIRECT_PORT);
        validate::validate_redirect_port(port)?;
        let presets = match (presets, &args.scopes) {
            (None, None) => default_presets(grant),
            (p, _) => p.unwrap_or_default(),
        };
        Ok(PermissionChoice {
            grant,
            cloud,
            presets,
            scopes: args.scopes.clone().unwrap_or_default(),
            port,
        })
    })()
    .map_err(|e| input::invalid_with_code("invalid_permissions", vec![e]))
}

/// `graphmail permissions`: the summary for a grant and permissions; saves nothing.
pub fn permissions(global: &GlobalArgs, args: PermissionsArgs) -> CliResult {
    let c = permission_choice(&args)?;
    let summary = summarize(c.grant, &c.cloud, &c.presets, &c.scopes, c.port);
    if global.json {
        print_json(&json!(summary));
    } else {
        let style = Style::detect(&global.config);
        crate::output::print_styled(&view::summary_human(&style, &summary), style.color);
    }
    Ok(())
}

/// `graphmail guide`: the app-registration guide for values given on the command line.
pub fn guide(global: &GlobalArgs, args: GuideArgs) -> CliResult {
    let c = permission_choice(&args.permissions)?;
    let connector = crate::domain::Connector {
        name: args.name.unwrap_or_default(),
        cloud: c.cloud.clone(),
        tenant: args.tenant.unwrap_or_default(),
        client_id: args.client_id.unwrap_or_default(),
        grant: c.grant,
        presets: c.presets,
        extra_scopes: crate::domain::permissions::parse_scopes(&c.scopes, &c.cloud)
            .scopes
            .iter()
            .map(|s| s.text())
            .collect(),
        mailbox: args
            .mailbox
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string),
        redirect_port: c.port,
    };
    let input =
        GuideInput::new(connector, args.confidential).with_username(args.username.as_deref());
    print_guide(global, input);
    Ok(())
}

/// `graphmail connector guide NAME`: the guide with a saved connector's values.
fn connector_guide(global: &GlobalArgs, name: &str) -> CliResult {
    let doc = unlock_vault(global)?.read()?;
    let entry = doc.get(name).ok_or_else(|| not_found(name))?;
    print_guide(
        global,
        GuideInput::saved(
            entry.connector.clone(),
            entry.secrets.client_secret.is_some(),
        )
        .with_username(entry.secrets.username.as_deref()),
    );
    Ok(())
}

fn print_guide(global: &GlobalArgs, input: GuideInput) {
    let guide = crate::domain::guide::guide(&input);
    if global.json {
        print_json(&json!(guide));
    } else {
        crate::output::print(&guide_view::guide_human(
            &Style::detect(&global.config),
            &guide,
        ));
    }
}
