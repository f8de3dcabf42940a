//! `graphmail guide` and `graphmail connector guide NAME`: the Azure portal steps and the Azure
//! CLI commands, with the connector's values, through the real binary. The commands are run
//! in bash against stand-ins for `az` and `graphmail` to prove they parse as a shell sees them.

use std::process::Command;

use crate::support::signin::{Env, connector, run};
use graphmail::domain::{Cloud, Grant};
use serde_json::Value;

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/// The real binary with a clean environment and nothing of its own to read.
fn graphmail(args: &[&str]) -> crate::support::signin::Out {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::support::vault::graphmail(dir.path());
    cmd.args(args);
    run(cmd)
}

fn json(out: &crate::support::signin::Out) -> Value {
    assert_eq!(out.code, 0, "{}", out.all());
    serde_json::from_str(&out.stdout).expect("the guide is JSON")
}

/// Runs the guide's commands in bash with `az` and `graphmail` replaced by functions that
/// record their arguments; returns each call's arguments.
fn run_commands(guide: &Value) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls");
    let commands: Vec<&str> = crate::support::json::strings(&guide["az_commands"]);
    let script = format!(
        r#"set -euo pipefail
log={log}
record() {{ printf '%s\x1f' "$@" >> "$log"; printf '\n' >> "$log"; }}
az() {{
  record az "$@"
  case "$1 $2 $3" in
    "ad app create") echo 99999999-8888-7777-6666-555555555555 ;;
    "account show --query") echo tenant-from-az ;;
    "ad app credential") echo not-a-real-secret ;;
  esac
}}
# Read stdin first: in `az … | graphmail …` the record then follows az's, as the pipe orders them.
graphmail() {{ cat > /dev/null; record graphmail "$@"; }}
{}
"#,
        commands.join("\n"),
        log = log.display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the commands run in bash: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            l.split('\x1f')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn flag<'a>(call: &'a [String], name: &str) -> Option<&'a str> {
    let i = call.iter().position(|a| a == name)?;
    call.get(i + 1).map(String::as_str)
}

#[test]
fn guide_without_a_vault_gives_the_steps_and_commands_that_run_in_a_shell() {
    let g = json(&graphmail(&[
        "guide",
        "--grant",
        "device-code",
        "--permissions",
        "readwrite,send",
        "--name",
        "helpdesk",
        "--tenant",
        TENANT,
        "--json",
    ]));
    assert_eq!(g["allow_public_client_flows"], true);
    assert_eq!(g["redirect"], Value::Null);
    let calls = run_commands(&g);
    let create = calls
        .iter()
        .find(|c| c[..3] == ["az", "ad", "app"] && c[3] == "create")
        .expect("the app is created");
    assert_eq!(flag(create, "--display-name"), Some("graphmail helpdesk"));
    assert_eq!(flag(create, "--is-fallback-public-client"), Some("true"));
    assert_eq!(flag(create, "--sign-in-audience"), Some("AzureADMyOrg"));
    let access: Value =
        serde_json::from_str(flag(create, "--required-resource-accesses").unwrap()).unwrap();
    assert_eq!(access, g["required_resource_access"]);
    let types: Vec<&str> =
        crate::support::json::field_strings(&access[0]["resourceAccess"], "type");
    assert_eq!(types, ["Scope", "Scope", "Scope"], "delegated: {access}");
    let add = calls
        .iter()
        .find(|c| c[0] == "graphmail")
        .expect("the connector is added");
    assert_eq!(add[1..4], ["connector", "add", "helpdesk"]);
    assert_eq!(flag(add, "--tenant"), Some(TENANT));
    assert_eq!(
        flag(add, "--client-id"),
        Some("99999999-8888-7777-6666-555555555555"),
        "the new app's id goes into the connector"
    );
    assert_eq!(flag(add, "--grant"), Some("device-code"));
    assert_eq!(flag(add, "--permissions"), Some("readwrite,send"));

    let human = graphmail(&["guide", "--grant", "device-code", "--name", "helpdesk"]);
    assert_eq!(human.code, 0);
    assert!(
        human
            .stdout
            .contains("\"Allow public client flows\" to Yes")
    );
    assert!(
        human
            .stdout
            .contains("Mail.Read (delegated, no admin consent needed)")
    );
    assert!(human.stdout.contains("APP_ID=$(az ad app create"));
    assert!(human.stdout.lines().all(|l| l.chars().count() <= 80
        || l.trim_start().starts_with("--")
        || l.trim_start().starts_with("http")
        || l.trim_start().starts_with("graphmail ")
        || l.trim_start().starts_with("| graphmail ")
        || l.trim_start().starts_with("az ")));
}

