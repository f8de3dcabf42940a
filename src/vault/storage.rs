//! Files beside the vault: private folders and files, the advisory lock, atomic replacement
//! with a backup of the previous version.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::VaultError;

/// How often a waiting process retries the lock.
const LOCK_POLL: Duration = Duration::from_millis(20);

pub(crate) fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> VaultError {
    let context = context.into();
    move |source| VaultError::Io { context, source }
}

/// `<dir>/<name><suffix>`: a file beside `path`.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The folder holding `path` (`.` for a bare file name).
pub(crate) fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates the folder (and missing parents) readable by the owner only.
pub(crate) fn create_private_folder(dir: &Path) -> Result<(), VaultError> {
    crate::private::create_dir_all(dir).map_err(io_error(format!(
        "cannot create the folder {}",
        dir.display()
    )))
}

/// Refuses a vault path another user could change, in the spirit of OpenSSH's safe-path rule:
/// the vault is a regular file, not a link; its folder is not writable by group or others;
/// every folder above it belongs to root or to this user, and is not writable by group or
/// others unless it is sticky (like `/tmp`, where others cannot rename what is ours).
pub(crate) fn check_safe_path(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let unsafe_path = |at: &Path, why: String| VaultError::UnsafePath {
            path: at.to_path_buf(),
            why,
        };
        let meta = fs::symlink_metadata(path)
            .map_err(io_error(format!("cannot read {}", path.display())))?;
        if meta.file_type().is_symlink() {
            return Err(unsafe_path(path, "is a symbolic link".into()));
        }
        if !meta.is_file() {
            return Err(unsafe_path(path, "is not a file".into()));
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let absolute = fs::canonicalize(path)
            .map_err(io_error(format!("cannot resolve {}", path.display())))?;
        for (depth, dir) in absolute.ancestors().skip(1).enumerate() {
            let meta =
                fs::metadata(dir).map_err(io_error(format!("cannot read {}", dir.display())))?;
            let mode = meta.permissions().mode();
            // Root may open another user's vault (an admin checking it); the mode checks stand.
            if me != 0 && meta.uid() != 0 && meta.uid() != me {
                return Err(unsafe_path(dir, "belongs to another user".into()));
            }
            let shared = mode & 0o022 != 0;
            let sticky = mode & 0o1000 != 0;
            if shared && (depth == 0 || !sticky) {
                return Err(unsafe_path(
                    dir,
                    format!("can be changed by other users (mode {:o})", mode & 0o7777),
                ));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Refuses a file that other users may read or write.
pub(crate) fn check_private(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta =
            fs::metadata(path).map_err(io_error(format!("cannot read {}", path.display())))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(VaultError::InsecurePermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn open_private(path: &Path, opts: &mut OpenOptions) -> std::io::Result<File> {
    crate::private::open(path, opts)
}

/// An exclusive advisory lock on `<vault>.lock`, released when dropped (or when the process dies).
pub(crate) struct LockGuard {
    file: File,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes the lock beside `vault`, waiting up to `timeout` for another process to release it.
pub(crate) fn lock(vault: &Path, timeout: Duration) -> Result<LockGuard, VaultError> {
    let path = sibling(vault, ".lock");
    let file = open_private(
        &path,
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
    .map_err(io_error(format!(
        "cannot open the lock file {}",
        path.display()
    )))?;
    let deadline = Instant::now() + timeout;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(LockGuard { file }),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(LOCK_POLL)
            }
            Err(fs::TryLockError::WouldBlock) => return Err(VaultError::Busy),
            Err(fs::TryLockError::Error(e)) => {
                return Err(io_error(format!("cannot lock {}", path.display()))(e));
            }
        }
    }
}

fn temp_prefix(path: &Path) -> String {
    format!(
        ".{}.tmp.",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Removes temp files left by a process killed in the middle of a save. Call under the lock.
pub(crate) fn remove_stale_temps(path: &Path) {
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(folder_of(path)) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!("{}{}.{n}", temp_prefix(path), std::process::id()))
}

fn sync_folder(path: &Path) -> Result<(), VaultError> {
    let dir = folder_of(path);
    #[cfg(unix)]
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(format!(
            "cannot flush the folder {}",
            dir.display()
        )))?;
    Ok(())
}

/// Writes `bytes` to a fresh 0600 temp file beside `path` and flushes it to disk.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, VaultError> {
    let tmp = temp_path(path);
    let written =
        open_private(&tmp, OpenOptions::new().write(true).create_new(true)).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(format!("cannot write {}", tmp.display()))(e));
    }
    Ok(tmp)
}

/// Points `<path>.bak` at the current contents of `path` (a hard link; a copy where links fail).
/// The backup is swapped in by rename, so it is always a complete file.
fn refresh_backup(path: &Path) -> Result<(), VaultError> {
    let bak = sibling(path, ".bak");
    let mut tmp = temp_path(path);
    if fs::hard_link(path, &tmp).is_err() {
        let bytes = fs::read(path).map_err(io_error(format!("cannot read {}", path.display())))?;
        tmp = write_temp(path, &bytes)?;
    }
    fs::rename(&tmp, &bak).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_error(format!("cannot write {}", bak.display()))(e)
    })
}

/// Replaces `path` with `bytes` atomically: readers and crashes see the old file or the new one,
/// never a mix. With `backup`, the replaced version is kept as `<path>.bak`.
pub(crate) fn replace(path: &Path, bytes: &[u8], backup: bool) -> Result<(), VaultError> {
    let tmp = write_temp(path, bytes)?;
    if backup
        && path.exists()
        && let Err(e) = refresh_backup(path)
    {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(format!("cannot replace {}", path.display()))(e));
    }
    sync_folder(path)
}

/// Makes `<path>.bak` identical to `path` (used after a key change, so no older key opens it).
pub(crate) fn backup_current(path: &Path) -> Result<(), VaultError> {
    refresh_backup(path)?;
    sync_folder(path)
}
