//! Folders and files graphmail makes for itself (log, audit log, vault and its key, backups,
//! temp files, saved attachments): owner-only, 0700 and 0600, whatever the umask. A folder
//! that already exists keeps its mode: graphmail never changes what it did not create.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// The mode of a folder graphmail creates.
pub const FOLDER_MODE: u32 = 0o700;
/// The mode of a file graphmail creates.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and every missing folder above it, each 0700. Folders that exist are left
/// as they are.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let missing: Vec<&Path> = dir
        .ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .take_while(|p| fs::symlink_metadata(p).is_err())
        .collect();
    for folder in missing.into_iter().rev() {
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, FOLDER_MODE);
        match builder.create(folder) {
            // The umask may have taken bits away from the mode asked for; this folder is ours.
            Ok(()) => set_mode(folder, FOLDER_MODE)?,
            // Another process made it in between: it is not ours to change.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && folder.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Opens `path` with `options`, a new file being made 0600; a file of graphmail's own that
/// others may read (left by an older version, or made under another umask) is made 0600 too.
pub fn open(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, FILE_MODE);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o777 != FILE_MODE {
            file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    Ok(file)
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn only_the_folders_made_here_are_private_and_an_existing_one_keeps_its_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        fs::create_dir(&shared).unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
        let deep = shared.join("a/b/c");
        create_dir_all(&deep).unwrap();
        assert_eq!(mode(&shared), 0o1777);
        for p in [shared.join("a"), shared.join("a/b"), deep.clone()] {
            assert_eq!(mode(&p), 0o700, "{}", p.display());
        }
        create_dir_all(&shared).unwrap();
        assert_eq!(mode(&shared), 0o1777);
    }

    #[test]
    fn files_are_made_0600_and_a_loose_one_is_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let new = tmp.path().join("new");
        open(&new, OpenOptions::new().write(true).create_new(true)).unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = tmp.path().join("old");
        fs::write(&old, "kept").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o666)).unwrap();
        open(&old, OpenOptions::new().append(true)).unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(fs::read_to_string(&old).unwrap(), "kept");
    }
}
