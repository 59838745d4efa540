//! Write: the whole tree goes to a staging directory beside the output, which then replaces
//! the output in one step. Whatever happens — a failed build, a full disk, the process killed
//! at any instant — `public/` is the old complete tree or the new complete tree, never a mix.
//!
//! On Linux the step is one `renameat2(RENAME_EXCHANGE)`: the kernel swaps the two names
//! atomically, so `public/` never stops existing. Elsewhere (or on a file system that does not
//! support the exchange) it falls back to two renames, the old tree aside and the new one in,
//! with a window in which `public/` is missing but never mixed. Staging directories left by a
//! killed build are removed by the next one.

use super::paths::OutPath;
use crate::error::CliError;
use std::path::{Path, PathBuf};

/// A file to copy from the input (an image under `badges/`).
pub struct Copy {
    pub to: OutPath,
    pub from: PathBuf,
}

/// Writes `files` and `copies` into a fresh staging directory, then swaps it in for `out`.
pub fn write_tree(out: &Path, files: &super::render::Output, copies: &[Copy]) -> Result<(), CliError> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| CliError::io_at(parent, "create", &e))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    if out.exists() && !out.is_dir() {
        return Err(CliError::io(format!("`{}` exists and is not a directory", out.display()))
            .hint("rosette replaces the output directory as a whole; choose another --out"));
    }
    // Held until the swap is done: two builds into the same parent take turns, and any
    // staging directory found while holding it belongs to a build that is no longer running.
    let lock = lock_dir(parent);
    let prefix = format!(".{name}.staging-");
    if lock.is_some() {
        remove_leftovers(parent, &prefix);
    }
    let staging = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(parent)
        .map_err(|e| CliError::io_at(parent, "create a staging directory in", &e))?;
    // tempfile makes the directory 0700; the published tree must be readable by the web
    // server, like every file written into it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| CliError::io_at(staging.path(), "create", &e))?;
    }
    // On error the TempDir is dropped and the partial staging tree removed.
    for (path, bytes) in files {
        let target = staging.path().join(path.as_str());
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CliError::io_at(dir, "create", &e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| CliError::io_at(&target, "write", &e))?;
    }
    for copy in copies {
        let target = staging.path().join(copy.to.as_str());
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CliError::io_at(dir, "create", &e))?;
        }
        std::fs::copy(&copy.from, &target).map_err(|e| CliError::io_at(&copy.from, "copy", &e))?;
    }
    swap_in(staging.keep(), out)
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

/// Replaces `out` with `staging`, then removes the old tree.
fn swap_in(staging: PathBuf, out: &Path) -> Result<(), CliError> {
    if !out.exists() {
        return std::fs::rename(&staging, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            CliError::io_at(out, "create", &e)
        });
    }
    match exchange(&staging, out) {
        // `staging` now names the old tree.
        Ok(true) => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(())
        }
        Ok(false) => swap_by_two_renames(staging, out),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(CliError::io_at(out, "replace", &e))
        }
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
fn swap_by_two_renames(staging: PathBuf, out: &Path) -> Result<(), CliError> {
    let mut old = staging.as_os_str().to_owned();
    old.push(".old");
    let old = PathBuf::from(old);
    std::fs::rename(out, &old).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staging);
        CliError::io_at(out, "replace", &e)
    })?;
    if let Err(e) = std::fs::rename(&staging, out) {
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir_all(&staging);
        return Err(CliError::io_at(out, "replace", &e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(files: &[(&str, &str)]) -> super::super::render::Output {
        files.iter().map(|(p, b)| (OutPath::new(p).expect("path"), b.as_bytes().to_vec())).collect()
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
        write_tree(&out, &output(&[("a.html", "old"), ("old/only.txt", "x")]), &[]).expect("first");
        write_tree(&out, &output(&[("a.html", "new"), ("b/c.txt", "c")]), &[]).expect("second");
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
        write_tree(&out, &output(&[("a.html", "a")]), &[]).expect("build");
        assert_eq!(listing(dir.path()), [".other.staging-x", "public"]);
    }

    #[test]
    fn an_output_that_is_a_file_is_refused_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        std::fs::write(&out, "not a dir").expect("write");
        let err = write_tree(&out, &output(&[("a.html", "a")]), &[]).expect_err("file");
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
