//! Benchmark: `graphmail mail list --folder inbox --all --json` against the emulator.
//!
//! For each size it serves the emulator in-process on 127.0.0.1 with that many extra messages in
//! the first user's Inbox, makes a throwaway vault with a connector through the release binary
//! and signs it in (ROPC as the demo user), then times the listing. It reports wall time, time to
//! the first message, the Graph requests the binary made (counted by the emulator), the binary's peak memory (VmHWM: the kernel's high-water RSS, from `wait4`), and the
//! time a bare HTTP client (reqwest, same query, following `@odata.nextLink`, parsing each page)
//! takes for the same pages.
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_list            # 10k and 100k
//! cargo run --release --example bench_list -- 10000 50000 100000                # other sizes
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark fails loudly"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use graphmail::vault::{Unlock, Vault};
use graphmail_emulator::Emulator;
use graphmail_emulator::tenant::AppKind;
use secrecy::SecretString;
use serde_json::Value;

mod served;

/// `$top` of `--all`.
const PAGE: u64 = 1000;
const PASSPHRASE: &str = "bench passphrase";
/// The fields `graphmail mail list` selects.
const FIELDS: &str = "id,subject,from,receivedDateTime,isRead,hasAttachments,importance";

struct Outcome {
    listed: u64,
    inbox_total: u64,
    wall_ms: u128,
    first_ms: u128,
    requests: u64,
    vm_hwm_kib: u64,
    bare_ms: u128,
    bare_requests: u64,
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace(['_', ','], "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let bin = binary();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime starts");
    println!(
        "| bulk messages | listed | wall time | first message | requests (expected ⌈listed/{PAGE}⌉) | peak memory (VmHWM) | bare reqwest, same pages |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let o = rt.block_on(bench_one(&bin, n));
        assert_eq!(
            o.listed, o.inbox_total,
            "the listing must return every message"
        );
        println!(
            "| {} | {} | {:.2} s | {} ms | {} ({}) | {:.1} MiB | {:.2} s ({} requests) |",
            n,
            o.listed,
            o.wall_ms as f64 / 1000.0,
            o.first_ms,
            o.requests,
            o.inbox_total.div_ceil(PAGE),
            o.vm_hwm_kib as f64 / 1024.0,
            o.bare_ms as f64 / 1000.0,
            o.bare_requests,
        );
    }
}

/// `target/release/graphmail`, beside this example's own binary.
fn binary() -> PathBuf {
    let me = std::env::current_exe().expect("the example knows its path");
    let bin = me
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("graphmail"))
        .expect("examples live under target/<profile>/examples");
    if !bin.exists() {
        eprintln!(
            "{} is missing: run `cargo build --release` first",
            bin.display()
        );
        std::process::exit(2);
    }
    bin
}