#[test]
fn app_only_guide_asks_for_roles_admin_consent_and_pipes_the_secret_into_the_vault() {
    let g = json(&graphmail(&[
        "guide",
        "--grant",
        "client-credentials",
        "--permissions",
        "fetch",
        "--json",
    ]));
    assert_eq!(g["admin_consent_required"], true);
    assert_eq!(g["client_secret"], true);
    let calls = run_commands(&g);
    assert!(
        calls
            .iter()
            .any(|c| c[..5] == ["az", "ad", "app", "permission", "admin-consent"])
    );
    let reset = calls
        .iter()
        .position(|c| c.len() > 3 && c[3] == "credential")
        .expect("a client secret is made");
    let add = calls
        .iter()
        .position(|c| c[0] == "graphmail" && c[2] == "add")
        .expect("the connector is added");
    // `az account show` (in the add's arguments) runs alongside the pipe's left side, so it
    // may come between them.
    assert!(
        reset < add && !calls[..add].iter().any(|c| c[0] == "graphmail"),
        "the secret is made first and piped into the add that needs it: {calls:?}"
    );
    assert_eq!(calls[add][1..4], ["connector", "add", "new-connector"]);
    assert_eq!(calls[add].last().unwrap(), "--client-secret-stdin");
    assert!(
        !calls.iter().any(|c| c[0] == "graphmail" && c[2] == "edit"),
        "no connector is edited before it exists: {calls:?}"
    );
    assert_eq!(
        flag(&calls[add], "--tenant"),
        Some("tenant-from-az"),
        "an unknown tenant is asked of az"
    );
    let access = &g["required_resource_access"][0]["resourceAccess"];
    assert_eq!(access[0]["id"], "810c84a8-4a9e-49e6-bf7d-12d183f40d01");
    assert_eq!(access[0]["type"], "Role");

    let human = graphmail(&[
        "guide",
        "--grant",
        "client-credentials",
        "--permissions",
        "fetch,send",
        "--tenant",
        TENANT,
    ]);
    let text = &human.stdout;
    let secret = text
        .find("Create the client secret")
        .expect("a secret step");
    let add_line = text
        .find("graphmail connector add new-connector --tenant contoso.onmicrosoft.com --client-id <client-id> --grant client-credentials")
        .expect("the portal add line");
    assert!(secret < add_line, "the secret exists before add reads it");
    assert!(
        text[add_line..]
            .lines()
            .next()
            .unwrap()
            .ends_with("--client-secret-stdin"),
        "{text}"
    );
    assert!(
        !text.contains("Store it: graphmail connector edit"),
        "{text}"
    );
}

/// A fake `az` on PATH that answers as the Azure CLI would; `graphmail` is the real binary.
const FAKE_AZ: &str = r#"#!/bin/sh
printf '%s ' "$@" >> "$AZ_LOG"; printf '\n' >> "$AZ_LOG"
case "$1 $2 $3" in
  "ad app create") echo 99999999-8888-7777-6666-555555555555 ;;
  "account show --query") echo contoso.onmicrosoft.com ;;
  "ad app credential") echo fake-client-secret-value ;;
esac
"#;

/// Runs the guide's `az` commands in bash, as a person pastes them, with the real graphmail
/// and its vault; `stdin` is what the person types.
fn run_script(env: &Env, commands: &str, stdin: &str) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let az = bin.join("az");
    std::fs::write(&az, FAKE_AZ).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let real = bin.join("graphmail");
    if !real.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_graphmail"), &real).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!("set -euo pipefail\n{commands}"))
        .env("PATH", path)
        .env("AZ_LOG", env.path("az.log"))
        .env("GRAPHMAIL_VAULT", env.vault_path())
        .env("GRAPHMAIL_PASSPHRASE_FILE", env.path("pass"))
        .env_remove("GRAPHMAIL_IDENTITY")
        .env("GRAPHMAIL_SCRYPT_WORK_FACTOR", "10")
        // Tests talk to 127.0.0.1 only: no tenant check against Microsoft's clouds.
        .env("GRAPHMAIL_TENANT_CHECK", "off")
        .env("GRAPHMAIL_LOG_DIR", env.log_dir())
        .env("GRAPHMAIL_CONFIG_DIR", env.log_dir())
        .env_remove("GRAPHMAIL_CONFIG");
    crate::support::mail::output_with_stdin(&mut cmd, stdin)
}

