//! The SMTP side of the relay: the RFC 5321 submission subset the server's programs use.
//!
//! Commands are parsed by `smtp-proto`; this file keeps the session's state and its rules:
//! never an open relay (outside the trusted networks a client must AUTH before RCPT is
//! accepted), AUTH only under TLS or on loopback, and 250 after DATA only once the message is
//! fsync'd in the spool.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ipnet::IpNet;
use smtp_proto::request::receiver::{DataReceiver, RequestReceiver};
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN, Request};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::settings::SmtpTimeouts;
use super::spool::{Envelope, Spool, now};

/// Replies when a time limit ends the connection (RFC 5321 4.5.3.2: the server closes).
const IDLE_REPLY: &str = "421 4.4.2 Timeout waiting for a command, closing\r\n";
const DATA_REPLY: &str = "421 4.4.2 The message took too long to arrive, closing\r\n";
const SESSION_REPLY: &str = "421 4.4.2 Session time limit reached, closing\r\n";
/// Time to hand over the last reply after a limit ran out.
const GOODBYE: Duration = Duration::from_secs(5);
/// Recipients per message.
const MAX_RECIPIENTS: usize = 100;
/// Protocol errors before the connection is closed.
const MAX_ERRORS: u32 = 20;
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 64;

/// Checks relay users' passwords.
pub trait Authenticator: Send + Sync {
    /// True when `password` is `user`'s.
    fn verify(&self, user: &str, password: &str) -> bool;
}

/// No relay users.
pub struct NoUsers;
impl Authenticator for NoUsers {
    fn verify(&self, _: &str, _: &str) -> bool {
        false
    }
}

/// What every session shares.
pub struct SmtpConfig {
    pub hostname: String,
    pub trusted: Vec<IpNet>,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    pub max_size: usize,
    pub users: Arc<dyn Authenticator>,
    pub spool: Spool,
    pub timeouts: SmtpTimeouts,
    /// Gets the id of each accepted message, for the delivery loop.
    pub accepted: UnboundedSender<String>,
}

/// Accepts connections until the listener fails.
pub async fn serve(listener: TcpListener, config: Arc<SmtpConfig>) -> std::io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = listener.accept().await?;
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            let mut stream = stream;
            let _ = stream
                .write_all(b"421 4.7.0 Too many connections, try again later\r\n")
                .await;
            continue;
        };
        let config = config.clone();
        tokio::spawn(async move {
            // A backstop for a client that stops reading our replies: writes have no other
            // limit. The session's own deadline comes first and says why.
            let limit = config.timeouts.session + GOODBYE + GOODBYE;
            match tokio::time::timeout(limit, session(stream, peer, &config)).await {
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "SMTP session ended"),
                Err(_) => tracing::info!(%peer, "SMTP session cut off at its time limit"),
                Ok(Ok(())) => {}
            }
            drop(permit);
        });
    }
}

/// The state of one SMTP session.
struct Session<'c> {
    config: &'c SmtpConfig,
    peer: SocketAddr,
    trusted: bool,
    tls: bool,
    helo: Option<String>,
    auth_user: Option<String>,
    sender: Option<String>,
    recipients: Vec<String>,
    errors: u32,
    /// When the connection must end.
    deadline: Instant,
    /// When the message being received must be complete.
    data_deadline: Option<Instant>,
}

/// What the command loop asks of its caller.
enum Next {
    Close,
    StartTls,
}

