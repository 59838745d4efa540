//! Where the site fits (issue #18): the report of sites too large for a host, simulated as
//! sizes (no test writes 20,000 files or a gigabyte), pinned as golden files under
//! `tests/fixtures/golden/fit/`. The sample site's report is pinned by `build.rs`.
//!
//! ```sh
//! ROSETTE_BLESS=1 cargo test --test integration fit::
//! git diff tests/fixtures/golden/fit/
//! ```

use crate::common;

use rosette::site::fit::{FitOptions, TreeSize, report};

/// Compares `actual` with `tests/fixtures/golden/fit/<name>`.
#[track_caller]
fn golden(name: &str, actual: &str) {
    common::assert_golden(&format!("golden/fit/{name}"), actual);
}

/// A site of `awards` awards laid out as rosette builds it (issue #18): each award's page in
/// its folder and its credential beside it in `awards/` (`files` per award, one more with
/// per-award preview cards), 39 files and 10 folders of the site's own; `per_award` bytes
/// each, and the sitemap as the largest file.
fn site_of(awards: u64, files: u64, per_award: u64) -> TreeSize {
    TreeSize {
        files: files * awards + 39,
        bytes: per_award * awards + 1_000_000,
        dirs: awards + 10,
        largest: Some(("sitemap.xml".to_string(), 870_400)),
        fullest_dir: Some(("awards/".to_string(), 2 * awards)),
    }
}

/// 10,000 awards as `rosette init` and `award --csv` make them: over Cloudflare's free 20,000
/// files, by the credential files, and nothing else.
#[test]
fn over_cloudflare_free_file_limit() {
    let size = site_of(10_000, 2, 21_010);
    assert_eq!(size.files, 20_039);
    let options = FitOptions { awards: 10_000, ..FitOptions::default() };
    let text = report(&size, &options) + "\n";
    golden("cloudflare-free.txt", &text);
    // The README shows this report as its example.
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).expect("README.md");
    assert!(readme.contains(&format!("```\n{text}```\n")), "README's example is not:\n{text}");
}

/// 8,000 awards with a preview card each: over a gigabyte, and over Cloudflare's free plan
/// first; the hint names both options that make fewer files.
#[test]
fn over_a_gigabyte_with_many_awards() {
    let size = site_of(8_000, 3, 130_000);
    assert!(size.bytes > 1_000_000_000 && size.files > 20_000);
    let options = FitOptions { credential_files: true, per_award_cards: true, awards: 8_000 };
    golden("gigabyte-many-awards.txt", &(report(&size, &options) + "\n"));
}

/// A small site with large files of its own under badges/ (videos): a gigabyte in 1,230 files,
/// so GitHub's 1 GB is the first limit, and its per-file limit too.
#[test]
fn over_a_gigabyte_with_large_files() {
    let size = TreeSize {
        files: 1_230,
        bytes: 1_180_000_000,
        dirs: 260,
        largest: Some(("media/ceremony-2026.mp4".to_string(), 104_000_000)),
        fullest_dir: Some(("media/".to_string(), 40)),
    };
    let options = FitOptions { awards: 120, ..FitOptions::default() };
    golden("gigabyte-large-files.txt", &(report(&size, &options) + "\n"));
}
