//! What an admin installs around the binary: shell completions, the manual page, `--version`.

use std::io::Write;
use std::process::{Command, Stdio};

fn graphmail(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_graphmail"))
        .args(args)
        // No config file: a developer's own must not change what the tests see.
        .env("GRAPHMAIL_CONFIG", "/nonexistent/graphmail/config.toml")
        .output()
        .expect("the graphmail binary runs")
}

/// Whether `program` is installed; when not, says so (or fails when CI requires the tools).
fn have(program: &str) -> bool {
    crate::support::vault::require_program(program, "check what is installed around the binary")
        .is_some()
}

#[test]
fn bash_completions_load_without_errors_and_complete_subcommands() {
    if !have("bash") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_graphmail");
    let script = format!(
        r#"set -e
source <("{bin}" completions bash)
COMP_WORDS=(graphmail conn); COMP_CWORD=1; COMP_LINE="graphmail conn"; COMP_POINT=14
_graphmail graphmail conn graphmail
printf '%s\n' "${{COMPREPLY[@]}}""#
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bash failed: {stderr}");
    assert!(stderr.is_empty(), "bash printed errors: {stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "connector");
}

#[test]
fn every_shell_gets_a_completion_script_naming_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = graphmail(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {:?}", out);
        let text = String::from_utf8(out.stdout).unwrap();
        for word in ["connector", "mail", "completions", "vault"] {
            assert!(text.contains(word), "{shell} script lacks {word}");
        }
    }
    let out = graphmail(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}

#[test]
fn the_manual_page_renders_with_man_without_warnings() {
    if !have("man") {
        return;
    }
    let page = graphmail(&["man"]);
    assert!(page.status.success());
    let mut man = Command::new("man")
        .args(["--warnings", "-l", "-"])
        .env("MANWIDTH", "80")
        .env_remove("MANPAGER")
        .env("PAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    man.stdin.take().unwrap().write_all(&page.stdout).unwrap();
    let out = man.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man failed: {stderr}");
    assert!(stderr.trim().is_empty(), "man warned: {stderr}");
    let text = plain(&String::from_utf8_lossy(&out.stdout));
    crate::support::mail::assert_contains(&text, "NAME");
    crate::support::mail::assert_contains(&text, "graphmail");
    crate::support::mail::assert_contains(&text, "completions");
}

#[test]
fn version_names_the_release_and_the_build_revision() {
    let out = graphmail(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!("graphmail {} (", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    let revision = text
        .trim()
        .rsplit_once('(')
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap();
    assert!(
        revision == "unknown"
            || (revision.len() >= 7 && revision.chars().all(|c| c.is_ascii_hexdigit())),
        "not a git revision: {revision}"
    );
}

/// The page without the overstrike (`N\x08N`) man uses for bold text.
fn plain(text: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}
