//! The real binary in tmux: create a vault, add a connector through the wizard with keystrokes
//! only, choose permissions, sign it in with a device code against the emulator, see it listed
//! with a valid token, quit, and find the terminal restored.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::tmux::{Tmux, start_session, tmux_available};

fn start(dir: &Path, name: &str) -> Tmux {
    let bin = env!("CARGO_BIN_EXE_graphmail");
    let cmd = format!(
        "env -u NO_COLOR -u GRAPHMAIL_CONFIG -u GRAPHMAIL_IDENTITY -u GRAPHMAIL_PASSPHRASE_FILE GRAPHMAIL_SCRYPT_WORK_FACTOR=10 GRAPHMAIL_TENANT_CHECK=off GRAPHMAIL_VAULT={v} GRAPHMAIL_LOG_DIR={l} GRAPHMAIL_CONFIG_DIR={c} {bin}; echo GRAPHMAIL-EXIT=$?; stty -a; echo STTY-DONE; sleep 120",
        v = dir.join("vault.age").display(),
        l = dir.join("log").display(),
        c = dir.join("config").display(),
    );
    start_session(name, 100, 30, &cmd)
}

#[test]
fn a_connector_is_created_through_the_wizard_and_the_terminal_is_restored() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let t = start(dir.path(), "wizard");
    t.wait_for("Create the vault");
    t.type_text("e2e passphrase 1");
    t.send(&["Tab"]);
    t.type_text("e2e passphrase 1");
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");

    t.send(&["a"]);
    t.wait_for("Step 1/5");
    t.type_text("e2e-box");
    t.send(&["Enter"]);
    t.wait_for("Step 2/5");
    // Typing a bad tenant shows the problem beside the field and blocks Next.
    t.send(&["Tab"]);
    t.type_text("not a tenant");
    t.send(&["Enter"]);
    t.wait_for("Next is blocked");
    t.send(&["C-u"]);
    t.type_text("contoso.onmicrosoft.com");
    t.send(&["Tab"]);
    t.type_text("11111111-2222-3333-4444-555555555555");
    t.send(&["Enter"]);
    t.wait_for("Step 3/5");
    // Device code.
    t.send(&["Right"]);
    t.wait_for("(•) Device code");
    t.send(&["Enter"]);
    t.wait_for("Step 4/5");
    // Tick "Read and write mail": the summary follows.
    t.send(&["Down"]);
    t.send(&["Space"]);
    t.wait_for("Mail.ReadWrite   user");
    t.send(&["Enter"]);
    t.wait_for("Step 5/5");
    t.send(&["Enter"]);
    let list = t.wait_for("Saved e2e-box");
    assert!(
        list.contains("device code") && list.contains("needs sign-in"),
        "{list}"
    );

    t.send(&["q"]);
    t.assert_restored();

    // The connector is in the vault, as the CLI sees it.
    let pp = dir.path().join("pp");
    std::fs::write(&pp, "e2e passphrase 1\n").expect("passphrase file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pp, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_graphmail"))
        .args(["connector", "show", "e2e-box", "--json"])
        .env("GRAPHMAIL_VAULT", dir.path().join("vault.age"))
        .env("GRAPHMAIL_PASSPHRASE_FILE", &pp)
        .env("GRAPHMAIL_LOG_DIR", dir.path().join("log"))
        // No config file: a developer's own must not change what the tests see.
        .env("GRAPHMAIL_CONFIG_DIR", dir.path().join("log"))
        .env_remove("GRAPHMAIL_CONFIG")
        .output()
        .expect("graphmail runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("device-code") && text.contains("Mail.ReadWrite"),
        "{text}"
    );
}

