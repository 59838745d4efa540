//! The W3C RDFC-1.0 test suite (`../shared/vectors/rdf-canon`, see its PROVENANCE.md), run
//! through `rosette::canon`, byte for byte.
//!
//! Every entry of `manifest.jsonld` is run; the counts per test type are asserted so that a
//! dropped or unrecognised entry fails the test instead of shrinking it.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use oxrdf::Quad;
use rosette::canon::{self, CanonError, HashAlgorithm};
use serde::Deserialize;

/// Entries of the suite (86 in commit 15619df of w3c/rdf-canon).
const EXPECTED_EVAL: usize = 64;
const EXPECTED_MAP: usize = 21;
const EXPECTED_NEGATIVE: usize = 1;

/// The test types of the manifest, in the order of the counts above.
const TYPES: [&str; 3] = ["rdfc:RDFC10EvalTest", "rdfc:RDFC10MapTest", "rdfc:RDFC10NegativeEvalTest"];

/// Tests that cannot pass, with the reason. None today: every entry passes. A listed test that
/// starts passing fails the run, so this list cannot go stale.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[derive(Deserialize)]
struct Manifest {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    action: String,
    result: Option<String>,
    #[serde(rename = "hashAlgorithm")]
    hash_algorithm: Option<String>,
}

#[test]
fn w3c_rdfc10_test_suite() {
    let Some(dir) = common::shared_dir("vectors/rdf-canon") else {
        return;
    };
    let manifest_text = fs::read_to_string(dir.join("manifest.jsonld")).expect("read manifest");
    let manifest: Manifest = serde_json::from_str(&manifest_text).expect("parse manifest");

    // Per test type: entries in the manifest, entries that passed.
    let mut seen = [0usize; 3];
    let mut passed = [0usize; 3];
    let mut failures = Vec::new();
    for entry in &manifest.entries {
        let Some(kind) = TYPES.iter().position(|t| *t == entry.kind) else {
            failures.push(format!("{}: unknown test type `{}`", entry.id, entry.kind));
            continue;
        };
        seen[kind] += 1;
        let known = KNOWN_FAILURES.iter().find(|(id, _)| *id == entry.id);
        match (run(&dir, entry), known) {
            (Ok(()), None) => passed[kind] += 1,
            (Err(why), Some((_, reason))) => {
                eprintln!("known failure {}: {reason}\n{why}", entry.id);
            }
            (Ok(()), Some(_)) => {
                failures.push(format!("{}: passes now; remove it from KNOWN_FAILURES", entry.id))
            }
            (Err(why), None) => failures.push(format!("{} ({}): {why}", entry.id, entry.name)),
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} rdf-canon tests failed:\n{}",
        failures.len(),
        manifest.entries.len(),
        failures.join("\n")
    );
    let [eval, map, negative] = passed;
    println!("rdf-canon: {eval} eval, {map} map, {negative} negative passed");
    assert_eq!(
        seen,
        [EXPECTED_EVAL, EXPECTED_MAP, EXPECTED_NEGATIVE],
        "the manifest no longer has the expected number of tests per type (eval, map, negative)"
    );
}

fn run(dir: &Path, entry: &Entry) -> Result<(), String> {
    let hash = match entry.hash_algorithm.as_deref() {
        None | Some("SHA256") => HashAlgorithm::Sha256,
        Some("SHA384") => HashAlgorithm::Sha384,
        Some(other) => return Err(format!("unsupported hashAlgorithm `{other}`")),
    };
    let quads = parse_nquads(&dir.join(&entry.action))?;
    match entry.kind.as_str() {
        "rdfc:RDFC10EvalTest" => {
            let expected = read(dir, entry.result.as_deref())?;
            let got = canon::rdfc_with(&quads, hash).map_err(|e| format!("error: {e}"))?;
            if got.as_bytes() == expected.as_slice() {
                Ok(())
            } else {
                Err(format!(
                    "canonical N-Quads differ\n--- expected\n{}--- got\n{got}",
                    String::from_utf8_lossy(&expected)
                ))
            }
        }
        "rdfc:RDFC10MapTest" => {
            let expected: BTreeMap<String, String> =
                serde_json::from_slice(&read(dir, entry.result.as_deref())?)
                    .map_err(|e| format!("expected map is not a JSON object of strings: {e}"))?;
            let got = canon::rdfc_issued_identifiers(&quads, hash).map_err(|e| format!("error: {e}"))?;
            if got == expected {
                Ok(())
            } else {
                Err(format!("issued identifiers differ: expected {expected:?}, got {got:?}"))
            }
        }
        "rdfc:RDFC10NegativeEvalTest" => match canon::rdfc_with(&quads, hash) {
            Err(CanonError::TooComplex { .. }) => Ok(()),
            Err(other) => Err(format!("failed, but not with the call limit: {other:?}")),
            Ok(_) => Err("canonicalized a poison graph instead of refusing it".to_owned()),
        },
        other => Err(format!("unknown test type `{other}`")),
    }
}

fn read(dir: &Path, rel: Option<&str>) -> Result<Vec<u8>, String> {
    let rel = rel.ok_or("manifest entry has no `result`")?;
    fs::read(dir.join(rel)).map_err(|e| format!("cannot read `{rel}`: {e}"))
}

fn parse_nquads(path: &Path) -> Result<Vec<Quad>, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    oxttl::NQuadsParser::new()
        .for_slice(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("`{}` is not N-Quads: {e}", path.display()))
}
