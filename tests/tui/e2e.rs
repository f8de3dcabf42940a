//! The real binary in tmux: create a vault, add a connector through the wizard with keystrokes
//! only, choose permissions, sign it in with a device code against the emulator, see it listed
//! with a valid token, quit, and find the terminal restored.

use std::path::Path;
use std::time::Duration;

use crate::support::emu::{ADELE, Emu, PUBLIC_APP};
use crate::support::tmux::{Tmux, start_graphmail, tmux_available};
use crate::support::vault::{graphmail, run, write_private};
use graphmail::domain::Cloud;

fn start(dir: &Path, name: &str) -> Tmux {
    let vault = format!(
        "GRAPHMAIL_SCRYPT_WORK_FACTOR=10 GRAPHMAIL_VAULT={}",
        dir.join("vault.age").display()
    );
    start_graphmail(name, (100, 30), dir, &vault, "", 120)
}

/// The app's first start in a new folder, in tmux session `name`: `passphrase` typed twice
/// creates the vault, and the empty list follows.
fn new_vault(name: &str, passphrase: &str) -> (tempfile::TempDir, Tmux) {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = start(dir.path(), name);
    t.wait_for("Create the vault");
    t.type_text(passphrase);
    t.send(&["Tab"]);
    t.type_text(passphrase);
    t.send(&["Enter"]);
    t.wait_for("No connectors yet");
    (dir, t)
}

/// Tab to the next field and type `text` into it.
fn fill(t: &Tmux, fields: &[&str]) {
    for text in fields {
        t.send(&["Tab"]);
        t.type_text(text);
    }
}

/// The wizard from the list, keys only: `name`, then `tenant_step` fills step 2, device code,
/// and "Read and write mail" added to the defaults (the summary shows `summary`). Returns the
/// list that says the connector was saved.
fn add_device_code_connector(
    t: &Tmux,
    name: &str,
    tenant_step: impl FnOnce(&Tmux),
    summary: &str,
) -> String {
    t.send(&["a"]);
    t.wait_for("Step 1/5");
    t.type_text(name);
    t.send(&["Enter"]);
    t.wait_for("Step 2/5");
    tenant_step(t);
    t.send(&["Enter"]);
    t.wait_for("Step 3/5");
    t.send(&["Right"]);
    t.wait_for("(•) Device code");
    t.send(&["Enter"]);
    t.wait_for("Step 4/5");
    t.send(&["Down", "Space"]);
    t.wait_for(summary);
    t.send(&["Enter"]);
    t.wait_for("Step 5/5");
    t.send(&["Enter"]);
    t.wait_for(&format!("Saved {name}"))
}

#[test]
fn a_connector_is_created_through_the_wizard_and_the_terminal_is_restored() {
    if !tmux_available() {
        return;
    }
    let (dir, t) = new_vault("wizard", "e2e passphrase 1");
    let list = add_device_code_connector(
        &t,
        "e2e-box",
        |t| {
            // Typing a bad tenant shows the problem beside the field and blocks Next.
            fill(t, &["not a tenant"]);
            t.send(&["Enter"]);
            t.wait_for("Next is blocked");
            t.send(&["C-u"]);
            t.type_text("contoso.onmicrosoft.com");
            fill(t, &["11111111-2222-3333-4444-555555555555"]);
        },
        "Mail.ReadWrite  user",
    );
    assert!(
        list.contains("device code") && list.contains("needs sign-in"),
        "{list}"
    );

    t.send(&["q"]);
    t.assert_restored();

    // The connector is in the vault, as the CLI sees it.
    let pp = dir.path().join("pp");
    write_private(&pp, "e2e passphrase 1\n");
    let (code, text, err) = run(graphmail(dir.path())
        .args(["connector", "show", "e2e-box", "--json"])
        .env("GRAPHMAIL_VAULT", dir.path().join("vault.age"))
        .env("GRAPHMAIL_PASSPHRASE_FILE", &pp));
    assert_eq!(code, 0, "{text}{err}");
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
    let (dir, t) = new_vault("unlock", "right passphrase");
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

/// Waits until one line of the list shows all of `words`.
fn listed(t: &Tmux, words: &[&str]) -> String {
    t.wait_until(&format!("a line with {words:?}"), |screen| {
        screen.lines().any(|l| words.iter().all(|w| l.contains(w)))
    })
}

#[test]
fn a_device_code_sign_in_against_the_emulator_turns_the_token_valid() {
    if !tmux_available() {
        return;
    }
    let emu = Emu::start();
    let Cloud::Custom {
        login_url,
        graph_url,
    } = emu.cloud()
    else {
        panic!("the emulator is a custom cloud");
    };

    let (_dir, t) = new_vault("signin", "e2e passphrase 2");
    // A custom cloud with the emulator's URLs, the demo tenant and its public client.
    add_device_code_connector(
        &t,
        "emu",
        |t| {
            t.send(&["Left"]);
            t.wait_for("Custom endpoints");
            fill(t, &[&login_url, &graph_url, &emu.tenant(), PUBLIC_APP]);
        },
        "Mail.ReadWrite",
    );
    listed(&t, &["emu", "needs sign-in"]);

    // Sign in: read the code off the screen and approve it as the user would in a browser.
    t.send(&["s"]);
    let screen = t.wait_until("a device code", |s| user_code_on(s).is_some());
    let code = user_code_on(&screen).expect("the user code is on the screen");
    emu.approve_device(&code, ADELE);
    t.wait_until_within("that the user is signed in", Duration::from_secs(30), |s| {
        s.contains("is signed in") && s.contains(ADELE)
    });

    // Back on the list the token is valid.
    t.send(&["Enter"]);
    let list = listed(&t, &["emu", "device code", " valid "]);
    assert!(!list.contains("needs sign-in"), "{list}");

    t.send(&["q"]);
    t.assert_restored();
}
