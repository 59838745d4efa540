//! Throughput of signing and verifying 1,000 Open Badges 3.0 credentials, per suite, in
//! credentials per second per core, beside Digital Bazaar's reference verifier measured in the
//! same run (`npm run bench` in the interop folder). A benchmark, not a test: it prints figures.
//!
//!     cargo bench --bench core            # needs target/interop (bash scripts/test.sh sets it up)

use rosette::did::NoDocuments;
use rosette::integrity::{self, Cryptosuite, ProofOptions};
use rosette::jsonld::JsonLdProcessor;
use rosette::keys::SecretKey;
use rosette::model::Credential;
use rosette::model::date::parse_date_time;
use rosette::verify::{Outcome, Verifier};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const COUNT: usize = 1000;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn template(issuer: &str) -> Value {
    let path = root().join("tests/fixtures/bench/achievement-unsigned.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).expect("bench template")).expect("json");
    v["issuer"] = serde_json::json!({"id": issuer, "type": ["Profile"], "name": "Example University"});
    v
}

fn main() {
    let key = SecretKey::from_seed(&[7u8; 32]).expect("seed");
    let vm = key.public_key().did_key_vm();
    let base = template(&key.public_key().did_key());
    let jsonld = JsonLdProcessor::new();
    let now = parse_date_time("2026-01-01T00:00:00Z").expect("now");
    let verifier = Verifier { jsonld: &jsonld, source: &NoDocuments, now, require_open_badge: true };
    let tmp = tempfile::tempdir().expect("tmp");
    println!("rosette core benchmark: {COUNT} signed OB 3.0 credentials per suite, one thread (= per core)");
    let mut rdfc_verify_rate = 0.0;
    for suite in [Cryptosuite::EddsaRdfc2022, Cryptosuite::EddsaJcs2022] {
        let unsigned: Vec<Value> = (0..COUNT)
            .map(|i| {
                let mut v = base.clone();
                v["id"] = format!("https://badges.example.org/awards/award-{i:05}").into();
                v
            })
            .collect();
        let options = ProofOptions {
            suite,
            verification_method: vm.clone(),
            created: Some("2024-06-01T09:00:00Z".into()),
        };
        let t = Instant::now();
        let signed: Vec<Value> = unsigned
            .iter()
            .map(|u| integrity::create_proof(&jsonld, u, &options, &key).expect("sign"))
            .collect();
        let sign_rate = COUNT as f64 / t.elapsed().as_secs_f64();
        let credentials: Vec<Credential> = signed.iter().map(|v| Credential { value: v.clone() }).collect();
        let t = Instant::now();
        for c in &credentials {
            assert_eq!(verifier.verify(c).outcome, Outcome::Verified);
        }
        let verify_rate = COUNT as f64 / t.elapsed().as_secs_f64();
        println!(
            "  {:<16} sign {:>8.0} credentials/s   verify {:>8.0} credentials/s",
            suite.name(),
            sign_rate,
            verify_rate
        );
        if suite == Cryptosuite::EddsaRdfc2022 {
            rdfc_verify_rate = verify_rate;
            let dir = tmp.path().join("rdfc");
            std::fs::create_dir_all(&dir).expect("mkdir");
            for (i, v) in signed.iter().enumerate() {
                std::fs::write(
                    dir.join(format!("award-{i:05}.json")),
                    serde_json::to_vec_pretty(v).expect("json"),
                )
                .expect("write");
            }
        }
    }

    // The whole command, start-up included, on one core.
    let bin = root().join("target/release/rosette");
    if bin.is_file() {
        let t = Instant::now();
        let out = Command::new(&bin)
            .args(["verify", "--now", "2026-01-01T00:00:00Z", "--format", "json"])
            .arg(tmp.path().join("rdfc"))
            .env("RAYON_NUM_THREADS", "1")
            .output()
            .expect("rosette verify");
        assert!(out.status.success(), "rosette verify failed");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "  `rosette verify` process, eddsa-rdfc-2022, one thread: {COUNT} files in {:.2} s = {:.0} credentials/s",
            secs,
            COUNT as f64 / secs
        );
    }

    // The reference, measured now on this machine.
    let interop = std::env::var_os("ROSETTE_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/interop"));
    if !interop.join("node_modules").is_dir() {
        println!(
            "reference: skipped (no interop verifier at {}; run bash scripts/test.sh once)",
            interop.display()
        );
        return;
    }
    let out = Command::new("node")
        .arg("bench.mjs")
        .args(["--count", &COUNT.to_string(), "--rounds", "3"])
        .current_dir(&interop)
        .output()
        .expect("node bench.mjs");
    let text = String::from_utf8_lossy(&out.stdout);
    println!("reference (Digital Bazaar, eddsa-rdfc-2022, npm run bench):");
    for line in text.lines() {
        println!("  | {line}");
    }
    let reference = text
        .lines()
        .find(|l| l.contains("verify all, excluding startup"))
        .and_then(|l| l.split("-> ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok());
    let reference_sign = text
        .lines()
        .find(|l| l.starts_with("signed "))
        .and_then(|l| l.rsplit('(').next())
        .and_then(|r| r.trim_end_matches(")").trim_end_matches("/s").parse::<f64>().ok());
    // The reference's loop runs on more than one core (its garbage collector uses the second
    // one): per core is credentials per CPU-second.
    let cpu_ms = text
        .lines()
        .find(|l| l.contains("process CPU time of that loop"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok());
    if let Some(r) = reference {
        println!(
            "ratio: rosette eddsa-rdfc-2022 verification = {:.1}x the reference's wall-clock rate",
            rdfc_verify_rate / r
        );
    }
    if let Some(ms) = cpu_ms {
        let per_core = COUNT as f64 / (ms / 1000.0);
        println!(
            "ratio: rosette eddsa-rdfc-2022 verification = {:.1}x the reference per core ({per_core:.0} credentials per CPU-second)",
            rdfc_verify_rate / per_core
        );
    }
    if let Some(r) = reference_sign {
        println!("(reference signing rate: {r:.0}/s)");
    }
}
