//! The memo of `badges/`: what reading each credential file found (its digest, what it
//! states, whether it is a status list), under the file's stamp on disk, so that a rebuild of
//! a site where one award was added reads one credential, not a million. Reading, parsing
//! and hashing every file again was two fifths of such a build at a million awards.
//!
//! Like git's index, it trusts a file whose stamp (size, modification and change times,
//! inode) is unchanged. A file written in the same clock tick as it was read could keep its
//! stamp, so a file modified less than [`SETTLE`] before it was read is not remembered. The
//! memo is this binary's and this configuration's: another one of either starts it afresh.

use super::super::load::Known;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The memo's file in the cache directory, in JSON Lines: a head line, then a line per file.
const FILE: &str = "files.jsonl";

/// How long a file must have been left alone before it is read for its stamp to be trusted.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

/// What changes on disk whenever a file's content does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    len: u64,
    /// Modification and status-change times, in nanoseconds since the epoch (a million of
    /// these are held during a build: 64 bits last until 2554).
    modified: u64,
    changed: u64,
    inode: u64,
}

impl Stamp {
    /// The stamp of the file at `path`; `None` when it cannot be read, or is not a file.
    pub fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::symlink_metadata(path).ok().filter(std::fs::Metadata::is_file)?;
        let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
        let modified = u64::try_from(modified).ok()?;
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            let changed = meta.ctime().checked_mul(1_000_000_000)?.checked_add(meta.ctime_nsec())?;
            (u64::try_from(changed).ok()?, meta.ino())
        };
        #[cfg(not(unix))]
        let (changed, inode) = (0, 0);
        Some(Stamp { len: meta.len(), modified, changed, inode })
    }

    /// Whether the file had been left alone for [`SETTLE`] when this stamp was taken (and
    /// its times are not in the future).
    fn settled(&self) -> bool {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        u128::from(self.modified.max(self.changed)) + SETTLE.as_nanos() <= now
    }
}

#[derive(Serialize, Deserialize)]
struct Head {
    binary: String,
    context: String,
}

#[derive(Serialize, Deserialize)]
struct Line {
    rel: String,
    stamp: Stamp,
    known: Known,
}

/// The memo of one build: the previous build's entries, and this build's, written as it goes.
#[derive(Default)]
pub struct Files {
    old: FxHashMap<String, (Stamp, Known)>,
    /// What the previous build's entries depend on (see [`Files::start`]).
    old_context: Option<String>,
    binary: String,
    /// The memo being written (a temporary file); `None` when nothing is kept, or once a write
    /// failed.
    out: Mutex<Option<(PathBuf, std::io::BufWriter<std::fs::File>)>>,
    dir: PathBuf,
}

impl Files {
    /// The memo in `dir` (the cache directory) for this `binary`; `clean` ignores what is there.
    pub(super) fn open(dir: &Path, binary: &str, clean: bool) -> Files {
        let mut files = Files::default();
        files.dir = dir.to_path_buf();
        files.binary = binary.to_string();
        let text = if clean || binary.is_empty() {
            Vec::new()
        } else {
            std::fs::read(dir.join(FILE)).unwrap_or_default()
        };
        let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
        let Some(head) = lines.first().and_then(|l| serde_json::from_slice::<Head>(l).ok()) else {
            return files;
        };
        if head.binary != binary {
            return files;
        }
        use rayon::prelude::*;
        // On every core: at a million awards the memo is a few hundred megabytes.
        let read: Option<Vec<Line>> =
            lines[1..].par_iter().map(|l| serde_json::from_slice::<Line>(l).ok()).collect();
        // A memo that does not read whole is no memo.
        if let Some(read) = read {
            files.old = read.into_iter().map(|l| (l.rel, (l.stamp, l.known))).collect();
            files.old_context = Some(head.context);
        }
        files
    }

