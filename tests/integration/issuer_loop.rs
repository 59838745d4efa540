//! The issuer's loop end to end (issue #7): each test starts from `rosette init` in a
//! temporary directory and drives the real binary through award, build, revoke, suspend,
//! reinstate, key rotation, remove-holder, visibility and check, looking at what lands in
//! `badges/` and `public/`. Where the reference verifier (`../shared/interop/verify.mjs`) is
//! set up, it checks the published result too.

use crate::common;
use common::run::{Out, run, slug};
use common::{interop_dir, tree};
use serde_json::Value;

use std::path::PathBuf;
use std::process::Command;

const BASE: &str = "https://badges.example.org/";

/// A site made by `rosette init` in a temporary directory.
struct Site {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Site {
    fn init() -> Self {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let root = tmp.path().join("site");
        let out =
            run(tmp.path(), &["init", "site", "--base-url", BASE, "--issuer", "Example University"], &[])
                .ok();
        assert!(out.stdout.contains("next steps:"), "{}", out.stdout);
        Site { _tmp: tmp, root }
    }

    fn rosette(&self, args: &[&str]) -> Out {
        run(&self.root, args, &[])
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        let p = self.path(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).expect("create a directory");
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }

    /// `rosette award` with the site's key; returns the new award's id.
    fn award(&self, name: &str, email: &str, extra: &[&str]) -> String {
        self.award_with("signing-key.secret", name, email, extra)
    }

    fn award_with(&self, key: &str, name: &str, email: &str, extra: &[&str]) -> String {
        let mut args =
            vec!["award", "--key", key, "--achievement", "example", "--name", name, "--email", email];
        args.extend_from_slice(extra);
        let out = self.rosette(&args).ok();
        let id = out.stdout.trim().to_string();
        assert!(id.starts_with(&format!("{BASE}awards/")), "unexpected id `{id}`");
        id
    }

    fn build(&self) {
        self.rosette(&["build"]).ok();
    }

    /// The published badge page of an award id.
    fn page(&self, id: &str) -> String {
        self.read(&format!("public/awards/{}/index.html", slug(id)))
    }

    /// `rosette verify` against the published site.
    fn verify(&self, ids: &[&str]) -> Out {
        let mut args = vec!["verify", "--site", "public", "--base-url", BASE];
        let files: Vec<String> = ids.iter().map(|id| format!("public/awards/{}.json", slug(id))).collect();
        args.extend(files.iter().map(String::as_str));
        self.rosette(&args)
    }

