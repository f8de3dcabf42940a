//! The durable spool: every accepted message with its envelope, fsync'd before it is
//! acknowledged, and the delivery state beside it.
//!
//! ```text
//! spool/            0700
//!   tmp/            state files being written (removed or renamed)
//!   queue/ID.msg    envelope (one JSON line, with the message's SHA-256) + the message as
//!                   received; written in place under a lock, never changed afterwards
//!   queue/ID.state  delivery state (JSON), replaced atomically
//!   failed/ID.msg   messages that will not be delivered, with ID.state saying why
//!   relay.lock      held by a running relay
//! ```
//! A process delivering an entry holds an exclusive lock on its `.msg` file, so the relay,
//! `graphmail sendmail` and `relay flush` never work on one entry at the same time.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Who a message is from and to, as given by SMTP or sendmail's arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// `MAIL FROM` / `-f`; empty for the null sender.
    pub sender: String,
    /// `RCPT TO` / the arguments / the headers with `-t`; bare local names as given.
    pub recipients: Vec<String>,
    /// Unix seconds.
    pub received_at: i64,
    /// The connector chosen at acceptance (`-c NAME`), if one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
    /// The relay user that authenticated, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_user: Option<String>,
    /// Where it came from: `sendmail` or the SMTP client's address.
    pub source: String,
}

/// Where delivery of an entry stands. Before each request that may change the mailbox, the
/// stage saying so is written, so a crash right after the request is treated as an ambiguous
/// failure (looked up) and never as "not tried".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Nothing sent to Graph yet (or a lookup proved nothing was kept).
    #[default]
    New,
    /// The draft-creating request went out; its outcome is not recorded.
    Creating,
    /// The draft exists; large attachments are being uploaded.
    Uploading { draft_id: String },
    /// The draft is complete; `send` went out (or is about to).
    Sending { draft_id: String },
    /// An ambiguous failure: look the key up before doing anything else.
    Unknown {
        /// Unix seconds of the failure.
        since: i64,
        /// Lookups so far that found the key nowhere.
        nowhere: u32,
        /// The failed request was `send` (else: creating the draft).
        #[serde(default)]
        sent: bool,
    },
}

