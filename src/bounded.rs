//! Reading what the user hands in (secret files, standard input, mail bodies, attachments)
//! with a bound: a file that never ends (`/dev/zero`, a runaway pipe) stops with an error
//! naming the limit instead of growing the process until the kernel kills it.
//!
//! The reads go through `Read::take`, so pipes and process substitution (`<(…)`) keep working:
//! nothing depends on a file size the kernel may not know.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use zeroize::Zeroizing;

/// The most a secret, password or passphrase file (or standard input) may hold.
pub const SECRET_LIMIT: u64 = 64 * 1024;
/// The most an inline mail body may hold: Graph refuses larger requests.
pub const BODY_LIMIT: u64 = 4 * 1024 * 1024;
/// The most one attachment may hold: the limit of Graph's upload sessions.
pub const ATTACHMENT_LIMIT: u64 = 150 * 1024 * 1024;

/// Why a bounded read failed.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// More than `limit` bytes were there.
    TooLarge {
        limit: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{}", e.kind()),
            ReadError::TooLarge { limit } => write!(f, "it holds more than {}", size(*limit)),
        }
    }
}

/// `limit` in the unit people use for it: `64 KiB`, `4 MiB`, `150 MiB`.
pub fn size(limit: u64) -> String {
    if limit >= 1024 * 1024 && limit.is_multiple_of(1024 * 1024) {
        format!("{} MiB", limit / (1024 * 1024))
    } else if limit >= 1024 && limit.is_multiple_of(1024) {
        format!("{} KiB", limit / 1024)
    } else {
        format!("{limit} bytes")
    }
}

/// Reads all of `reader`, refusing more than `limit` bytes. The buffer is wiped when dropped.
pub fn read_limited(reader: impl Read, limit: u64) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let mut buf = Zeroizing::new(Vec::new());
    // One byte past the limit tells "exactly the limit" from "more".
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(buf)
}

/// Reads the file at `path` (`-` is not special here), refusing more than `limit` bytes.
pub fn read_file(path: &Path, limit: u64) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    read_limited(file, limit)
}

/// Reads standard input, refusing more than `limit` bytes.
pub fn read_stdin(limit: u64) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    read_limited(io::stdin().lock(), limit)
}

/// Why a secret's text cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretProblem {
    NotUtf8,
    Empty,
    /// A control character (NUL, ESC, …) in the first line: no real secret holds one.
    Control,
}

/// The first line of a secret file's bytes, without its line ending: UTF-8, not empty, and
/// free of control characters.
pub fn first_line(bytes: &[u8]) -> Result<&str, SecretProblem> {
    let text = std::str::from_utf8(bytes).map_err(|_| SecretProblem::NotUtf8)?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(SecretProblem::Empty);
    }
    if line.chars().any(char::is_control) {
        return Err(SecretProblem::Control);
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_source_stops_one_byte_past_the_limit() {
        let zeros = io::repeat(0);
        match read_limited(zeros, SECRET_LIMIT) {
            Err(ReadError::TooLarge { limit }) => assert_eq!(limit, SECRET_LIMIT),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exactly_the_limit_is_accepted() {
        let data = vec![b'a'; 1024];
        assert_eq!(read_limited(&data[..], 1024).unwrap().len(), 1024);
        assert!(read_limited(&data[..], 1023).is_err());
    }

    #[test]
    fn limits_are_named_in_the_units_people_use() {
        assert_eq!(size(SECRET_LIMIT), "64 KiB");
        assert_eq!(size(BODY_LIMIT), "4 MiB");
        assert_eq!(size(ATTACHMENT_LIMIT), "150 MiB");
        assert_eq!(size(10), "10 bytes");
    }

    #[test]
    fn a_secret_is_its_first_line_and_never_holds_a_control() {
        assert_eq!(first_line(b"s3cret\nignored"), Ok("s3cret"));
        assert_eq!(first_line(b"s3cret\r\n"), Ok("s3cret"));
        assert_eq!(first_line(b"\nlater"), Err(SecretProblem::Empty));
        assert_eq!(first_line(b"a\0b"), Err(SecretProblem::Control));
        assert_eq!(first_line(b"a\x1b]0;x\x07"), Err(SecretProblem::Control));
        assert_eq!(first_line(b"\xff\xfe"), Err(SecretProblem::NotUtf8));
    }
}
