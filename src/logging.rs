//! Logging to a file in the platform state (or cache) folder; never to the terminal.
//!
//! `GRAPHMAIL_LOG_DIR` overrides the folder; `graphmail demo` logs into its own temporary
//! folder, which goes when it ends. The filter is `GRAPHMAIL_LOG`, else the config
//! file's `log_level`, else `info`.
//! Nothing logged may contain a secret or a token: log names and outcomes, not values.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;

/// The folder the log file is written to.
pub fn log_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GRAPHMAIL_LOG_DIR") {
        return Some(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("", "", "graphmail")?;
    Some(
        dirs.state_dir()
            .map(|p| p.to_path_buf())
            .unwrap_or_else(|| dirs.cache_dir().to_path_buf()),
    )
}

/// The filter level when neither `GRAPHMAIL_LOG` nor the config file names one.
pub const DEFAULT_LEVEL: &str = "info";

/// `GRAPHMAIL_LOG` when it is set and a valid filter (an empty or invalid one is ignored).
pub fn env_filter() -> Option<String> {
    let value = std::env::var("GRAPHMAIL_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())?;
    tracing_subscriber::EnvFilter::try_new(&value).ok()?;
    Some(value)
}

/// The log file's name in [`log_dir`].
pub const LOG_FILE: &str = "graphmail.log";

/// Libraries whose debug and trace events carry what passes through them (HTTP bodies and
/// headers, HTML being converted): held at `warn` whatever the filter says, so the log never
/// holds mail text or a token.
const QUIET_LIBRARIES: [&str; 9] = [
    "html2text",
    "html5ever",
    "markup5ever",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "rustls",
    "oauth2",
];

/// `filter` with every directive for a [`QUIET_LIBRARIES`] crate replaced by `crate=warn`.
pub fn with_quiet_libraries(filter: &str) -> String {
    let is_quiet = |directive: &str| {
        let target = directive
            .split(['=', '['])
            .next()
            .unwrap_or_default()
            .trim();
        QUIET_LIBRARIES
            .iter()
            .any(|lib| target == *lib || target.starts_with(&format!("{lib}::")))
    };
    let mut parts: Vec<String> = filter
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !is_quiet(d))
        .map(str::to_owned)
        .collect();
    parts.extend(QUIET_LIBRARIES.iter().map(|lib| format!("{lib}=warn")));
    parts.join(",")
}

/// Creates `dir` (and its parents) 0700 when it does not exist. A folder that exists keeps
/// its mode: graphmail never changes a folder it did not create.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    crate::private::create_dir_all(dir)
}

/// Creates `file` 0600 whatever the umask, or makes graphmail's existing file 0600.
pub fn create_private_file(file: &std::path::Path) -> std::io::Result<()> {
    crate::private::open(file, std::fs::OpenOptions::new().append(true).create(true)).map(drop)
}

/// Starts file logging; `configured` is the config file's `log_level`. Keep the guard alive
/// until exit or the tail of the log is lost.
/// Failing to set up logging is not fatal: graphmail runs without a log.
pub fn init(configured: Option<&str>) -> Option<WorkerGuard> {
    init_in(&log_dir()?, configured)
}

/// Starts file logging into `dir` (the demo's temporary folder, say), as [`init`] does.
pub fn init_in(dir: &std::path::Path, configured: Option<&str>) -> Option<WorkerGuard> {
    create_private_dir(dir).ok()?;
    create_private_file(&dir.join(LOG_FILE)).ok()?;
    let appender = tracing_appender::rolling::never(dir, LOG_FILE);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = env_filter()
        .as_deref()
        .or(configured)
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(with_quiet_libraries(f)).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(with_quiet_libraries(DEFAULT_LEVEL)));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_filter_still_holds_the_libraries_that_log_bodies_at_warn() {
        let f = with_quiet_libraries("trace,hyper=trace,html2text::render=trace,graphmail=debug");
        assert!(f.starts_with("trace,graphmail=debug,"), "{f}");
        assert!(!f.contains("=trace,") && !f.contains("hyper=trace"), "{f}");
        for lib in QUIET_LIBRARIES {
            assert!(f.contains(&format!("{lib}=warn")), "{f}");
        }
        assert!(tracing_subscriber::EnvFilter::try_new(&f).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn folders_and_files_are_private_and_an_existing_folder_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        create_private_dir(&shared).unwrap();
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&shared), 0o1777);
        let new = tmp.path().join("a/b");
        create_private_dir(&new).unwrap();
        assert_eq!(mode(&new), 0o700);
        let file = new.join(LOG_FILE);
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        create_private_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
    }
}
