//! Faults: a build killed at any moment or failing on a full disk leaves `public/` as the old
//! complete tree or the new complete tree, never a mix; signing commands write atomically;
//! concurrent `rosette award` runs never hand out the same status index.
//!
//! A full disk is simulated with `RLIMIT_FSIZE` (`ulimit -f` in a shell that ignores
//! SIGXFSZ, so writes fail with EFBIG): it works for root too, unlike permission bits. A
//! read-only output is an immutable directory (`chattr +i`, which root cannot write either);
//! where that is not available the test says it skipped, and an output whose parent is a file
//! (ENOTDIR) still stands for an output that cannot be written.

use crate::common;
use common::{BIN, EPOCH, tree};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn rosette(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(dir).env("SOURCE_DATE_EPOCH", EPOCH).env_remove("ROSETTE_SIGNING_KEY");
    cmd
}

/// A new site (`rosette init`) with `n` awards.
fn site_with_awards(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let init = rosette(
        dir.path(),
        &["init", "site", "--base-url", "https://badges.example.edu/", "--issuer", "Example U"],
    )
    .output()
    .expect("init");
    assert!(init.status.success(), "{}", text(&init));
    let site = dir.path().join("site");
    if n > 0 {
        let mut csv = String::from("achievement,name,email\n");
        for i in 0..n {
            csv.push_str(&format!("example,Person {i},p{i}@example.org\n"));
        }
        std::fs::write(site.join("cohort.csv"), csv).expect("csv");
        let award = rosette(&site, &["award", "--key", "signing-key.secret", "--csv", "cohort.csv"])
            .output()
            .expect("award");
        assert!(award.status.success(), "{}", text(&award));
    }
    dir
}

fn set_title(site: &Path, title: &str) {
    let path = site.join("rosette.toml");
    let toml = std::fs::read_to_string(&path).expect("toml");
    let line = toml.lines().find(|l| l.starts_with("title =")).expect("a title line").to_string();
    std::fs::write(&path, toml.replacen(&line, &format!("title = \"{title}\""), 1)).expect("toml");
}

fn build(site: &Path, out: &Path) -> Output {
    rosette(site, &["build", "--out"]).arg(out).output().expect("build")
}

fn leftovers(site: &Path) -> Vec<String> {
    std::fs::read_dir(site)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".staging-"))
        .collect()
}