async fn session(stream: TcpStream, peer: SocketAddr, config: &SmtpConfig) -> std::io::Result<()> {
    let trusted = config.trusted.iter().any(|n| n.contains(&peer.ip()));
    let mut s = Session {
        config,
        peer,
        trusted,
        tls: false,
        helo: None,
        auth_user: None,
        sender: None,
        recipients: Vec::new(),
        errors: 0,
        deadline: Instant::now() + config.timeouts.session,
        data_deadline: None,
    };
    let mut stream = stream;
    let greeting = format!("220 {} ESMTP graphmail relay\r\n", config.hostname);
    stream.write_all(greeting.as_bytes()).await?;
    let next = s.run(&mut stream).await;
    match close_on_timeout(&mut stream, next).await? {
        Next::Close => Ok(()),
        Next::StartTls => {
            let Some(acceptor) = config.tls.clone() else {
                return Ok(());
            };
            let (until, _) = s.limit();
            let mut tls = tokio::time::timeout_at(until, acceptor.accept(stream))
                .await
                .map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake")
                })??;
            // RFC 3207: everything learnt before STARTTLS is forgotten.
            s.tls = true;
            s.helo = None;
            s.auth_user = None;
            s.reset();
            let next = s.run(&mut tls).await;
            close_on_timeout(&mut tls, next).await.map(|_| ())
        }
    }
}

