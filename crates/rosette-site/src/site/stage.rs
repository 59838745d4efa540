//! The staging directory a build writes into as it renders, so that no rendered file is held
//! in memory longer than it takes to write it (100,000 awards make gigabytes of pages and
//! images), and the swap that publishes it.
//!
//! **Double buffering.** The swap keeps the tree it replaces as `.<out>.rosette-prev` beside
//! the output, with a record (in the cache) of every file in it: path, content hash, size and
//! modification time. The next build stages into that tree, writing only the files whose
//! content differs and deleting the ones no longer made, instead of recreating every file
//! and deleting the old tree: adding one award to a site of 10,000 then touches a few dozen
//! files, not 200,000. A file whose size or time no longer matches its record is rewritten,
//! a recorded file no longer made is deleted, and without a valid record the build stages
//! into a fresh directory. Files are never written in place (they may be hard links into the cache): an
//! outdated file is unlinked, then created.
//!
//! If the build fails, the previous output is untouched; the half-updated staging tree has no
//! record any more, so the next build starts it afresh.

use super::cache::Cache;
use super::output::Output;
use super::paths::OutPath;
use crate::error::SiteError;
use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a recorded file was: its content hash (the first 128 bits of the SHA-256), size and
/// modification time (nanoseconds; 64 bits last until 2554). Compact, because a site of 100,000 awards has 900,000
/// files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp(u128, u64, u64);

use super::cache::short;

/// The records of the two trees, in the cache directory: the one now published as the output,
/// and the one kept beside it. Each is a line with the output directory it was published to,
/// then a line with every file's [`Stamp`] by path. Two files, so that neither is read unless
/// it is used: at a million awards a record holds two million files.
const PUBLISHED: &str = "tree-published.json";
const KEPT: &str = "tree-kept.json";

/// The files of the record at `path` when it is of a tree published to `out`.
fn read_record(path: &Path, out: &str) -> Option<HashMap<String, Stamp>> {
    let text = std::fs::read(path).ok()?;
    let (head, files) = text.split_at(text.iter().position(|b| *b == b'\n')?);
    (serde_json::from_slice::<String>(head).ok()? == out).then_some(())?;
    serde_json::from_slice(files).ok()
}

/// Whether the record at `path` is of a tree published to `out` (its first line only).
fn record_is_for(path: &Path, out: &str) -> bool {
    use std::io::BufRead;
    let mut head = String::new();
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .and_then(|mut r| r.read_line(&mut head))
        .is_ok_and(|_| serde_json::from_str::<String>(head.trim_end()).is_ok_and(|o| o == out))
}

/// Writes the record of `files`, published to `out`, at `path` (removed if it cannot be).
fn write_record(path: &Path, out: &str, files: &HashMap<OutPath, Stamp>) {
    use std::io::Write;
    // Streamed from the map of what was written, not copied first: the end of a build is its
    // memory peak.
    struct ByPath<'a>(&'a HashMap<OutPath, Stamp>);
    impl Serialize for ByPath<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(path, stamp)| (path.as_str(), stamp)))
        }
    }
    let saved = std::fs::File::create(path).map(std::io::BufWriter::new).and_then(|mut file| {
        serde_json::to_writer(&mut file, out).map_err(std::io::Error::other)?;
        file.write_all(b"\n")?;
        serde_json::to_writer(&mut file, &ByPath(files)).map_err(std::io::Error::other)?;
        file.flush()
    });
    if saved.is_err() {
        let _ = std::fs::remove_file(path);
    }
}

pub struct Staging {
    dir: PathBuf,
    /// Where the published tree is kept after the swap.
    prev: PathBuf,
    /// What `dir` holds, when it is the previous tree being updated.
    old: Option<HashMap<String, Stamp>>,
    /// The cache directory, which holds the trees' records (none when nothing is kept).
    records: Option<PathBuf>,
    out_key: String,
    written: Mutex<HashMap<OutPath, Stamp>>,
    finished: bool,
    /// The output's parent, locked until the build ends.
    _prepared: super::write::Prepared,
}

