//! Nothing secret leaves through the terminal or the log: sign in with distinctive secrets,
//! then search everything graphmail wrote for them and for the tokens it got.

use crate::support::emu::{ADELE, Clocks, DAEMON_APP, Emu, PUBLIC_APP, WEB_APP};
use crate::support::signin::{Env, LoginChild, Out, assert_not_in, run};
use graphmail::domain::Grant;
use graphmail_emulator::tenant::TenantSeed;

const PASSWORD: &str = "Pw-Zq7-unmistakable-user-password-41";
const WRONG_PASSWORD: &str = "Pw-Zq7-unmistakable-wrong-password-77";
const WEB_SECRET: &str = "Sc-Zq7-unmistakable-web-secret-93";
const DAEMON_SECRET: &str = "Sc-Zq7-unmistakable-daemon-secret-15";

fn seed() -> TenantSeed {
    let mut seed = TenantSeed::demo();
    seed.users
        .iter_mut()
        .find(|u| u.upn == ADELE)
        .unwrap()
        .password = PASSWORD.into();
    for app in &mut seed.apps {
        if app.client_id == WEB_APP {
            app.secret = Some(WEB_SECRET.into());
        }
        if app.client_id == DAEMON_APP {
            app.secret = Some(DAEMON_SECRET.into());
        }
    }
    seed
}

#[test]
fn no_secret_or_token_appears_in_output_or_logs() {
    let emu = Emu::with(seed(), Clocks::default());
    let env = Env::new();

    let mut ropc = emu.connector("ropc", Grant::Ropc, WEB_APP);
    ropc.secrets.username = Some(ADELE.into());
    ropc.secrets.password = Some(PASSWORD.into());
    ropc.secrets.client_secret = Some(WEB_SECRET.into());
    env.add(ropc);
    let mut wrong = emu.connector("wrong", Grant::Ropc, WEB_APP);
    wrong.secrets.username = Some(ADELE.into());
    wrong.secrets.password = Some(WRONG_PASSWORD.into());
    wrong.secrets.client_secret = Some(WEB_SECRET.into());
    env.add(wrong);
    let mut daemon = emu.connector("daemon", Grant::ClientCredentials, DAEMON_APP);
    daemon.secrets.client_secret = Some(DAEMON_SECRET.into());
    daemon.connector.mailbox = Some(ADELE.into());
    env.add(daemon);
    env.add(emu.connector("dev", Grant::DeviceCode, PUBLIC_APP));

    let mut outputs: Vec<Out> = Vec::new();
    for json in [false, true] {
        let flag: &[&str] = if json { &["--json"] } else { &[] };
        for args in [
            &["connector", "login", "ropc"][..],
            &["connector", "test", "ropc"],
            &["connector", "login", "wrong"],
            &["connector", "login", "daemon"],
            &["connector", "test", "daemon"],
        ] {
            let all: Vec<&str> = flag.iter().chain(args).copied().collect();
            outputs.push(run(env.cmd(&all)));
        }
    }
    let mut child = LoginChild::start(env.cmd(&["--json", "connector", "login", "dev"]));
    let shown = child.next_event();
    emu.approve_device(shown["user_code"].as_str().unwrap(), ADELE);
    outputs.push(child.finish());
    assert_eq!(outputs.last().unwrap().code, 0);

    // `graphmail token` may print the token on stdout, and nothing else anywhere.
    let token = run(env.cmd(&["token", "ropc"]));
    assert_eq!(token.code, 0, "{}", token.stderr);
    outputs.push(Out {
        code: token.code,
        stdout: String::new(),
        stderr: token.stderr.clone(),
    });

    let doc = env.vault().read().unwrap();
    let mut tokens: Vec<String> = Vec::new();
    for entry in &doc.connectors {
        if let Some(t) = &entry.tokens {
            tokens.extend(t.access_token.clone());
            tokens.extend(t.refresh_token.clone());
        }
    }
    assert!(tokens.len() >= 5, "every sign-in saved its tokens");
    let mut needles: Vec<(&str, &str)> = vec![
        ("user password", PASSWORD),
        ("wrong password", WRONG_PASSWORD),
        ("web app secret", WEB_SECRET),
        ("daemon secret", DAEMON_SECRET),
    ];
    for t in &tokens {
        needles.push(("token", t.as_str()));
    }

    for out in &outputs {
        assert_not_in(&out.stdout, &needles, "stdout");
        assert_not_in(&out.stderr, &needles, "stderr");
    }
    let logs = env.logs();
    assert!(
        logs.contains("sign-in succeeded"),
        "the log records outcomes"
    );
    assert_not_in(&logs, &needles, "the log file");
}
