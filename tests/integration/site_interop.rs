//! The sample site as published, checked by the independent verifier built on Digital
//! Bazaar's libraries (`../shared/interop/verify.mjs --html --status`): every credential file
//! and every embedded JSON-LD passes, except the outcomes the sample is built to show.

use crate::common;
use common::interop_dir;

use std::path::PathBuf;
use std::process::Command;

const BASE: &str = "https://badges.northfield.example/";

#[test]
fn the_published_sample_site_passes_the_reference_verifier() {
    let Some(interop) = interop_dir() else { return };
    let site = tempfile::tempdir().expect("tmp");
    let out = site.path().join("public");
    check_site(&interop, &common::repo_root(), &out, true);
}

/// With `[output] credential_files = false` the pages are the credentials: each still passes.
#[test]
fn without_credential_files_the_pages_pass_the_reference_verifier() {
    let Some(interop) = interop_dir() else { return };
    let site = tempfile::tempdir().expect("tmp");
    let root = site.path().join("site");
    std::fs::create_dir_all(&root).expect("mkdir");
    let repo = common::repo_root();
    let config = std::fs::read_to_string(repo.join("rosette.toml")).expect("rosette.toml");
    std::fs::write(root.join("rosette.toml"), format!("{config}\n[output]\ncredential_files = false\n"))
        .expect("write");
    copy_dir(&repo.join("badges"), &root.join("badges"));
    let out = site.path().join("public");
    check_site(&interop, &root, &out, false);
    let json = std::fs::read_dir(out.join("awards"))
        .expect("awards")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"));
    assert_eq!(json.count(), 0, "credential files were published");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("under"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn check_site(interop: &std::path::Path, root: &std::path::Path, out: &std::path::Path, files: bool) {
    let build = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(["build", "--root"])
        .arg(root)
        .arg("--out")
        .arg(out)
        .output()
        .expect("rosette build");
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let verify = |extra: &[&str], paths: &[PathBuf]| {
        let o = Command::new("node")
            .arg(interop.join("verify.mjs"))
            .args(["--site"])
            .arg(out)
            .args(["--base-url", BASE, "--html", "--status"])
            .args(extra)
            .args(paths)
            .output()
            .expect("node verify.mjs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let report = verify(&[], &[out.to_path_buf()]);
    let mut passed = 0;
    let mut unexpected = Vec::new();
    for line in report.lines().filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL ")) {
        let expected_failure = [
            // Expired on purpose (checked again below at a time it was valid).
            ("2024-lsc-0001", "validUntil"),
            // eddsa-jcs-2022: the reference verifier only knows eddsa-rdfc-2022 (its README).
            ("2026-dlf-0004", "insufficient proofs"),
            // Revoked on purpose with `rosette revoke`.
            ("2026-lsc-0003", "(revoked)"),
        ];
        let expected = expected_failure.iter().any(|(name, why)| line.contains(name) && line.contains(why));
        match (line.starts_with("PASS "), expected) {
            (true, false) => passed += 1,
            (false, true) => {}
            _ => unexpected.push(line.to_string()),
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected outcomes:\n{}\n\nfull report:\n{report}",
        unexpected.join("\n")
    );
    // 7 awards × (file + page) + the status list; without files, the pages and the list.
    let least = if files { 15 } else { 8 };
    assert!(passed >= least, "only {passed} credentials passed:\n{report}");

    let expired = if files {
        verify(
            &["--now", "2025-01-01T00:00:00Z"],
            &[out.join("awards/2024-lsc-0001.json"), out.join("awards/2024-lsc-0001/index.html")],
        )
    } else {
        verify(&["--now", "2025-01-01T00:00:00Z"], &[out.join("awards/2024-lsc-0001/index.html")])
    };
    let want = if files { "2 passed, 0 failed" } else { "1 passed, 0 failed" };
    assert!(expired.contains(want), "{expired}");
    if !files {
        return;
    }

    // The eddsa-jcs-2022 award verifies in rosette against the published site.
    let jcs = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(["verify", "--site"])
        .arg(out)
        .args(["--base-url", BASE])
        .arg(out.join("awards/2026-dlf-0004.json"))
        .output()
        .expect("rosette verify");
    assert!(jcs.status.success(), "{}", String::from_utf8_lossy(&jcs.stdout));
    eprintln!("verify.mjs: {passed} passed; expired, jcs and revoked awards gave their expected outcomes");
}