    /// `verify.mjs --status` against the published site, or `None` without the interop setup.
    fn reference_verify(&self, ids: &[&str]) -> Option<String> {
        let interop = interop_dir()?;
        let out = Command::new("node")
            .arg(interop.join("verify.mjs"))
            .arg("--site")
            .arg(self.path("public"))
            .args(["--base-url", BASE, "--status"])
            .args(ids.iter().map(|id| self.path(&format!("public/awards/{}.json", slug(id)))))
            .output()
            .expect("run node verify.mjs");
        Some(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// The `set` flag of an award's entry for `purpose` in the status registry, in whichever list
/// of that purpose holds it.
fn status_bit(site: &Site, id: &str, purpose: &str) -> Option<bool> {
    status_entry(site, id, purpose).map(|(_, _, set)| set)
}

/// An award's entry for `purpose` in the status registry: its list's id, index and `set`.
fn status_entry(site: &Site, id: &str, purpose: &str) -> Option<(String, i64, bool)> {
    let badges = site.path("badges");
    let mut registry = rosette::registry::Registry::read(&badges).expect("registry");
    let (list, index) = registry.locate(&badges, id, purpose, None).expect("holdings")?;
    let set = registry.entry(id, purpose).is_some();
    Some((list.id, index as i64, set))
}

#[test]
fn init_then_build() {
    let site = Site::init();
    let gitignore = site.read(".gitignore");
    for line in ["*.secret", "/public", "/.public.rosette-prev", "/.rosette-cache"] {
        assert!(gitignore.lines().any(|l| l == line), "`.gitignore` lacks `{line}`:\n{gitignore}");
    }
    // The workflow: check on pull requests; build and deploy to Pages on main.
    let workflow = site.read(".github/workflows/badges.yml");
    let jobs = workflow.split_once("\njobs:\n").expect("jobs").1;
    let (check_job, publish_job) = jobs.split_once("\n  publish:").expect("a publish job");
    assert!(workflow.contains("pull_request:") && workflow.contains("branches: [main]"), "{workflow}");
    assert!(check_job.contains("if: github.event_name == 'pull_request'"), "{check_job}");
    assert!(check_job.contains("run: rosette check") && !check_job.contains("rosette build"), "{check_job}");
    assert!(publish_job.contains("if: github.event_name == 'push'"), "{publish_job}");
    assert!(publish_job.contains("run: rosette build"), "{publish_job}");
    assert!(publish_job.contains("actions/deploy-pages@"), "{publish_job}");
    assert_installs_this_package(&workflow);
    assert!(publish_job.contains("path: .rosette-cache"), "no incremental cache:\n{publish_job}");

    let build = site.rosette(&["build"]).ok();
    assert!(build.stderr.contains("built 0 awards"), "{}", build.stderr);
    assert!(site.path("public/index.html").is_file());
    let did = site.read("public/.well-known/did.json");
    let config: toml::Value = toml::from_str(&site.read("rosette.toml")).expect("rosette.toml");
    let key = config["keys"][0]["public_key"].as_str().expect("public key");
    assert!(did.contains(key), "did.json does not publish the new key:\n{did}");
    // The secret key is never published.
    let secret = site.read("signing-key.secret");
    let secret_line = secret.lines().find(|l| l.starts_with("z")).unwrap_or(secret.trim());
    for (path, bytes) in tree(&site.path("public")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret_line),
            "`public/{path}` holds the secret key"
        );
    }
    // A new site passes `check`: one warning, that base_url is still the placeholder.
    let check = site.rosette(&["check"]).ok();
    assert!(check.stderr.contains("0 errors, 1 warning"), "{}", check.stderr);
    assert!(
        check.stderr.contains("base_url `https://badges.example.org/` is a placeholder"),
        "{}",
        check.stderr
    );
}

/// The workflow installs this package (`rosette` on crates.io is someone else's crate), pinned
/// to this release with its lock file, caches it under a key that names the package, and pins
/// every action to a commit.
#[track_caller]
fn assert_installs_this_package(workflow: &str) {
    let package = env!("CARGO_PKG_NAME");
    let version = format!("ROSETTE_VERSION: \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(workflow.contains(&version), "the workflow does not pin this release:\n{workflow}");
    let mut installs = 0;
    for line in workflow.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        let Some(at) = line.find("cargo install") else { continue };
        installs += 1;
        let words: Vec<&str> = line[at..].split_whitespace().collect();
        // Every word after `cargo install` that is not an option or an option's value is a
        // package name.
        let mut names = Vec::new();
        let mut i = 2;
        while i < words.len() {
            let w = words[i];
            if w == "--version" || w == "--root" || w == "--git" || w == "--rev" {
                i += 2;
                continue;
            }
            if !w.starts_with('-') {
                names.push(w);
            }
            i += 1;
        }
        assert_eq!(names, [package], "`{line}` installs something other than `{package}`");
        assert!(words.contains(&"--locked"), "`{line}` does not use the lock file");
        let pinned = words.windows(2).any(|w| w == ["--version", "\"$ROSETTE_VERSION\""]);
        assert!(pinned, "`{line}` does not install the pinned release");
    }
    assert_eq!(installs, 2, "one install step per job:\n{workflow}");
    // A key without the package's name could restore a binary cached by an older workflow.
    for key in workflow.lines().filter(|l| l.trim_start().starts_with("key: rosette-")) {
        assert!(
            key.contains(&format!("key: {package}-")) || key.contains("key: rosette-site-"),
            "`{key}` could restore another package's binary"
        );
    }
    for uses in
        workflow.lines().filter_map(|l| l.trim().strip_prefix("- uses: ").or(l.trim().strip_prefix("uses: ")))
    {
        let rev = uses.split_once('@').map_or("", |(_, r)| r.split_whitespace().next().unwrap_or(""));
        assert!(
            rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
            "`{uses}` is not pinned to a commit"
        );
    }
}

/// The Pages artifact, tarred with the arguments `actions/upload-pages-artifact` (v4 and
/// later) passes to tar for the inputs the generated workflow gives it, from the built sample
/// site: it must carry `.well-known/did.json`, or no did:web badge verifies once deployed.
#[test]
fn the_pages_artifact_keeps_the_well_known_folder() {
    let site = Site::init();
    let workflow = site.read(".github/workflows/badges.yml");
    let step = workflow.split("- uses: actions/upload-pages-artifact@").nth(1).expect("an upload step");
    let step: String =
        step.lines().take_while(|l| !l.trim_start().starts_with("- ")).collect::<Vec<_>>().join("\n");
    assert!(step.contains("path: public"), "{step}");
    let include_hidden = step.lines().any(|l| l.trim() == "include-hidden-files: true");

    let sample = tempfile::tempdir().expect("temporary directory");
    common::copy_sample_site(sample.path());
    run(sample.path(), &["build"], &[]).ok();
    let listing = |hidden: bool| {
        let tar = sample.path().join("artifact.tar");
        // The action's command (action.yml, "Archive artifact" on Linux).
        let mut args = vec!["--dereference", "--hard-dereference", "--directory", "public", "-cf"];
        args.push(tar.to_str().expect("UTF-8 path"));
        args.extend(["--exclude=.git", "--exclude=.github"]);
        if !hidden {
            args.push("--exclude=.[^/]*");
        }
        args.push(".");
        let status = Command::new("tar").args(&args).current_dir(sample.path()).status().expect("run tar");
        assert!(status.success(), "tar {args:?}");
        let out = Command::new("tar").arg("-tf").arg(&tar).output().expect("run tar -t");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let did = "./.well-known/did.json";
    // Without the input, the action leaves the folder out: what this test guards against.
    assert!(!listing(false).lines().any(|l| l == did), "tar's exclude pattern changed meaning");
    let artifact = listing(include_hidden);
    assert!(
        artifact.lines().any(|l| l == did),
        "the Pages artifact has no {did}; the workflow's upload step:\n{step}"
    );
    assert!(artifact.lines().any(|l| l == "./index.html"), "{artifact}");
}

#[test]
fn award_one_from_flags_and_many_from_csv() {
    let site = Site::init();
    let ada = site.award("Ada Lovelace", "ada@example.org", &[]);
    site.write(
        "cohort.csv",
        "achievement,name,email,id,visibility\n\
         example,Grace Hopper,grace@example.org,,\n\
         example,Alan Turing,,did:key:z6MkpXRVUrbhjq21h2f5reGLZcCKosAZJ9ViLxyYcUgi7Gn2,unlisted\n",
    );
    let out = site.rosette(&["award", "--key", "signing-key.secret", "--csv", "cohort.csv"]).ok();
    let ids: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(ids.len(), 2, "{}", out.stdout);
    assert!(out.stderr.contains("awarded 2 badges"), "{}", out.stderr);
    assert_eq!(site.read(&format!("badges/awards/{}.toml", slug(ids[1]))), "visibility = \"unlisted\"\n");

    site.build();
    for (id, name) in [(ada.as_str(), "Ada Lovelace"), (ids[0], "Grace Hopper"), (ids[1], "Alan Turing")] {
        assert!(site.page(id).contains(name), "the page of {id} does not name {name}");
    }
    // No e-mail address is published, only its salted hash.
    for (path, bytes) in tree(&site.path("public")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("ada@example.org"),
            "`public/{path}` has an address"
        );
    }
    let verify = site.verify(&[&ada, ids[0], ids[1]]).ok();
    assert!(verify.stdout.contains("3 files: 3 verified"), "{}", verify.stdout);
    if let Some(report) = site.reference_verify(&[&ada, ids[0], ids[1]]) {
        assert!(report.contains("3 passed, 0 failed"), "{report}");
    }
}

#[test]
fn a_csv_with_one_bad_row_writes_nothing() {
    let site = Site::init();
    site.award("Ada Lovelace", "ada@example.org", &[]);
    site.write(
        "cohort.csv",
        "achievement,name,email\n\
         example,Grace Hopper,grace@example.org\n\
         example,Alan Turing,alan@example.org\n\
         example,Katherine Johnson,not-an-address\n\
         example,Dorothy Vaughan,dorothy@example.org\n",
    );
    let before = tree(&site.path("badges"));
    let out = site.rosette(&["award", "--key", "signing-key.secret", "--csv", "cohort.csv"]).code(1);
    assert!(out.stderr.contains("no award was written: 1 of 4 failed"), "{}", out.stderr);
    assert!(out.stderr.contains("row 4: `not-an-address` is not an e-mail address"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(tree(&site.path("badges")), before, "a failed CSV changed badges/");

    // A CSV with no rows is a mistake too, not "0 awards".
    site.write("empty.csv", "achievement,name,email\n");
    let out = site.rosette(&["award", "--key", "signing-key.secret", "--csv", "empty.csv"]).code(1);
    assert!(out.stderr.starts_with("error: `empty.csv` has no rows: no award was written"), "{}", out.stderr);
    assert_eq!(tree(&site.path("badges")), before, "an empty CSV changed badges/");
}

#[test]
fn revoke_then_build_and_the_reference_verifier_reports_it_revoked() {
    let site = Site::init();
    let revoked = site.award("Ada Lovelace", "ada@example.org", &[]);
    let kept = site.award("Grace Hopper", "grace@example.org", &[]);
    site.build();
    assert!(!site.page(&revoked).contains("REVOKED"));
    let out = site
        .rosette(&["revoke", slug(&revoked), "--key", "signing-key.secret", "--reason", "Awarded in error"])
        .ok();
    assert!(out.stderr.contains("revoked"), "{}", out.stderr);
    assert_eq!(status_bit(&site, &revoked, "revocation"), Some(true));
    assert_eq!(status_bit(&site, &kept, "revocation"), Some(false));
    site.build();

    // The page stays, and it and its preview text say so.
    let page = site.page(&revoked);
    assert!(page.contains("Revoked: the issuer has withdrawn this badge."), "{page}");
    assert!(page.contains("Awarded in error"), "the reason is not shown");
    assert!(page.contains("content=\"REVOKED: Ada Lovelace"), "the preview does not say revoked");
    assert!(!site.page(&kept).contains("REVOKED"));
    // Withdrawn everywhere: nothing to share, download or embed, and the embed says so.
    assert!(
        common::has_attr(&page, "data-withdrawn", "revoked") && !common::has_attr(&page, "class", "share"),
        "{page}"
    );
    assert!(common::has_attr(&site.page(&kept), "class", "share"), "the kept award lost its share section");
    // Its link preview is the site's shared "revoked" card, never one that shows it as earned
    // (the site's one embed page checks it in the browser: tests/browser/e2e.mjs).
    assert!(page.contains("/cards/revoked-"), "{page}");
    assert!(!site.page(&kept).contains("/cards/revoked-"));

    let verify = site.verify(&[&revoked]).code(1);
    assert!(verify.stdout.contains("revoked"), "{}", verify.stdout);
    site.verify(&[&kept]).ok();
    if let Some(report) = site.reference_verify(&[&revoked, &kept]) {
        let line = |id: &str| {
            report.lines().find(|l| l.contains(&format!("{}.json", slug(id)))).unwrap_or_default().to_string()
        };
        assert!(line(&revoked).starts_with("FAIL") && line(&revoked).contains("revoked"), "{report}");
        assert!(line(&kept).starts_with("PASS"), "{report}");
    }
    // A second revocation is refused, and changes nothing.
    let before = tree(&site.path("badges"));
    site.rosette(&["revoke", slug(&revoked), "--key", "signing-key.secret"]).code(1);
    assert_eq!(tree(&site.path("badges")), before);
}

/// Issue #21: past a list's capacity `award` starts the next list, for both purposes; revoke,
/// suspend and reinstate find the list an award is in; rosette's verifier and the reference
/// one read every list. The capacity is 2 here (ROSETTE_TEST_STATUS_LIST_CAPACITY, for tests
/// only) instead of 65,536.
#[test]
fn status_lists_grow_past_their_capacity_and_every_change_finds_its_list() {
    let site = Site::init();
    let config = site.read("rosette.toml") + "\n[status]\nsuspension = true\n";
    site.write("rosette.toml", &config);
    let rows: String = (1..=5).map(|i| format!("example,Learner {i},learner{i}@example.org\n")).collect();
    site.write("cohort.csv", &format!("achievement,name,email\n{rows}"));
    let out = common::rosette_in(&site.root)
        .args(["award", "--key", "signing-key.secret", "--csv", "cohort.csv"])
        .env("ROSETTE_TEST_STATUS_LIST_CAPACITY", "2")
        .output()
        .expect("run rosette");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(ids.len(), 5);
    for purpose in ["revocation", "suspension"] {
        for n in 1..=3 {
            let file = format!("badges/status/{purpose}-{n}.json");
            assert!(site.path(&file).is_file(), "no {file}");
        }
        assert!(!site.path(&format!("badges/status/{purpose}-4.json")).exists());
        // Two awards a list, and no (list, index) given twice.
        let entries: Vec<(String, i64, bool)> =
            ids.iter().map(|id| status_entry(&site, id, purpose).expect("an entry")).collect();
        let lists: Vec<&str> =
            entries.iter().map(|(l, ..)| l.rsplit('/').next().unwrap_or_default()).collect();
        let expected = [1, 1, 2, 2, 3].map(|n| format!("{purpose}-{n}.json"));
        assert_eq!(lists, expected, "{purpose}");
        let unique: std::collections::BTreeSet<(&str, i64)> =
            entries.iter().map(|(l, i, _)| (l.as_str(), *i)).collect();
        assert_eq!(unique.len(), 5, "{entries:?}");
    }
    // Revoke in the first list and the third, suspend in the second, then reinstate it.
    site.rosette(&["revoke", slug(&ids[0]), "--key", "signing-key.secret"]).ok();
    site.rosette(&["revoke", slug(&ids[4]), "--key", "signing-key.secret"]).ok();
    site.rosette(&["suspend", slug(&ids[2]), "--key", "signing-key.secret"]).ok();
    site.rosette(&["suspend", slug(&ids[3]), "--key", "signing-key.secret"]).ok();
    site.rosette(&["reinstate", slug(&ids[3]), "--key", "signing-key.secret"]).ok();
    let bits: Vec<(bool, bool)> = ids
        .iter()
        .map(|id| {
            (
                status_bit(&site, id, "revocation") == Some(true),
                status_bit(&site, id, "suspension") == Some(true),
            )
        })
        .collect();
    assert_eq!(bits, [(true, false), (false, false), (false, true), (false, false), (true, false)]);
    site.build();
    for n in 1..=3 {
        assert!(site.path(&format!("public/status/revocation-{n}.json")).is_file());
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let verify = site.verify(&refs).code(1);
    assert!(verify.stdout.contains("2 verified") && verify.stdout.contains("3 failed"), "{}", verify.stdout);
    if let Some(report) = site.reference_verify(&refs) {
        let pass = |id: &str| {
            report
                .lines()
                .find(|l| l.contains(&format!("{}.json", slug(id))))
                .is_some_and(|l| l.starts_with("PASS"))
        };
        let passed: Vec<bool> = ids.iter().map(|id| pass(id)).collect();
        assert_eq!(passed, [false, true, false, true, false], "{report}");
    }
}

#[test]
fn suspend_then_reinstate() {
    let site = Site::init();
    let config = site.read("rosette.toml") + "\n[status]\nsuspension = true\n";
    site.write("rosette.toml", &config);
    let id = site.award("Ada Lovelace", "ada@example.org", &[]);
    assert_eq!(status_bit(&site, &id, "suspension"), Some(false));

    site.rosette(&["suspend", slug(&id), "--key", "signing-key.secret"]).ok();
    assert_eq!(status_bit(&site, &id, "suspension"), Some(true));
    assert_eq!(status_bit(&site, &id, "revocation"), Some(false));
    site.build();
    let page = site.page(&id);
    assert!(page.contains("Suspended: the issuer has put this badge on hold."));
    assert!(
        common::has_attr(&page, "data-withdrawn", "suspended") && !common::has_attr(&page, "class", "share"),
        "{page}"
    );
    assert!(page.contains("/cards/suspended-"), "{page}");
    let verify = site.verify(&[&id]).code(1);
    assert!(verify.stdout.contains("suspended"), "{}", verify.stdout);
    if let Some(report) = site.reference_verify(&[&id]) {
        assert!(report.contains("0 passed, 1 failed"), "{report}");
    }

    site.rosette(&["reinstate", slug(&id), "--key", "signing-key.secret"]).ok();
    assert_eq!(status_bit(&site, &id, "suspension"), Some(false));
    site.build();
    let page = site.page(&id);
    assert!(!page.contains("Suspended: the issuer") && !page.contains("SUSPENDED"), "{page}");
    assert!(
        common::has_attr(&page, "class", "share") && !page.contains("data-withdrawn"),
        "not shareable again: {page}"
    );
    site.verify(&[&id]).ok();
    if let Some(report) = site.reference_verify(&[&id]) {
        assert!(report.contains("1 passed, 0 failed"), "{report}");
    }
    // Reinstating what is not suspended is refused.
    let out = site.rosette(&["reinstate", slug(&id), "--key", "signing-key.secret"]).code(1);
    assert!(out.stderr.contains("is not suspended"), "{}", out.stderr);
}

#[test]
fn rotation_keeps_earlier_badges_verifying_and_a_dropped_key_stops_the_build() {
    let site = Site::init();
    let old = site.award("Ada Lovelace", "ada@example.org", &[]);
    let out = site.rosette(&["keygen", "--rotate", "--out", "signing-key-2.secret"]).ok();
    assert!(out.stderr.contains("`key-2` is now the active key"), "{}", out.stderr);
    let config: toml::Value = toml::from_str(&site.read("rosette.toml")).expect("rosette.toml");
    assert_eq!(config["keys"][0]["status"].as_str(), Some("retired"));
    assert_eq!(config["keys"][1]["status"].as_str(), Some("active"));

    // The retired key signs nothing new; the new one does.
    let refused = site
        .rosette(&[
            "award",
            "--key",
            "signing-key.secret",
            "--achievement",
            "example",
            "--name",
            "X",
            "--email",
            "x@example.org",
        ])
        .code(1);
    assert!(refused.stderr.contains("key `key-1` is retired"), "{}", refused.stderr);
    let new = site.award_with("signing-key-2.secret", "Grace Hopper", "grace@example.org", &[]);
    assert!(site.read(&format!("badges/awards/{}.json", slug(&new))).contains("#key-2\""));
    assert!(site.read(&format!("badges/awards/{}.json", slug(&old))).contains("#key-1\""));

    site.build();
    let did = site.read("public/.well-known/did.json");
    assert!(did.contains("#key-1") && did.contains("#key-2"), "{did}");
    let verify = site.verify(&[&old, &new]).ok();
    assert!(verify.stdout.contains("2 files: 2 verified"), "{}", verify.stdout);
    if let Some(report) = site.reference_verify(&[&old, &new]) {
        assert!(report.contains("2 passed, 0 failed"), "{report}");
    }

    // A badge signed with the retired key after its retirement (`rosette sign` takes any key)
    // is refused by every verifier that reads the published key history: `verify --site`
    // (issue #19: it said "verified"), the build, and the badge page (e2e.mjs).
    let retired = config["keys"][0]["retired"].as_str().expect("retired date").to_string();
    let after = chrono::DateTime::parse_from_rfc3339(&retired).expect("date") + chrono::Duration::seconds(1);
    let after = after.to_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut late: Value =
        serde_json::from_str(&site.read(&format!("badges/awards/{}.json", slug(&old)))).expect("json");
    late.as_object_mut().expect("object").remove("proof");
    late["id"] = format!("{BASE}awards/late").into();
    site.write("late-unsigned.json", &late.to_string());
    let vm = "did:web:badges.example.org#key-1";
    let args = ["sign", "--key", "signing-key.secret", "--verification-method", vm, "--created", &after];
    site.rosette(&[&args[..], &["late-unsigned.json", "-o", "public/awards/late.json"]].concat()).ok();
    let refused =
        site.rosette(&["verify", "--site", "public", "--base-url", BASE, "public/awards/late.json"]).code(1);
    let why = format!("signed with key `{vm}` on {after}, after it was retired on {retired}");
    assert!(refused.stdout.contains(&why), "{}", refused.stdout);
    std::fs::copy(site.path("public/awards/late.json"), site.path("badges/awards/late.json")).expect("copy");
    let before = tree(&site.path("public"));
    let out = site.rosette(&["build"]).code(1);
    assert!(out.stderr.contains(&format!("`badges/awards/late.json`: issuer key check failed: {why}\n  hint: re-sign the award with an active key")), "{}", out.stderr);
    assert_eq!(tree(&site.path("public")), before, "a refused build changed public/");
    std::fs::remove_file(site.path("badges/awards/late.json")).expect("rm");
    std::fs::remove_file(site.path("public/awards/late.json")).expect("rm");

    // Dropping the retired key would unpublish it: the build refuses, names the key and the
    // badge that needs it, and leaves public/ as it was.
    let mut doc: toml_edit::DocumentMut = site.read("rosette.toml").parse().expect("toml");
    doc["keys"].as_array_of_tables_mut().expect("keys").remove(0);
    site.write("rosette.toml", &doc.to_string());
    let before = tree(&site.path("public"));
    let out = site.rosette(&["build"]).code(1);
    let file = format!("badges/awards/{}.json", slug(&old));
    let names_key = |file: &str| {
        out.stderr.contains(&format!(
            "`{file}`: no usable key: key `did:web:badges.example.org#key-1` is not published in \
             `did:web:badges.example.org`\n  hint: `key-1` is not in rosette.toml: keep it under [[keys]] \
             with status = \"retired\""
        ))
    };
    assert!(names_key(&file), "{}", out.stderr);
    // The status list was signed by key-1 too (before the rotation): it is named as well.
    assert!(names_key("badges/status/revocation-1.json"), "{}", out.stderr);
    assert_eq!(tree(&site.path("public")), before, "a refused build changed public/");
}

#[test]
fn remove_holder_leaves_a_neutral_page_and_no_personal_data() {
    let site = Site::init();
    let name = "Philippa Quennell-Zabłocka";
    let id = site.award(name, "philippa@example.org", &[]);
    let other = site.award("Grace Hopper", "grace@example.org", &[]);
    let credential: serde_json::Value =
        serde_json::from_str(&site.read(&format!("badges/awards/{}.json", slug(&id)))).expect("json");
    let hash = credential["credentialSubject"]["identifier"][0]["identityHash"]
        .as_str()
        .expect("a hashed identifier")
        .to_string();
    site.build();
    assert!(site.page(&id).contains(name));
    let status_list = site.read("badges/status/revocation-1.json");

    let out = site.rosette(&["remove-holder", slug(&id)]).ok();
    assert!(out.stderr.contains("neutral page"), "{}", out.stderr);
    site.build();
    let page = site.page(&id);
    assert!(page.contains("Badge withdrawn at the holder’s request"), "{page}");
    assert!(page.contains("noindex"), "{page}");
    for (path, bytes) in tree(&site.path("public")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(name) && !text.contains(&hash), "`public/{path}` still has the holder's data");
    }
    assert!(!site.path(&format!("public/awards/{}.json", slug(&id))).exists());
    assert!(site.page(&other).contains("Grace Hopper"));
    // The status entry stays allocated, so its index is never given to another award.
    assert_eq!(status_bit(&site, &id, "revocation"), Some(false));
    assert_eq!(site.read("badges/status/revocation-1.json"), status_list);
}

#[test]
fn an_unlisted_award_is_absent_from_sitemap_feed_index_and_achievement_page() {
    let site = Site::init();
    // Lists name nobody by default: no recipient in the index, achievement page or feed.
    let listed = site.award("Ada Lovelace", "ada@example.org", &[]);
    site.build();
    for file in ["feed.xml", "index.html", "achievements/example/index.html"] {
        let text = site.read(&format!("public/{file}"));
        assert!(!text.contains("Ada Lovelace"), "`public/{file}` names a recipient by default");
    }
    let index = site.read("public/achievements/example/index.html");
    assert!(index.contains("1 award<"), "no count: {index}");
    // With `list_recipients`, public awards are listed by name; unlisted ones never.
    let config = site.read("rosette.toml").replace("list_recipients = false", "list_recipients = true");
    site.write("rosette.toml", &config);
    let unlisted = site.award("Grace Hopper", "grace@example.org", &["--visibility", "unlisted"]);
    // An unguessable address: 20 random base-32 characters after the year.
    assert!(slug(&unlisted).len() >= 25, "{unlisted}");
    site.build();
    let page = site.page(&unlisted);
    assert!(page.contains("Grace Hopper") && page.contains("noindex"), "{page}");
    assert!(!site.page(&listed).contains("noindex"));
    for file in ["sitemap.xml", "feed.xml", "index.html", "achievements/example/index.html"] {
        let text = site.read(&format!("public/{file}"));
        assert!(text.contains(slug(&listed)), "`public/{file}` does not list the public award");
        assert!(!text.contains(slug(&unlisted)), "`public/{file}` lists the unlisted award");
        assert!(!text.contains("Grace Hopper"), "`public/{file}` names the unlisted award's holder");
    }
}

/// The feed carries the 100 newest public awards, newest first: one entry per award made it
/// the site's largest file (issue #21); the sitemap still lists every one.
#[test]
fn the_feed_carries_the_newest_awards_and_the_sitemap_every_one() {
    let site = Site::init();
    let mut csv = String::from("achievement,name,email,valid_from\n");
    for day in 1..=105 {
        let date = chrono::NaiveDate::from_yo_opt(2025, day).expect("a day of 2025");
        csv.push_str(&format!("example,Learner {day},l{day}@example.org,{date}T09:00:00Z\n"));
    }
    site.write("cohort.csv", &csv);
    let made = site.rosette(&["award", "--key", "signing-key.secret", "--csv", "cohort.csv"]).ok();
    let ids: Vec<&str> = made.stdout.lines().collect();
    assert_eq!(ids.len(), 105);
    site.build();
    let feed = site.read("public/feed.xml");
    assert_eq!(feed.matches("<entry>").count(), 100, "{feed}");
    let first = feed.split("<entry>").nth(1).expect("an entry");
    assert!(first.contains("<updated>2025-04-15T09:00:00Z</updated>"), "the newest comes first: {first}");
    for old in &ids[..5] {
        assert!(!feed.contains(slug(old)), "one of the five oldest is in the feed");
    }
    let sitemap = site.read("public/sitemap.xml");
    assert!(ids.iter().all(|id| sitemap.contains(slug(id))), "the sitemap lacks an award");
}

#[test]
fn check_reports_every_problem_of_a_broken_site_and_writes_nothing() {
    let site = Site::init();
    let tampered = site.award("Ada Lovelace", "ada@example.org", &[]);
    site.award("Grace Hopper", "grace@example.org", &[]);
    site.rosette(&["keygen", "--rotate", "--out", "signing-key-2.secret"]).ok();
    let unlisted = site.award_with("signing-key-2.secret", "Alan Turing", "alan@example.org", &[]);

    // 1. A credential changed after signing.
    let path = format!("badges/awards/{}.json", slug(&tampered));
    site.write(&path, &site.read(&path).replace("Ada Lovelace", "Eve Mallory"));
    // 2. Its key dropped from rosette.toml; 3. a logo that is not there; 4. a broken link in
    // the issuer's description; 5. a retired key no badge uses (advice); and no LinkedIn
    // organization id (advice).
    let mut doc: toml_edit::DocumentMut = site.read("rosette.toml").parse().expect("toml");
    doc["keys"].as_array_of_tables_mut().expect("keys").remove(1);
    doc["issuer"]["image"] = toml_edit::value("images/logo.svg");
    doc["issuer"]["description"] = toml_edit::value(format!("Read [our rules]({BASE}rules/)."));
    let mut unused = toml_edit::Table::new();
    unused["id"] = toml_edit::value("key-9");
    unused["public_key"] = toml_edit::value("z6MkpXRVUrbhjq21h2f5reGLZcCKosAZJ9ViLxyYcUgi7Gn2");
    unused["status"] = toml_edit::value("retired");
    unused["retired"] = toml_edit::value("2025-01-01T00:00:00Z");
    doc["keys"].as_array_of_tables_mut().expect("keys").push(unused);
    site.write("rosette.toml", &doc.to_string());
    // 6. An achievement without criteria; 7. one whose image is missing.
    site.write("achievements/empty.toml", "name = \"Empty\"\ndescription = \"Nothing to do.\"\n");
    site.write(
        "achievements/pictured.md",
        "+++\nname = \"Pictured\"\ndescription = \"Has a picture.\"\nimage = \"images/nope.svg\"\n+++\nDo it.\n",
    );
    // 8, 9. Two achievement files that do not parse: both named, not only the first.
    site.write("achievements/broken.toml", "name = \n");
    site.write("achievements/unclosed.md", "+++\nname = \"Unclosed\"\n");

    let out = site.rosette(&["check"]).code(1);
    let report = out.stderr;
    let expected = [
        format!("error: `badges/awards/{}.json`: ", slug(&tampered)),
        format!(
            "error: `badges/awards/{}.json`: no usable key: key `did:web:badges.example.org#key-2` is not published",
            slug(&unlisted)
        ),
        "error: `rosette.toml`: [issuer] image `images/logo.svg`: there is no `badges/images/logo.svg`"
            .to_string(),
        "links to `rules/`, which the site does not have".to_string(),
        "error: `achievements/empty.toml`: the achievement has no criteria".to_string(),
        "error: `achievements/pictured.md`: image `images/nope.svg`: there is no `badges/images/nope.svg`"
            .to_string(),
        "error: `achievements/broken.toml`: ".to_string(),
        "error: `achievements/unclosed.md`: the front matter has no closing `+++` line".to_string(),
        "warning: `rosette.toml`: retired key `key-9` signs no badge in badges/".to_string(),
        "warning: `achievements/empty.toml`: the achievement has no image".to_string(),
        "warning: `rosette.toml`: base_url `https://badges.example.org/` is a placeholder".to_string(),
    ];
    for line in &expected {
        let found = report.lines().any(|l| {
            (l.starts_with("error: `") || l.starts_with("warning: `"))
                && (l.starts_with(line.as_str()) || l.contains(line.as_str()))
        });
        assert!(found, "missing `{line}` in:\n{report}");
    }
    let findings: Vec<&str> =
        report.lines().filter(|l| l.starts_with("error: `") || l.starts_with("warning: `")).collect();
    assert_eq!(findings.len(), expected.len(), "unexpected findings:\n{report}");
    assert!(report.lines().filter(|l| l.starts_with("  hint: ")).count() >= expected.len(), "{report}");
    assert!(report.contains("8 errors, 3 warnings; nothing was written"), "{report}");
    // Errors first, then warnings, each sorted.
    let errors_end = findings.iter().rposition(|l| l.starts_with("error:")).unwrap_or(0);
    assert!(findings[errors_end + 1..].iter().all(|l| l.starts_with("warning:")), "{report}");
    let mut sorted = findings[..=errors_end].to_vec();
    sorted.sort();
    assert_eq!(sorted, findings[..=errors_end], "errors are not sorted");
    assert!(!site.path("public").exists(), "check wrote public/");
}

#[test]
fn quiet_verbose_and_plain_output_off_a_terminal() {
    let site = Site::init();
    let plain = site.rosette(&["build"]).ok();
    // The summary, then the site's size and the hosts it fits (issue #18).
    assert_eq!(plain.stderr.lines().count(), 3, "{}", plain.stderr);
    assert!(
        plain.stderr.starts_with("built 0 awards of 0 achievements into `./public` ("),
        "{}",
        plain.stderr
    );
    assert!(plain.stderr.lines().nth(1).is_some_and(|l| l.starts_with("site size: ")), "{}", plain.stderr);
    let quiet = site.rosette(&["--quiet", "build"]).ok();
    assert_eq!(quiet.stderr, "", "--quiet printed something");
    let verbose = site.rosette(&["build", "--verbose"]).ok();
    assert!(verbose.stderr.contains("building `.` into `./public`"), "{}", verbose.stderr);
    assert!(verbose.stderr.contains("built 0 awards"), "{}", verbose.stderr);
    site.rosette(&["build", "--quiet", "--verbose"]).code(2);
    // Errors are still shown with --quiet, and never coloured off a terminal (even without
    // NO_COLOR), nor is there a progress bar.
    std::fs::write(site.path("rosette.toml"), "titel = 1\n").expect("break the config");
    let failed = site.rosette(&["--quiet", "build"]).code(1);
    assert!(failed.stderr.starts_with("error: `rosette.toml` is not valid\n"), "{}", failed.stderr);
    for out in [&plain, &verbose, &failed] {
        assert!(!out.stderr.contains('\x1b') && !out.stderr.contains('\r'), "{:?}", out.stderr);
    }
}

/// Runs `rosette ARGS` in the site under a pseudo-terminal (`script` from util-linux), as a
/// person at a terminal would; returns what the terminal showed.
fn on_a_terminal(site: &Site, args: &str, no_color: bool) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_rosette"));
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"]).current_dir(&site.root).env_remove("ROSETTE_SIGNING_KEY");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR").env("TERM", "xterm-256color");
    }
    let out = cmd.output().expect("run `script` (util-linux)");
    assert!(out.status.success(), "{args}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_gets_progress_bars_per_credential_and_per_page() {
    let site = Site::init();
    for i in 0..3 {
        site.award(&format!("Learner {i}"), &format!("learner{i}@example.org"), &[]);
    }
    let shown = on_a_terminal(&site, "build", true);
    // One step per credential (three awards and the revocation list), then one per award.
    assert!(shown.contains("verifying [") && shown.contains("] 4/4 "), "{shown:?}");
    assert!(shown.contains("rendering [") && shown.contains("] 3/3 "), "{shown:?}");
    // The bars are cleared; the summary stays, uncoloured under NO_COLOR.
    assert!(shown.contains("\x1b[2K"), "{shown:?}");
    assert!(shown.contains("built 3 awards of 1 achievement"), "{shown:?}");
    assert!(!shown.contains("\x1b[3"), "colour despite NO_COLOR: {shown:?}");
    let coloured = on_a_terminal(&site, "build --clean", false);
    assert!(coloured.contains("\x1b[36m"), "no colour on a terminal: {coloured:?}");
    // --quiet draws nothing, bars included.
    assert_eq!(on_a_terminal(&site, "--quiet build --clean", true), "");
}

/// Editing an achievement changes no signed award; `check` and `build` say which awards carry
/// the older text, and `reissue` re-signs them with the new one, keeping everything else.
#[test]
fn reissue_signs_the_new_achievement_text_and_keeps_the_award() {
    let site = Site::init();
    let ada = site.award("Ada Lovelace", "ada@example.org", &[]);
    let grace = site.award("Grace Hopper", "grace@example.org", &["--visibility", "unlisted"]);
    let json = |id: &str| -> serde_json::Value {
        serde_json::from_str(&site.read(&format!("badges/awards/{}.json", slug(id)))).expect("credential")
    };
    let before = json(&ada);
    let old = "Awarded for completing the example programme.";
    let new = "Awarded for completing the revised example programme, with its capstone.";
    site.write("achievements/example.md", &site.read("achievements/example.md").replace(old, new));

    let check = site.rosette(&["check"]).ok();
    assert!(check.stderr.contains("2 awards carry an older text of this achievement"), "{}", check.stderr);
    assert!(check.stderr.contains("rosette reissue --achievement example"), "{}", check.stderr);
    let build = site.rosette(&["build"]).ok();
    assert!(build.stderr.contains("2 awards carry an older text"), "{}", build.stderr);
    assert!(site.page(&ada).contains(old), "the page shows the signed text until reissued");

    let out = site.rosette(&["reissue", "--achievement", "example", "--key", "signing-key.secret"]).ok();
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    assert!(out.stderr.contains("re-signed 2 awards"), "{}", out.stderr);
    let after = json(&ada);
    assert_eq!(after["credentialSubject"]["achievement"]["description"], new);
    for kept in ["id", "validFrom", "credentialStatus", "issuer"] {
        assert_eq!(after[kept], before[kept], "`{kept}` changed");
    }
    assert_eq!(after["credentialSubject"]["identifier"], before["credentialSubject"]["identifier"]);
    assert_ne!(after["proof"][0]["proofValue"], before["proof"][0]["proofValue"]);
    assert!(after["proof"][0]["proofValue"].is_string(), "{}", after["proof"]);
    assert_eq!(site.read(&format!("badges/awards/{}.toml", slug(&grace))), "visibility = \"unlisted\"\n");

    site.build();
    assert!(site.page(&ada).contains(new) && !site.page(&ada).contains(old));
    let check = site.rosette(&["check"]).ok();
    assert!(!check.stderr.contains("older text"), "{}", check.stderr);
    site.verify(&[&ada, &grace]).ok();
    if let Some(report) = site.reference_verify(&[&ada, &grace]) {
        assert!(report.contains("2 passed, 0 failed"), "{report}");
    }
    // Nothing left to do: a second run re-signs nothing.
    let again = site.rosette(&["reissue", "--achievement", "example", "--key", "signing-key.secret"]).ok();
    assert!(again.stdout.is_empty() && again.stderr.contains("nothing to re-sign"), "{}", again.stderr);
}

/// A batch the size of a CSV cohort is all or nothing: one award that cannot be signed, and
/// no file changes.
#[test]
fn reissue_of_a_cohort_is_all_or_nothing() {
    let site = Site::init();
    let mut csv = String::from("achievement,name,email\n");
    for i in 0..20 {
        csv.push_str(&format!("example,Learner {i},learner{i}@example.org\n"));
    }
    site.write("cohort.csv", &csv);
    let ids = site.rosette(&["award", "--key", "signing-key.secret", "--csv", "cohort.csv"]).ok().stdout;
    let last = ids.lines().last().expect("ids").to_string();
    site.write(
        "achievements/example.md",
        &site.read("achievements/example.md").replace("example programme", "new programme"),
    );
    // One credential gains a term no context defines: it cannot be signed (eddsa-rdfc-2022).
    let path = format!("badges/awards/{}.json", slug(&last));
    let mut c: serde_json::Value = serde_json::from_str(&site.read(&path)).expect("json");
    c["undefinedTerm"] = "x".into();
    site.write(&path, &serde_json::to_string_pretty(&c).expect("json"));
    let before = tree(&site.path("badges"));
    let out = site.rosette(&["reissue", "--achievement", "example", "--key", "signing-key.secret"]).code(1);
    assert!(out.stderr.contains("nothing was re-signed: 1 of 20 failed"), "{}", out.stderr);
    assert!(out.stderr.contains(slug(&last)), "{}", out.stderr);
    assert_eq!(tree(&site.path("badges")), before, "a failed reissue changed badges/");
    // Without a selection, or with an unknown id, nothing happens either.
    let out = site.rosette(&["reissue", "--key", "signing-key.secret"]).code(2);
    assert!(out.stderr.contains("--achievement SLUG, or award ids"), "{}", out.stderr);
    let out = site.rosette(&["reissue", "2026-nosuchaward", "--key", "signing-key.secret"]).code(1);
    assert!(out.stderr.contains("no award has the id `2026-nosuchaward`"), "{}", out.stderr);
    assert_eq!(tree(&site.path("badges")), before);
}

/// A site made with `init`, given one award, works out of the box: a badge image (drawn by
/// `init`), embeds that point at it, bake bases for the page's downloads and `rosette bake`
/// files that give the credential back, and a
/// `check` whose only finding is the placeholder base_url.
#[test]
fn a_new_site_has_a_badge_image_working_embeds_and_baked_downloads() {
    let site = Site::init();
    let svg = site.read("badges/images/example.svg");
    assert!(svg.starts_with("<svg") && svg.contains("Example Achievement"), "{svg}");
    let id = site.award("Ada Lovelace", "ada@example.org", &[]);
    site.build();
    let page = site.page(&id);
    assert!(page.contains("images/example.svg"), "no badge image on the page");
    for empty in ["src=\"\"", "src=''", "src=>", "]()", "href=\"\"", "href=>"] {
        assert!(!page.contains(empty), "the page has an empty `{empty}`");
    }
    // The page's downloads bake in the browser from the achievement's bases (issue #18);
    // `rosette bake` makes the same files here.
    for format in ["svg", "png"] {
        let base = format!("achievements/example/bake.{format}");
        assert!(site.path(&format!("public/{base}")).is_file(), "no bake base {base}");
        assert!(
            common::has_attr(&page, "data-base", &format!("../../{base}")),
            "the page does not name {base}"
        );
        site.rosette(&["bake", slug(&id), "--format", format]).ok();
        let baked = format!("{}.{format}", slug(&id));
        let out = site.rosette(&["unbake", &baked]).ok();
        let credential = site.read(&format!("badges/awards/{}.json", slug(&id)));
        assert_eq!(out.stdout, credential, "{baked} does not give the credential back");
    }
    let check = site.rosette(&["check"]).ok();
    assert!(check.stderr.contains("0 errors, 1 warning"), "{}", check.stderr);
    assert!(check.stderr.contains("is a placeholder"), "{}", check.stderr);
    // An achievement without an image is named, and its awards' embeds are text links.
    site.write("achievements/plain.md", "+++\nname = \"Plain\"\ndescription = \"No image.\"\n+++\nDo it.\n");
    let plain = site
        .rosette(&[
            "award",
            "--key",
            "signing-key.secret",
            "--achievement",
            "plain",
            "--name",
            "Grace Hopper",
            "--email",
            "grace@example.org",
        ])
        .ok();
    let plain = plain.stdout.trim().to_string();
    let check = site.rosette(&["check"]).ok();
    assert!(
        check.stderr.contains("`achievements/plain.md`: the achievement has no image"),
        "{}",
        check.stderr
    );
    site.build();
    let page = site.page(&plain);
    for empty in ["src=\"\"", "src=>", "]()"] {
        assert!(!page.contains(empty), "the page of an award without an image has an empty `{empty}`");
    }
}
