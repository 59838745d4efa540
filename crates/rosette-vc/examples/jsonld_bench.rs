//! Measures `JsonLdProcessor::to_rdf` per document on the OB 3.0 examples and the DCC fixtures
//! in `../shared/vectors`, or on the files given: `warm` after warm-up (contexts cached, the
//! steady state when verifying many badges), `cold` on a fresh processor (every context
//! processed from its embedded text).
//!
//! ```sh
//! cargo run --release --example jsonld_bench                # the default vector set
//! cargo run --release --example jsonld_bench -- a.json b.json
//! cargo run --release --example jsonld_bench -- --canon a.json   # print canonical N-Quads
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rosette_vc::jsonld::JsonLdProcessor;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--canon") {
        let processor = JsonLdProcessor::new();
        for file in &args[1..] {
            let doc = read(Path::new(file));
            match processor.to_rdf(&doc) {
                Ok(quads) => match rdf_canon::canonicalize_quads(&quads) {
                    Ok(text) => print!("{text}"),
                    Err(e) => eprintln!("{file}: canonicalization failed: {e}"),
                },
                Err(e) => eprintln!("{file}: error: {e} [{}]", e.code()),
            }
        }
        return;
    }
    let files: Vec<PathBuf> =
        if args.is_empty() { default_files() } else { args.iter().map(PathBuf::from).collect() };
    if files.is_empty() {
        eprintln!("no input: give files, or put the shared vectors at ../shared/vectors");
        std::process::exit(2);
    }
    let processor = JsonLdProcessor::new();
    println!("{:>9} {:>9} {:>6}  file", "warm µs", "cold µs", "quads");
    let mut total = Duration::ZERO;
    let mut docs = 0u32;
    for file in &files {
        let doc = read(file);
        let quads = match processor.to_rdf(&doc) {
            Ok(q) => q.len(),
            Err(e) => {
                println!("{:>9} {:>9} {:>6}  {} ({e})", "-", "-", "-", file.display());
                continue;
            }
        };
        // Warm up (fills the context cache), then time enough runs to be stable.
        for _ in 0..50 {
            let _ = processor.to_rdf(&doc);
        }
        let runs = 2000u32;
        let start = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(processor.to_rdf(std::hint::black_box(&doc)).ok());
        }
        let per = start.elapsed() / runs;
        let cold_runs = 20u32;
        let start = Instant::now();
        for _ in 0..cold_runs {
            std::hint::black_box(JsonLdProcessor::new().to_rdf(std::hint::black_box(&doc)).ok());
        }
        let cold = start.elapsed() / cold_runs;
        total += per;
        docs += 1;
        println!(
            "{:>9.1} {:>9.1} {:>6}  {}",
            per.as_secs_f64() * 1e6,
            cold.as_secs_f64() * 1e6,
            quads,
            file.display()
        );
    }
    if docs > 0 {
        println!(
            "{:>9.1} {:>9} {:>6}  mean (warm) over {docs} documents",
            total.as_secs_f64() * 1e6 / f64::from(docs),
            "",
            ""
        );
    }
}

fn read(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn default_files() -> Vec<PathBuf> {
    let shared = std::env::var_os("ROSETTE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let mut files = Vec::new();
    for dir in ["vectors/ob3-examples", "vectors/dcc-vc-test-fixtures/verifiableCredentials"] {
        collect(&shared.join(dir), &mut files);
    }
    files.sort();
    files
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}
