//! The agent's wire protocol: per connection one request and one reply, each a 4-byte
//! big-endian length followed by that many bytes of JSON. Frames over [`MAX_FRAME`] are
//! refused before anything is allocated, and every exchange has a deadline.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The largest frame either side accepts: an age header has a few stanzas of a few hundred bytes.
pub const MAX_FRAME: usize = 64 * 1024;
/// How long one side waits for the other to send or take a frame.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// What the agent holds and until when (never the key).
    Status,
    /// Unwrap the file key from one of these header stanzas.
    Unwrap { stanzas: Vec<WireStanza> },
    /// Forget the key and stop.
    Lock,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Status(AgentStatus),
    FileKey {
        key: WireKey,
    },
    /// None of the stanzas is for the key the agent holds.
    NoMatch,
    /// The key is forgotten; the agent stops.
    Locked,
    Error {
        message: String,
    },
}

/// What `graphmail unlock --status` shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentStatus {
    pub pid: u32,
    /// The vault whose key the agent holds (canonical path).
    pub vault: PathBuf,
    /// The public half of the key held (`age1…`).
    pub public_key: String,
    /// The key is forgotten after this long without use.
    pub idle_secs: u64,
    /// When the key will be forgotten unless used before (Unix seconds).
    pub expires_unix: i64,
}

/// One age header stanza on the wire; the body in base64.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireStanza {
    pub tag: String,
    pub args: Vec<String>,
    pub body: String,
}

impl From<&age_core::format::Stanza> for WireStanza {
    fn from(s: &age_core::format::Stanza) -> Self {
        WireStanza {
            tag: s.tag.clone(),
            args: s.args.clone(),
            body: STANDARD.encode(&s.body),
        }
    }
}

impl WireStanza {
    pub fn to_stanza(&self) -> Option<age_core::format::Stanza> {
        Some(age_core::format::Stanza {
            tag: self.tag.clone(),
            args: self.args.clone(),
            body: STANDARD.decode(&self.body).ok()?,
        })
    }
}

/// A file key on the wire, wiped when dropped.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
pub struct WireKey(pub Vec<u8>);

impl std::fmt::Debug for WireKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WireKey(..)")
    }
}

fn frame(msg: &impl Serialize) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let body = Zeroizing::new(serde_json::to_vec(msg).map_err(std::io::Error::other)?);
    if body.len() > MAX_FRAME {
        return Err(std::io::Error::other("the message is too large"));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

fn frame_len(header: [u8; 4]) -> std::io::Result<usize> {
    let len = u32::from_be_bytes(header) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes is over the {MAX_FRAME}-byte limit"),
        ));
    }
    Ok(len)
}

fn decode<T: DeserializeOwned>(body: &[u8]) -> std::io::Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
}

/// Writes one frame on a blocking stream (whose timeouts the caller set).
pub fn write_frame(w: &mut impl Write, msg: &impl Serialize) -> std::io::Result<()> {
    w.write_all(&frame(msg)?)?;
    w.flush()
}

/// Reads one frame from a blocking stream (whose timeouts the caller set).
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> std::io::Result<T> {
    let mut header = [0u8; 4];
    r.read_exact(&mut header)?;
    let mut body = Zeroizing::new(vec![0u8; frame_len(header)?]);
    r.read_exact(&mut body)?;
    decode(&body)
}

/// Writes one frame on an async stream (the caller bounds the time).
pub async fn write_frame_async(
    w: &mut (impl AsyncWriteExt + Unpin),
    msg: &impl Serialize,
) -> std::io::Result<()> {
    w.write_all(&frame(msg)?).await?;
    w.flush().await
}

/// Reads one frame from an async stream (the caller bounds the time).
pub async fn read_frame_async<T: DeserializeOwned>(
    r: &mut (impl AsyncReadExt + Unpin),
) -> std::io::Result<T> {
    let mut header = [0u8; 4];
    r.read_exact(&mut header).await?;
    let mut body = Zeroizing::new(vec![0u8; frame_len(header)?]);
    r.read_exact(&mut body).await?;
    decode(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_reads_back_as_sent() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &Request::Lock).unwrap();
        let back: Request = read_frame(&mut buf.as_slice()).unwrap();
        assert!(matches!(back, Request::Lock));
    }

    #[test]
    fn an_oversized_frame_is_refused_before_reading_its_body() {
        let mut buf = ((MAX_FRAME + 1) as u32).to_be_bytes().to_vec();
        buf.extend_from_slice(b"{}");
        let err = read_frame::<Request>(&mut buf.as_slice()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    }
}
