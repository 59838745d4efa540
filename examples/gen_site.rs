//! Makes a benchmark site larger than one status list allows `rosette award` to fill:
//! `cargo run --release --example gen_site -- FROM TO N`.
//!
//! `FROM` is a site made by `rosette award` (its `rosette.toml`, `signing-key.secret`,
//! achievement images and awards); `TO` gets the same configuration and `N` awards signed with
//! the same key, each a copy of one of `FROM`'s awards with its own id and recipient name and
//! without a status entry (so any number fit). Signing runs on every core.

use rayon::prelude::*;
use rosette::integrity::{Cryptosuite, ProofOptions, create_proof};
use rosette::jsonld::JsonLdProcessor;
use serde_json::Value;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, from, to, n] = args.as_slice() else {
        return Err("usage: gen_site FROM TO N".into());
    };
    let (from, to, n) = (Path::new(from), Path::new(to), n.parse::<usize>()?);
    let key =
        rosette::cmd::sign::load_key(Some(&from.join("signing-key.secret"))).map_err(|e| format!("{e:?}"))?;
    let mut templates = Vec::new();
    for entry in std::fs::read_dir(from.join("badges/awards"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|x| x == "json") && templates.len() < 3 {
            templates.push(serde_json::from_slice::<Value>(&std::fs::read(path)?)?);
        }
    }
    std::fs::create_dir_all(to.join("badges/awards"))?;
    std::fs::copy(from.join("rosette.toml"), to.join("rosette.toml"))?;
    let images = to.join("badges/images");
    std::fs::create_dir_all(&images)?;
    for entry in std::fs::read_dir(from.join("badges/images"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), images.join(entry.file_name()))?;
    }
    let base =
        templates[0]["id"].as_str().unwrap_or_default().rsplit_once("/awards/").map(|(b, _)| b.to_string());
    let base = base.ok_or("the template has no id under /awards/")?;
    let jsonld = JsonLdProcessor::new();
    (0..n).into_par_iter().try_for_each(|i| -> Result<(), String> {
        let mut c = templates[i % templates.len()].clone();
        if let Some(o) = c.as_object_mut() {
            o.remove("proof");
            o.remove("credentialStatus");
        }
        let slug = format!("gen-{i:06}");
        c["id"] = format!("{base}/awards/{slug}").into();
        c["credentialSubject"]["name"] = format!("Learner {i:06}").into();
        let options = ProofOptions {
            suite: Cryptosuite::EddsaRdfc2022,
            verification_method: templates[0]["proof"]["verificationMethod"]
                .as_str()
                .unwrap_or_default()
                .into(),
            created: templates[0]["proof"]["created"].as_str().map(str::to_string),
        };
        let signed = create_proof(&jsonld, &c, &options, &key).map_err(|e| e.to_string())?;
        let bytes = serde_json::to_vec_pretty(&signed).map_err(|e| e.to_string())?;
        std::fs::write(to.join("badges/awards").join(format!("{slug}.json")), bytes)
            .map_err(|e| e.to_string())
    })?;
    Ok(())
}
