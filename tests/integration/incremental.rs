//! Incremental builds (issue #7): after each kind of change, a build that reuses
//! `.rosette-cache/` must write exactly the tree a clean build writes, and must say what it
//! reused (so a cache that silently stopped working fails here too).

use crate::common;
use common::{BIN, EPOCH, SAMPLE_KEY, tree};

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// A copy of the sample site, built once so that its cache is warm.
    fn warm() -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        common::copy_sample_site(dir.path());
        let site = Site { dir };
        // Twice, so that the next build updates the tree the second one replaced.
        for _ in 0..2 {
            let out = site.build(&["--out", "public"]);
            assert!(out.status.success(), "{}", stderr(&out));
        }
        assert!(site.path().join(".public.rosette-prev").is_dir(), "the replaced tree was not kept");
        assert!(site.path().join(".rosette-cache/manifest.jsonl").is_file(), "the build wrote no cache");
        site
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn build(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("build")
            .current_dir(self.path())
            .args(args)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .expect("run rosette build")
    }

    fn run(&self, args: &[&str]) {
        let out = Command::new(BIN).current_dir(self.path()).args(args).output().expect("run rosette");
        assert!(out.status.success(), "rosette {args:?}: {}", stderr(&out));
    }

    /// Builds incrementally into `public/` and cleanly into `clean/`; the trees must be
    /// identical. Returns the incremental build's standard error.
    fn incremental_matches_clean(&self, change: &str) -> String {
        let incremental = self.build(&["--out", "public"]);
        assert!(incremental.status.success(), "{change}: {}", stderr(&incremental));
        let clean = self.build(&["--clean", "--out", "clean"]);
        assert!(clean.status.success(), "{change}: {}", stderr(&clean));
        assert!(!stderr(&clean).contains("unchanged"), "{change}: --clean reused the cache");
        let (a, b) = (tree(&self.path().join("public")), tree(&self.path().join("clean")));
        let missing: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        let extra: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        assert!(missing.is_empty() && extra.is_empty(), "{change}: missing {missing:?}, extra {extra:?}");
        for (path, bytes) in &a {
            assert!(bytes == &b[path], "{change}: `{path}` differs from the clean build");
        }
        stderr(&incremental)
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn has_sample_site() -> bool {
    let ok = common::repo_root().join("badges/awards").is_dir();
    if !ok {
        eprintln!("skipped: the sample site has no badges/awards yet");
    }
    ok
}

/// The number of sample awards, for the messages below.
fn sample_awards() -> usize {
    std::fs::read_dir(common::repo_root().join("badges/awards"))
        .expect("awards")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count()
}

#[test]
fn an_unchanged_site_reuses_everything() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    let err = site.incremental_matches_clean("no change");
    let n = sample_awards();
    assert!(
        err.contains(&format!("verified 0 credentials ({n} unchanged), rendered 0 pages (")),
        "the report of reuse:\n{err}"
    );
}

#[test]
fn adding_one_award_verifies_and_renders_only_it() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    let unsigned = common::repo_root().join("tests/fixtures/sample-site/unsigned/2025-aml-0002.json");
    let mut c: Value = serde_json::from_slice(&std::fs::read(unsigned).expect("unsigned")).expect("json");
    c["id"] = "https://badges.northfield.example/awards/2026-aml-0099".into();
    c["credentialSubject"]["name"] = "Newest Learner".into();
    common::sign_sample(&c, "2026-06-01T00:00:00Z", &site.path().join("badges/awards/2026-aml-0099.json"));
    let err = site.incremental_matches_clean("one award added");
    let n = sample_awards();
    // Its page only: no sibling's page depends on how many awards there are.
    assert!(
        err.contains(&format!("verified 1 credential ({n} unchanged), rendered 1 page ({n} unchanged)")),
        "{err}"
    );
    assert!(site.path().join("public/awards/2026-aml-0099/index.html").is_file());
}

#[test]
fn a_changed_theme_template_rerenders_the_pages() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    // base.html frames every page.
    let template = std::fs::read_to_string(common::repo_root().join("themes/default/templates/base.html"))
        .expect("base.html");
    let marker = "<!-- theme changed for the incremental test -->";
    let changed = template.replacen("</main>", &format!("<p id=theme-marker>marker</p>{marker}</main>"), 1);
    assert_ne!(changed, template, "base.html has a </main> to change");
    let dir = site.path().join("themes/default/templates");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("base.html"), changed).expect("write");
    site.incremental_matches_clean("theme template changed");
    let page =
        std::fs::read_to_string(site.path().join("public/awards/2024-dlf-0001/index.html")).expect("page");
    assert!(page.contains("theme-marker"), "the changed template was not used");
}

#[test]
fn a_changed_rosette_toml_rerenders_the_pages() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    let path = site.path().join("rosette.toml");
    let toml = std::fs::read_to_string(&path).expect("read");
    let changed =
        toml.replacen("name = \"Northfield Institute of Technology\"", "name = \"Northfield Tech\"", 1);
    assert_ne!(changed, toml);
    std::fs::write(&path, changed).expect("write");
    site.incremental_matches_clean("rosette.toml changed");
    let page =
        std::fs::read_to_string(site.path().join("public/awards/2024-dlf-0001/index.html")).expect("page");
    assert!(page.contains("Northfield Tech"), "the new issuer name is not on the page");
}