impl Staging {
    /// The staging tree for `out`: the kept previous tree when `reuse` and the cache has its
    /// record, else a fresh directory.
    pub fn new(out: &Path, cache: &Cache, reuse: bool) -> Result<Staging, SiteError> {
        let prepared = super::write::prepare(out)?;
        let (parent, name) = (prepared.parent.as_path(), prepared.name.as_str());
        let prev = parent.join(format!(".{name}.rosette-prev"));
        let out_key =
            std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf()).to_string_lossy().into_owned();
        let records = cache.keeps().then(|| cache.dir().to_path_buf());
        if let Some(records) = &records
            && reuse
            && prev.is_dir()
            && let Some(kept) = read_record(&records.join(KEPT), &out_key)
            // From here on the kept tree changes: its record goes, until the swap writes one.
            && std::fs::remove_file(records.join(KEPT)).is_ok()
        {
            return Ok(Staging {
                dir: prev.clone(),
                prev,
                old: Some(kept),
                records: Some(records.clone()),
                out_key,
                written: Mutex::new(HashMap::default()),
                finished: false,
                _prepared: prepared,
            });
        }
        if prev.exists() {
            std::fs::remove_dir_all(&prev).map_err(|e| SiteError::io_at(&prev, "remove", &e))?;
        }
        let dir = super::write::staging_dir(&prepared)?;
        Ok(Staging {
            dir,
            prev,
            old: None,
            records,
            out_key,
            written: Mutex::new(HashMap::default()),
            finished: false,
            _prepared: prepared,
        })
    }

    /// The kept tree's stamp of `path` when it holds exactly `content` there, as recorded
    /// and as the file still is.
    fn unchanged(&self, path: &OutPath, target: &Path, content: &str) -> Option<Stamp> {
        self.old
            .as_ref()
            .and_then(|old| old.get(path.as_str()))
            .filter(|stamp| stamp.0 == short(content))
            .filter(|stamp| stamp_of(target, content).as_ref() == Some(*stamp))
            .copied()
    }

    /// Claims `path` for one output. Returns where it goes, or `None` when the kept tree
    /// already has exactly this content there.
    fn claim(&self, path: &OutPath, content: &str) -> Result<Option<PathBuf>, SiteError> {
        let target = self.dir.join(path.as_str());
        let unchanged = self.unchanged(path, &target, content);
        self.claim_as(path, target, unchanged)
    }

    fn claim_as(
        &self,
        path: &OutPath,
        target: PathBuf,
        unchanged: Option<Stamp>,
    ) -> Result<Option<PathBuf>, SiteError> {
        let mut written = self.written.lock().map_err(|_| SiteError::io("a rendering thread panicked"))?;
        if written.contains_key(path) {
            return Err(SiteError::invalid(format!("two outputs would be written to `{}`", path.as_str())));
        }
        if let Some(stamp) = unchanged {
            written.insert(path.clone(), stamp);
            return Ok(None);
        }
        // Reserved now, stamped once written.
        written.insert(path.clone(), Stamp(0, 0, 0));
        drop(written);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SiteError::io_at(dir, "create", &e))?;
        }
        if self.old.is_some() {
            // Never write into a file that may be a hard link into the cache.
            match std::fs::remove_file(&target) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound && target.is_dir() => {
                    std::fs::remove_dir_all(&target).map_err(|e| SiteError::io_at(&target, "remove", &e))?
                }
                _ => {}
            }
        }
        Ok(Some(target))
    }

    fn stamp(&self, path: &OutPath, target: &Path, content: &str) {
        if let (Some(stamp), Ok(mut written)) = (stamp_of(target, content), self.written.lock()) {
            written.insert(path.clone(), stamp);
        }
    }

    /// Copies the file `from` to `path`.
    pub fn copy(&self, path: &OutPath, from: &Path) -> Result<(), SiteError> {
        let bytes = std::fs::read(from).map_err(|e| SiteError::io_at(from, "read", &e))?;
        self.write(path, &bytes)
    }

    /// Links (or, across file systems, copies) the cached object `content` to `target`.
    fn place(&self, cache: &Cache, path: &OutPath, target: &Path, content: &str) -> Result<(), SiteError> {
        let object = cache.object(content);
        std::fs::hard_link(&object, target)
            .or_else(|_| std::fs::copy(&object, target).map(|_| ()))
            .map_err(|e| SiteError::io_at(&object, "copy", &e))?;
        self.stamp(path, target, content);
        Ok(())
    }

    /// Deletes what the staging tree holds that this build did not make, publishes it as
    /// `out`, and keeps the tree it replaces for the next build. Returns the size of what it
    /// published.
    pub fn finish(mut self, out: &Path) -> Result<super::fit::TreeSize, SiteError> {
        let written =
            std::mem::take(&mut *self.written.lock().map_err(|_| SiteError::io("a thread panicked"))?);
        if self.old.is_some() {
            self.prune(&written)?;
        }
        // One atomic exchange (see write.rs): `public/` is the old tree or the new one, never
        // missing or mixed, whenever the process dies.
        let old_tree = super::write::swap_in(&self.dir, out)?;
        self.finished = true;
        let size =
            super::fit::TreeSize::from_files(written.iter().map(|(path, stamp)| (path.as_str(), stamp.1)));
        // The replaced tree is kept for the next build, when its record is known: the record
        // of what was published becomes the kept tree's.
        let records = self.records.as_deref();
        let published = records.is_some_and(|r| record_is_for(&r.join(PUBLISHED), &self.out_key));
        let kept = match old_tree {
            Some(old) if published && (old == self.prev || std::fs::rename(&old, &self.prev).is_ok()) => {
                records.is_some_and(|r| std::fs::rename(r.join(PUBLISHED), r.join(KEPT)).is_ok())
            }
            Some(old) => {
                let _ = std::fs::remove_dir_all(&old);
                false
            }
            None => false,
        };
        if !kept {
            if self.prev.exists() {
                let _ = std::fs::remove_dir_all(&self.prev);
            }
            if let Some(r) = records {
                let _ = std::fs::remove_file(r.join(KEPT));
            }
        }
        if let Some(r) = records {
            write_record(&r.join(PUBLISHED), &self.out_key, &written);
            // The record of both trees in one file, before rosette 0.1's issue #21.
            let _ = std::fs::remove_file(r.join("trees.json"));
        }
        Ok(size)
    }

    /// Removes the files of the kept tree's record that this build did not make, and the
    /// directories that leaves empty. The record names every file the tree holds (it is
    /// rosette's own, beside the output), so nothing is walked: a walk of the 90,000 files of
    /// a 10,000-award site was a fifth of an incremental build.
    fn prune(&self, written: &HashMap<OutPath, Stamp>) -> Result<(), SiteError> {
        let Some(old) = &self.old else { return Ok(()) };
        let keep: FxHashSet<&str> = written.keys().map(OutPath::as_str).collect();
        let mut emptied = std::collections::BTreeSet::new();
        for path in old.keys().filter(|path| !keep.contains(path.as_str())) {
            let target = self.dir.join(path);
            match std::fs::remove_file(&target) {
                Ok(()) => {}
                // Gone already, or a directory of this build's files now.
                Err(_) if !target.is_file() => continue,
                Err(e) => return Err(SiteError::io_at(&target, "remove", &e)),
            }
            let mut dir = Path::new(path.as_str()).parent();
            while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                emptied.insert(d.to_path_buf());
                dir = d.parent();
            }
        }
        // Deepest first; a directory that still holds files stays.
        for dir in emptied.iter().rev() {
            let _ = std::fs::remove_dir(self.dir.join(dir));
        }
        Ok(())
    }
}

