//! The two ways an authorization-code sign-in comes back: a loopback listener on
//! `127.0.0.1:<port>` that the browser is redirected to, and the final redirect URL pasted by
//! the person (when the browser runs on another machine).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::AuthError;

/// What came back on the redirect URI, with `state` already checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Code(String),
    /// `error` and `error_description` from the redirect.
    Error {
        error: String,
        description: Option<String>,
    },
}

/// Reads the query of a redirect. Unknown parameters (`iss`, `session_state`, …) are ignored;
/// a missing or different `state` is refused.
pub fn check_reply(query: &HashMap<String, String>, state: &str) -> Result<Reply, AuthError> {
    let code = query.get("code").filter(|c| !c.is_empty());
    let error = query.get("error").filter(|e| !e.is_empty());
    if code.is_none() && error.is_none() {
        return Err(AuthError::BadRedirect(
            "the address carries neither a sign-in code nor an error".into(),
        ));
    }
    match query.get("state") {
        Some(got) if constant_time_eq(got.as_bytes(), state.as_bytes()) => {}
        _ => return Err(AuthError::StateMismatch),
    }
    Ok(match (code, error) {
        (_, Some(error)) => Reply::Error {
            error: error.clone(),
            description: query.get("error_description").cloned(),
        },
        (Some(code), None) => Reply::Code(code.clone()),
        (None, None) => unreachable!("checked above"),
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parses what the person pasted: the whole redirect URL, or just its query.
pub fn parse_pasted(line: &str, state: &str) -> Result<Reply, AuthError> {
    let line = line.trim();
    let query = match url::Url::parse(line) {
        Ok(url) => url.query().unwrap_or_default().to_string(),
        Err(_) if line.contains('=') => line.trim_start_matches(['?', '/']).to_string(),
        Err(_) => {
            return Err(AuthError::BadRedirect(
                "what was pasted is not an address".into(),
            ));
        }
    };
    check_reply(&query_map(&query), state)
}

fn query_map(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// A listener for the redirect, serving until dropped.
pub struct Listener {
    addr: SocketAddr,
    replies: mpsc::UnboundedReceiver<Result<Reply, AuthError>>,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Time a browser gets to send its request on an open connection.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest request head read.
const MAX_REQUEST: usize = 16 * 1024;

impl Listener {
    /// Binds `127.0.0.1:port` and waits for `GET <path>?…&state=<state>`.
    pub async fn bind(port: u16, path: &str, state: &str) -> Result<Listener, AuthError> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| AuthError::Listener(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| AuthError::Listener(e.to_string()))?;
        let (tx, replies) = mpsc::unbounded_channel();
        let path = path.to_string();
        let state = state.to_string();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (tx, path, state) = (tx.clone(), path.clone(), state.clone());
                tokio::spawn(async move {
                    if let Ok(Some(outcome)) =
                        tokio::time::timeout(READ_TIMEOUT, serve(stream, &path, &state)).await
                    {
                        let _ = tx.send(outcome);
                    }
                });
            }
        });
        Ok(Listener {
            addr,
            replies,
            task,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first sign-in reply (or refusal) the listener received.
    pub async fn next(&mut self) -> Result<Reply, AuthError> {
        match self.replies.recv().await {
            Some(r) => r,
            None => Err(AuthError::Listener("the listener stopped".into())),
        }
    }
}

/// Answers one connection. Returns the outcome when it was a sign-in reply on `path`.
async fn serve(mut stream: TcpStream, path: &str, state: &str) -> Option<Result<Reply, AuthError>> {
    let head = read_head(&mut stream).await?;
    let request_line = head.lines().next()?;
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    let (req_path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || req_path != path {
        respond(
            &mut stream,
            "404 Not Found",
            "Not found",
            "This is graphmail's sign-in listener.",
        )
        .await;
        return None;
    }
    let outcome = check_reply(&query_map(query), state);
    match &outcome {
        Ok(Reply::Code(_)) => respond(
            &mut stream,
            "200 OK",
            "Signed in",
            "graphmail received the sign-in. You can close this tab and return to the terminal.",
        )
        .await,
        Ok(Reply::Error { .. }) => {
            respond(
                &mut stream,
                "200 OK",
                "Sign-in failed",
                "The sign-in failed. The terminal shows why and what to do.",
            )
            .await
        }
        Err(AuthError::StateMismatch) => {
            respond(
                &mut stream,
                "400 Bad Request",
                "Sign-in refused",
                "This reply does not belong to the sign-in graphmail started, so it was refused.",
            )
            .await
        }
        Err(_) => {
            respond(
                &mut stream,
                "400 Bad Request",
                "Not a sign-in reply",
                "This address carries no sign-in reply.",
            )
            .await;
            return None;
        }
    }
    Some(outcome)
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > MAX_REQUEST {
            break;
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

async fn respond(stream: &mut TcpStream, status: &str, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title} – graphmail</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_url_gives_its_code_and_ignores_unknown_parameters() {
        let r = parse_pasted(
            " http://localhost:8400/?code=abc&state=s1&iss=https%3A%2F%2Flogin&session_state=x\n",
            "s1",
        )
        .unwrap();
        assert_eq!(r, Reply::Code("abc".into()));
        assert_eq!(
            parse_pasted("?code=abc&state=s1", "s1").unwrap(),
            Reply::Code("abc".into())
        );
    }

    #[test]
    fn a_wrong_or_missing_state_is_refused() {
        assert!(matches!(
            parse_pasted("http://localhost:8400/?code=abc&state=other", "s1"),
            Err(AuthError::StateMismatch)
        ));
        assert!(matches!(
            parse_pasted("http://localhost:8400/?code=abc", "s1"),
            Err(AuthError::StateMismatch)
        ));
        assert!(matches!(
            parse_pasted("hello", "s1"),
            Err(AuthError::BadRedirect(_))
        ));
    }

    #[test]
    fn an_error_reply_is_reported() {
        let r = parse_pasted(
            "http://localhost:8400/?error=access_denied&error_description=AADSTS65004%3A+declined&state=s1",
            "s1",
        )
        .unwrap();
        assert_eq!(
            r,
            Reply::Error {
                error: "access_denied".into(),
                description: Some("AADSTS65004: declined".into())
            }
        );
    }

    #[tokio::test]
    async fn the_listener_answers_only_its_path_and_hands_over_the_code() {
        let mut listener = Listener::bind(0, "/", "s1").await.unwrap();
        let addr = listener.local_addr();
        let client = crate::http::builder().build().unwrap();
        let miss = client
            .get(format!("http://{addr}/favicon.ico"))
            .send()
            .await
            .unwrap();
        assert_eq!(miss.status(), 404);
        let hit = client
            .get(format!("http://{addr}/?code=c0de&state=s1&iss=x"))
            .send()
            .await
            .unwrap();
        assert_eq!(hit.status(), 200);
        assert!(hit.text().await.unwrap().contains("return to the terminal"));
        assert_eq!(listener.next().await.unwrap(), Reply::Code("c0de".into()));
    }
}
