//! `rosette reissue`: re-sign awards with the current text of their achievement.
//!
//! An award states its achievement as it was when it was signed, and its page shows that
//! text; editing `achievements/<slug>.md` changes nothing already awarded. `reissue` replaces
//! the achievement (and the credential's name, which is the achievement's) with what the file
//! says now and signs the award again with the active key, in the suite it was signed with.
//! Everything else stays: the id (links are out in the world), the recipient and their
//! identity hash, the dates, the status entries and the visibility. All or nothing, like
//! `award --csv`: every award is re-signed in memory before any file is written.

use super::award::IssuingSite;
use crate::cli::ReissueArgs;
use crate::error::{CliError, Exit};
use crate::integrity::{self, Cryptosuite, ProofOptions};
use crate::jsonld::JsonLdProcessor;
use crate::model::date::format_date_time;
use rayon::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

/// A re-signed award: its file, its new bytes, its id.
type Resigned = (PathBuf, Vec<u8>, String);

/// One award to re-sign: where it is, and its credential without its proof.
struct Job {
    path: PathBuf,
    id: String,
    unsigned: Value,
    suite: Cryptosuite,
}

pub fn run(args: &ReissueArgs) -> Result<Exit, CliError> {
    if args.achievement.is_none() && args.ids.is_empty() {
        return Err(CliError::io("say which awards: --achievement SLUG, or award ids")
            .hint("`rosette check` lists the awards that carry an older text of their achievement"));
    }
    let site = IssuingSite::open(&args.root)?;
    if let Some(slug) = &args.achievement
        && !site.achievements.contains_key(slug)
    {
        let known: Vec<&str> = site.achievements.keys().map(String::as_str).collect();
        return Err(CliError::invalid(format!("unknown achievement `{slug}` (known: {})", known.join(", "))));
    }
    let key = crate::cmd::sign::load_key(args.key.as_deref())?;
    let vm = site.signing_method(&key)?;
    // The same ids as revoke: a file name in badges/awards, a unique beginning, or the id.
    let wanted: Vec<String> =
        args.ids.iter().map(|id| super::status::resolve(&site, id)).collect::<Result<_, _>>()?;
    let Selected { jobs, used, unchanged } = select(&site, args.achievement.as_deref(), &wanted)?;
    if jobs.is_empty() {
        crate::ui::status(format!(
            "nothing to re-sign: {} already carry the current text",
            plural(unchanged)
        ));
        return Ok(Exit::Ok);
    }

    super::award::warn_untranslated(&site, used.iter().map(String::as_str));
    let done = sign(jobs, &vm, &key)?;
    for (path, bytes, _) in &done {
        crate::fs::write_atomic(path, bytes)?;
    }
    for (_, _, id) in &done {
        println!("{id}");
    }
    let kept =
        if unchanged > 0 { format!(" ({} already current)", plural(unchanged)) } else { String::new() };
    crate::ui::status(format!(
        "re-signed {} with the current achievement text{kept}; run `rosette build` to publish",
        plural(done.len())
    ));
    Ok(Exit::Ok)
}

/// The awards to re-sign, with the achievement slugs they are of, and how many were left as
/// they are because their text is current.
struct Selected {
    jobs: Vec<Job>,
    used: std::collections::BTreeSet<String>,
    unchanged: usize,
}

