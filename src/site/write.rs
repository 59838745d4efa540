//! Write: the whole tree goes to a staging directory beside the output, which then replaces
//! the output in one step. A failed build leaves the previous `public/` exactly as it was.

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
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.staging-"))
        .tempdir_in(parent)
        .map_err(|e| CliError::io_at(parent, "create a staging directory in", &e))?;
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

/// Replaces `out` with `staging`: the old tree moves aside, the new one takes its name, the
/// old one is removed. If the second rename fails the old tree is put back.
fn swap_in(staging: PathBuf, out: &Path) -> Result<(), CliError> {
    if !out.exists() {
        return std::fs::rename(&staging, out).map_err(|e| CliError::io_at(out, "create", &e));
    }
    let mut old = out.as_os_str().to_owned();
    old.push(format!(".old-{}", std::process::id()));
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
