//! SMTP sessions against the server on 127.0.0.1, as a pipelining client speaks them.

use super::*;
use crate::relay::spool::Area;
use tokio::io::{AsyncBufReadExt, BufReader};

struct OneUser;
impl Authenticator for OneUser {
    fn verify(&self, user: &str, password: &str) -> bool {
        user == "scanner" && password == "correct horse"
    }
}

struct Server {
    addr: SocketAddr,
    spool: Spool,
    _dir: tempfile::TempDir,
}

async fn server(trusted: Vec<IpNet>, max_size: usize) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(&dir.path().join("spool")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Arc::new(SmtpConfig {
        hostname: "relay.test".into(),
        trusted,
        tls: None,
        max_size,
        users: Arc::new(OneUser),
        spool: spool.clone(),
        timeouts: Default::default(),
        accepted: tokio::sync::mpsc::unbounded_channel().0,
    });
    tokio::spawn(serve(listener, config));
    Server {
        addr,
        spool,
        _dir: dir,
    }
}

fn loopback() -> Vec<IpNet> {
    vec!["127.0.0.0/8".parse().unwrap()]
}

struct Client {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let (r, w) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut c = Client {
            reader: BufReader::new(r),
            writer: w,
        };
        assert!(c.reply().await.starts_with("220 "));
        c
    }

    /// One whole (possibly multi-line) reply.
    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(10), self.reader.read_line(&mut line))
                .await
                .expect("the server answers within 10 s")
                .unwrap();
            assert!(n > 0, "connection closed after: {all}");
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    async fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).await.unwrap();
    }

    async fn cmd(&mut self, line: &str) -> String {
        self.send(&format!("{line}\r\n")).await;
        self.reply().await
    }
}

#[tokio::test]
async fn a_pipelined_session_spools_the_message_with_its_envelope() {
    let s = server(loopback(), 1 << 20).await;
    let mut c = Client::connect(s.addr).await;
    let ehlo = c.cmd("EHLO client.test").await;
    for ext in [
        "PIPELINING",
        "SIZE 1048576",
        "8BITMIME",
        "ENHANCEDSTATUSCODES",
        "AUTH PLAIN LOGIN",
    ] {
        assert!(ehlo.contains(ext), "{ext} missing: {ehlo}");
    }
    assert!(
        !ehlo.contains("STARTTLS"),
        "no certificate, no STARTTLS: {ehlo}"
    );
    // Everything up to DATA in one write, as PIPELINING allows.
    c.send("MAIL FROM:<cron@host> BODY=8BITMIME\r\nRCPT TO:<root@localhost>\r\nRCPT TO:<ops@contoso.com>\r\nDATA\r\n")
        .await;
    assert!(c.reply().await.starts_with("250 2.1.0"));
    assert!(c.reply().await.starts_with("250 2.1.5"));
    assert!(c.reply().await.starts_with("250 2.1.5"));
    assert!(c.reply().await.starts_with("354"));
    let done = c
        .cmd("Subject: nightly\r\n\r\n..a line that began with a dot\r\nbye\r\n.")
        .await;
    assert!(done.starts_with("250 2.0.0 Ok: queued as "), "{done}");
    let id = done.trim().rsplit(' ').next().unwrap().to_string();
    let bare = c.cmd("RCPT TO:<root>").await;
    assert!(bare.starts_with("503") || bare.starts_with("501"), "{bare}");
    assert!(c.cmd("QUIT").await.starts_with("221"));
    let mut claimed = s.spool.claim(&id).expect("the message is in the spool");
    let (env, msg) = claimed.read().unwrap();
    assert_eq!(env.sender, "cron@host");
    assert_eq!(env.recipients, vec!["root@localhost", "ops@contoso.com"]);
    assert_eq!(
        String::from_utf8(msg).unwrap(),
        "Subject: nightly\r\n\r\n.a line that began with a dot\r\nbye\r\n"
    );
}

#[tokio::test]
async fn outside_the_trusted_networks_rcpt_needs_auth() {
    // Loopback is not trusted here, as a LAN client would not be.
    let s = server(vec![], 1 << 20).await;
    let mut c = Client::connect(s.addr).await;
    c.cmd("EHLO lan-printer").await;
    assert!(c.cmd("MAIL FROM:<scan@lan>").await.starts_with("250"));
    let refused = c.cmd("RCPT TO:<anyone@example.com>").await;
    assert!(refused.starts_with("554 5.7.1"), "{refused}");
    assert!(c.cmd("DATA").await.starts_with("554 5.5.1"));
    let bad = STANDARD.encode("\0scanner\0wrong");
    assert!(c.cmd(&format!("AUTH PLAIN {bad}")).await.starts_with("535"));
    let good = STANDARD.encode("\0scanner\0correct horse");
    assert!(
        c.cmd(&format!("AUTH PLAIN {good}"))
            .await
            .starts_with("235")
    );
    assert!(
        c.cmd("RCPT TO:<anyone@example.com>")
            .await
            .starts_with("250")
    );
    assert!(s.spool.ids(Area::Queue).unwrap().is_empty());
}

#[tokio::test]
async fn auth_login_asks_for_name_and_password() {
    let s = server(vec![], 1 << 20).await;
    let mut c = Client::connect(s.addr).await;
    c.cmd("EHLO x").await;
    assert_eq!(c.cmd("AUTH LOGIN").await.trim(), "334 VXNlcm5hbWU6");
    assert_eq!(
        c.cmd(&STANDARD.encode("scanner")).await.trim(),
        "334 UGFzc3dvcmQ6"
    );
    assert!(
        c.cmd(&STANDARD.encode("correct horse"))
            .await
            .starts_with("235")
    );
}

#[tokio::test]
async fn too_big_messages_and_bad_order_are_refused() {
    let s = server(loopback(), 64).await;
    let mut c = Client::connect(s.addr).await;
    assert!(
        c.cmd("MAIL FROM:<a@b>").await.starts_with("503"),
        "EHLO first"
    );
    c.cmd("HELO x").await;
    assert!(c.cmd("MAIL FROM:<a@b> SIZE=1000").await.starts_with("552"));
    assert!(c.cmd("RCPT TO:<a@b>").await.starts_with("503"));
    c.cmd("MAIL FROM:<a@b>").await;
    c.cmd("RCPT TO:<c@d>").await;
    c.cmd("DATA").await;
    let big = format!("Subject: x\r\n\r\n{}\r\n.", "y".repeat(200));
    assert!(c.cmd(&big).await.starts_with("552"));
    assert!(
        c.cmd("NOOP").await.starts_with("250"),
        "the session goes on"
    );
    assert!(s.spool.ids(Area::Queue).unwrap().is_empty());
}