#[test]
fn retiring_an_achievement_rerenders_its_pages() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    // The credentials do not change; only the file in `achievements/` says it is retired.
    let dir = site.path().join("achievements");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("data-literacy-foundations.toml"),
        "name = \"Data Literacy Foundations\"\ndescription = \"Reads data.\"\nretired = \"2026-06-30T12:00:00Z\"\n",
    )
    .expect("write");
    site.incremental_matches_clean("achievement retired");
    let note = "No longer awarded; awards made before 30 June 2026 remain valid.";
    for rel in ["achievements/data-literacy-foundations", "awards/2024-dlf-0001"] {
        let page =
            std::fs::read_to_string(site.path().join(format!("public/{rel}/index.html"))).expect("page");
        assert!(page.contains(note), "`{rel}` does not say it is retired");
    }
}

#[test]
fn revoking_an_award_reverifies_against_the_new_status_list() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    site.run(&[
        "revoke",
        "2024-dlf-0002",
        "--reason",
        "Awarded in error",
        "--key",
        &common::repo_root().join(SAMPLE_KEY).to_string_lossy(),
    ]);
    let err = site.incremental_matches_clean("award revoked");
    // The status list changed, and every verdict depends on it.
    assert!(err.contains(&format!("verified {} credentials (0 unchanged)", sample_awards())), "{err}");
    let page =
        std::fs::read_to_string(site.path().join("public/awards/2024-dlf-0002/index.html")).expect("page");
    assert!(page.contains("Awarded in error"), "the revocation is not on the page");
}

#[test]
fn deleting_an_award_removes_its_files() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    std::fs::remove_file(site.path().join("badges/awards/2025-lsc-0002.json")).expect("rm");
    let err = site.incremental_matches_clean("award deleted");
    assert!(err.contains(&format!("verified 0 credentials ({} unchanged)", sample_awards() - 1)), "{err}");
    assert!(!site.path().join("public/awards/2025-lsc-0002").exists());
}

#[test]
fn a_corrupt_or_missing_cache_means_a_clean_build() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    let cache = site.path().join(".rosette-cache");
    std::fs::write(cache.join("manifest.jsonl"), b"{\"t\": \"head\", \"format\": 4, \"binary\": ")
        .expect("corrupt");
    let err = site.incremental_matches_clean("corrupt manifest");
    assert!(!err.contains("unchanged"), "a corrupt cache was used:\n{err}");
    // Objects that vanished make their units misses, not broken files.
    for dir in std::fs::read_dir(cache.join("objects")).expect("objects").flatten() {
        std::fs::remove_dir_all(dir.path()).expect("rm");
    }
    site.incremental_matches_clean("objects deleted");
    std::fs::remove_dir_all(&cache).expect("rm cache");
    site.incremental_matches_clean("cache deleted");
}

/// The memo of `badges/` trusts a file whose stamp on disk is unchanged, and only one that
/// had been left alone for a while when it was read (a file written in the same clock tick as
/// it was read could keep its stamp). A file changed since is read again, whatever its size.
#[test]
fn unchanged_files_are_not_read_again_and_changed_ones_are() {
    if !has_sample_site() {
        return;
    }
    let site = Site::warm();
    let n = sample_awards();
    // Once the files have settled, a build remembers them (the memo's unit tests check that
    // one written just before it is read is not).
    std::thread::sleep(std::time::Duration::from_millis(2200));
    site.incremental_matches_clean("settled files");
    let err = site.incremental_matches_clean("no change");
    assert!(err.contains(&format!("verified 0 credentials ({n} unchanged), rendered 0 pages (")), "{err}");
    assert!(err.contains(&format!("; {n} credential files not read again")), "{err}");
    // The same length, other bytes: the signature no longer verifies, and the build says so.
    let path = site.path().join("badges/awards/2024-dlf-0001.json");
    let text = std::fs::read_to_string(&path).expect("read");
    let name = text.find("\"name\": \"").expect("a name") + 9;
    let tampered = format!("{}X{}", &text[..name], &text[name + 1..]);
    assert_eq!(tampered.len(), text.len());
    std::fs::write(&path, tampered).expect("write");
    let out = site.build(&["--out", "public"]);
    assert!(!out.status.success(), "a changed file was trusted:\n{}", stderr(&out));
    assert!(stderr(&out).contains("badges/awards/2024-dlf-0001.json"), "{}", stderr(&out));
    // Put back as it was (new times): read again, and the site builds.
    std::fs::write(&path, text).expect("write");
    let err = site.incremental_matches_clean("file restored");
    assert!(err.contains(&format!("verified 0 credentials ({n} unchanged)")), "{err}");
    assert!(err.contains(&format!("; {} credential files not read again", n - 1)), "{err}");
}
