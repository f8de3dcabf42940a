//! Every AADSTS case the emulator produces for a sign-in: the decoded message and fix on
//! stderr (and in the `--json` error event), a non-zero exit, and the vault byte for byte as
//! it was.

use crate::support::emu::{ADELE, DAEMON_APP, Emu, LEE_MFA, PUBLIC_APP, UNCONSENTED_APP, WEB_APP};
use crate::support::signin::{Env, run};
use graphmail::domain::Grant;
use graphmail::vault::ConnectorEntry;

struct Case {
    what: String,
    aadsts: u32,
    message: &'static str,
    fix: &'static str,
}

impl Case {
    /// AADSTS`aadsts` must print `message` and `fix`.
    fn new(aadsts: u32, message: &'static str, fix: &'static str) -> Case {
        let what = aadsts.to_string();
        Case {
            what,
            aadsts,
            message,
            fix,
        }
    }
}

fn ropc(emu: &Emu, client_id: &str, upn: &str, password: &str) -> ConnectorEntry {
    let mut e = emu.connector("c", Grant::Ropc, client_id);
    e.secrets.username = Some(upn.into());
    e.secrets.password = Some(password.into());
    e
}

fn client_credentials(emu: &Emu, secret: &str) -> ConnectorEntry {
    let mut e = emu.connector("c", Grant::ClientCredentials, DAEMON_APP);
    e.secrets.client_secret = Some(secret.into());
    e.connector.mailbox = Some(ADELE.into());
    e
}

fn check(entry: ConnectorEntry, case: Case) {
    let env = Env::new();
    env.add(entry);
    let before = env.vault_files();

    let text = run(env.cmd(&["connector", "login", "c"]));
    assert!(
        ![0, 2].contains(&text.code),
        "{}: exit {}",
        case.what,
        text.code
    );
    assert!(
        text.stderr.contains(case.message),
        "{}: message missing in {}",
        case.what,
        text.stderr
    );
    assert!(
        text.stderr.contains(case.fix),
        "{}: fix missing in {}",
        case.what,
        text.stderr
    );

    let json = run(env.cmd(&["--json", "connector", "login", "c"]));
    assert_ne!(json.code, 0);
    let event = json
        .event("error")
        .unwrap_or_else(|| panic!("{}: {}", case.what, json.stdout));
    assert_eq!(event["aadsts"], case.aadsts, "{}: {event}", case.what);
    assert!(event["fix"].as_str().unwrap().contains(case.fix));

    assert_eq!(
        env.vault_files(),
        before,
        "{}: the vault changed",
        case.what
    );
}

#[test]
fn wrong_password() {
    let emu = Emu::start();
    let entry = ropc(&emu, PUBLIC_APP, ADELE, "not-her-password");
    check(
        entry,
        Case::new(50126, "user name or password is wrong", "--password-file"),
    );
}

#[test]
fn mfa_account_on_ropc() {
    let emu = Emu::start();
    let entry = ropc(&emu, PUBLIC_APP, LEE_MFA, &emu.password(LEE_MFA));
    check(
        entry,
        Case::new(50076, "multi-factor authentication", "--grant auth-code"),
    );
}

#[test]
fn ropc_on_the_common_endpoint() {
    let emu = Emu::start();
    let mut entry = ropc(&emu, PUBLIC_APP, ADELE, &emu.password(ADELE));
    entry.connector.tenant = "common".into();
    check(
        entry,
        Case::new(
            9001023,
            "does not work with the common or consumers tenant",
            "--tenant",
        ),
    );
}

#[test]
fn missing_consent() {
    let emu = Emu::start();
    let entry = ropc(&emu, UNCONSENTED_APP, ADELE, &emu.password(ADELE));
    check(
        entry,
        Case::new(
            65001,
            "Consent is missing",
            "/v2.0/adminconsent?client_id=e9a87bf7-76d5-4c68-a75b-6b19c865e475",
        ),
    );
}

#[test]
fn wrong_client_secret() {
    let emu = Emu::start();
    let entry = client_credentials(&emu, "this-is-not-the-secret");
    check(
        entry,
        Case::new(
            7000215,
            "client secret is wrong or expired",
            "Certificates & secrets",
        ),
    );
}

#[test]
fn confidential_app_without_its_secret() {
    let emu = Emu::start();
    let entry = ropc(&emu, WEB_APP, ADELE, &emu.password(ADELE));
    check(
        entry,
        Case::new(7000218, "must send a client secret", "--client-secret-file"),
    );
}

#[test]
fn public_app_given_a_secret() {
    let emu = Emu::start();
    let mut entry = ropc(&emu, PUBLIC_APP, ADELE, &emu.password(ADELE));
    entry.secrets.client_secret = Some("a-secret-a-public-app-must-not-send".into());
    check(
        entry,
        Case::new(700025, "public client", "--clear-client-secret"),
    );
}

#[test]
fn unknown_app() {
    let emu = Emu::start();
    let entry = ropc(
        &emu,
        "0badc0de-0000-4000-8000-000000000000",
        ADELE,
        &emu.password(ADELE),
    );
    check(
        entry,
        Case::new(
            700016,
            "No app with client ID 0badc0de-0000-4000-8000-000000000000",
            "check the client ID",
        ),
    );
}

#[test]
fn unknown_tenant() {
    let emu = Emu::start();
    let mut entry = client_credentials(&emu, &emu.secret(DAEMON_APP));
    entry.connector.tenant = "fabrikam.example".into();
    check(
        entry,
        Case::new(
            90002,
            "Tenant 'fabrikam.example' was not found",
            "Directory (tenant) ID",
        ),
    );
}

#[test]
fn scope_the_service_does_not_know() {
    let emu = Emu::start();
    let mut entry = ropc(&emu, PUBLIC_APP, ADELE, &emu.password(ADELE));
    entry.connector.extra_scopes = vec!["Foo.Bar".into()];
    check(
        entry,
        Case::new(
            70011,
            "A requested scope is not valid.",
            "check the connector's scopes",
        ),
    );
}
