//! What the agent process does to itself so that the key stays in its memory only: no core
//! dumps and no ptrace by other processes of the user, the key's page locked against swapping,
//! and no controlling terminal.

use std::os::fd::AsRawFd;

/// Makes the process not dumpable (no core file, no ptrace or /proc/PID/mem by the same user)
/// and sets its core size limit to zero.
pub fn forbid_dumps() -> std::io::Result<()> {
    // SAFETY: PR_SET_DUMPABLE takes an integer argument and touches no memory of ours.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `none` is a valid rlimit that outlives the call.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Locks the pages holding `value` in memory so that they are never swapped out.
pub fn lock_in_memory<T>(value: &T) -> std::io::Result<()> {
    let addr = value as *const T as *const libc::c_void;
    // SAFETY: the range is the memory of a live value; mlock only pins the pages around it.
    if unsafe { libc::mlock(addr, std::mem::size_of::<T>()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Leaves the caller's session, so that closing the terminal does not reach the agent.
pub fn new_session() -> std::io::Result<()> {
    // SAFETY: setsid takes no arguments; it fails (harmlessly) for a group leader.
    if unsafe { libc::setsid() } == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Points standard input, output and error at /dev/null.
pub fn close_standard_streams() -> std::io::Result<()> {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    for fd in 0..=2 {
        // SAFETY: both descriptors are open; dup2 replaces `fd` atomically.
        if unsafe { libc::dup2(null.as_raw_fd(), fd) } == -1 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
