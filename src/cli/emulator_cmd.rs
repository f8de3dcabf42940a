//! `graphmail emulator`: the loopback identity platform + Graph mail service.

use std::io::Write;

use super::{CliError, CliResult, EmulatorArgs, GlobalArgs};
use crate::domain::sanitize;
use graphmail_emulator::{self as emulator, EmulatorConfig, tenant::TenantSeed};

pub fn run(global: &GlobalArgs, args: EmulatorArgs) -> CliResult {
    let config = config_of(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::failure("runtime", format!("cannot start the async runtime: {e}"))
        })?;
    runtime.block_on(serve(config, global.json, args.port))
}

/// The emulator's settings from the arguments: the seed read and the fault spec checked.
pub fn config_of(args: &EmulatorArgs) -> CliResult<EmulatorConfig> {
    let seed = match &args.seed {
        Some(path) => Some(TenantSeed::load(path).map_err(|e| {
            CliError::failure("seed_invalid", e)
                .with_fix("fix the file, or leave out --seed to use the built-in demo tenant")
        })?),
        None => None,
    };
    if let Some(spec) = &args.faults {
        emulator::faults::Faults::parse(spec).map_err(|e| {
            CliError::usage(format!("--faults: {e}"))
                .with_fix("see `graphmail emulator --help` for the fault syntax")
        })?;
    }
    Ok(EmulatorConfig {
        port: args.port,
        seed,
        messages: args.messages,
        faults: args.faults.clone(),
        ..EmulatorConfig::default()
    })
}

async fn serve(config: EmulatorConfig, json: bool, port: u16) -> CliResult {
    let running = emulator::start(config).await.map_err(|e| {
        CliError::failure(
            "emulator_start",
            format!("the emulator could not start: {e:#}"),
        )
        .with_fix(if port == 0 {
            "check that 127.0.0.1 is available".to_string()
        } else {
            format!("choose another --port, or 0 for any free port (port {port} may be in use)")
        })
    })?;
    let mut summary = running.state.summary();
    add_connector_lines(&mut summary);
    {
        let mut out = std::io::stdout().lock();
        let written = if json {
            crate::output::write_json(&mut out, &summary)
        } else {
            write!(out, "{}", sanitize::text(&human(&summary)))
        };
        written
            .and_then(|_| out.flush())
            .map_err(|e| CliError::failure("io", format!("cannot write to stdout: {e}")))?;
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::failure("signal", format!("cannot wait for Ctrl-C: {e}")))?;
    running.shutdown().await;
    Ok(())
}

/// The summary for a person: where to point graphmail, and the demo accounts.
fn human(s: &serde_json::Value) -> String {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut out = format!(
        "graphmail emulator listening\n  login URL  {}\n  Graph URL  {}\n  tenant     {} ({})\n\napps\n",
        text(&s["login_url"]),
        text(&s["graph_url"]),
        text(&s["tenant"]["domain"]),
        text(&s["tenant"]["id"]),
    );
    for app in s["apps"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  {}  {}  ({})\n",
            text(&app["client_id"]),
            text(&app["name"]),
            text(&app["kind"])
        ));
        if let Some(secret) = app["secret"].as_str() {
            out.push_str(&format!("      secret        {secret}\n"));
        }
        let uris: Vec<String> = app["redirect_uris"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        if !uris.is_empty() {
            out.push_str(&format!("      redirect URIs {}\n", uris.join(", ")));
        }
        if let Some(line) = app["connector_add"].as_str() {
            out.push_str(&format!("      add it        {line}\n"));
        }
    }
    out.push_str("\nusers\n");
    for user in s["users"].as_array().into_iter().flatten() {
        let mut notes = Vec::new();
        if user["mfa"].as_bool() == Some(true) {
            notes.push("MFA");
        }
        if user["admin"].as_bool() == Some(true) {
            notes.push("admin");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  [{}]", notes.join(", "))
        };
        out.push_str(&format!(
            "  {}  password {}{}\n",
            text(&user["upn"]),
            text(&user["password"]),
            notes
        ));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    out
}

