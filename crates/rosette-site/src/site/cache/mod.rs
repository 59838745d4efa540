//! The incremental build cache, `<site>/.rosette-cache/`, outside `public/`.
//!
//! A build's expensive results are memoized under a key that hashes every input they depend
//! on, so that adding one award to a site of 10,000 verifies one credential and renders one
//! award's files; everything else is linked from the cache. What is cached:
//!
//! - **verdicts**, keyed by the credential's bytes, every document the verifier may read
//!   (did.json, status lists) and where the build time falls against each validity instant
//!   of the credential and of the status lists (the verdict never prints the time itself);
//! - **units**, the files of one award's earner kit (card, baked images, QR code) keyed by
//!   everything `earner::make` reads, and each rendered page keyed by its template set and
//!   its whole tera context;
//! - **objects**, the bytes of those files, named by their SHA-256 and hard-linked into the
//!   staging directory (copied when a link is impossible).
//!
//! The manifest records the hash of the rosette binary: another binary means a clean build,
//! so a code change can never reuse a stale result. A missing, unreadable or corrupt cache is
//! simply empty; an object that has gone missing makes its unit a miss.

mod files;

pub use files::{Files, Stamp};

use crate::integrity::Cryptosuite;
use crate::verify::Verdict;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The cache directory's name inside the site directory.
pub const DIR: &str = ".rosette-cache";
/// Bumped when the manifest's shape changes (3: a page unit names its file by its output
/// path, and an award's unit lists its parts' keys, not their files).
const FORMAT: u32 = 4;

/// A content hash of every input of one result, fed part by part (each part length-prefixed,
/// so that `ab`+`c` and `a`+`bc` differ).
pub struct Key(Sha256);

impl Key {
    pub fn new(kind: &str) -> Key {
        let mut key = Key(Sha256::new());
        key.add(kind.as_bytes());
        key
    }

    pub fn add(&mut self, part: &[u8]) -> &mut Key {
        self.0.update((part.len() as u64).to_le_bytes());
        self.0.update(part);
        self
    }

    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// A SHA-256 as its 32 bytes, where a build holds one per award (as 64 hex characters on the
/// heap, three per award were 250 MB at a million awards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha([u8; 32]);

impl Sha {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha {
        Sha(Sha256::digest(bytes).into())
    }

    /// A SHA-256 from its hex form (a cache key, an object's name); `None` if it is not one.
    pub fn from_hex(text: &str) -> Option<Sha> {
        let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
        let mut sha = [0u8; 32];
        if text.len() != 64 {
            return None;
        }
        for (byte, pair) in sha.iter_mut().zip(text.as_bytes().chunks(2)) {
            *byte = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Sha(sha))
    }

    /// Its hex form.
    pub fn hex(&self) -> String {
        hex(&self.0)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The SHA-256 of `bytes`, in hex.
pub fn hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char])
        .collect()
}

/// A verdict as cached: the checks, and the object hash of what was signed in its page form
/// (`site::canonical::blob`) when the suite is `eddsa-rdfc-2022`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedVerdict {
    /// The award's own, shared.
    pub verdict: std::sync::Arc<Verdict>,
    pub canonical: Option<String>,
}

/// The files of one unit of work, by name relative to its directory, as object hashes.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Unit {
    pub files: Vec<(String, String)>,
    /// What the unit's work returned besides files (an award's listing summary), as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<String>,
    /// The keys of smaller units whose files this one includes, kept with it so that they
    /// are still there when only some of its inputs change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<String>,
}

/// What the previous build left, read whole (a lookup per award).
#[derive(Debug, Default)]
struct Manifest {
    verdicts: rustc_hash::FxHashMap<String, CachedVerdict>,
    units: rustc_hash::FxHashMap<String, Unit>,
}

/// The manifest's file, in JSON Lines: a head line, then one line per verdict and per unit.
const MANIFEST: &str = "manifest.jsonl";

/// One line of the manifest.
#[derive(Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
enum Line {
    Head { format: u32, binary: String },
    Verdict { key: String, verdict: CachedVerdict },
    Unit { key: String, unit: Unit },
}