/// A throwaway vault folder and the binary pointed at it.
struct Home {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Home {
    fn new(bin: &Path) -> Home {
        let dir = tempfile::tempdir().expect("a temp dir");
        write_private(&dir.path().join("pass"), PASSPHRASE);
        Home {
            dir,
            bin: bin.to_path_buf(),
        }
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("vault.age")
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env("GRAPHMAIL_VAULT", self.vault())
            .env("GRAPHMAIL_PASSPHRASE_FILE", self.dir.path().join("pass"))
            .env("GRAPHMAIL_LOG_DIR", self.dir.path().join("logs"))
            .env(graphmail::vault::WORK_FACTOR_ENV, "10")
            .env_remove("GRAPHMAIL_IDENTITY")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a setup command that must succeed.
    fn setup(&self, args: &[&str]) {
        let out = self.command().args(args).output().expect("graphmail runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The access token the sign-in stored.
    fn token(&self) -> String {
        Vault::open(
            &self.vault(),
            Unlock::Passphrase(SecretString::from(PASSPHRASE)),
        )
        .expect("the vault opens")
        .read()
        .expect("the vault reads")
        .get("bench")
        .and_then(|e| e.tokens.as_ref()?.access_token.clone())
        .expect("the connector is signed in")
    }
}

/// Vault, connector and sign-in through the binary; the connector's Graph is `graph_url`.
async fn sign_in(home: Arc<Home>, emu: &Emulator) {
    let tenant = emu.tenant.tenant.id.clone();
    let app = emu
        .tenant
        .apps
        .iter()
        .find(|a| a.kind == AppKind::Public && !a.delegated.is_empty())
        .expect("the demo tenant has a public app")
        .client_id
        .clone();
    let user = emu.tenant.users[0].clone();
    let password = home.dir.path().join("user-password");
    write_private(&password, &user.password);
    let login = emu.login_url.clone();
    let graph = emu.graph_url.clone();
    tokio::task::spawn_blocking(move || {
        home.setup(&["vault", "init"]);
        home.setup(&[
            "connector",
            "add",
            "bench",
            "--tenant",
            &tenant,
            "--client-id",
            &app,
            "--grant",
            "ropc",
            "--username",
            &user.upn,
            "--password-file",
            password.to_str().expect("a UTF-8 path"),
            "--permissions",
            "fetch,offline",
            "--cloud",
            "custom",
            "--login-url",
            &login,
            "--graph-url",
            &graph,
        ]);
        home.setup(&["connector", "login", "bench"]);
    })
    .await
    .expect("sign-in completes");
}

async fn bench_one(bin: &Path, n: usize) -> Outcome {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let served = served::serve(n).await;
    let emu = served.state.clone();
    let requests = served.requests.clone();
    let home = Arc::new(Home::new(bin));
    sign_in(home.clone(), &emu).await;
    let token = home.token();
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client builds");
    let inbox: Value = http
        .get(format!("{}/me/mailFolders/inbox", emu.graph_url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("a folder");
    let inbox_total = inbox["totalItemCount"].as_u64().expect("a count");

    requests.store(0, Ordering::SeqCst);
    let run_home = home.clone();
    let (listed, wall_ms, first_ms, vm_hwm_kib) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut child = run_home
            .command()
            .args(["mail", "list", "--folder", "inbox", "--all", "--json"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("graphmail starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let watcher = watch_peak_memory(child.id());
        let mut first_ms = 0;
        let mut first = String::new();
        let mut listed = 0u64;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("stdout is text");
            if listed == 0 {
                first_ms = started.elapsed().as_millis();
                serde_json::from_str::<Value>(&line).expect("each line is JSON");
                first = line;
            }
            listed += 1;
        }
        let status = child.wait().expect("graphmail finishes");
        let wall_ms = started.elapsed().as_millis();
        let vm_hwm_kib = watcher.join().expect("the memory watcher finishes");
        // With --json an error is the one line on stdout.
        assert!(status.success(), "graphmail failed: {first}");
        (listed, wall_ms, first_ms, vm_hwm_kib)
    })
    .await
    .expect("the run completes");
    let cli_requests = requests.load(Ordering::SeqCst);

    // The same pages with a bare client: no process, no vault, no output.
    let started = Instant::now();
    let mut url = format!(
        "{}/me/mailFolders/inbox/messages?$select={FIELDS}&$top={PAGE}&$orderby=receivedDateTime%20desc",
        emu.graph_url
    );
    let mut bare_listed = 0u64;
    let bare_start = requests.load(Ordering::SeqCst);
    loop {
        let page: Value = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("a page")
            .json()
            .await
            .expect("a JSON page");
        bare_listed += page["value"].as_array().map_or(0, |v| v.len() as u64);
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let bare_ms = started.elapsed().as_millis();
    let bare_requests = requests.load(Ordering::SeqCst) - bare_start;
    assert_eq!(bare_listed, inbox_total);
    drop(emu);
    served.stop();
    Outcome {
        listed,
        inbox_total,
        wall_ms,
        first_ms,
        requests: cli_requests,
        vm_hwm_kib,
        bare_ms,
        bare_requests,
    }
}

/// Samples `VmHWM` of process `pid` every 2 ms until it is gone (or a zombie); returns the
/// largest value seen, in KiB. VmHWM only grows, so the last sample is the peak up to then.
fn watch_peak_memory(pid: u32) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let path = format!("/proc/{pid}/status");
        let mut peak = 0;
        while let Ok(status) = std::fs::read_to_string(&path) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            match hwm {
                Some(kib) => peak = peak.max(kib),
                // A zombie has no memory left to report.
                None => break,
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        peak
    })
}

fn write_private(path: &Path, content: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, content).expect("write a private file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}
