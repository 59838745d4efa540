//! File helpers that name the path in every error, atomic writes, and the offline document
//! source that serves a published site's files by URL.

use crate::did::DocumentSource;
use crate::error::SiteError;
use std::io::Write;
use std::path::{Path, PathBuf};
/// A file written under a temporary name ([`stage`]), removed when dropped unless published.
pub use tempfile::TempPath;

/// Reads a file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, SiteError> {
    std::fs::read(path).map_err(|e| SiteError::io_at(path, "read", &e))
}

/// Reads at most `limit + 1` bytes of a file, naming it in the error: callers compare the
/// length with `limit` to refuse an oversized file without reading all of it.
pub fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>, SiteError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| SiteError::io_at(path, "read", &e))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| SiteError::io_at(path, "read", &e))?;
    Ok(bytes)
}

/// A temporary file beside `target`, with the mode `target` will have: the mode of the file it
/// replaces (a private file stays private), or 0644 like any new file (credentials, status
/// lists and rosette.toml are published or committed, not secret; a temporary file is 0600).
fn temp_beside(target: &Path) -> Result<tempfile::NamedTempFile, SiteError> {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| SiteError::io_at(dir, "create the directory", &e))?;
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| SiteError::io_at(dir, "write to", &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| SiteError::io_at(target, "write", &e))?;
    }
    Ok(tmp)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced, then
/// renamed over the target, so a reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SiteError> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| SiteError::io_at(path, "write", &e))?;
    tmp.persist(path).map_err(|e| SiteError::io_at(path, "write", &e.error))?;
    Ok(())
}

/// Writes many files, each atomically as [`write_atomic`] does, with one flush to disk for all
/// of them instead of one per file (10,000 awards took 4 s of `fsync` and 1.5 s of work).
pub fn write_all_atomic(files: &[(PathBuf, Vec<u8>)]) -> Result<(), SiteError> {
    let staged = files.iter().map(|(path, bytes)| Ok((stage(path, bytes)?, path.clone())));
    publish_staged(staged.collect::<Result<_, SiteError>>()?)
}

/// Writes `bytes` under a temporary name beside `target`, closed (a hundred thousand open files
/// would pass any descriptor limit), for [`publish_staged`]; removed when dropped unless
/// published.
pub fn stage(target: &Path, bytes: &[u8]) -> Result<TempPath, SiteError> {
    let mut tmp = temp_beside(target)?;
    tmp.write_all(bytes).map_err(|e| SiteError::io_at(target, "write", &e))?;
    Ok(tmp.into_temp_path())
}

/// Puts [`stage`]d files at their paths: the file system is flushed once, then each is renamed
/// into place and its directory flushed. A reader sees each file whole or not at all; a crash
/// leaves at most some files in place and temporary ones beside them.
pub fn publish_staged(files: Vec<(TempPath, PathBuf)>) -> Result<(), SiteError> {
    let mut dirs: Vec<PathBuf> =
        files.iter().filter_map(|(_, p)| p.parent().map(Path::to_path_buf)).collect();
    dirs.sort();
    dirs.dedup();
    flush(&files.iter().map(|(tmp, _)| tmp.to_path_buf()).collect::<Vec<_>>(), &dirs)?;
    for (tmp, path) in files {
        tmp.persist(&path).map_err(|e| SiteError::io_at(&path, "write", &e.error))?;
    }
    for dir in dirs {
        // The renames, on disk: a directory is flushed through a handle to it (Unix).
        if let Ok(handle) = std::fs::File::open(&dir) {
            let _ = handle.sync_all();
        }
    }
    Ok(())
}

/// Flushes the written `files` to disk: on Linux the whole file system at once (`syncfs`),
/// elsewhere each file.
pub(crate) fn flush(files: &[PathBuf], dirs: &[PathBuf]) -> Result<(), SiteError> {
    #[cfg(target_os = "linux")]
    if let Some(dir) = dirs.first() {
        let handle = std::fs::File::open(dir).map_err(|e| SiteError::io_at(dir, "read", &e))?;
        return rustix::fs::syncfs(&handle).map_err(|e| SiteError::io_at(dir, "write to", &e.into()));
    }
    let _ = dirs;
    for file in files {
        std::fs::File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(|e| SiteError::io_at(file, "write", &e))?;
    }
    Ok(())
}

/// Creates a new file readable only by its owner (mode 0600) and writes `bytes`; an existing
/// file is never overwritten.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<(), SiteError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        let err = SiteError::io_at(path, "create", &e);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            err.hint("rosette never overwrites a key file; choose another name with --out")
        } else {
            err
        }
    })?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| SiteError::io_at(path, "write", &e))
}