/// A [`Line`] as read: a plain struct, because serde reads an internally tagged enum through a
/// buffered copy of every line, which was half the time of reading the manifest.
#[derive(Deserialize)]
struct LineIn {
    t: Kind,
    #[serde(default)]
    format: u32,
    #[serde(default)]
    binary: String,
    #[serde(default)]
    key: String,
    verdict: Option<CachedVerdict>,
    unit: Option<Unit>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Head,
    Verdict,
    Unit,
}

impl LineIn {
    fn line(self) -> Option<Line> {
        Some(match self.t {
            Kind::Head => Line::Head { format: self.format, binary: self.binary },
            Kind::Verdict => Line::Verdict { key: self.key, verdict: self.verdict? },
            Kind::Unit => Line::Unit { key: self.key, unit: self.unit? },
        })
    }
}

impl Manifest {
    /// The manifest at `path` if it is whole and was written by this binary in this format;
    /// else none (a clean build).
    fn read(path: &Path, binary: &str) -> Option<Manifest> {
        use rayon::prelude::*;
        let text = std::fs::read(path).ok()?;
        let mut lines = text.split(|b| *b == b'\n').filter(|l| !l.is_empty());
        match serde_json::from_slice::<LineIn>(lines.next()?).ok()?.line()? {
            Line::Head { format, binary: b } if format == FORMAT && b == binary && !binary.is_empty() => {}
            _ => return None,
        }
        // On every core: at a million awards the manifest is more than a gigabyte.
        let lines: Vec<&[u8]> = lines.collect();
        let parsed: Vec<Line> = lines
            .par_iter()
            .map(|l| serde_json::from_slice::<LineIn>(l).ok()?.line())
            .collect::<Option<_>>()?;
        drop(text);
        let mut manifest = Manifest::default();
        // Most verdicts say the same: kept once, as the build that wrote them kept them.
        let alike = Alike::default();
        for line in parsed {
            match line {
                Line::Verdict { key, mut verdict } => {
                    verdict.verdict = alike.one(verdict.verdict);
                    manifest.verdicts.insert(key, verdict)
                }
                .map(|_| ()),
                Line::Unit { key, unit } => manifest.units.insert(key, unit).map(|_| ()),
                Line::Head { .. } => return None,
            };
        }
        Some(manifest)
    }
}

/// What this build keeps, written as it goes: at a million awards, the entries held until the
/// end were a gigabyte. Only what [`Cache::save`] needs stays in memory, as 128-bit prefixes.
#[derive(Default)]
struct Journal {
    /// The manifest being written (a temporary file beside [`MANIFEST`]); `None` for
    /// [`Cache::none`], or once a write failed (the build then saves no manifest).
    out: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    /// The objects this build's entries name: those [`Cache::save`] keeps.
    used: rustc_hash::FxHashSet<u128>,
    /// The units written, by key: each once.
    units: rustc_hash::FxHashSet<u128>,
}

impl Journal {
    fn start(dir: &Path, binary: &str) -> Journal {
        let tmp = dir.join(format!("{MANIFEST}.tmp-{}-{}", std::process::id(), next_id()));
        let out = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::File::create(&tmp))
            .ok()
            .map(|f| (tmp, std::io::BufWriter::new(f)));
        let mut journal = Journal { out, used: Default::default(), units: Default::default() };
        journal.append(encode(&Line::Head { format: FORMAT, binary: binary.to_string() }));
        journal
    }

    /// Appends one encoded line; a line that could not be encoded or written ends the
    /// manifest (a partial one would be taken for a whole one).
    fn append(&mut self, line: Option<Vec<u8>>) {
        use std::io::Write;
        let Some((tmp, out)) = &mut self.out else { return };
        if line.is_none_or(|l| out.write_all(&l).is_err()) {
            let _ = std::fs::remove_file(tmp);
            self.out = None;
        }
    }
}

