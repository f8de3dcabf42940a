//! `graphmail emulator`: the loopback identity platform + Graph mail service.

use std::io::Write;

use super::{CliError, CliResult, EmulatorArgs, GlobalArgs};
use graphmail_emulator::{self as emulator, EmulatorConfig, tenant::TenantSeed};

pub fn run(global: &GlobalArgs, args: EmulatorArgs) -> CliResult {
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
    let config = EmulatorConfig {
        port: args.port,
        seed,
        messages: args.messages,
        faults: args.faults.clone(),
        ..EmulatorConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            CliError::failure("runtime", format!("cannot start the async runtime: {e}"))
        })?;
    runtime.block_on(serve(config, global.json, args.port))
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
    let summary = running.state.summary();
    {
        let mut out = std::io::stdout().lock();
        let written = if json {
            writeln!(out, "{summary}")
        } else {
            write!(out, "{}", human(&summary))
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
