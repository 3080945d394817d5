//! Everything that differs between operating systems, and the only place in
//! this crate that names one: the plugin's local socket, how an interrupt is
//! caught, and what the process used. `.ci/run` compiles the crate for
//! Windows and macOS, so a Unix-only (or Windows-only) call made anywhere
//! else fails CI.
//!
//! go-plugin serves on a unix socket everywhere but Windows, where it serves
//! TCP on the loopback address; [`UNIX_SOCKETS`] tells which this build has.

use tokio::io::{AsyncRead, AsyncWrite};

#[cfg(unix)]
#[path = "unix.rs"]
mod imp;
#[cfg(windows)]
#[path = "windows.rs"]
mod imp;

pub(crate) use imp::{ignore_interrupts, interrupted, usage, LocalSocket, UNIX_SOCKETS};

/// A connection, whatever it runs over.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

/// An accepted connection.
pub(crate) type BoxIo = Box<dyn Io>;

/// What the process used up to now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Usage {
    pub cpu_user_us: i64,
    pub cpu_system_us: i64,
    /// The peak resident set (working set on Windows), in KiB.
    pub max_rss_kib: i64,
}