/// The awards of `badges/awards/` to re-sign: those of `achievement` whose text is older than
/// its file's, and every award named in `wanted`, each without its proof and with the
/// achievement's current text.
fn select(
    site: &IssuingSite,
    achievement_slug: Option<&str>,
    wanted: &[String],
) -> Result<Selected, CliError> {
    let base = site.config.base_url.clone();
    // Each achievement's current text, once: by its id, with its name and hash.
    let current: std::collections::HashMap<String, (&crate::achievement::Achievement, Value, u64)> = site
        .achievements
        .values()
        .map(|a| {
            let json = a.to_json(&base, &site.config.language);
            let digest = crate::site::library::achievement_digest(&json);
            (json["id"].as_str().unwrap_or_default().to_string(), (a, json, digest))
        })
        .collect();
    let mut jobs = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    let mut unchanged = 0;
    let mut found = vec![false; wanted.len()];
    let dir = site.badges.join("awards");
    let entries = std::fs::read_dir(&dir).map_err(|e| CliError::io_at(&dir, "read", &e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let bytes = crate::fs::read(&path)?;
        let Ok(mut credential) = serde_json::from_slice::<Value>(&bytes) else { continue };
        let id = credential["id"].as_str().unwrap_or_default().to_string();
        let stated = credential["credentialSubject"]["achievement"]["id"].as_str().unwrap_or_default();
        let Some((achievement, text, digest)) = current.get(stated) else { continue };
        let named = wanted.iter().position(|w| *w == id);
        if let Some(i) = named {
            found[i] = true;
        } else if achievement_slug != Some(achievement.slug.as_str()) {
            continue;
        }
        let same = crate::site::library::achievement_digest(&credential["credentialSubject"]["achievement"])
            == *digest;
        // A whole achievement's awards: only those whose text is older. An award named by
        // its id is re-signed whatever it says (with the active key, after a rotation, say).
        if same && named.is_none() {
            unchanged += 1;
            continue;
        }
        // The suite it was signed with: `proof` is one object in awards signed before rosette
        // wrote proof sets, an array since.
        let first = integrity::proofs(&credential).first().and_then(|p| p.get("cryptosuite"));
        let suite = match first.and_then(Value::as_str) {
            Some("eddsa-jcs-2022") => Cryptosuite::EddsaJcs2022,
            _ => Cryptosuite::EddsaRdfc2022,
        };
        if let Some(c) = credential.as_object_mut() {
            c.remove("proof");
            c.insert("name".into(), achievement.name(&site.config.language).into());
        }
        credential["credentialSubject"]["achievement"] = text.clone();
        used.insert(achievement.slug.clone());
        jobs.push(Job { path, id, unsigned: credential, suite });
    }
    let missing: Vec<&str> =
        wanted.iter().zip(&found).filter(|(_, f)| !**f).map(|(w, _)| w.as_str()).collect();
    if !missing.is_empty() {
        return Err(CliError::invalid(format!(
            "nothing was re-signed: no award of an achievement in achievements/ has the id {}",
            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(Selected { jobs, used, unchanged })
}

/// Signs every job, on every core; all or nothing.
fn sign(jobs: Vec<Job>, vm: &str, key: &crate::keys::SecretKey) -> Result<Vec<Resigned>, CliError> {
    let jsonld = JsonLdProcessor::new();
    let now = format_date_time(chrono::Utc::now());
    let progress = crate::ui::progress(jobs.len() as u64, "signing");
    let signed: Vec<Result<Resigned, String>> = jobs
        .into_par_iter()
        .map(|job| {
            progress.inc(1);
            let options = ProofOptions {
                suite: job.suite,
                verification_method: vm.to_string(),
                created: Some(now.clone()),
            };
            let signed = integrity::create_proof(&jsonld, &job.unsigned, &options, key)
                .map_err(|e| format!("`{}`: cannot be signed: {e}", job.path.display()))?;
            let mut bytes = serde_json::to_vec_pretty(&signed).unwrap_or_default();
            bytes.push(b'\n');
            Ok((job.path, bytes, job.id))
        })
        .collect();
    progress.finish_and_clear();
    let failed: Vec<&String> = signed.iter().filter_map(|r| r.as_ref().err()).collect();
    if !failed.is_empty() {
        let mut err =
            CliError::invalid(format!("nothing was re-signed: {} of {} failed", failed.len(), signed.len()));
        for f in failed {
            err = err.caused_by(f.clone());
        }
        return Err(err);
    }
    Ok(signed.into_iter().filter_map(Result::ok).collect())
}

fn plural(n: usize) -> String {
    if n == 1 { "1 award".into() } else { format!("{n} awards") }
}
