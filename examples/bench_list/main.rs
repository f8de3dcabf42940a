//! Benchmark: `graphmail mail list --all --json` over a large Inbox on a loopback Graph.
//!
//! For each size it serves that many messages on loopback, points a throwaway vault at the
//! service, runs the release binary, and reports wall time, time to the first message, the
//! number of HTTP requests the binary made (counted by a proxy in front of the service), and
//! the binary's peak memory (max RSS, from `wait4`).
//!
//! ```sh
//! cargo build --release && cargo run --release --example bench_list            # 10k and 100k
//! cargo run --release --example bench_list -- 10000 50000 100000                # other sizes
//! ```

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use graphmail::domain::{Cloud, Connector, Grant};
use graphmail::vault::{ConnectorEntry, InitOptions, TokenCache, Unlock, Vault, VaultError};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod inbox_service;
use inbox_service::serve_inbox;

const PAGE: u64 = 1000;

struct Outcome {
    messages: u64,
    wall_ms: u128,
    first_ms: u128,
    requests: u64,
    max_rss_kib: i64,
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
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
    println!("| messages | wall time | first message | requests (expected) | peak RSS |");
    println!("|---:|---:|---:|---:|---:|");
    for n in sizes {
        let o = rt.block_on(bench_one(&bin, n));
        assert_eq!(
            o.messages, n as u64,
            "the listing must return every message"
        );
        println!(
            "| {} | {:.2} s | {} ms | {} ({}) | {:.1} MiB |",
            n,
            o.wall_ms as f64 / 1000.0,
            o.first_ms,
            o.requests,
            (n as u64).div_ceil(PAGE),
            o.max_rss_kib as f64 / 1024.0
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

async fn bench_one(bin: &Path, n: usize) -> Outcome {
    let service = serve_inbox(n).await;
    let (proxy_url, requests) = counting_proxy(&service.graph_url).await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let vault = dir.path().join("vault.age");
    let pass = dir.path().join("pass");
    std::fs::write(&pass, "bench passphrase").expect("write pass file");
    set_private(&pass);
    graphmail::vault::set_scrypt_work_factor(10);
    Vault::init(
        &vault,
        InitOptions {
            passphrase: Some(SecretString::from("bench passphrase")),
            recipients: vec![],
        },
    )
    .expect("vault init");
    let token = service.token.clone();
    Vault::open(
        &vault,
        Unlock::Passphrase(SecretString::from("bench passphrase")),
    )
    .expect("vault opens")
    .update(|doc| {
        let mut cache = TokenCache::default();
        cache.access_token = Some(token);
        cache.expires_at = Some(time::OffsetDateTime::now_utc().unix_timestamp() + 3600);
        doc.connectors.push(ConnectorEntry {
            connector: Connector {
                name: "bench".into(),
                cloud: Cloud::Custom {
                    login_url: service.login_url.clone(),
                    graph_url: proxy_url.clone(),
                },
                tenant: "bench".into(),
                client_id: "bench".into(),
                grant: Grant::DeviceCode,
                presets: vec![],
                extra_scopes: vec![],
                mailbox: None,
                redirect_port: 8400,
            },
            secrets: Default::default(),
            tokens: Some(cache),
        });
        Ok::<_, VaultError>(())
    })
    .expect("connector saved");

    let bin = bin.to_path_buf();
    let log_dir = dir.path().join("logs");
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        #[allow(clippy::zombie_processes)]
        // reaped by wait4 below, which also gives its peak memory
        let mut child = Command::new(bin)
            .args(["mail", "list", "--folder", "inbox", "--all", "--json"])
            .env("GRAPHMAIL_VAULT", &vault)
            .env("GRAPHMAIL_PASSPHRASE_FILE", &pass)
            .env("GRAPHMAIL_LOG_DIR", log_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("graphmail starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first_ms = 0;
        let mut messages = 0u64;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("stdout is text");
            if messages == 0 {
                first_ms = started.elapsed().as_millis();
                serde_json::from_str::<serde_json::Value>(&line).expect("each line is JSON");
            }
            messages += 1;
        }
        let (status, max_rss_kib) = wait_with_rusage(child.id() as i32);
        let wall_ms = started.elapsed().as_millis();
        assert_eq!(status, 0, "graphmail failed");
        Outcome {
            messages,
            wall_ms,
            first_ms,
            requests: requests.load(Ordering::SeqCst),
            max_rss_kib,
        }
    })
    .await
    .expect("the run completes")
}

/// Waits for the child and returns its exit code and peak resident set (KiB).
fn wait_with_rusage(pid: i32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unwaited child; both pointers are valid for the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_maxrss)
}

/// A loopback TCP proxy in front of the emulator that counts HTTP request lines.
async fn counting_proxy(graph_url: &str) -> (String, Arc<AtomicU64>) {
    let upstream = graph_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("an http://host:port/v1.0 URL")
        .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let addr = listener.local_addr().expect("proxy address");
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut tail: Vec<u8> = Vec::new();
                    loop {
                        let n = match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        // Request lines start "GET /" etc.; keep a tail for a split across reads.
                        tail.extend_from_slice(&buf[..n]);
                        let seen = tail
                            .windows(6)
                            .filter(|w| w.eq_ignore_ascii_case(b"\r\nhost"))
                            .count();
                        counter.fetch_add(seen as u64, Ordering::SeqCst);
                        let keep = tail.len().saturating_sub(5);
                        tail.drain(..keep);
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let down = async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    let _ = cw.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    let path = graph_url
        .trim_start_matches("http://")
        .split_once('/')
        .map(|(_, p)| p)
        .unwrap_or("v1.0");
    (format!("http://{addr}/{path}"), count)
}

fn set_private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}
