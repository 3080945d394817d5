//! Writing the env and state files: they hold credentials, and their folder
//! may be shared (a 1777 `/tmp`). Each is written to a temporary file with a
//! random name beside it, created exclusively (an existing name, a symlink
//! included, is never opened) and readable by its owner only, whatever the
//! umask; then renamed over the target, so a reader never sees half a file
//! and a link planted at the target is replaced, not followed.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Names tried before giving up: another user cannot guess the next one.
const ATTEMPTS: usize = 16;

/// Writes `bytes` to `path` as described above (mode 0600 on Unix).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (tmp, mut file) = create_temp(path)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// A new file beside `path` under a random name, opened by this call only.
fn create_temp(path: &Path) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    for _ in 0..ATTEMPTS {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.tmp", random_hex()?));
        let tmp = path.with_file_name(tmp_name);
        match private_options().open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary name beside the file",
    ))
}

/// Create-new (O_EXCL: fails on any existing name, links included), owner-only.
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// 128 bits from the OS (never the `--seed` generator: the name must not be guessable).
fn random_hex() -> io::Result<String> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| io::Error::other("no randomness from the OS"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_private_and_whole() {
        let dir = std::env::temp_dir().join(format!("files-test-{}", random_hex().unwrap()));
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("env");
        write_private(&path, b"A=1\n").unwrap();
        write_private(&path, b"A=2\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"A=2\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
