//! RFC 8785 (JCS) test data from the RFC's author (`../shared/vectors/jcs`, see its
//! PROVENANCE.md) and the W3C `eddsa-jcs-2022` vectors, run through `rosette::canon::jcs`,
//! byte for byte.

use crate::common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;

use rosette::canon;
use serde_json::Value;

/// The files of `input/` (arrays, french, structures, unicode, values, weird).
const EXPECTED_FILES: usize = 6;

/// Number lines checked at most. The shared copy holds the 7 sample lines quoted in the
/// test data's README; the full file is 100 million lines. If it is ever dropped in, the first
/// lines are a deterministic sample (its numbers are random, so any prefix is as good as
/// another) that keeps the test to a few seconds in a debug build.
const MAX_NUMBER_LINES: usize = 200_000;

#[test]
fn cyberphone_input_output_files() {
    let Some(dir) = common::shared_dir("vectors/jcs") else {
        return;
    };
    let mut names: Vec<String> = fs::read_dir(dir.join("input"))
        .expect("list input/")
        .map(|e| e.expect("read input/").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();

    let mut failures = Vec::new();
    for name in &names {
        if let Err(why) = check_file(&dir, name) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(failures.is_empty(), "JCS files failed:\n{}", failures.join("\n"));
    println!("jcs: {} files passed (output and outhex)", names.len());
    assert_eq!(names.len(), EXPECTED_FILES, "input/ holds {names:?}");
}

fn check_file(dir: &Path, name: &str) -> Result<(), String> {
    let input = fs::read(dir.join("input").join(name)).map_err(|e| e.to_string())?;
    let value: Value = serde_json::from_slice(&input).map_err(|e| format!("input: {e}"))?;
    let got = canon::jcs_bytes(&value).map_err(|e| format!("error: {e}"))?;

    let expected = fs::read(dir.join("output").join(name)).map_err(|e| format!("output: {e}"))?;
    if got != expected {
        return Err(format!(
            "differs from output/\n  expected {}\n  got      {}",
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(&got)
        ));
    }

    let hex_name = Path::new(name).with_extension("txt");
    let hex = fs::read_to_string(dir.join("outhex").join(&hex_name)).map_err(|e| format!("outhex: {e}"))?;
    let from_hex = hex
        .split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).map_err(|e| format!("outhex `{byte}`: {e}")))
        .collect::<Result<Vec<u8>, _>>()?;
    if got != from_hex {
        return Err("differs from outhex/".to_owned());
    }

    // `jcs` and `jcs_bytes` agree, and canonical text is a fixed point.
    let text = canon::jcs(&value).map_err(|e| format!("error: {e}"))?;
    let again: Value = serde_json::from_str(&text).map_err(|e| format!("reparse: {e}"))?;
    if text.as_bytes() != got || canon::jcs(&again).ok().as_deref() != Some(text.as_str()) {
        return Err("jcs/jcs_bytes disagree or the output is not a fixed point".to_owned());
    }
    Ok(())
}

/// `es6-number-samples.csv`: `IEEE-754 bits in hex,expected number text`.
#[test]
fn es6_number_samples() {
    let Some(dir) = common::shared_dir("vectors/jcs") else {
        return;
    };
    let file = fs::File::open(dir.join("es6-number-samples.csv")).expect("open samples");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, line) in BufReader::new(file).lines().take(MAX_NUMBER_LINES).enumerate() {
        let line = line.expect("read samples");
        if line.is_empty() {
            continue;
        }
        checked += 1;
        if let Err(why) = check_number(&line) {
            failures.push(format!("line {}: `{line}`: {why}", n + 1));
        }
    }
    assert!(failures.is_empty(), "number samples failed:\n{}", failures.join("\n"));
    println!("jcs: {checked} number samples passed");
    assert!(checked >= 7, "only {checked} number lines");
}

fn check_number(line: &str) -> Result<(), String> {
    let (hex, expected) = line.split_once(',').ok_or("no comma")?;
    let bits = u64::from_str_radix(hex, 16).map_err(|e| format!("bits: {e}"))?;
    let number = f64::from_bits(bits);
    let value = serde_json::Number::from_f64(number).map(Value::Number).ok_or("not a finite number")?;
    let got = canon::jcs(&value).map_err(|e| format!("error: {e}"))?;
    if got != expected {
        return Err(format!("got {got}"));
    }
    // The same number read from JSON text (as a verifier sees it) canonicalizes the same way.
    let parsed: Value = serde_json::from_str(expected).map_err(|e| format!("reparse: {e}"))?;
    let reparsed = canon::jcs(&parsed).map_err(|e| format!("error: {e}"))?;
    if reparsed != expected {
        return Err(format!("reparsed text gives {reparsed}"));
    }
    Ok(())
}

/// The W3C Data Integrity EdDSA `eddsa-jcs-2022` vectors: the canonical document and the
/// canonical proof configuration.
#[test]
fn vc_di_eddsa_jcs_2022() {
    let Some(dir) = common::shared_dir("vectors/vc-di-eddsa") else {
        return;
    };
    for (input, expected) in [
        ("unsigned.json", "eddsa-jcs-2022/canonDocJCS.txt"),
        ("eddsa-jcs-2022/proofConfigJCS.json", "eddsa-jcs-2022/proofCanonJCS.txt"),
    ] {
        let text = fs::read_to_string(dir.join(input)).expect("read input");
        let value: Value = serde_json::from_str(&text).expect("parse input");
        let got = canon::jcs(&value).expect("canonicalizes");
        let expected_bytes = fs::read(dir.join(expected)).expect("read expected");
        assert_eq!(got.as_bytes(), expected_bytes.as_slice(), "`{input}` → `{expected}`");
    }
}