/// When a time limit ended the command loop, says so to the client (the error's text is
/// the reply) before the connection closes.
async fn close_on_timeout<S: AsyncWrite + Unpin>(
    io: &mut S,
    next: std::io::Result<Next>,
) -> std::io::Result<Next> {
    match next {
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            let reply = e.to_string();
            let _ = tokio::time::timeout(GOODBYE, io.write_all(reply.as_bytes())).await;
            let _ = tokio::time::timeout(GOODBYE, io.shutdown()).await;
            tracing::info!(
                reply = reply.trim_end(),
                "SMTP connection closed at a time limit"
            );
            Ok(Next::Close)
        }
        other => other,
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl Session<'_> {
    fn reset(&mut self) {
        self.sender = None;
        self.recipients.clear();
    }

    /// Until when the next read may wait, and the reply if it runs out: the next command's
    /// idle limit, the message's, or the session's, whichever comes first.
    fn limit(&self) -> (Instant, &'static str) {
        let mut best = (Instant::now() + self.config.timeouts.command, IDLE_REPLY);
        if let Some(d) = self.data_deadline.filter(|d| *d < best.0) {
            best = (d, DATA_REPLY);
        }
        if self.deadline < best.0 {
            best = (self.deadline, SESSION_REPLY);
        }
        best
    }

    /// AUTH is offered only where the password cannot be read on the wire.
    fn auth_allowed(&self) -> bool {
        self.tls || is_loopback(self.peer.ip())
    }

    fn ehlo(&self, host: &str) -> String {
        let mut lines = vec![
            format!("{} greets {}", self.config.hostname, host),
            "PIPELINING".to_string(),
            format!("SIZE {}", self.config.max_size),
            "8BITMIME".to_string(),
            "ENHANCEDSTATUSCODES".to_string(),
        ];
        if self.config.tls.is_some() && !self.tls {
            lines.push("STARTTLS".into());
        }
        if self.auth_allowed() {
            lines.push("AUTH PLAIN LOGIN".into());
        }
        let last = lines.len() - 1;
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("250{}{l}\r\n", if i == last { ' ' } else { '-' }))
            .collect()
    }

    /// Reads commands and answers them until QUIT, STARTTLS or the end of the connection.
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut S,
    ) -> std::io::Result<Next> {
        let mut receiver = RequestReceiver::default();
        let mut buf = vec![0u8; 64 * 1024];
        let mut out = String::new();
        // Bytes read but not yet consumed (after DATA or AUTH, the rest of a pipelined read).
        let mut pending: Vec<u8> = Vec::new();
        loop {
            if pending.is_empty() {
                let n = read(io, &mut buf, self.limit()).await?;
                if n == 0 {
                    return Ok(Next::Close);
                }
                pending.extend_from_slice(&buf[..n]);
            }
            let chunk = std::mem::take(&mut pending);
            let mut iter = chunk.iter();
            loop {
                let request = match receiver.ingest(&mut iter) {
                    Ok(r) => r.into_owned(),
                    Err(smtp_proto::Error::NeedsMoreData { .. }) => break,
                    Err(smtp_proto::Error::ResponseTooLong) => {
                        // smtp-proto keeps at most 4 KB of a line; what follows an overlong
                        // line cannot be told apart from commands, so the connection ends.
                        out.push_str("500 5.5.2 Line too long, closing\r\n");
                        io.write_all(out.as_bytes()).await?;
                        return Ok(Next::Close);
                    }
                    Err(e) => {
                        self.errors += 1;
                        out.push_str(&error_reply(&e));
                        if self.errors > MAX_ERRORS {
                            out.push_str("421 4.7.0 Too many errors, closing\r\n");
                            io.write_all(out.as_bytes()).await?;
                            return Ok(Next::Close);
                        }
                        continue;
                    }
                };
                match request {
                    Request::Data => {
                        if self.recipients.is_empty() {
                            out.push_str("554 5.5.1 No valid recipients\r\n");
                            continue;
                        }
                        out.push_str("354 End data with <CR><LF>.<CR><LF>\r\n");
                        io.write_all(out.as_bytes()).await?;
                        out.clear();
                        let rest = iter.as_slice().to_vec();
                        let (reply, leftover) = self.data(io, rest, &mut buf).await?;
                        out.push_str(&reply);
                        pending = leftover;
                        break;
                    }
                    Request::Auth {
                        mechanism,
                        initial_response,
                    } => {
                        io.write_all(out.as_bytes()).await?;
                        out.clear();
                        let rest = iter.as_slice().to_vec();
                        let (reply, leftover) = self
                            .auth(io, mechanism, initial_response, rest, &mut buf)
                            .await?;
                        out.push_str(&reply);
                        pending = leftover;
                        break;
                    }
                    Request::StartTls => {
                        if self.config.tls.is_none() || self.tls {
                            out.push_str("502 5.5.1 STARTTLS not available\r\n");
                            continue;
                        }
                        if !iter.as_slice().is_empty() {
                            // RFC 3207 §4.2: commands pipelined after STARTTLS are an attack.
                            out.push_str("554 5.5.1 Nothing may follow STARTTLS\r\n");
                            io.write_all(out.as_bytes()).await?;
                            return Ok(Next::Close);
                        }
                        out.push_str("220 2.0.0 Ready to start TLS\r\n");
                        io.write_all(out.as_bytes()).await?;
                        return Ok(Next::StartTls);
                    }
                    Request::Quit => {
                        out.push_str("221 2.0.0 Bye\r\n");
                        io.write_all(out.as_bytes()).await?;
                        return Ok(Next::Close);
                    }
                    other => {
                        let reply = self.command(other);
                        out.push_str(&reply);
                    }
                }
            }
            if !out.is_empty() {
                io.write_all(out.as_bytes()).await?;
                out.clear();
            }
        }
    }

    /// Answers a command that needs no further reading.
    fn command(&mut self, request: Request<String>) -> String {
        match request {
            Request::Ehlo { host } => {
                self.helo = Some(host.clone());
                self.reset();
                self.ehlo(&host)
            }
            Request::Helo { host } => {
                let reply = format!("250 {} greets {host}\r\n", self.config.hostname);
                self.helo = Some(host);
                self.reset();
                reply
            }
            Request::Lhlo { .. } => "502 5.5.1 LMTP is not spoken here\r\n".into(),
            Request::Mail { from } => {
                if self.helo.is_none() {
                    return "503 5.5.1 Say EHLO first\r\n".into();
                }
                if self.sender.is_some() {
                    return "503 5.5.1 Sender already given\r\n".into();
                }
                if from.size > self.config.max_size {
                    return format!(
                        "552 5.3.4 Message size exceeds the limit of {} bytes\r\n",
                        self.config.max_size
                    );
                }
                self.sender = Some(from.address);
                "250 2.1.0 Sender ok\r\n".into()
            }
            Request::Rcpt { to } => {
                if self.sender.is_none() {
                    return "503 5.5.1 Need MAIL before RCPT\r\n".into();
                }
                if !self.trusted && self.auth_user.is_none() {
                    tracing::warn!(peer = %self.peer, "refused to relay for an unauthenticated client outside the trusted networks");
                    return "554 5.7.1 Relay access denied: authenticate first\r\n".into();
                }
                if self.recipients.len() >= MAX_RECIPIENTS {
                    return "452 4.5.3 Too many recipients\r\n".into();
                }
                if to.address.trim().is_empty() {
                    return "553 5.1.3 Empty recipient\r\n".into();
                }
                self.recipients.push(to.address);
                "250 2.1.5 Recipient ok\r\n".into()
            }
            Request::Rset => {
                self.reset();
                "250 2.0.0 Ok\r\n".into()
            }
            Request::Noop { .. } => "250 2.0.0 Ok\r\n".into(),
            Request::Vrfy { .. } => "252 2.5.2 Cannot verify, but will try\r\n".into(),
            Request::Bdat { .. } => "502 5.5.1 CHUNKING is not offered\r\n".into(),
            _ => "502 5.5.1 Command not implemented\r\n".into(),
        }
    }

    /// Reads the message after 354, spools it, and returns the reply and unread bytes.
    async fn data<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut S,
        mut rest: Vec<u8>,
        buf: &mut [u8],
    ) -> std::io::Result<(String, Vec<u8>)> {
        let mut receiver = DataReceiver::new();
        let mut message = Vec::with_capacity(8 * 1024);
        let limit = self.config.max_size;
        let mut too_big = false;
        self.data_deadline = Some(Instant::now() + self.config.timeouts.data);
        let leftover = loop {
            let mut iter = rest.iter();
            let done = if too_big {
                receiver.ingest(&mut iter, &mut Vec::new())
            } else {
                receiver.ingest(&mut iter, &mut message)
            };
            if message.len() > limit {
                too_big = true;
                message = Vec::new();
            }
            if done {
                break iter.as_slice().to_vec();
            }
            let n = read(io, buf, self.limit()).await?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed during DATA",
                ));
            }
            rest = buf[..n].to_vec();
        };
        self.data_deadline = None;
        let reply = if too_big {
            format!("552 5.3.4 Message size exceeds the limit of {limit} bytes\r\n")
        } else {
            let envelope = Envelope {
                sender: self.sender.clone().unwrap_or_default(),
                recipients: self.recipients.clone(),
                received_at: now(),
                connector: None,
                auth_user: self.auth_user.clone(),
                source: format!("smtp:{}", self.peer.ip()),
            };
            let spool = self.config.spool.clone();
            let stored =
                tokio::task::spawn_blocking(move || spool.enqueue(&envelope, &message)).await;
            match stored {
                Ok(Ok(id)) => {
                    tracing::info!(id, peer = %self.peer, "message accepted");
                    // The loop may be gone while the relay stops; the rescan finds the entry.
                    let _ = self.config.accepted.send(id.clone());
                    format!("250 2.0.0 Ok: queued as {id}\r\n")
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "could not write the spool");
                    "451 4.3.0 Could not queue the message; try again later\r\n".into()
                }
                Err(_) => "451 4.3.0 Could not queue the message; try again later\r\n".into(),
            }
        };
        self.reset();
        Ok((reply, leftover))
    }

    /// Runs an AUTH exchange; returns the final reply and unread bytes.
    async fn auth<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        io: &mut S,
        mechanism: u64,
        initial: String,
        mut rest: Vec<u8>,
        buf: &mut [u8],
    ) -> std::io::Result<(String, Vec<u8>)> {
        if !self.auth_allowed() {
            return Ok((
                "538 5.7.11 Encryption required: use STARTTLS first\r\n".into(),
                rest,
            ));
        }
        if self.auth_user.is_some() {
            return Ok(("503 5.5.1 Already authenticated\r\n".into(), rest));
        }
        let decode = |s: &str| {
            STANDARD
                .decode(s.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
        };
        let credentials = if mechanism == AUTH_PLAIN {
            let response = if initial.is_empty() {
                match prompt(io, buf, "", &mut rest, self.limit()).await? {
                    Some(r) => r,
                    None => return Ok(("501 5.0.0 Authentication cancelled\r\n".into(), rest)),
                }
            } else {
                initial
            };
            decode(&response).and_then(|plain| {
                let mut parts = plain.split('\0');
                let _authzid = parts.next()?;
                Some((parts.next()?.to_string(), parts.next()?.to_string()))
            })
        } else if mechanism == AUTH_LOGIN {
            let user = if initial.is_empty() {
                prompt(io, buf, "VXNlcm5hbWU6", &mut rest, self.limit()).await?
            } else {
                Some(initial)
            };
            let Some(user) = user.and_then(|u| decode(&u)) else {
                return Ok(("501 5.5.2 Cannot decode the user name\r\n".into(), rest));
            };
            let password = prompt(io, buf, "UGFzc3dvcmQ6", &mut rest, self.limit()).await?;
            password.and_then(|p| decode(&p)).map(|p| (user, p))
        } else {
            return Ok((
                "504 5.5.4 Only AUTH PLAIN and LOGIN are offered\r\n".into(),
                rest,
            ));
        };
        let Some((user, password)) = credentials else {
            return Ok(("501 5.5.2 Cannot decode the credentials\r\n".into(), rest));
        };
        let users = self.config.users.clone();
        let user_for_check = user.clone();
        // argon2 takes tens of milliseconds of CPU: off the connection tasks.
        let ok = tokio::task::spawn_blocking(move || users.verify(&user_for_check, &password))
            .await
            .unwrap_or(false);
        if ok {
            tracing::info!(peer = %self.peer, user, "relay user authenticated");
            self.auth_user = Some(user);
            Ok(("235 2.7.0 Authentication successful\r\n".into(), rest))
        } else {
            self.errors += 1;
            tracing::warn!(peer = %self.peer, "relay authentication failed");
            Ok((
                "535 5.7.8 Authentication credentials invalid\r\n".into(),
                rest,
            ))
        }
    }
}

