//! Grouping and what is derived from it: awards by achievement, each achievement's page,
//! awards signed with an older text of their achievement, and the key history (`keys.json`).

use super::super::Problem;
use super::super::load::{InputFile, SiteInput};
use super::super::paths::{OutPath, slugify, under_base};
use super::{Achievement, Award, Library};
use crate::config::{KeyStatus, SiteKey};
use crate::model::Credential;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// A hash of an achievement object, the same whatever the order of its members.
pub fn achievement_digest(achievement: &Value) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = rustc_hash::FxHasher::default();
    crate::canon::jcs(achievement).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}

/// Awards that state their achievement differently from its file in `achievements/` today:
/// their pages show the text they were signed with, whatever the file says now. One warning
/// per achievement, naming up to three of the awards.
pub fn stale_awards(library: &Library<'_>, input: &SiteInput) -> Vec<Problem> {
    let base = input.config.base_url.as_str();
    let mut warnings = Vec::new();
    for (name, parsed) in &input.achievements {
        let Ok(achievement) = parsed else { continue };
        let current = achievement.to_json(base, &input.config.language);
        let Some(id) = current["id"].as_str() else { continue };
        let digest = achievement_digest(&current);
        let stale: Vec<String> = library
            .awards
            .iter()
            .filter(|a| a.achievement == id && a.achievement_digest != digest)
            .map(|a| a.file.display())
            .collect();
        if stale.is_empty() {
            continue;
        }
        let shown: Vec<String> = stale.iter().take(3).map(|f| format!("`{f}`")).collect();
        let more = if stale.len() > 3 { format!(" and {} more", stale.len() - 3) } else { String::new() };
        let (count, verb) = if stale.len() == 1 {
            ("1 award".to_string(), "carries")
        } else {
            (format!("{} awards", stale.len()), "carry")
        };
        warnings.push(
            Problem::new(
                &format!("achievements/{name}"),
                format!(
                    "{count} {verb} an older text of this achievement, which their pages show: {}{more}",
                    shown.join(", ")
                ),
            )
            .hint(format!(
                "to publish the new text, re-sign them: `rosette reissue --achievement {}`",
                achievement.slug
            )),
        );
    }
    warnings
}

/// `keys.json`, published beside did.json: each key of `did` with its status and dates, which
/// did.json cannot carry without making verifiers reject old badges. Verifiers that read it
/// (rosette's, and the badge page's) refuse a proof made after its key was retired.
pub fn keys_document(did: &str, keys: &[SiteKey]) -> Vec<u8> {
    let list: Vec<Value> = keys
        .iter()
        .map(|k| {
            serde_json::json!({
                "id": format!("{did}#{}", k.fragment),
                "status": match k.status { KeyStatus::Active => "active", KeyStatus::Retired => "retired" },
                "validFrom": k.valid_from.map(crate::model::date::format_date_time),
                "retired": k.retired.map(crate::model::date::format_date_time),
            })
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({ "controller": did, "keys": list }))
        .unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The page of an award: its id's path when the id is under `base_url`, else `awards/<file name>`.
pub(super) fn award_path(credential: &Credential, file: &InputFile, base: &str) -> Result<OutPath, String> {
    let rel = match credential.id().and_then(|id| under_base(id, base)) {
        Some(rel) => rel,
        None => {
            let stem = file.rel.rsplit('/').next().unwrap_or(&file.rel).trim_end_matches(".json");
            format!("awards/{stem}")
        }
    };
    OutPath::new(&rel).map_err(|e| format!("cannot publish a page for this credential: {e}"))
}

/// Groups awards (newest first) by achievement; each achievement as its newest award states
/// it, read again from that award's file.
pub(super) fn group(
    awards: &[Award<'_>],
    base: &str,
    limits: &crate::config::LimitsConfig,
    retired: &BTreeMap<String, DateTime<Utc>>,
) -> Result<BTreeMap<String, Achievement>, Vec<Problem>> {
    let mut out: BTreeMap<String, Achievement> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut pages: HashMap<OutPath, String> = HashMap::new();
    for (i, award) in awards.iter().enumerate() {
        if let Some(a) = out.get_mut(&award.achievement) {
            a.awards.push(i);
            continue;
        }
        let mut source = match award.source(limits) {
            Ok(s) => s,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let value = source.credential.value["credentialSubject"]["achievement"].take();
        let names = crate::model::lang::achievement_texts(&value, "name");
        let name = crate::model::lang::best(&names, "en").map(|t| t.value.clone()).unwrap_or_default();
        let rel = under_base(&award.achievement, base)
            .unwrap_or_else(|| format!("achievements/{}", slugify(&name)));
        let page = match OutPath::new(&rel) {
            Ok(p) => p,
            Err(e) => {
                problems.push(Problem::new(&award.file.display(), format!("achievement page: {e}")));
                continue;
            }
        };
        if let Some(other) = pages.insert(page.clone(), award.achievement.clone()) {
            problems.push(Problem::new(
                &award.file.display(),
                format!(
                    "achievement `{}` would have the same page `{}/` as `{other}`",
                    award.achievement,
                    page.as_str()
                ),
            ));
            continue;
        }
        out.insert(
            award.achievement.clone(),
            Achievement {
                id: award.achievement.clone(),
                retired: retired.get(page.as_str()).copied(),
                page,
                value,
                awards: vec![i],
            },
        );
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}