#[test]
fn the_az_commands_make_a_working_connector_with_the_real_graphmail_for_every_grant() {
    // (grant, --confidential, the tenant given to the guide, what the person types)
    let cases: &[(&str, bool, bool, &str)] = &[
        ("auth-code", false, true, ""),
        ("auth-code", true, true, ""),
        ("device-code", false, false, ""),
        ("device-code", true, true, ""),
        ("ropc", false, true, "not-a-real-password\n"),
        ("ropc", true, true, "not-a-real-password\n"),
        ("client-credentials", false, true, ""),
        ("client-credentials", false, false, ""),
    ];
    for (i, &(grant, confidential, tenant, typed)) in cases.iter().enumerate() {
        let env = Env::new();
        let name = format!("c{i}-{grant}");
        let mut args = vec![
            "guide",
            "--grant",
            grant,
            "--permissions",
            "fetch,send",
            "--name",
            &name,
            "--json",
        ];
        if tenant {
            args.extend(["--tenant", TENANT]);
        }
        if confidential {
            args.push("--confidential");
        }
        // Known values fill the lines in; without them a person replaces the placeholders.
        let filled = i % 2 == 0;
        if filled && grant == "ropc" {
            args.extend(["--username", "alex@contoso.com"]);
        }
        if filled && grant == "client-credentials" {
            args.extend(["--mailbox", "alerts@contoso.com"]);
        }
        let g = json(&graphmail(&args));
        let lines = g["az_commands"].to_string();
        if filled {
            assert!(
                !lines.contains("<user@domain>") && !lines.contains("<mailbox>"),
                "{lines}"
            );
        }
        let commands = g["az_commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
            .replace("'<user@domain>'", "alex@contoso.com")
            .replace("'<mailbox>'", "alerts@contoso.com");
        let out = run_script(&env, &commands, typed);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{grant} (confidential: {confidential}): the commands run in order: {stderr}\n{commands}"
        );
        assert!(
            !stderr.contains("fake-client-secret-value") && !stderr.contains("not-a-real-password"),
            "{stderr}"
        );
        let show = run(env.cmd(&["connector", "show", &name, "--json"]));
        let c = json(&show);
        assert_eq!(c["name"], name.as_str());
        assert_eq!(c["grant"], grant);
        assert_eq!(c["tenant"], TENANT);
        assert_eq!(c["client_id"], "99999999-8888-7777-6666-555555555555");
        assert_eq!(c["permissions"], serde_json::json!(["fetch", "send"]));
        let secret = confidential || grant == "client-credentials";
        assert_eq!(
            c["has_client_secret"], secret,
            "{grant} (confidential: {confidential}): {c}"
        );
        assert_eq!(c["has_password"], grant == "ropc");
        if grant == "client-credentials" {
            assert_eq!(c["mailbox"], "alerts@contoso.com");
        }
        if grant == "ropc" {
            assert_eq!(c["has_username"], true);
        }
        let vault = env.vault().read().unwrap();
        let entry = vault.get(&name).unwrap();
        if secret {
            assert_eq!(
                entry.secrets.client_secret.as_deref(),
                Some("fake-client-secret-value"),
                "the secret az made is the one in the vault"
            );
        }
        if grant == "ropc" {
            assert_eq!(
                entry.secrets.password.as_deref(),
                Some("not-a-real-password")
            );
        }
    }
}

#[test]
fn connector_guide_fills_in_the_saved_connector() {
    let env = Env::new();
    let mut e = connector(Cloud::Global, TENANT, "ops", Grant::AuthCode, CLIENT);
    e.connector.redirect_port = 8777;
    env.add(e);
    let out = run(env.cmd(&["connector", "guide", "ops", "--json"]));
    let g = json(&out);
    assert_eq!(g["connector"], "ops");
    assert_eq!(g["redirect"]["uri"], "http://localhost:8777/");
    assert_eq!(g["redirect"]["platform"], "Mobile and desktop applications");
    assert!(
        g["admin_consent_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "https://login.microsoftonline.com/{TENANT}/v2.0/adminconsent?client_id={CLIENT}"
            ))
    );
    let calls = run_commands(&g);
    let edit = calls.iter().find(|c| c[0] == "graphmail").unwrap();
    assert_eq!(
        edit[1..3],
        ["connector", "edit"],
        "a saved connector is edited"
    );

    let human = run(env.cmd(&["connector", "guide", "ops"]));
    assert_eq!(human.code, 0, "{}", human.all());
    assert!(human.stdout.contains("http://localhost:8777/"));
    assert!(human.stdout.contains("Grant") || human.stdout.contains("consent"));

    let missing = run(env.cmd(&["connector", "guide", "nope"]));
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no connector named 'nope'"));
}
