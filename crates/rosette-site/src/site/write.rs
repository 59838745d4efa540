//! Write: the published tree replaces the output in one step. Whatever happens — a failed
//! build, a full disk, the process killed at any instant — `public/` is the old complete tree
//! or the new complete tree, never a mix. (`stage.rs` fills the tree; this module readies the
//! output, locks it, and swaps.)
//!
//! On Linux the step is one `renameat2(RENAME_EXCHANGE)`: the kernel swaps the two names
//! atomically, so `public/` never stops existing. Elsewhere (or on a file system that does not
//! support the exchange) it falls back to two renames, the old tree aside and the new one in,
//! with a window in which `public/` is missing but never mixed. Staging directories left by a
//! killed build are removed by the next one.

use crate::error::SiteError;
use std::path::{Path, PathBuf};

/// The output's parent directory, locked for the whole build: two builds into the same
/// parent take turns, and any staging directory found while holding the lock belongs to a
/// build that is no longer running.
pub struct Prepared {
    pub parent: PathBuf,
    /// The output's file name, which staging and kept trees beside it are named after.
    pub name: String,
    _lock: Option<std::fs::File>,
}

/// Readies `out` for a build: refuses an output that is not a directory, creates its parent,
/// locks it and removes what killed builds left there.
pub fn prepare(out: &Path) -> Result<Prepared, SiteError> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| SiteError::io_at(parent, "create", &e))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    if out.exists() && !out.is_dir() {
        return Err(SiteError::io(format!("`{}` exists and is not a directory", out.display()))
            .hint("rosette replaces the output directory as a whole; choose another --out"));
    }
    let lock = lock_dir(parent);
    if lock.is_some() {
        remove_leftovers(parent, &staging_prefix(&name));
    }
    Ok(Prepared { parent: parent.to_path_buf(), name, _lock: lock })
}

/// The prefix of the staging directories of the output named `name`.
pub fn staging_prefix(name: &str) -> String {
    format!(".{name}.staging-")
}

/// A fresh, empty staging directory beside the output, readable by a web server once
/// published.
pub fn staging_dir(prepared: &Prepared) -> Result<PathBuf, SiteError> {
    let staging = tempfile::Builder::new()
        .prefix(&staging_prefix(&prepared.name))
        .tempdir_in(&prepared.parent)
        .map_err(|e| SiteError::io_at(&prepared.parent, "create a staging directory in", &e))?
        .keep();
    // tempfile makes the directory 0700; the published tree must be readable by the web
    // server, like every file written into it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| SiteError::io_at(&staging, "create", &e))?;
    }
    Ok(staging)
}

/// An exclusive lock on the directory itself (flock on its descriptor), so no lock file is
/// left beside `public/`. `None` where a directory cannot be locked (Windows, some network
/// file systems): builds then do not take turns, and leftovers are not cleaned up, since
/// one might belong to a running build.
fn lock_dir(dir: &Path) -> Option<std::fs::File> {
    #[cfg(unix)]
    {
        let file = std::fs::File::open(dir).ok()?;
        file.lock().ok()?;
        Some(file)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// Removes staging directories (complete, partial, or holding an old tree after the swap)
/// that a killed build left in `parent`. Best effort: what cannot be removed now is tried
/// again next time, and never touches `public/` itself.
fn remove_leftovers(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let is_leftover = entry.file_name().to_str().is_some_and(|n| n.starts_with(prefix));
        if is_leftover && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Replaces `out` with `staging`. Returns where the old tree went (for the caller to keep or
/// remove), `None` when there was none. On error `out` is as it was and `staging` remains.
pub fn swap_in(staging: &Path, out: &Path) -> Result<Option<PathBuf>, SiteError> {
    if !out.exists() {
        return std::fs::rename(staging, out).map(|()| None).map_err(|e| SiteError::io_at(out, "create", &e));
    }
    match exchange(staging, out) {
        // `staging` now names the old tree.
        Ok(true) => Ok(Some(staging.to_path_buf())),
        Ok(false) => swap_by_two_renames(staging, out).map(Some),
        Err(e) => Err(SiteError::io_at(out, "replace", &e)),
    }
}

/// Swaps the names `a` and `b` atomically. `Ok(false)`: not supported here.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        // Old kernels (ENOSYS) and file systems without the exchange (EINVAL).
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::INVAL) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// The fallback: the old tree moves aside (under the staging prefix, so a build killed
/// between the two renames leaves it for the next build to clean up), the new one takes its
/// name; if that fails, the old one is put back.
fn swap_by_two_renames(staging: &Path, out: &Path) -> Result<PathBuf, SiteError> {
    let mut old = staging.as_os_str().to_owned();
    old.push(".old");
    let old = PathBuf::from(old);
    std::fs::rename(out, &old).map_err(|e| SiteError::io_at(out, "replace", &e))?;
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&old, out);
        return Err(SiteError::io_at(out, "replace", &e));
    }
    Ok(old)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole build's write: a staging tree swapped in, the old tree removed.
    fn write_tree(out: &Path, files: &[(&str, &str)]) -> Result<(), SiteError> {
        let prepared = prepare(out)?;
        let staging = staging_dir(&prepared)?;
        for (path, bytes) in files {
            let target = staging.join(path);
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(&target, bytes).expect("write");
        }
        if let Some(old) = swap_in(&staging, out)? {
            std::fs::remove_dir_all(old).expect("remove the old tree");
        }
        Ok(())
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_new_tree_replaces_the_old_one_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        write_tree(&out, &[("a.html", "old"), ("old/only.txt", "x")]).expect("first");
        write_tree(&out, &[("a.html", "new"), ("b/c.txt", "c")]).expect("second");
        assert_eq!(std::fs::read_to_string(out.join("a.html")).expect("a"), "new");
        assert!(!out.join("old").exists(), "a file of the old tree survived");
        assert_eq!(listing(dir.path()), ["public"], "staging or old trees left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o755, "a web server must be able to read public/");
        }
    }

    #[test]
    fn leftovers_of_a_killed_build_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        for leftover in [".public.staging-abc/awards", ".public.staging-def.old/x"] {
            std::fs::create_dir_all(dir.path().join(leftover)).expect("mkdir");
        }
        // Another output's staging directory is not ours to remove.
        std::fs::create_dir_all(dir.path().join(".other.staging-x")).expect("mkdir");
        write_tree(&out, &[("a.html", "a")]).expect("build");
        assert_eq!(listing(dir.path()), [".other.staging-x", "public"]);
    }

    #[test]
    fn an_output_that_is_a_file_is_refused_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        std::fs::write(&out, "not a dir").expect("write");
        let err = write_tree(&out, &[("a.html", "a")]).expect_err("file");
        assert!(err.to_string().contains("is not a directory"), "{err}");
        assert_eq!(std::fs::read_to_string(&out).expect("kept"), "not a dir");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_exchange_is_used_on_linux() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).expect("a");
        std::fs::create_dir(&b).expect("b");
        std::fs::write(a.join("from-a"), "").expect("w");
        assert!(exchange(&a, &b).expect("exchange"), "renameat2(RENAME_EXCHANGE) is not available here");
        assert!(b.join("from-a").exists() && !a.join("from-a").exists());
    }
}
