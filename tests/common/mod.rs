//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;

/// The repository root (where `Cargo.toml` is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A folder of `../shared` (official vectors, the interop verifier), found beside the
/// repository or through `ROSETTE_SHARED`.
///
/// Returns `None` and prints why when it is missing, so that the crate's own tests run
/// without `../shared`; under CI (`CI` set) a missing folder is a failure that names it.
pub fn shared_dir(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("ROSETTE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("..").join("shared"));
    let dir = base.join(rel);
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "official data folder `{}` is missing (set ROSETTE_SHARED to the shared/ folder)",
        dir.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("skipped: {msg}");
    None
}