/// Whether a key file can be read by users other than its owner.
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Serves URLs under each base URL from the matching local directory, the way the site will
/// be served once published. The longest matching base URL wins.
#[derive(Debug, Default, Clone)]
pub struct SiteDirs {
    sites: Vec<(String, PathBuf)>,
}

impl SiteDirs {
    pub fn new(mut pairs: Vec<(String, PathBuf)>) -> Self {
        for (base, _) in &mut pairs {
            if !base.ends_with('/') {
                base.push('/');
            }
        }
        pairs.sort_by_key(|(base, _)| std::cmp::Reverse(base.len()));
        SiteDirs { sites: pairs }
    }

    /// The local file for `url`, if it is under one of the base URLs; never outside the
    /// directory.
    pub fn local_path(&self, url: &str) -> Option<PathBuf> {
        let url = url.split(['#', '?']).next().unwrap_or(url);
        let (base, dir) = self
            .sites
            .iter()
            .find(|(base, _)| url.starts_with(base.as_str()) || format!("{url}/") == *base)?;
        let rel = url.get(base.len()..).unwrap_or("");
        let mut path = dir.clone();
        for segment in rel.split('/').filter(|s| !s.is_empty()) {
            if segment == ".." || segment == "." || segment.contains('\\') {
                return None;
            }
            path.push(segment);
        }
        Some(path)
    }
}

impl DocumentSource for SiteDirs {
    fn get(&self, url: &str) -> Option<Result<Vec<u8>, String>> {
        let path = self.local_path(url)?;
        // A status list may be published as `status/1` or `status/1.json`.
        let candidates = [path.clone(), path.with_extension("json")];
        for candidate in &candidates {
            if candidate.is_file() {
                return Some(std::fs::read(candidate).map_err(|e| {
                    format!("could not read `{}`: {}", candidate.display(), crate::error::plain_io(&e))
                }));
            }
        }
        Some(Err(format!("`{url}` is not published in `{}` (no such file)", path.display())))
    }
}

/// An exclusive lock on `dir/.lock`, held until dropped, so that two signing commands never
/// hand out the same status index or overwrite each other's registry.
pub fn lock(dir: &Path) -> Result<std::fs::File, SiteError> {
    std::fs::create_dir_all(dir).map_err(|e| SiteError::io_at(dir, "create", &e))?;
    let (path, file) = lock_file(dir)?;
    file.lock().map_err(|e| SiteError::io_at(&path, "lock", &e))?;
    Ok(file)
}

/// The lock of [`lock`] (on an existing `dir`) when nobody holds it; `None` when another
/// process does.
pub fn try_lock(dir: &Path) -> Result<Option<std::fs::File>, SiteError> {
    let (path, file) = lock_file(dir)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(SiteError::io_at(&path, "lock", &e)),
    }
}

/// `dir/.lock`, opened (and made) without truncating it.
fn lock_file(dir: &Path) -> Result<(std::path::PathBuf, std::fs::File), SiteError> {
    let path = dir.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| SiteError::io_at(&path, "open", &e))?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_under_the_longest_base_and_never_escape() {
        let dirs = SiteDirs::new(vec![
            ("https://example.org".into(), PathBuf::from("site")),
            ("https://example.org/sub/".into(), PathBuf::from("other")),
        ]);
        assert_eq!(dirs.local_path("https://example.org/a/b.json#x"), Some(PathBuf::from("site/a/b.json")));
        assert_eq!(dirs.local_path("https://example.org/sub/c"), Some(PathBuf::from("other/c")));
        assert_eq!(dirs.local_path("https://example.org/../etc/passwd"), None);
        assert_eq!(dirs.local_path("https://elsewhere.org/a"), None);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_writes_are_readable_and_keep_the_mode_they_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        let new = dir.path().join("a/new.json");
        write_atomic(&new, b"1").expect("write");
        assert_eq!(mode(&new), 0o644);
        let private = dir.path().join("private.toml");
        create_private(&private, b"1").expect("create");
        write_atomic(&private, b"2").expect("write");
        assert_eq!((mode(&private), std::fs::read(&private).expect("read")), (0o600, b"2".to_vec()));
        assert_eq!(
            std::fs::read_dir(dir.path().join("a")).expect("dir").count(),
            1,
            "a temporary file was left"
        );
    }

    #[test]
    fn private_files_are_0600_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.secret");
        create_private(&path, b"secret").expect("create");
        assert!(!readable_by_others(&path));
        let err = create_private(&path, b"other").expect_err("exists");
        assert!(err.to_string().contains("never overwrites"), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), b"secret");
    }
}
