//! Windows: no unix sockets (go-plugin serves TCP there), Ctrl-C and
//! Ctrl-Break as interrupts, and the process's times and peak working set.

use std::io;
use std::path::{Path, PathBuf};

use windows_sys::Win32::Foundation::FILETIME;
use windows_sys::Win32::System::ProcessStatus::{GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetProcessTimes};

use super::{BoxIo, Usage};

/// go-plugin serves TCP on Windows.
pub(crate) const UNIX_SOCKETS: bool = false;

/// No unix sockets here: a value of this type cannot exist.
pub(crate) enum LocalSocket {}

impl LocalSocket {
    pub(crate) fn bind(dir: &Path) -> Result<LocalSocket, (PathBuf, io::Error)> {
        Err((
            dir.to_path_buf(),
            io::Error::new(
                io::ErrorKind::Unsupported,
                "unix sockets are not served on Windows; go-plugin's transport there is tcp",
            ),
        ))
    }

    pub(crate) fn address(&self) -> String {
        match *self {}
    }

    pub(crate) async fn accept(&self) -> io::Result<BoxIo> {
        match *self {}
    }
}

/// Ctrl-C and Ctrl-Break reach every process of the console; Terraform asks
/// us to stop with `StopProvider` instead, so both are caught and ignored
/// (Go's runtime reports both as `os.Interrupt`, which go-plugin eats).
pub(crate) fn ignore_interrupts() {
    use tokio::signal::windows::{ctrl_break, ctrl_c};
    match (ctrl_c(), ctrl_break()) {
        (Ok(mut c), Ok(mut b)) => {
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        r = c.recv() => if r.is_none() { break },
                        r = b.recv() => if r.is_none() { break },
                    }
                    tracing::debug!("ignoring Ctrl-C; Terraform stops providers with StopProvider");
                }
            });
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "cannot install the Ctrl-C handler")
        }
    }
}

/// Resolves at the first Ctrl-C or Ctrl-Break, for `--debug` mode.
pub(crate) async fn interrupted() {
    use tokio::signal::windows::{ctrl_break, ctrl_c};
    match (ctrl_c(), ctrl_break()) {
        (Ok(mut c), Ok(mut b)) => {
            tokio::select! {
                _ = c.recv() => {}
                _ = b.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// CPU time (`GetProcessTimes`) and the peak working set
/// (`GetProcessMemoryInfo`).
pub(crate) fn usage() -> Option<Usage> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: both calls only write the structs we pass, sized as declared;
    // GetCurrentProcess returns a pseudo-handle that needs no closing.
    let mut mem: PROCESS_MEMORY_COUNTERS = unsafe { std::mem::zeroed() };
    mem.cb = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
    unsafe {
        let me = GetCurrentProcess();
        if GetProcessTimes(me, &mut created, &mut exited, &mut kernel, &mut user) == 0
            || GetProcessMemoryInfo(me, &mut mem, mem.cb) == 0
        {
            return None;
        }
    }
    // FILETIME counts 100 ns intervals.
    let us = |t: FILETIME| {
        ((u64::from(t.dwHighDateTime) << 32 | u64::from(t.dwLowDateTime)) / 10) as i64
    };
    Some(Usage {
        cpu_user_us: us(user),
        cpu_system_us: us(kernel),
        max_rss_kib: (mem.PeakWorkingSetSize / 1024) as i64,
    })
}