/// `text` as one shell word: as it is when that is safe, else in single quotes.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:/@=+~%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The `graphmail connector add` line that points a connector at this emulator for `app` of
/// the summary `s`, with the grant its permissions suit: client credentials for an app with
/// application permissions (the first user's mailbox), else the authorization code with the
/// secret for a confidential app, else the device code. A secret comes on standard input, as
/// a script would give it. `None` for an app with no permission at all.
fn connector_add(s: &serde_json::Value, app: &serde_json::Value) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let has = |key: &str| app[key].as_array().is_some_and(|a| !a.is_empty());
    let secret = app["secret"].as_str();
    let (name, grant) = if has("application") && secret.is_some() {
        ("emu-daemon", "client-credentials")
    } else if has("delegated") && secret.is_some() {
        ("emu-web", "auth-code")
    } else if has("delegated") {
        ("emu-device", "device-code")
    } else {
        return None;
    };
    let mut words = vec![
        "graphmail connector add".to_string(),
        name.to_string(),
        "--cloud custom --login-url".to_string(),
        shell_word(&text(&s["login_url"])),
        "--graph-url".to_string(),
        shell_word(&text(&s["graph_url"])),
        "--tenant".to_string(),
        shell_word(&text(&s["tenant"]["id"])),
        "--client-id".to_string(),
        shell_word(&text(&app["client_id"])),
        "--grant".to_string(),
        grant.to_string(),
    ];
    if grant == "client-credentials" {
        words.push("--mailbox".into());
        words.push(shell_word(&text(&s["users"][0]["upn"])));
    }
    // The port of the app's registered redirect URI (http://localhost:8400/).
    let port = app["redirect_uris"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| url::Url::parse(u.as_str()?).ok()?.port())
        .next();
    if let (Some(port), "auth-code") = (port, grant) {
        words.push(format!("--redirect-port {port}"));
    }
    let line = words.join(" ");
    Some(match secret {
        Some(secret) => format!(
            "printf '%s\\n' {} | {line} --client-secret-stdin",
            shell_word(secret)
        ),
        None => line,
    })
}

/// Adds to every app of the summary its ready `connector_add` line.
fn add_connector_lines(summary: &mut serde_json::Value) {
    let lines: Vec<Option<String>> = summary["apps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|app| connector_add(summary, app))
        .collect();
    if let Some(apps) = summary["apps"].as_array_mut() {
        for (app, line) in apps.iter_mut().zip(lines) {
            if let Some(line) = line {
                app["connector_add"] = serde_json::json!(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::cli::{Cli, Command};

    fn help() -> String {
        let mut cli = Cli::command();
        let emulator = cli
            .find_subcommand_mut("emulator")
            .expect("graphmail has an emulator command");
        emulator.render_long_help().to_string()
    }

    #[test]
    fn every_example_of_the_help_parses_and_makes_a_config() {
        let help = help();
        let mut examples = 0;
        for line in help.lines().map(str::trim) {
            if !line.starts_with("graphmail emulator") {
                continue;
            }
            // The examples quote no spaces: a shell splits them at the blanks.
            let words: Vec<String> = line
                .split_whitespace()
                .map(|w| w.trim_matches('"').to_string())
                .collect();
            let cli = Cli::try_parse_from(&words)
                .unwrap_or_else(|e| panic!("{line}: the parser refuses it: {e}"));
            let Some(Command::Emulator(args)) = cli.command else {
                panic!("{line}: not the emulator command");
            };
            if let Err(e) = config_of(&args) {
                panic!("{line}: the emulator refuses it: {}", e.human());
            }
            examples += 1;
        }
        assert!(examples >= 5, "the help shows its examples:\n{help}");
        // And every fault spec quoted in the --faults text.
        let quoted = help.split('"').skip(1).step_by(2);
        let specs: Vec<&str> = quoted.filter(|q| q.contains('=')).collect();
        assert!(specs.contains(&"429=1.5,share=0.2"), "{help}");
        for spec in specs {
            emulator::faults::Faults::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        }
    }

    #[test]
    fn each_app_gets_a_connector_add_line_with_the_grant_it_suits() {
        let mut s = serde_json::json!({
            "login_url": "http://127.0.0.1:8400",
            "graph_url": "http://127.0.0.1:8400/v1.0",
            "tenant": { "id": "t-1" },
            "users": [{ "upn": "adele@x.test" }],
            "apps": [
                { "client_id": "pub", "delegated": ["Mail.Read"], "redirect_uris": ["http://localhost"] },
                { "client_id": "web", "secret": "it's~s3cret", "delegated": ["Mail.Read"],
                  "redirect_uris": ["http://localhost:8400/"] },
                { "client_id": "daemon", "secret": "d", "application": ["Mail.Read"] },
                { "client_id": "none" }
            ]
        });
        add_connector_lines(&mut s);
        let line = |i: usize| s["apps"][i]["connector_add"].as_str().map(str::to_owned);
        let common = "--cloud custom --login-url http://127.0.0.1:8400 --graph-url \
                      http://127.0.0.1:8400/v1.0 --tenant t-1";
        assert_eq!(
            line(0).unwrap(),
            format!(
                "graphmail connector add emu-device {common} --client-id pub --grant device-code"
            )
        );
        assert_eq!(
            line(1).unwrap(),
            format!(
                "printf '%s\\n' 'it'\\''s~s3cret' | graphmail connector add emu-web {common} \
                 --client-id web --grant auth-code --redirect-port 8400 --client-secret-stdin"
            )
        );
        assert!(
            line(2).unwrap().ends_with(
                "--grant client-credentials --mailbox adele@x.test --client-secret-stdin"
            ),
            "{:?}",
            line(2)
        );
        assert_eq!(line(3), None, "an app with no permission gets no line");
        let banner = human(&s);
        assert!(
            banner.contains("add it        graphmail connector add emu-device"),
            "{banner}"
        );
    }
}