impl Drop for Journal {
    /// A build that ends without saving (it failed) leaves no temporary manifest behind.
    fn drop(&mut self) {
        if let Some((tmp, _)) = self.out.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A manifest line, encoded (outside the journal's lock: rendering threads share it).
fn encode(line: &Line) -> Option<Vec<u8>> {
    let mut bytes = serde_json::to_vec(line).ok()?;
    bytes.push(b'\n');
    Some(bytes)
}

/// Verdicts that say the same are kept once: most awards' checks read alike (the same key,
/// issuer and status; dates by the day), and a copy each was most of a build's memory at a
/// million awards.
#[derive(Default)]
pub struct Alike(std::sync::Mutex<std::collections::HashSet<ByChecks>>);

/// A verdict compared by what it says (its outcome and checks).
struct ByChecks(Arc<Verdict>);

impl std::hash::Hash for ByChecks {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.outcome.hash(h);
        self.0.checks.hash(h);
    }
}

impl PartialEq for ByChecks {
    fn eq(&self, other: &Self) -> bool {
        self.0.outcome == other.0.outcome && self.0.checks == other.0.checks
    }
}

impl Eq for ByChecks {}

impl Alike {
    /// The verdict that says what `verdict` says, kept once. One that still carries what was
    /// signed (its page needs it) is its own.
    pub fn one(&self, verdict: Arc<Verdict>) -> Arc<Verdict> {
        if verdict.signed.is_some() {
            return verdict;
        }
        let Ok(mut seen) = self.0.lock() else { return verdict };
        let key = ByChecks(verdict);
        if let Some(kept) = seen.get(&key) {
            return kept.0.clone();
        }
        let verdict = key.0.clone();
        seen.insert(key);
        verdict
    }
}

/// The first 128 bits of a hex SHA-256 (a cache key or an object's name).
pub(super) fn short(hex: &str) -> u128 {
    hex.get(..32).and_then(|h| u128::from_str_radix(h, 16).ok()).unwrap_or(0)
}

/// What the cache saved this build, for the build's report.
#[derive(Debug, Default)]
pub struct Stats {
    pub verified: AtomicUsize,
    pub verdicts_reused: AtomicUsize,
    /// Credential files known unchanged on disk by the memo of `badges/`, and not read.
    pub files_known: AtomicUsize,
    pub rendered: AtomicUsize,
    pub units_reused: AtomicUsize,
}

/// The memo of one build: what the previous build left, and what this one makes. Every
/// pipeline step takes one; [`Cache::none`] keeps nothing (for `rosette check`), so no step
/// has a path without it.
pub struct Cache {
    dir: PathBuf,
    /// Whether anything is kept: false for [`Cache::none`].
    keep: bool,
    old: Manifest,
    new: Mutex<Journal>,
    /// What reading each credential file found, by its stamp on disk.
    pub files: Files,
    pub stats: Stats,
}

impl Cache {
    /// Opens the cache of the site at `root`. `clean` ignores what is there (it is rewritten
    /// by [`Cache::save`]).
    pub fn open(root: &Path, clean: bool) -> Cache {
        let dir = root.join(DIR);
        let binary = binary_identity();
        let old = if clean { None } else { Manifest::read(&dir.join(MANIFEST), &binary) };
        let new = Journal::start(&dir, &binary);
        let files = Files::open(&dir, &binary, clean);
        Cache {
            dir,
            keep: true,
            old: old.unwrap_or_default(),
            new: Mutex::new(new),
            files,
            stats: Stats::default(),
        }
    }

    /// A memo that finds nothing and keeps nothing, and writes nothing to disk.
    pub fn none() -> Cache {
        Cache {
            dir: PathBuf::new(),
            keep: false,
            old: Manifest::default(),
            new: Mutex::new(Journal::default()),
            files: Files::default(),
            stats: Stats::default(),
        }
    }

    /// Whether results are kept: when not, a step need not compute keys at all.
    pub fn keeps(&self) -> bool {
        self.keep
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The verdict cached under `key`, its object files still present.
    pub fn verdict(&self, key: &str) -> Option<CachedVerdict> {
        let cached = self.old.verdicts.get(key)?;
        if let Some(blob) = &cached.canonical
            && !self.object(blob).is_file()
        {
            return None;
        }
        Some(cached.clone())
    }

    pub fn put_verdict(&self, key: String, verdict: CachedVerdict) {
        if !self.keep {
            return;
        }
        let canonical = verdict.canonical.as_deref().map(short);
        let line = encode(&Line::Verdict { key, verdict });
        if let Ok(mut new) = self.new.lock() {
            new.used.extend(canonical);
            new.append(line);
        }
    }

    /// The previous build's unit `key`, without checking that its objects are still there.
    pub fn unit_unchecked(&self, key: &str) -> Option<&Unit> {
        self.old.units.get(key)
    }

    /// The unit cached under `key`, every object of it still present.
    pub fn unit(&self, key: &str) -> Option<&Unit> {
        let unit = self.old.units.get(key)?;
        unit.files.iter().all(|(_, h)| self.object(h).is_file()).then_some(unit)
    }

    /// Keeps the previous build's unit `key`, and the units it is made of, for the next build.
    pub fn carry(&self, key: &str) {
        let Some(unit) = self.old.units.get(key).filter(|_| self.keep) else { return };
        for part in &unit.parts {
            if let Some(p) = self.old.units.get(part) {
                self.put_unit(part.clone(), p.clone());
            }
        }
        self.put_unit(key.to_string(), unit.clone());
    }

    pub fn put_unit(&self, key: String, unit: Unit) {
        if !self.keep {
            return;
        }
        let id = short(&key);
        let objects: Vec<u128> = unit.files.iter().map(|(_, h)| short(h)).collect();
        let line = encode(&Line::Unit { key, unit });
        if let Ok(mut new) = self.new.lock()
            && new.units.insert(id)
        {
            new.used.extend(objects);
            new.append(line);
        }
    }

    /// Where the object with this hash lives.
    pub fn object(&self, hash: &str) -> PathBuf {
        object_in(&self.dir, hash)
    }

    /// Stores `bytes` as an object (once) and returns its hash and path.
    pub fn store(&self, bytes: &[u8]) -> std::io::Result<(String, PathBuf)> {
        if !self.keep {
            return Err(std::io::ErrorKind::Unsupported.into());
        }
        let hash = hash(bytes);
        let path = self.object(&hash);
        if !path.is_file() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            // Written aside, then renamed: an interrupted build never leaves half an object.
            let tmp = path.with_extension(format!("tmp-{}-{}", std::process::id(), next_id()));
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok((hash, path))
    }

    /// Makes the complete file `file`, whose bytes are `bytes` and content hash `hash`, an
    /// object (by a hard link, or a copy across file systems) and returns its hash.
    pub fn adopt(&self, file: &Path, bytes: &[u8], hash: String) -> std::io::Result<String> {
        if !self.keep {
            return Err(std::io::ErrorKind::Unsupported.into());
        }
        let path = self.object(&hash);
        if path.is_file() {
            return Ok(hash);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        match std::fs::hard_link(file, &path) {
            Ok(()) => Ok(hash),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(hash),
            Err(_) => self.store(bytes).map(|(hash, _)| hash),
        }
    }

    /// Writes the manifest of this build and removes the objects it no longer uses. Errors
    /// are ignored: a cache that cannot be written only makes the next build a clean one.
    pub fn save(self) {
        if !self.keep {
            return;
        }
        self.files.save();
        let Ok(mut new) = self.new.into_inner() else { return };
        let used = &new.used;
        let had_cache = !(self.old.verdicts.is_empty() && self.old.units.is_empty());
        if had_cache {
            let old = self
                .old
                .verdicts
                .values()
                .filter_map(|v| v.canonical.as_deref())
                .chain(self.old.units.values().flat_map(|u| u.files.iter().map(|(_, h)| h.as_str())));
            for hash in old.filter(|h| !used.contains(&short(h))) {
                let _ = std::fs::remove_file(object_in(&self.dir, hash));
            }
        } else if let Ok(dirs) = std::fs::read_dir(self.dir.join("objects")) {
            for dir in dirs.flatten() {
                let prefix = dir.file_name().to_string_lossy().into_owned();
                for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                    let name = format!("{prefix}{}", file.file_name().to_string_lossy());
                    if !used.contains(&short(&name)) {
                        let _ = std::fs::remove_file(file.path());
                    }
                }
            }
        }
        if let Some((tmp, out)) = new.out.take() {
            let file = out.into_inner().ok();
            if file.is_some() {
                let _ = std::fs::rename(&tmp, self.dir.join(MANIFEST));
                // The manifest of rosette before format 4, one JSON document.
                let _ = std::fs::remove_file(self.dir.join("manifest.json"));
            } else {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        let _ = std::fs::write(
            self.dir.join("README"),
            "rosette's incremental build cache. Safe to delete; `rosette build --clean` ignores it.\n",
        );
    }
}

fn object_in(dir: &Path, hash: &str) -> PathBuf {
    let (a, b) = hash.split_at(hash.len().min(2));
    dir.join("objects").join(a).join(b)
}

fn next_id() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The identity of the running binary: its version, size and modification time. A rebuilt
/// rosette (even from changed code with the same version number) never reuses another's
/// results. (Hashing the binary's bytes would cost more than an incremental build saves at
/// small sizes.) Empty when the binary cannot be read, which disables reuse.
fn binary_identity() -> String {
    let Some(meta) = std::env::current_exe().and_then(std::fs::metadata).ok() else {
        return String::new();
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}-{}-{modified}", env!("CARGO_PKG_VERSION"), meta.len())
}

/// A hash of every file under `dir` (paths and bytes, in order); empty input, empty hash.
pub fn tree_hash(dir: &Path) -> String {
    let mut key = Key::new("tree");
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name().follow_links(false).into_iter().flatten() {
        if entry.file_type().is_file() {
            key.add(entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().as_bytes());
            key.add(&std::fs::read(entry.path()).unwrap_or_default());
        }
    }
    key.finish()
}

/// A cryptosuite by its name, for cached verdicts.
pub fn suite_named(name: &str) -> Option<Cryptosuite> {
    [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022].into_iter().find(|s| s.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_their_parts() {
        let key = |parts: &[&[u8]]| {
            let mut k = Key::new("t");
            for p in parts {
                k.add(p);
            }
            k.finish()
        };
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
        assert_eq!(key(&[b"ab", b"c"]), key(&[b"ab", b"c"]));
    }

    #[test]
    fn a_sha_reads_back_from_its_hex_form_and_nothing_else_does() {
        let sha = Sha::of(b"award");
        assert_eq!(sha.hex(), hash(b"award"));
        assert_eq!(Sha::from_hex(&sha.hex()), Some(sha));
        let hex = sha.hex();
        for bad in
            ["", "00", &hex[1..], &format!("{}g", &hex[1..]), &format!("+{}", &hex[1..]), &format!("{hex}0")]
        {
            assert_eq!(Sha::from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_corrupt_manifest_is_an_empty_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(DIR)).expect("mkdir");
        std::fs::write(dir.path().join(DIR).join(MANIFEST), b"{not json").expect("write");
        let cache = Cache::open(dir.path(), false);
        assert!(cache.old.verdicts.is_empty() && cache.old.units.is_empty());
    }

    #[test]
    fn objects_survive_a_save_only_while_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path(), false);
        let (kept, kept_path) = cache.store(b"kept").expect("store");
        let (_, dropped_path) = cache.store(b"dropped").expect("store");
        cache.put_unit(
            "u".into(),
            Unit { files: vec![("f".into(), kept.clone())], meta: None, parts: Vec::new() },
        );
        cache.save();
        assert!(kept_path.is_file() && !dropped_path.exists());
        let again = Cache::open(dir.path(), false);
        assert_eq!(again.unit("u").map(|u| u.files.clone()), Some(vec![("f".into(), kept)]));
        assert!(Cache::open(dir.path(), true).unit("u").is_none(), "--clean ignores the cache");
        let (other, other_path) = again.store(b"other").expect("store");
        again.put_unit("v".into(), Unit { files: vec![("g".into(), other)], meta: None, parts: Vec::new() });
        again.save();
        assert!(!kept_path.exists(), "what the previous build used and this one did not goes");
        assert!(other_path.is_file());
        let last = Cache::open(dir.path(), false);
        assert!(last.unit("u").is_none(), "a unit whose object is gone is a miss");
    }
}