#[test]
fn a_wrong_passphrase_is_refused_and_the_right_one_opens_the_vault() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let t = start(dir.path(), "unlock");
    t.wait_for("Create the vault");
    t.type_text("right passphrase");
    t.send(&["Tab"]);
    t.type_text("right passphrase");
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");
    t.send(&["q"]);
    t.wait_for("GRAPHMAIL-EXIT=0");
    drop(t);

    let t = start(dir.path(), "unlock2");
    t.wait_for("Unlock the vault");
    t.type_text("wrong passphrase");
    t.send(&["Enter"]);
    t.wait_for("The passphrase is wrong");
    t.type_text("right passphrase");
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");
    t.send(&["C-c"]);
    t.assert_restored();
}

/// The user code on the device-code screen: the first run of nine letters and digits below
/// "Enter this code" (drawn with a space between characters).
fn user_code_on(screen: &str) -> Option<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("Enter this code"))
        .skip(1)
        .map(|l| {
            l.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        })
        .find(|code| !code.is_empty())
        .filter(|code| code.len() == 9)
}

#[test]
fn a_device_code_sign_in_against_the_emulator_turns_the_token_valid() {
    use crate::support::emulator::Emulator;

    if !tmux_available() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the emulator");
    let emu = rt.block_on(Emulator::start());
    let login_url = emu.login_url().to_owned();
    let graph_url = emu.graph_url().to_owned();
    let tenant = emu.seed().tenant.domain.clone();
    let app = emu.public_app().client_id;
    let user = emu.admin().upn;

    let dir = tempfile::tempdir().expect("temp dir");
    let t = start(dir.path(), "signin");
    t.wait_for("Create the vault");
    t.type_text("e2e passphrase 2");
    t.send(&["Tab"]);
    t.type_text("e2e passphrase 2");
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");

    // The wizard, keys only: a custom cloud with the emulator's URLs, the demo tenant, its
    // public client, device code.
    t.send(&["a"]);
    t.wait_for("Step 1/5");
    t.type_text("emu");
    t.send(&["Enter"]);
    t.wait_for("Step 2/5");
    t.send(&["Left"]);
    t.wait_for("Custom endpoints");
    t.send(&["Tab"]);
    t.type_text(&login_url);
    t.send(&["Tab"]);
    t.type_text(&graph_url);
    t.send(&["Tab"]);
    t.type_text(&tenant);
    t.send(&["Tab"]);
    t.type_text(&app);
    t.send(&["Enter"]);
    t.wait_for("Step 3/5");
    t.send(&["Right"]);
    t.wait_for("(•) Device code");
    t.send(&["Enter"]);
    t.wait_for("Step 4/5");
    // Add "Read and write mail" to the defaults; the summary follows.
    t.send(&["Down"]);
    t.send(&["Space"]);
    t.wait_for("Mail.ReadWrite");
    t.send(&["Enter"]);
    t.wait_for("Step 5/5");
    t.send(&["Enter"]);
    t.wait_for("Saved emu");
    t.wait_until("emu listed as needing a sign-in", |screen| {
        screen
            .lines()
            .any(|l| l.contains("emu") && l.contains("needs sign-in"))
    });

    // Sign in: read the code off the screen and approve it as the user would in a browser.
    t.send(&["s"]);
    let screen = t.wait_until("a device code", |s| user_code_on(s).is_some());
    let code = user_code_on(&screen).expect("the user code is on the screen");
    let approved = rt.block_on(emu.hook(
        "/device/approve",
        &[("user_code", code.as_str()), ("upn", user.as_str())],
    ));
    assert!(
        approved.is_success(),
        "the emulator approved {code}: {approved}"
    );
    t.wait_until_within("that the user is signed in", Duration::from_secs(30), |s| {
        s.contains("is signed in") && s.contains(&user)
    });

    // Back on the list the token is valid.
    t.send(&["Enter"]);
    let list = t.wait_until("emu listed with a valid token", |screen| {
        screen
            .lines()
            .any(|l| l.contains("emu") && l.contains("device code") && l.contains(" valid "))
    });
    assert!(!list.contains("needs sign-in"), "{list}");

    t.send(&["q"]);
    t.assert_restored();
}
