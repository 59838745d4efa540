//! The sample site as published, checked by the independent verifier built on Digital
//! Bazaar's libraries (`../shared/interop/verify.mjs --html --status`): every credential file
//! and every embedded JSON-LD passes, except the outcomes the sample is built to show.

mod common;
use common::interop_dir;

use std::path::PathBuf;
use std::process::Command;

const BASE: &str = "https://badges.northfield.example/";

#[test]
fn the_published_sample_site_passes_the_reference_verifier() {
    let Some(interop) = interop_dir() else { return };
    let site = tempfile::tempdir().expect("tmp");
    let out = site.path().join("public");
    let build = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(["build", "--root"])
        .arg(common::repo_root())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("rosette build");
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let verify = |extra: &[&str], paths: &[PathBuf]| {
        let o = Command::new("node")
            .arg(interop.join("verify.mjs"))
            .args(["--site"])
            .arg(&out)
            .args(["--base-url", BASE, "--html", "--status"])
            .args(extra)
            .args(paths)
            .output()
            .expect("node verify.mjs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let report = verify(&[], std::slice::from_ref(&out));
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
    // 7 awards × (file + page) + the status list.
    assert!(passed >= 15, "only {passed} credentials passed:\n{report}");

    let expired = verify(
        &["--now", "2025-01-01T00:00:00Z"],
        &[out.join("awards/2024-lsc-0001.json"), out.join("awards/2024-lsc-0001/index.html")],
    );
    assert!(expired.contains("2 passed, 0 failed"), "{expired}");

    // The eddsa-jcs-2022 award verifies in rosette against the published site.
    let jcs = Command::new(env!("CARGO_BIN_EXE_rosette"))
        .args(["verify", "--site"])
        .arg(&out)
        .args(["--base-url", BASE])
        .arg(out.join("awards/2026-dlf-0004.json"))
        .output()
        .expect("rosette verify");
    assert!(jcs.status.success(), "{}", String::from_utf8_lossy(&jcs.stdout));
    eprintln!("verify.mjs: {passed} passed; expired, jcs and revoked awards gave their expected outcomes");
}
