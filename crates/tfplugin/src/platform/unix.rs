//! Unix: go-plugin's unix socket, SIGINT, and `getrusage`.

use std::io;
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;

use super::{BoxIo, Usage};

/// go-plugin serves on a unix socket on every Unix.
pub(crate) const UNIX_SOCKETS: bool = true;

/// The plugin's socket file, removed when dropped (as go-plugin's listener
/// removes its own).
pub(crate) struct LocalSocket {
    path: PathBuf,
    listener: UnixListener,
}

impl Drop for LocalSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl LocalSocket {
    /// Listens on a fresh `plugin*` socket in `dir`, as go-plugin does. The
    /// socket is created readable and writable by us alone (0600, whatever the
    /// umask: the mask is 177 while it is made), so that no other user can
    /// connect to it, which matters in `--debug` mode where it has no TLS. A
    /// file rather than a folder of our own: making a folder costs more than
    /// the rest of the socket's set-up together.
    pub(crate) fn bind(dir: &Path) -> Result<LocalSocket, (PathBuf, io::Error)> {
        let mut attempt = 0;
        loop {
            let path = dir.join(format!("plugin{:016x}", random_u64()));
            // SAFETY: umask only swaps the process's file mode mask; no other
            // thread creates files during start-up.
            let previous = unsafe { libc::umask(0o177) };
            let bound = UnixListener::bind(&path);
            unsafe { libc::umask(previous) };
            match bound {
                Ok(listener) => return Ok(LocalSocket { path, listener }),
                // Somebody's file by that name: draw another, as mkstemp does.
                Err(e) if e.kind() == io::ErrorKind::AddrInUse && attempt < 16 => attempt += 1,
                Err(e) => return Err((path, e)),
            }
        }
    }

    /// The address for the handshake: the socket's path.
    pub(crate) fn address(&self) -> String {
        self.path.display().to_string()
    }

    pub(crate) async fn accept(&self) -> io::Result<BoxIo> {
        let (stream, _) = self.listener.accept().await?;
        Ok(Box::new(stream))
    }
}

/// A random number for a file name: std's hash keys are seeded from the
/// operating system's randomness.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// Ctrl-C in a terminal reaches the whole process group; Terraform asks us to
/// stop with `StopProvider` instead, so SIGINT itself is ignored (as
/// go-plugin's server eats it). Needs the runtime.
pub(crate) fn ignore_interrupts() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::interrupt()) {
        Ok(mut s) => {
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    tracing::debug!("ignoring SIGINT; Terraform stops providers with StopProvider");
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "cannot install the SIGINT handler"),
    }
}

/// Resolves at the first Ctrl-C (SIGINT), for `--debug` mode.
pub(crate) async fn interrupted() {
    let _ = tokio::signal::ctrl_c().await;
}

/// CPU time and peak memory, from `getrusage` (and `VmHWM` on Linux).
pub(crate) fn usage() -> Option<Usage> {
    // SAFETY: getrusage only writes the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return None;
    }
    // The field types differ between platforms (i32 microseconds on macOS).
    #[allow(clippy::useless_conversion)]
    let us = |t: libc::timeval| i64::from(t.tv_sec) * 1_000_000 + i64::from(t.tv_usec);
    Some(Usage {
        cpu_user_us: us(ru.ru_utime),
        cpu_system_us: us(ru.ru_stime),
        max_rss_kib: max_rss_kib(&ru),
    })
}

/// The peak resident set in KiB: this program's own (`VmHWM` on Linux;
/// `ru_maxrss` there would count the memory of the process that started us,
/// kept across `exec`), else `ru_maxrss` (macOS counts it in bytes).
#[allow(clippy::useless_conversion)]
fn max_rss_kib(ru: &libc::rusage) -> i64 {
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<i64>().ok()
        });
    let raw = i64::from(ru.ru_maxrss);
    match hwm {
        Some(kib) => kib,
        None if cfg!(target_os = "macos") => raw / 1024,
        None => raw,
    }
}
