//! Logging to a file in the platform state (or cache) folder; never to the terminal.
//!
//! `GRAPHMAIL_LOG_DIR` overrides the folder. The filter is `GRAPHMAIL_LOG`, else the config
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

/// Starts file logging; `configured` is the config file's `log_level`. Keep the guard alive
/// until exit or the tail of the log is lost.
/// Failing to set up logging is not fatal: graphmail runs without a log.
pub fn init(configured: Option<&str>) -> Option<WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    let appender = tracing_appender::rolling::never(&dir, "graphmail.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = env_filter()
        .as_deref()
        .or(configured)
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(DEFAULT_LEVEL));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