/// Sends a 334 challenge and reads the answer; `None` when the client cancels with `*`.
async fn prompt<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    buf: &mut [u8],
    challenge: &str,
    rest: &mut Vec<u8>,
    limit: (Instant, &'static str),
) -> std::io::Result<Option<String>> {
    io.write_all(format!("334 {challenge}\r\n").as_bytes())
        .await?;
    let line = read_line(io, rest, buf, limit).await?;
    Ok((line.trim() != "*").then(|| line.trim().to_string()))
}

/// One read, given up at `limit.0` with an error whose text is the reply `limit.1`.
async fn read<S: AsyncRead + Unpin>(
    io: &mut S,
    buf: &mut [u8],
    limit: (Instant, &'static str),
) -> std::io::Result<usize> {
    tokio::time::timeout_at(limit.0, io.read(buf))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, limit.1))?
}

/// One line (for AUTH responses), at most 4 KB.
async fn read_line<S: AsyncRead + Unpin>(
    io: &mut S,
    rest: &mut Vec<u8>,
    buf: &mut [u8],
    limit: (Instant, &'static str),
) -> std::io::Result<String> {
    loop {
        if let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = rest.drain(..=pos).collect();
            return Ok(String::from_utf8_lossy(&line).trim_end().to_string());
        }
        if rest.len() > 4096 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "line too long",
            ));
        }
        let n = read(io, buf, limit).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "closed",
            ));
        }
        rest.extend_from_slice(&buf[..n]);
    }
}

fn error_reply(e: &smtp_proto::Error) -> String {
    use smtp_proto::Error as E;
    match e {
        E::UnknownCommand => "500 5.5.1 Unknown command\r\n".into(),
        E::InvalidSenderAddress => "501 5.1.7 Bad sender address\r\n".into(),
        E::InvalidRecipientAddress => "501 5.1.3 Bad recipient address\r\n".into(),
        E::SyntaxError { syntax } => format!("501 5.5.4 Syntax: {syntax}\r\n"),
        E::InvalidParameter { param } => format!("501 5.5.4 Invalid parameter {param}\r\n"),
        E::UnsupportedParameter { .. } => "555 5.5.4 Unsupported parameter\r\n".into(),
        E::ResponseTooLong => "500 5.5.2 Line too long\r\n".into(),
        _ => "500 5.5.2 Syntax error\r\n".into(),
    }
}

#[cfg(test)]
#[path = "smtp_tests.rs"]
mod tests;