    /// Starts this build's memo for `context` (a hash of what every entry depends on besides
    /// its file: the configuration); the previous build's entries count only when it matches.
    pub fn start(&mut self, context: &str) {
        if self.old_context.as_deref() != Some(context) {
            self.old.clear();
        }
        if self.binary.is_empty() || self.dir.as_os_str().is_empty() {
            return;
        }
        let tmp = self.dir.join(format!("{FILE}.tmp-{}", std::process::id()));
        let out = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::File::create(&tmp))
            .ok()
            .map(|f| (tmp, std::io::BufWriter::new(f)));
        *self.out.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner) = out;
        let head = Head { binary: self.binary.clone(), context: context.to_string() };
        self.append(serde_json::to_vec(&head).ok());
    }

    /// What the previous build found in the file `rel` if it still has this stamp (a build
    /// moves entries out with [`Files::take`]).
    #[cfg(test)]
    pub fn get(&self, rel: &str, stamp: &Stamp) -> Option<&Known> {
        self.old.get(rel).filter(|(s, _)| s == stamp).map(|(_, known)| known)
    }

    /// The previous build's entry for `rel` and the stamp it holds for, moved out of the memo.
    pub fn take(&mut self, rel: &str) -> Option<(Stamp, Known)> {
        self.old.remove(rel)
    }

    /// Remembers what reading `rel` found, when its stamp was taken before the reading and the
    /// file had settled by then.
    pub fn put(&self, rel: &str, stamp: Stamp, known: &Known) {
        if !stamp.settled() {
            return;
        }
        #[derive(Serialize)]
        struct LineOf<'a> {
            rel: &'a str,
            stamp: Stamp,
            known: &'a Known,
        }
        self.append(serde_json::to_vec(&LineOf { rel, stamp, known }).ok());
    }

    fn append(&self, line: Option<Vec<u8>>) {
        let Ok(mut out) = self.out.lock() else { return };
        let Some((tmp, file)) = out.as_mut() else { return };
        let written = line.is_some_and(|l| file.write_all(&l).and_then(|()| file.write_all(b"\n")).is_ok());
        if !written {
            let _ = std::fs::remove_file(tmp);
            *out = None;
        }
    }

    /// Publishes this build's memo for the next one.
    pub(super) fn save(mut self) {
        let out = self.out.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some((tmp, file)) = out {
            match file.into_inner() {
                Ok(_) => {
                    let _ = std::fs::rename(&tmp, self.dir.join(FILE));
                }
                Err(_) => {
                    let _ = std::fs::remove_file(&tmp);
                }
            }
        }
    }
}

impl Drop for Files {
    /// A build that ends without saving leaves no temporary memo behind.
    fn drop(&mut self) {
        if let Ok(out) = self.out.get_mut()
            && let Some((tmp, _)) = out.take()
        {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::load::{Parsed, Stated};

    fn known(digest: &str) -> Known {
        Known {
            digest: digest.to_string(),
            parsed: Parsed { status_list: false, verification_methods: vec!["did:web:x#k".into()] },
            stated: Stated {
                id: Some("https://x/awards/a".into()),
                achievement_credential: true,
                page: Ok("awards/a".into()),
                achievement: "https://x/achievements/a".into(),
                valid_from: chrono::DateTime::from_timestamp(1_700_000_000, 5),
                valid_until: None,
                achievement_digest: 7,
            },
        }
    }

    fn reopen(dir: &Path, binary: &str, context: &str) -> Files {
        let mut files = Files::open(dir, binary, false);
        files.start(context);
        files
    }

    #[test]
    fn a_settled_file_is_known_by_its_stamp_and_this_binary_and_configuration_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("a.json");
        std::fs::write(&file, b"{}").expect("write");
        let now = Stamp::of(&file).expect("stamp");
        // As the file would be had it been written a minute ago.
        let minute = 60_000_000_000;
        let old = Stamp { modified: now.modified - minute, changed: now.changed - minute, ..now };
        let memo = reopen(dir.path(), "bin-1", "ctx");
        memo.put("awards/a.json", old, &known("d1"));
        memo.save();
        let memo = reopen(dir.path(), "bin-1", "ctx");
        let found = memo.get("awards/a.json", &old).expect("known");
        assert_eq!((found.digest.as_str(), found.stated.valid_from), ("d1", known("").stated.valid_from));
        assert!(memo.get("awards/a.json", &Stamp { len: 3, ..old }).is_none(), "another size");
        assert!(memo.get("awards/a.json", &Stamp { changed: old.changed + 1, ..old }).is_none());
        assert!(memo.get("awards/b.json", &old).is_none());
        drop(memo);
        assert!(reopen(dir.path(), "bin-2", "ctx").get("awards/a.json", &old).is_none(), "another binary");
        assert!(reopen(dir.path(), "bin-1", "other").get("awards/a.json", &old).is_none(), "another config");
        assert!(Files::open(dir.path(), "bin-1", true).get("awards/a.json", &old).is_none(), "--clean");
    }

    #[test]
    fn a_file_written_just_before_it_was_read_is_not_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("a.json");
        std::fs::write(&file, b"{}").expect("write");
        let stamp = Stamp::of(&file).expect("stamp");
        let memo = reopen(dir.path(), "bin", "ctx");
        memo.put("awards/a.json", stamp, &known("d1"));
        memo.save();
        assert!(reopen(dir.path(), "bin", "ctx").get("awards/a.json", &stamp).is_none());
    }

    #[test]
    fn a_memo_that_does_not_read_whole_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = Stamp { len: 2, modified: 1, changed: 1, inode: 1 };
        let memo = reopen(dir.path(), "bin", "ctx");
        memo.put("awards/a.json", old, &known("d1"));
        memo.save();
        let path = dir.path().join(FILE);
        let mut text = std::fs::read(&path).expect("read");
        assert!(reopen(dir.path(), "bin", "ctx").get("awards/a.json", &old).is_some());
        text.extend_from_slice(b"{\"rel\": \"awards/b.json\", \"sta");
        std::fs::write(&path, text).expect("write");
        assert!(reopen(dir.path(), "bin", "ctx").get("awards/a.json", &old).is_none());
    }
}
