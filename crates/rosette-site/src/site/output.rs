//! Where rendered files go: the build's staging tree ([`super::stage::Staging`]), or memory
//! for `rosette check` ([`Memory`]). Rendering writes through [`Output`] and never knows which.

use super::cache::{Cache, hash};
use super::paths::OutPath;
use crate::error::SiteError;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A tree of output files being made. Two outputs at one path are an error, whatever the order
/// they are made in.
pub trait Output: Sync {
    /// Writes `bytes`, whose content hash is `content`, at `path`.
    fn write_hashed(&self, path: &OutPath, bytes: &[u8], content: &str) -> Result<(), SiteError>;

    /// Writes `bytes` at `path` and keeps them as an object of `memo`; returns the object's hash
    /// (`None` when the memo keeps nothing or its store cannot be written).
    fn store_hashed(
        &self,
        memo: &Cache,
        path: &OutPath,
        bytes: &[u8],
        content: String,
    ) -> Result<Option<String>, SiteError>;

    /// Puts the memo's object `content` at `path`.
    fn link(&self, memo: &Cache, path: &OutPath, content: &str) -> Result<(), SiteError>;

    /// Puts the memo's objects `files` (path, hash) at their paths, all or none: `false`, and
    /// nothing written, when one is missing.
    fn link_all(&self, memo: &Cache, files: &[(OutPath, &str)]) -> Result<bool, SiteError>;

    /// Whether an output was written at `path`.
    fn contains(&self, path: &OutPath) -> bool;

    /// How many files were written.
    fn len(&self) -> usize;

    /// Whether nothing was written yet.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `bytes` at `path`.
    fn write(&self, path: &OutPath, bytes: &[u8]) -> Result<(), SiteError> {
        self.write_hashed(path, bytes, &hash(bytes))
    }

    /// [`Output::store_hashed`], hashing `bytes` first.
    fn store(&self, memo: &Cache, path: &OutPath, bytes: &[u8]) -> Result<Option<String>, SiteError> {
        self.store_hashed(memo, path, bytes, hash(bytes))
    }
}

/// An output tree held in memory, sorted by path: what `rosette check` renders into, so that
/// it writes nothing and reads nothing back.
#[derive(Default)]
pub struct Memory {
    files: Mutex<BTreeMap<OutPath, Vec<u8>>>,
}

impl Memory {
    /// The files written, by path.
    pub fn into_files(self) -> BTreeMap<OutPath, Vec<u8>> {
        self.files.into_inner().unwrap_or_default()
    }

    fn insert(&self, path: &OutPath, bytes: Vec<u8>) -> Result<(), SiteError> {
        let mut files = self.files.lock().map_err(|_| SiteError::io("a rendering thread panicked"))?;
        if files.contains_key(path) {
            return Err(SiteError::invalid(format!("two outputs would be written to `{}`", path.as_str())));
        }
        files.insert(path.clone(), bytes);
        Ok(())
    }
}

impl Output for Memory {
    fn write_hashed(&self, path: &OutPath, bytes: &[u8], _content: &str) -> Result<(), SiteError> {
        self.insert(path, bytes.to_vec())
    }

    fn store_hashed(
        &self,
        memo: &Cache,
        path: &OutPath,
        bytes: &[u8],
        _content: String,
    ) -> Result<Option<String>, SiteError> {
        self.insert(path, bytes.to_vec())?;
        Ok(memo.store(bytes).ok().map(|(hash, _)| hash))
    }

    fn link(&self, memo: &Cache, path: &OutPath, content: &str) -> Result<(), SiteError> {
        let object = memo.object(content);
        let bytes = std::fs::read(&object).map_err(|e| SiteError::io_at(&object, "read", &e))?;
        self.insert(path, bytes)
    }

    fn link_all(&self, memo: &Cache, files: &[(OutPath, &str)]) -> Result<bool, SiteError> {
        let mut read = Vec::with_capacity(files.len());
        for (path, content) in files {
            match std::fs::read(memo.object(content)) {
                Ok(bytes) => read.push((path, bytes)),
                Err(_) => return Ok(false),
            }
        }
        for (path, bytes) in read {
            self.insert(path, bytes)?;
        }
        Ok(true)
    }

    fn contains(&self, path: &OutPath) -> bool {
        self.files.lock().map(|f| f.contains_key(path)).unwrap_or(false)
    }

    fn len(&self) -> usize {
        self.files.lock().map(|f| f.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_refuses_a_second_output_at_one_path() {
        let out = Memory::default();
        let at = OutPath::fixed("index.html");
        out.write(&at, b"one").expect("first");
        let err = out.write(&at, b"two").expect_err("second");
        assert_eq!(err.message, "two outputs would be written to `index.html`");
        assert_eq!(out.into_files().get(&at).map(Vec::as_slice), Some(&b"one"[..]));
    }

    #[test]
    fn a_memo_that_keeps_nothing_stores_nothing() {
        let out = Memory::default();
        let memo = Cache::none();
        let at = OutPath::fixed("a.json");
        assert_eq!(out.store(&memo, &at, b"{}").expect("store"), None);
        assert!(out.contains(&at) && !memo.keeps());
        assert!(!out.link_all(&memo, &[(OutPath::fixed("b.json"), "00ff")]).expect("link_all"));
        assert_eq!(out.len(), 1, "nothing of a failed link_all is written");
    }
}
