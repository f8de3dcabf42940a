//! Records the git revision the binary was built from, for `graphmail --version`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=build.rs");
    // In a worktree `.git` is a file; follow it to the real HEAD when it exists.
    if let Ok(text) = std::fs::read_to_string(".git")
        && let Some(dir) = text.strip_prefix("gitdir:")
    {
        println!("cargo:rerun-if-changed={}/HEAD", dir.trim());
    }
    let revision = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=GRAPHMAIL_GIT_REVISION={revision}");
}