impl Output for Staging {
    fn write_hashed(&self, path: &OutPath, bytes: &[u8], content: &str) -> Result<(), SiteError> {
        if let Some(target) = self.claim(path, content)? {
            std::fs::write(&target, bytes).map_err(|e| SiteError::io_at(&target, "write", &e))?;
            self.stamp(path, &target, content);
        }
        Ok(())
    }

    /// For bytes whose content hash the caller already has: every output is hashed once (a
    /// third of the build's hashing was hashing the same bytes again).
    fn store_hashed(
        &self,
        cache: &Cache,
        path: &OutPath,
        bytes: &[u8],
        content: String,
    ) -> Result<Option<String>, SiteError> {
        self.write_hashed(path, bytes, &content)?;
        // The staged file is complete, so linking it into the store is atomic: no temporary
        // file and rename.
        Ok(cache.adopt(&self.dir.join(path.as_str()), bytes, content).ok())
    }

    fn link(&self, cache: &Cache, path: &OutPath, content: &str) -> Result<(), SiteError> {
        if let Some(target) = self.claim(path, content)? {
            self.place(cache, path, &target, content)?;
        }
        Ok(())
    }

    /// One `stat` per file the kept tree already holds.
    fn link_all(&self, cache: &Cache, files: &[(OutPath, &str)]) -> Result<bool, SiteError> {
        let mut plan = Vec::with_capacity(files.len());
        for (path, content) in files {
            let target = self.dir.join(path.as_str());
            let unchanged = self.unchanged(path, &target, content);
            if unchanged.is_none() && !cache.object(content).is_file() {
                return Ok(false);
            }
            plan.push((path, *content, target, unchanged));
        }
        for (path, content, target, unchanged) in plan {
            if let Some(target) = self.claim_as(path, target, unchanged)? {
                self.place(cache, path, &target, content)?;
            }
        }
        Ok(true)
    }

    fn contains(&self, path: &OutPath) -> bool {
        self.written.lock().map(|w| w.contains_key(path)).unwrap_or(false)
    }

    fn len(&self) -> usize {
        self.written.lock().map(|w| w.len()).unwrap_or(0)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // A fresh staging directory of a failed build goes; a kept tree stays for the next
        // build to discard (it has no record any more).
        if !self.finished && self.old.is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn stamp_of(path: &Path, content: &str) -> Option<Stamp> {
    let meta = std::fs::symlink_metadata(path).ok().filter(std::fs::Metadata::is_file)?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some(Stamp(short(content), meta.len(), u64::try_from(modified).ok()?))
}