/// A small deterministic generator, seeded from the clock and printed, so a failure can be
/// replayed with ROSETTE_FAULT_SEED.
fn seed() -> u64 {
    let seed = std::env::var("ROSETTE_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    eprintln!("ROSETTE_FAULT_SEED={seed}");
    seed
}

fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *state >> 33
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_or_the_new_tree() {
    let dir = site_with_awards(40);
    let site = dir.path().join("site");
    let public = site.join("public");
    // Two versions of the site that differ on every page: the title.
    let mut versions = Vec::new();
    let mut took = Duration::ZERO;
    for title in ["Version A", "Version B"] {
        set_title(&site, title);
        let out = site.join(format!("reference-{}", versions.len()));
        let start = Instant::now();
        let o = build(&site, &out);
        took = took.max(start.elapsed());
        assert!(o.status.success(), "{}", text(&o));
        versions.push(tree(&out));
        std::fs::remove_dir_all(&out).expect("rm");
    }
    assert_ne!(versions[0], versions[1]);
    set_title(&site, "Version A");
    assert!(build(&site, &public).status.success());
    let mut current = 0;
    let mut state = seed();
    let mut outcomes = [0usize; 2];
    for round in 0..6 {
        let target = 1 - current;
        set_title(&site, ["Version A", "Version B"][target]);
        // Kill moments spread over the whole build, the write and the swap included.
        let delay = Duration::from_millis(next(&mut state) % (took.as_millis() as u64 * 5 / 4 + 1));
        let mut child = rosette(&site, &["build", "--out"])
            .arg(&public)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; it may have finished already
        let _ = child.wait();
        let now = tree(&public);
        let which = versions.iter().position(|v| *v == now);
        assert!(
            which.is_some(),
            "round {round}: public/ is neither the old nor the new tree after a kill at {delay:?} ({} files)",
            now.len()
        );
        current = which.unwrap_or(current);
        outcomes[current] += 1;
    }
    eprintln!("after the kills public/ was version A {} times, version B {} times", outcomes[0], outcomes[1]);
    // The next build succeeds and cleans up what the killed ones left.
    set_title(&site, "Version B");
    let o = build(&site, &public);
    assert!(o.status.success(), "{}", text(&o));
    assert!(tree(&public) == versions[1]);
    assert_eq!(leftovers(&site), Vec::<String>::new(), "staging directories were left behind");
}

/// Runs `args` in `dir` with writes limited to `blocks` × 512 bytes per file.
fn with_file_size_limit(dir: &Path, blocks: u32, args: &[&str]) -> Output {
    let script = format!("trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\"");
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(BIN)
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("ROSETTE_SIGNING_KEY")
        .output()
        .expect("sh")
}

#[test]
fn a_full_disk_leaves_public_as_it_was() {
    let dir = site_with_awards(3);
    let site = dir.path().join("site");
    let o = build(&site, &site.join("public"));
    assert!(o.status.success(), "{}", text(&o));
    let before = tree(&site.join("public"));
    set_title(&site, "Changed");
    // 16 KiB per file: the pages fit, the preview cards do not.
    let o = with_file_size_limit(&site, 32, &["build"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("error: could not write `") && out.contains("caused by: File too large"), "{out}");
    assert!(before == tree(&site.join("public")), "public/ changed after a failed build");
    assert_eq!(leftovers(&site), Vec::<String>::new(), "the failed build left its staging directory");
    // With room again, the build goes through.
    assert!(build(&site, &site.join("public")).status.success());
}

#[test]
fn an_output_that_cannot_be_created_is_a_clear_error() {
    let dir = site_with_awards(1);
    let site = dir.path().join("site");
    std::fs::write(site.join("blocker"), "a file, not a directory").expect("w");
    let o = build(&site, &site.join("blocker/public"));
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("blocker"), "the error names the path: {out}");
    assert_eq!(std::fs::read_to_string(site.join("blocker")).expect("r"), "a file, not a directory");
}

#[test]
fn signing_commands_never_leave_half_written_files() {
    let dir = site_with_awards(2);
    let site = dir.path().join("site");
    let awards: Vec<PathBuf> = std::fs::read_dir(site.join("badges/awards"))
        .expect("awards")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    let before = tree(&site.join("badges"));
    // The status list is ~several KiB compressed but more than 1 KiB: revoking cannot write it.
    let id = awards[0].file_stem().expect("stem").to_string_lossy().into_owned();
    let o = with_file_size_limit(&site, 1, &["revoke", &id, "--key", "signing-key.secret"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("File too large"), "{}", text(&o));
    assert!(
        before == tree(&site.join("badges")),
        "a failed revoke changed badges/ (half-written list or registry)"
    );
    // A failed `sign -o` over an existing credential leaves it whole, and no temporary file.
    let unsigned = site.join("unsigned.json");
    let mut c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&awards[1]).expect("r")).expect("json");
    c.as_object_mut().expect("obj").remove("proof");
    std::fs::write(&unsigned, serde_json::to_vec_pretty(&c).expect("json")).expect("w");
    let target = awards[1].to_string_lossy().into_owned();
    let o = with_file_size_limit(
        &site,
        1,
        &[
            "sign",
            "--key",
            "signing-key.secret",
            "--verification-method",
            "did:web:badges.example.edu#key-1",
            "unsigned.json",
            "-o",
            &target,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains(&format!("could not write `{target}`")), "{}", text(&o));
    assert!(before == tree(&site.join("badges")), "a failed sign changed badges/");
    // A failed award writes nothing at all.
    let o = with_file_size_limit(
        &site,
        1,
        &["award", "--key", "signing-key.secret", "--achievement", "example", "--name", "X"],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(before == tree(&site.join("badges")), "a failed award changed badges/");
}

#[test]
fn concurrent_awards_never_share_a_status_index() {
    let dir = site_with_awards(0);
    let site = dir.path().join("site");
    let runs = 6;
    let per_run = 4;
    for r in 0..runs {
        let mut csv = String::from("achievement,name,email\n");
        for i in 0..per_run {
            csv.push_str(&format!("example,Person {r}-{i},p{r}-{i}@example.org\n"));
        }
        std::fs::write(site.join(format!("c{r}.csv")), csv).expect("csv");
    }
    let children: Vec<_> = (0..runs)
        .map(|r| {
            rosette(&site, &["award", "--key", "signing-key.secret", "--csv", &format!("c{r}.csv")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().expect("wait");
        assert!(o.status.success(), "{}", text(&o));
    }
    let held = rosette::registry::Registry::read(&site.join("badges"))
        .and_then(|mut r| r.all_holdings(&site.join("badges")))
        .expect("registry reads");
    assert_eq!(held.len(), runs * per_run, "every award is in the registry");
    let mut indexes: Vec<_> = held.iter().map(|(list, index, _)| (list.clone(), *index)).collect();
    indexes.sort();
    indexes.dedup();
    assert_eq!(indexes.len(), runs * per_run, "two awards share a status index");
    // Each credential carries the index the registry gave it, and the site builds.
    for (_, index, credential) in &held {
        let name = credential.rsplit('/').next().expect("name");
        let c: serde_json::Value = serde_json::from_slice(
            &std::fs::read(site.join(format!("badges/awards/{name}.json"))).expect("award"),
        )
        .expect("json");
        assert_eq!(c["credentialStatus"]["statusListIndex"], serde_json::Value::from(index.to_string()));
    }
    let o = build(&site, &site.join("public"));
    assert!(o.status.success(), "{}", text(&o));
}

/// Every credential under `badges/awards` is complete JSON whose status entries the registry
/// records, and no two registry entries share an index.
fn assert_registry_consistent(site: &Path, context: &str) {
    let badges = site.join("badges");
    let held = rosette::registry::Registry::read(&badges)
        .and_then(|mut r| r.all_holdings(&badges))
        .unwrap_or_else(|e| panic!("{context}: the registry does not read: {e}"));
    let mut seen = std::collections::BTreeSet::new();
    for (list, index, _) in held {
        assert!(seen.insert((list.clone(), index)), "{context}: index {index} of `{list}` handed out twice");
    }
    for entry in std::fs::read_dir(site.join("badges/awards")).expect("awards").filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let c: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read"))
            .unwrap_or_else(|e| panic!("{context}: `{}` is half-written: {e}", path.display()));
        let status = &c["credentialStatus"];
        let list = status["statusListCredential"].as_str().expect("a status list");
        let index: u64 = status["statusListIndex"].as_str().and_then(|s| s.parse().ok()).expect("an index");
        assert!(
            seen.contains(&(list.to_string(), index)),
            "{context}: `{}` carries index {index}, which the registry does not record",
            path.display()
        );
    }
}

#[test]
fn an_award_killed_at_any_moment_never_hands_out_an_index_twice() {
    let dir = site_with_awards(5);
    let site = dir.path().join("site");
    let rows = 80;
    let write_csv = |round: usize| {
        let mut csv = String::from("achievement,name,email\n");
        for i in 0..rows {
            csv.push_str(&format!("example,Person {round}-{i},p{round}-{i}@example.org\n"));
        }
        std::fs::write(site.join("c.csv"), csv).expect("csv");
    };
    write_csv(0);
    let start = Instant::now();
    let o =
        rosette(&site, &["award", "--key", "signing-key.secret", "--csv", "c.csv"]).output().expect("award");
    assert!(o.status.success(), "{}", text(&o));
    let took = start.elapsed();
    let mut state = seed();
    for round in 1..6 {
        write_csv(round);
        let delay = Duration::from_millis(next(&mut state) % (took.as_millis() as u64 * 5 / 4 + 1));
        let mut child = rosette(&site, &["award", "--key", "signing-key.secret", "--csv", "c.csv"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        assert_registry_consistent(&site, &format!("round {round}, killed at {delay:?}"));
    }
    write_csv(99);
    let o =
        rosette(&site, &["award", "--key", "signing-key.secret", "--csv", "c.csv"]).output().expect("award");
    assert!(o.status.success(), "{}", text(&o));
    assert_registry_consistent(&site, "after a complete award");
    let o = build(&site, &site.join("public"));
    assert!(o.status.success(), "{}", text(&o));
}

/// Makes `path` immutable (`chattr +i`) until dropped; `None` where the file system or the
/// capabilities do not allow it.
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// A read-only output, as root: an immutable directory (root ignores permission bits). Where
/// `chattr +i` is not available the test says so and checks nothing; the full-disk and
/// ENOTDIR tests above cover the same code paths.
#[test]
fn a_read_only_output_leaves_public_as_it_was() {
    let dir = site_with_awards(2);
    let site = dir.path().join("site");
    let public = site.join("public");
    assert!(build(&site, &public).status.success());
    let before = tree(&public);
    set_title(&site, "Changed");
    // public/ itself immutable: the staging tree is written, the swap fails, nothing changes.
    {
        let Some(_guard) = Immutable::set(&public) else {
            eprintln!("skipped: `chattr +i` is not available here (no CAP_LINUX_IMMUTABLE or no support)");
            return;
        };
        let o = build(&site, &public);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(2), "{out}");
        assert!(out.contains(&format!("could not replace `{}`", public.display())), "{out}");
        assert!(before == tree(&public), "public/ changed");
        assert_eq!(leftovers(&site), Vec::<String>::new(), "the staging tree was left behind");
    }
    // The site directory immutable: not even a staging directory can be made.
    {
        let guard = Immutable::set(&site).expect("chattr worked a moment ago");
        let o = build(&site, &public);
        let out = text(&o);
        drop(guard);
        assert_eq!(o.status.code(), Some(2), "{out}");
        assert!(out.contains("could not create a staging directory in"), "{out}");
        assert!(before == tree(&public), "public/ changed");
    }
    assert!(build(&site, &public).status.success());
}