/// The mutable part of an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryState {
    #[serde(flatten)]
    pub stage: Stage,
    pub attempts: u32,
    /// Unix seconds before which no attempt is made.
    pub next_attempt: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Why the entry is in `failed/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_reason: Option<String>,
}

/// One spool entry as listed.
#[derive(Debug, Clone)]
pub struct EntrySummary {
    pub id: String,
    pub envelope: Envelope,
    pub state: DeliveryState,
    pub size: u64,
}

/// The spool folder.
#[derive(Debug, Clone)]
pub struct Spool {
    root: PathBuf,
}

/// Which list of the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Queue,
    Failed,
}

impl Area {
    fn dir(self) -> &'static str {
        match self {
            Area::Queue => "queue",
            Area::Failed => "failed",
        }
    }
}

/// An entry's `.msg` file locked for delivery; the lock goes with the value.
pub struct Claimed {
    pub id: String,
    file: File,
}

impl Claimed {
    /// The envelope and the message bytes.
    pub fn read(&mut self) -> io::Result<(Envelope, Vec<u8>)> {
        use std::io::Seek;
        self.file.seek(io::SeekFrom::Start(0))?;
        read_entry(&mut self.file)
    }
}

/// The first line of a `.msg` file: the envelope and the digest of the message after it.
#[derive(Serialize)]
struct HeadOut<'a> {
    #[serde(flatten)]
    envelope: &'a Envelope,
    sha256: String,
}

#[derive(Deserialize)]
struct HeadIn {
    #[serde(flatten)]
    envelope: Envelope,
    /// Absent in entries written before the digest was kept.
    sha256: Option<String>,
}

fn digest(message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(message)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The error of an entry whose writer has not finished (or died before the 250).
fn incomplete() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "the entry is incomplete (still being written, or its writer stopped)",
    )
}

/// Whether an error from reading an entry means it is not complete.
pub fn is_incomplete(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::InvalidData && e.to_string().starts_with("the entry is incomplete")
}

fn read_entry(file: &mut File) -> io::Result<(Envelope, Vec<u8>)> {
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if !line.ends_with('\n') {
        return Err(incomplete());
    }
    let head: HeadIn = serde_json::from_str(line.trim_end()).map_err(|_| incomplete())?;
    let mut message = Vec::new();
    reader.read_to_end(&mut message)?;
    if head.sha256.is_some_and(|d| d != digest(&message)) {
        return Err(incomplete());
    }
    Ok((head.envelope, message))
}

/// A new entry's name: sortable by time, unique by 64 random bits. Lower case only, because
/// Graph compares extended property values without regard to case.
pub fn new_id() -> String {
    let millis = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    format!("{millis:013}-{:016x}", rand::random::<u64>())
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Makes the spool folder (0700, whatever the umask) or checks the one that exists: a folder
/// graphmail did not make keeps its mode, so one that others may enter is refused, with the fix.
fn private_dir(dir: &Path) -> io::Result<()> {
    crate::private::create_dir_all(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is open to other users (mode {:o})",
                dir.display(),
                mode & 0o7777
            ),
        ));
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in `tmp`, durably.
fn write_atomic(tmp: &Path, path: &Path, parts: &[&[u8]]) -> io::Result<()> {
    let name = format!("w-{:016x}", rand::random::<u64>());
    let tmp_path = tmp.join(name);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp_path)?;
    for part in parts {
        file.write_all(part)?;
    }
    file.sync_all()?;
    drop(file);
    if let Err(e) = fs::rename(&tmp_path, path) {
        let _ = fs::remove_file(&tmp_path);
        return Err(e);
    }
    sync_dir(path.parent().unwrap_or(tmp))
}

impl Spool {
    /// Opens (creating) the spool at `root`, its folders 0700.
    pub fn open(root: &Path) -> io::Result<Spool> {
        for sub in ["", "tmp", "queue", "failed"] {
            private_dir(&root.join(sub))?;
        }
        Ok(Spool {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, area: Area, id: &str, ext: &str) -> PathBuf {
        self.root.join(area.dir()).join(format!("{id}.{ext}"))
    }

    /// Stores a message durably and returns its id. When this returns `Ok`, the message
    /// survives a crash or power loss.
    ///
    /// The file is written where it stays, under an exclusive lock (so no deliverer claims it
    /// half-written), and its first line carries the message's SHA-256 (so an entry cut short
    /// by a crash is recognised and never delivered). One file and one folder fsync: a rename
    /// from `tmp/` would cost a second journal commit per message.
    pub fn enqueue(&self, envelope: &Envelope, message: &[u8]) -> io::Result<String> {
        let id = new_id();
        let head = HeadOut {
            envelope,
            sha256: digest(message),
        };
        let mut line = serde_json::to_vec(&head).map_err(io::Error::other)?;
        line.push(b'\n');
        let path = self.path(Area::Queue, &id, "msg");
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)?;
            // A deliverer may have opened the new file between create and lock; it finds the
            // entry incomplete and lets go, so this wait is short.
            file.lock()?;
            file.write_all(&line)?;
            file.write_all(message)?;
            file.sync_all()?;
            sync_dir(&self.root.join("queue"))
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        Ok(id)
    }

    /// Removes an entry that stayed incomplete (its writer died before acknowledging it)
    /// once it is older than `age_secs`; true when it was removed.
    pub fn remove_stale_incomplete(&self, id: &str, age_secs: u64) -> bool {
        let path = self.path(Area::Queue, id, "msg");
        let old = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|e| e.as_secs() >= age_secs);
        let Ok(mut file) = File::open(&path) else {
            return false;
        };
        if !old || file.try_lock().is_err() {
            return false;
        }
        match read_entry(&mut file) {
            Err(e) if is_incomplete(&e) => {
                let _ = fs::remove_file(self.path(Area::Queue, id, "state"));
                fs::remove_file(&path).is_ok()
            }
            _ => false,
        }
    }

    /// The ids in an area, oldest first.
    pub fn ids(&self, area: Area) -> io::Result<Vec<String>> {
        let mut ids: Vec<String> = fs::read_dir(self.root.join(area.dir()))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let id = name.strip_suffix(".msg")?;
                valid_id(id).then(|| id.to_string())
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// An entry's delivery state (the default for one never tried).
    pub fn state(&self, area: Area, id: &str) -> DeliveryState {
        fs::read(self.path(area, id, "state"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Replaces an entry's delivery state durably.
    pub fn set_state(&self, id: &str, state: &DeliveryState) -> io::Result<()> {
        let body = serde_json::to_vec(state).map_err(io::Error::other)?;
        write_atomic(
            &self.root.join("tmp"),
            &self.path(Area::Queue, id, "state"),
            &[&body],
        )
    }

    /// Lists an area with envelopes and states.
    pub fn list(&self, area: Area) -> io::Result<Vec<EntrySummary>> {
        let mut out = Vec::new();
        for id in self.ids(area)? {
            let path = self.path(area, &id, "msg");
            let Ok(mut file) = File::open(&path) else {
                continue; // delivered meanwhile
            };
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let Ok((envelope, _)) = read_entry(&mut file) else {
                continue;
            };
            out.push(EntrySummary {
                state: self.state(area, &id),
                id,
                envelope,
                size,
            });
        }
        Ok(out)
    }

    /// Locks a queued entry for delivery; `None` when another process holds it or it is gone.
    pub fn claim(&self, id: &str) -> Option<Claimed> {
        if !valid_id(id) {
            return None;
        }
        let file = File::open(self.path(Area::Queue, id, "msg")).ok()?;
        file.try_lock().ok()?;
        // Delivered (and removed) between listing and locking: nothing to do.
        if !self.path(Area::Queue, id, "msg").exists() {
            return None;
        }
        Some(Claimed {
            id: id.to_string(),
            file,
        })
    }

    /// Removes a delivered entry.
    pub fn remove(&self, claimed: Claimed) -> io::Result<()> {
        let _ = fs::remove_file(self.path(Area::Queue, &claimed.id, "state"));
        fs::remove_file(self.path(Area::Queue, &claimed.id, "msg"))?;
        sync_dir(&self.root.join("queue"))
    }

    /// Moves an entry to `failed/` with the reason.
    pub fn fail(&self, claimed: Claimed, mut state: DeliveryState, reason: &str) -> io::Result<()> {
        state.failed_reason = Some(reason.to_string());
        let body = serde_json::to_vec(&state).map_err(io::Error::other)?;
        let id = &claimed.id;
        write_atomic(
            &self.root.join("tmp"),
            &self.path(Area::Failed, id, "state"),
            &[&body],
        )?;
        fs::rename(
            self.path(Area::Queue, id, "msg"),
            self.path(Area::Failed, id, "msg"),
        )?;
        let _ = fs::remove_file(self.path(Area::Queue, id, "state"));
        sync_dir(&self.root.join("queue"))?;
        sync_dir(&self.root.join("failed"))
    }

    /// Puts a failed entry back in the queue, due now, its history kept but its failure
    /// cleared. False when there is no such failed entry.
    pub fn retry(&self, id: &str) -> io::Result<bool> {
        if !valid_id(id) || !self.path(Area::Failed, id, "msg").exists() {
            // A queued entry: make it due now.
            if valid_id(id) && self.path(Area::Queue, id, "msg").exists() {
                let mut state = self.state(Area::Queue, id);
                state.next_attempt = 0;
                self.set_state(id, &state)?;
                return Ok(true);
            }
            return Ok(false);
        }
        let mut state = self.state(Area::Failed, id);
        state.failed_reason = None;
        state.next_attempt = 0;
        // The delivery history says what Graph may hold; keep the stage so a retry looks
        // the key up first when the last attempt was ambiguous.
        self.set_state(id, &state)?;
        fs::rename(
            self.path(Area::Failed, id, "msg"),
            self.path(Area::Queue, id, "msg"),
        )?;
        let _ = fs::remove_file(self.path(Area::Failed, id, "state"));
        sync_dir(&self.root.join("failed"))?;
        sync_dir(&self.root.join("queue"))?;
        Ok(true)
    }

    /// Deletes an entry from the queue or the failed list. False when there is none.
    pub fn drop_entry(&self, id: &str) -> io::Result<bool> {
        if !valid_id(id) {
            return Ok(false);
        }
        for area in [Area::Queue, Area::Failed] {
            let msg = self.path(area, id, "msg");
            if msg.exists() {
                if area == Area::Queue {
                    // Not while a deliverer holds it.
                    let file = File::open(&msg)?;
                    file.try_lock().map_err(|_| {
                        io::Error::new(
                            io::ErrorKind::WouldBlock,
                            "the message is being delivered right now",
                        )
                    })?;
                }
                let _ = fs::remove_file(self.path(area, id, "state"));
                fs::remove_file(&msg)?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Takes the relay lock: `None` when a relay already runs on this spool.
    pub fn relay_lock(&self) -> io::Result<Option<File>> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(self.root.join("relay.lock"))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }

    /// Whether a relay is running on this spool.
    pub fn relay_running(&self) -> bool {
        matches!(self.relay_lock(), Ok(None))
    }
}

#[cfg(test)]
#[path = "spool_tests.rs"]
mod tests;
