//! Helpers shared by the integration tests.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};

pub mod pki;
pub mod run;
pub mod smtp;

/// The `rosette` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_rosette");
/// A fixed "now", 2027-01-01T00:00:00Z, for `SOURCE_DATE_EPOCH`: verdicts such as "expired"
/// never drift.
pub const EPOCH: &str = "1798761600";
/// The sample site's secret key (sample only), relative to the repository root.
pub const SAMPLE_KEY: &str = "tests/fixtures/sample-site/issuer.secret";
/// The sample site's verification method.
pub const SAMPLE_VM: &str = "did:web:badges.northfield.example#key-1";

/// The `rosette` binary to run in `dir`, without the environment a developer's shell may set
/// (a signing key, a fixed build time) leaking into a test.
pub fn rosette_in(dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(BIN);
    command.current_dir(dir).env_remove("ROSETTE_SIGNING_KEY").env_remove("SOURCE_DATE_EPOCH");
    command
}

/// Signs `credential` (`eddsa-rdfc-2022`, proof created at `created`) with `key` into `to`,
/// through `rosette sign`.
pub fn sign(key: &Path, credential: &serde_json::Value, created: &str, to: &Path) {
    let unsigned = tempfile::NamedTempFile::new().expect("tempfile");
    std::fs::write(unsigned.path(), serde_json::to_vec_pretty(credential).expect("json")).expect("write");
    let out = std::process::Command::new(BIN)
        .args(["sign", "--key"])
        .arg(key)
        .args(["--verification-method", SAMPLE_VM, "--created", created])
        .arg(unsigned.path())
        .arg("-o")
        .arg(to)
        .output()
        .expect("run rosette sign");
    assert!(out.status.success(), "sign failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// [`sign`] with the sample site's key.
pub fn sign_sample(credential: &serde_json::Value, created: &str, to: &Path) {
    sign(&repo_root().join(SAMPLE_KEY), credential, created, to);
}

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

/// Copies the tree `from` into `to` (created as needed).
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("under the source"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file of a tree: relative path (with `/`) → bytes, sorted.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("under dir").to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// The interop verifier's folder (`ROSETTE_INTEROP_DIR`, set up by `scripts/test.sh`), or
/// `None` after saying so; under CI its absence is a failure.
pub fn interop_dir() -> Option<PathBuf> {
    match std::env::var_os("ROSETTE_INTEROP_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None if std::env::var_os("CI").is_some() => {
            panic!("ROSETTE_INTEROP_DIR is not set (run scripts/test.sh)")
        }
        None => {
            eprintln!("skipped: interop verifier not set up (run scripts/test.sh)");
            None
        }
    }
}

/// A copy of the repository's sample site (`rosette.toml`, `badges/`) in `dir`.
pub fn copy_sample_site(dir: &Path) {
    let root = repo_root();
    std::fs::copy(root.join("rosette.toml"), dir.join("rosette.toml")).expect("rosette.toml");
    copy_dir(&root.join("badges"), &dir.join("badges"));
}

/// A copy of the repository's sample site in a temporary directory: the harness of the tests
/// that build it.
pub struct SampleSite {
    dir: tempfile::TempDir,
}

impl SampleSite {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_sample_site(dir.path());
        SampleSite { dir }
    }

    /// The site's directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` in the site's directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `rosette build` into `public/`, at the fixed [`EPOCH`].
    pub fn build(&self) -> std::process::Output {
        self.build_to(&self.path("public"))
    }

    /// `rosette build` into `out`, at the fixed [`EPOCH`].
    pub fn build_to(&self, out: &Path) -> std::process::Output {
        rosette_in(self.root())
            .args(["build", "--root"])
            .arg(self.root())
            .arg("--out")
            .arg(out)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .expect("run rosette build")
    }

    /// Signs `credential` with the sample key into `badges/<name>`.
    pub fn add_signed(&self, name: &str, credential: &serde_json::Value) {
        sign_sample(credential, "2025-01-01T00:00:00Z", &self.path("badges").join(name));
    }
}

/// A small deterministic generator (xorshift64*), so that generated cases are the same on every
/// run and a failure replays.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One of `items`, which must not be empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Appends one PNG chunk: length, type, data, CRC-32 of type and data.
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    rosette::bake::png::write_chunk(out, kind, data);
}

/// The value of attribute `name` in the start tag `tag`, quoted or not (award pages keep their
/// quotes; the minifier drops them where it can).
#[allow(dead_code)]
pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(at) = rest.find(&format!("{name}=")) {
        let before = rest[..at].chars().last();
        let value = &rest[at + name.len() + 1..];
        if before.is_some_and(char::is_whitespace) {
            return Some(match value.strip_prefix('"') {
                Some(v) => v.split('"').next().unwrap_or_default().to_string(),
                None => value.split([' ', '>']).next().unwrap_or_default().to_string(),
            });
        }
        rest = value;
    }
    None
}

/// Whether some element of `html` has the attribute `name="value"`, quoted or not.
#[allow(dead_code)]
pub fn has_attr(html: &str, name: &str, value: &str) -> bool {
    let quoted = format!(" {name}=\"{value}\"");
    let bare = format!(" {name}={value}");
    html.contains(&quoted)
        || html.match_indices(&bare).any(|(at, m)| {
            html[at + m.len()..].chars().next().is_none_or(|c| c == ' ' || c == '>' || c == '/')
        })
}

/// Compares `actual` with the golden file `tests/fixtures/<rel>`: what users see, pinned. The
/// one bless rule: with `ROSETTE_BLESS=1` the file is rewritten instead; review the diff.
#[track_caller]
pub fn assert_golden(rel: &str, actual: &str) {
    let path = repo_root().join("tests/fixtures").join(rel);
    if std::env::var_os("ROSETTE_BLESS").is_some_and(|v| v == "1") {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create the golden directory");
        }
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => panic!(
            "golden file `{}` cannot be read ({e}); create it with `ROSETTE_BLESS=1 cargo test \
             --test integration` and review it",
            path.display()
        ),
    };
    if expected != actual {
        panic!(
            "output differs from the golden file `{}` (- golden, + actual):\n{}\n\
             if the change is intended: `ROSETTE_BLESS=1 cargo test --test integration`, then \
             review `git diff tests/fixtures/`",
            path.display(),
            line_diff(&expected, actual)
        );
    }
}

/// A line diff (longest common subsequence), enough for golden files of a few hundred lines.
fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    let mut line = |sign: char, text: &str| {
        out.push(sign);
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push_str("\n\\ no newline at end\n");
        }
    };
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            line(' ', a[i]);
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            line('+', b[j]);
            j += 1;
        } else {
            line('-', a[i]);
            i += 1;
        }
    }
    out
}
