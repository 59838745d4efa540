//! Verify and model: every credential is verified against this site's keys and status lists,
//! then awards are grouped by achievement. Problems are collected, never returned early.

use super::Problem;
use super::cache::{Cache, Key};
use super::load::{InputFile, SiteInput};
use super::paths::{OutPath, slugify, under_base};
use crate::config::{KeyStatus, SiteKey};
use crate::did::DocumentSource;
use crate::jsonld::JsonLdProcessor;
use crate::model::Credential;
use crate::model::credential::CredentialKind;
use crate::model::date::parse_date_time;
use crate::status::Withdrawal;
use crate::verify::{CheckName, Outcome, State, Verdict, Verifier};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Documents the build serves to its own verifier: this site's did.json and status lists.
pub struct BuildSource {
    base_url: String,
    docs: HashMap<String, Vec<u8>>,
}

impl DocumentSource for BuildSource {
    fn get(&self, url: &str) -> Option<Result<Vec<u8>, String>> {
        let url = url.split('#').next().unwrap_or(url);
        match self.docs.get(url) {
            Some(bytes) => Some(Ok(bytes.clone())),
            None if url.starts_with(&self.base_url) => {
                Some(Err(format!("`{url}` is not published by this site")))
            }
            None => None,
        }
    }
}

/// A verified award, ready to render: only what the build needs of it besides the
/// credential itself, which [`Award::source`] reads again from disk (issue #5: a site of
/// 100,000 awards must not hold 100,000 parsed credentials).
pub struct Award<'a> {
    pub file: &'a InputFile,
    /// SHA-256 of the bytes that were verified: what is published must be the same.
    pub digest: String,
    /// Shared with the incremental cache's record of it, not copied: 100,000 of them add up.
    pub verdict: Arc<Verdict>,
    /// The page's directory (`awards/2024-0001`); the page is `…/index.html`.
    pub page: OutPath,
    /// The raw credential, published byte for byte (`awards/2024-0001.json`).
    pub json: OutPath,
    /// Key into [`Library::achievements`].
    pub achievement: String,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// Revoked or suspended, with the issuer's reason when given.
    pub withdrawn: Option<Withdrawn>,
    pub visibility: crate::config::Visibility,
    /// The key of this award's verdict in the incremental cache.
    pub cache_key: Option<String>,
    /// The cached object of what was signed, in its page form (`canonical::blob`), when the
    /// verdict came from the cache or was cached (its `signed` is then empty).
    pub cached_canonical: Option<String>,
    /// A hash of the achievement as this credential states it (its JCS form), to find awards
    /// signed with an older text than the achievement's file has now ([`stale_awards`]); 0
    /// when the site has no achievement files.
    pub achievement_digest: u64,
}

impl Award<'_> {
    /// What a build and `rosette check` warn about this award (it expired): its warning
    /// checks, in one line. `None` when nothing warns.
    pub fn warning(&self) -> Option<Problem> {
        if self.verdict.outcome != crate::verify::Outcome::Warning {
            return None;
        }
        let why: Vec<&str> = self
            .verdict
            .checks
            .iter()
            .filter(|c| c.state == crate::verify::State::Warning)
            .map(|c| c.message.as_str())
            .collect();
        Some(Problem::new(&self.file.display, why.join("; ")))
    }

    /// Reads the credential again; an `Err` when the file is no longer what was verified.
    pub fn source(&self, limits: &crate::config::LimitsConfig) -> Result<Source, Problem> {
        let (bytes, credential) = self.file.read(limits).map_err(|e| Problem::new(&self.file.display, e))?;
        if super::cache::hash(&bytes) != self.digest {
            return Err(Problem::new(&self.file.display, "the file changed while the site was being built")
                .hint("build again once nothing writes to badges/"));
        }
        Ok(Source { bytes, credential })
    }
}

/// An award's credential as it is on disk: its exact bytes and their parsed value, read for
/// as long as one award is rendered.
pub struct Source {
    pub bytes: Vec<u8>,
    pub credential: Credential,
}

/// An achievement and the awards of it.
pub struct Achievement {
    pub id: String,
    pub page: OutPath,
    /// The achievement object as the newest award states it.
    pub value: Value,
    /// Indexes into [`Library::awards`], newest first.
    pub awards: Vec<usize>,
    /// When its file in `achievements/` says it was retired.
    pub retired: Option<DateTime<Utc>>,
}

/// A status list credential, published byte for byte at its own URL.
pub struct StatusList<'a> {
    pub file: &'a InputFile,
    /// Its exact bytes (status lists are few, and every award's check reads them).
    pub bytes: Vec<u8>,
    pub path: OutPath,
    /// What its proof signed (for the browser's check of the list).
    pub signed: Option<crate::integrity::Verified>,
}

/// An award removed at its holder's request: a neutral page stays at its address.
pub struct RemovedAward {
    pub page: OutPath,
    pub date: String,
}

pub struct Library<'a> {
    pub awards: Vec<Award<'a>>,
    pub removed: Vec<RemovedAward>,
    pub achievements: BTreeMap<String, Achievement>,
    pub status_lists: Vec<StatusList<'a>>,
    pub did_json: Vec<u8>,
    /// `keys.json` beside it: each key's status and dates (see [`keys_document`]).
    pub keys_json: Vec<u8>,
}

/// Verifies every credential and groups the awards. Returns every problem found.
pub fn build_library<'a>(
    input: &'a SiteInput,
    keys: &[SiteKey],
    now: DateTime<Utc>,
    cache: &Cache,
    report: &dyn super::report::Report,
) -> Result<Library<'a>, Vec<Problem>> {
    let config = &input.config;
    let base = config.base_url.as_str();
    let did = config.did();
    let mut problems: Vec<Problem> = input.problems.clone();

    let did_doc = crate::did::did_document(
        &did,
        &keys.iter().map(|k| (k.fragment.clone(), k.public_key)).collect::<Vec<_>>(),
    );
    let did_json = serde_json::to_vec_pretty(&did_doc).unwrap_or_default();
    let did_url = crate::did::did_web_document_url(&did).unwrap_or_default();

    // The verifier reads the key history too: a proof made after its key was retired fails,
    // here as in `rosette verify --site` and on the badge page.
    let keys_json = keys_document(&did, keys);
    let keys_url = crate::did::key_history_url(&did_url);
    let mut docs = HashMap::from([(did_url, did_json.clone())]);
    if let Some(url) = keys_url {
        docs.insert(url, keys_json.clone());
    }
    // Status lists are read and held up front (every award's status check reads them);
    // awards are read by the verifier, one at a time.
    let mut lists: Vec<(&InputFile, Vec<u8>, Credential)> = Vec::new();
    let mut credentials: Vec<&InputFile> = Vec::new();
    let mut status_lists = Vec::new();
    // Where the build time falls against each status list's validity period: a verdict
    // depends on it (the list must be valid), never on the time itself.
    let mut list_times = Vec::new();
    for file in &input.files {
        match &file.parsed {
            Err(e) => problems.push(
                Problem::new(&file.display, e.to_string())
                    .hint("fix the JSON; a credential must be published exactly as it was signed"),
            ),
            Ok(parsed) if parsed.status_list => {
                let (bytes, c) = match file.read(&config.limits) {
                    Ok(read) => read,
                    Err(e) => {
                        problems.push(Problem::new(&file.display, e));
                        continue;
                    }
                };
                let Some(path) = c.id().and_then(|id| under_base(id, base)) else {
                    problems.push(Problem::new(
                        &file.display,
                        "a status list's `id` must be a URL under `base_url`",
                    ));
                    continue;
                };
                match OutPath::new(&path) {
                    Ok(out) => {
                        docs.insert(format!("{base}{path}"), bytes.clone());
                        list_times.extend(time_flags(&c, now));
                        status_lists.push(StatusList { file, bytes: bytes.clone(), path: out, signed: None });
                        credentials.push(file);
                        lists.push((file, bytes, c));
                    }
                    Err(e) => problems
                        .push(Problem::new(&file.display, format!("status list `id` cannot be a path: {e}"))),
                }
            }
            Ok(_) => credentials.push(file),
        }
    }

    // Everything a verdict depends on besides the credential itself (the binary is checked
    // by the cache): the documents the verifier may read, and the time against their periods.
    let mut shared = Key::new("verdict");
    let mut urls: Vec<&String> = docs.keys().collect();
    urls.sort();
    for url in urls {
        shared.add(url.as_bytes()).add(&docs[url]);
    }
    shared.add(&list_times);
    let shared = shared.finish();
    let source = BuildSource { base_url: base.to_string(), docs };
    let jsonld = JsonLdProcessor::new();
    let verifier = Verifier { jsonld: &jsonld, source: &source, now, require_open_badge: true };
    // Each credential is read, verified, and reduced to its [`Facts`] in one step, so that
    // only one parsed credential per thread is alive at a time.
    let bar = report.step("verifying", credentials.len() as u64);
    let checked: Vec<Result<Checked, Problem>> = credentials
        .par_iter()
        .map(|file| {
            bar.advance();
            let held = lists.iter().find(|(f, ..)| std::ptr::eq(*f, *file));
            let read;
            let (bytes, c) = match held {
                Some((_, bytes, c)) => (bytes, c),
                None => {
                    read = file.read(&config.limits).map_err(|e| Problem::new(&file.display, e))?;
                    (&read.0, &read.1)
                }
            };
            // Status lists are verified afresh: every other verdict depends on them.
            let (verdict, cache_key, nquads) = if cache.keeps() && held.is_none() {
                verify_cached(&verifier, cache, &shared, c, bytes, now)
            } else {
                (Arc::new(verifier.verify(c)), None, None)
            };
            let facts = Facts::of(c, file, &verdict, keys, &did, base, input);
            let digest = super::cache::hash(bytes);
            Ok(Checked { verdict, cache_key, nquads, digest, facts })
        })
        .collect();
    drop(bar);

    let mut awards = Vec::new();
    let mut pages: HashMap<OutPath, &str> = HashMap::new();
    let mut ids: HashMap<String, &str> = HashMap::new();
    for (file, checked) in credentials.into_iter().zip(checked) {
        let Checked { verdict, cache_key, nquads: cached_canonical, digest, facts } = match checked {
            Ok(c) => c,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if let Some(problem) = judge(&verdict) {
            // A key dropped from rosette.toml: the hint says to keep it.
            let hint = match facts.unlisted_key {
                Some(fragment) => super::lint::unlisted_key_hint(&fragment),
                None => problem.1,
            };
            problems.push(Problem::new(&file.display, problem.0).hint(hint));
            continue;
        }
        if let Some(id) = &facts.id
            && let Some(other) = ids.insert(id.clone(), &file.display)
        {
            problems
                .push(Problem::new(&file.display, format!("credential id `{id}` is also used by `{other}`")));
            continue;
        }
        if !facts.achievement_credential {
            if let Some(list) = status_lists.iter_mut().find(|l| std::ptr::eq(l.file, file)) {
                list.signed = verdict.signed.clone();
            }
            continue;
        }
        let page = match facts.page {
            Ok(p) => p,
            Err(e) => {
                problems.push(Problem::new(&file.display, e));
                continue;
            }
        };
        if let Some(other) = pages.insert(page.clone(), &file.display) {
            problems.push(Problem::new(
                &file.display,
                format!("its page `{}/` would overwrite the page of `{other}`", page.as_str()),
            ));
            continue;
        }
        awards.push(Award {
            file,
            digest,
            json: page.with_suffix(".json"),
            page,
            verdict,
            achievement: facts.achievement,
            valid_from: facts.valid_from,
            valid_until: facts.valid_until,
            withdrawn: facts.withdrawn,
            visibility: file.meta.visibility.unwrap_or(config.privacy.default_visibility),
            cache_key,
            cached_canonical,
            achievement_digest: facts.achievement_digest,
        });
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(problems);
    }
    // Newest first; ties broken by path so the order never depends on the file system.
    awards.sort_by(|a, b| b.valid_from.cmp(&a.valid_from).then_with(|| a.page.cmp(&b.page)));
    let achievements = group(&awards, base, &config.limits, &input.retired).map_err(|mut p| {
        p.sort();
        p
    })?;
    let mut removed = Vec::new();
    for r in &input.removed {
        let Some(rel) = under_base(&r.id, base) else { continue };
        if let Ok(page) = OutPath::new(&rel)
            && !pages.contains_key(&page)
        {
            let date =
                parse_date_time(&r.removed).map(crate::model::date::format_date_time).unwrap_or_default();
            removed.push(RemovedAward { page, date });
        }
    }
    Ok(Library { awards, removed, achievements, status_lists, did_json, keys_json })
}

/// A verdict, its key in the incremental cache, and the cached objects of its canonical forms.
type Verified = (Arc<Verdict>, Option<String>, Option<String>);

/// One credential after verification: its verdict and the facts the build keeps of it.
struct Checked {
    verdict: Arc<Verdict>,
    cache_key: Option<String>,
    nquads: Option<String>,
    /// SHA-256 of the bytes verified.
    digest: String,
    facts: Facts,
}

/// What the build needs of a credential once it is verified, taken from its parsed value
/// before that is dropped.
struct Facts {
    id: Option<String>,
    /// A key of this site that signed it but is not in rosette.toml (only looked for when the
    /// verdict fails).
    unlisted_key: Option<String>,
    /// An OB 3.0 AchievementCredential (not a status list).
    achievement_credential: bool,
    page: Result<OutPath, String>,
    achievement: String,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    withdrawn: Option<Withdrawn>,
    achievement_digest: u64,
}

impl Facts {
    fn of(
        credential: &Credential,
        file: &InputFile,
        verdict: &Verdict,
        keys: &[SiteKey],
        did: &str,
        base: &str,
        input: &SiteInput,
    ) -> Facts {
        let withdrawn = verdict.get(CheckName::Status).and_then(status_flag).map(|why| {
            let reason = credential
                .id()
                .and_then(|id| input.registry.entry(id, why.purpose()))
                .and_then(|e| e.reason.clone());
            Withdrawn { why, reason }
        });
        Facts {
            id: credential.id().map(str::to_string),
            unlisted_key: judge(verdict).and_then(|_| super::lint::unlisted_key(credential, keys, did)),
            achievement_credential: credential.conformance().map(|c| c.kind)
                == Ok(CredentialKind::Achievement),
            page: award_path(credential, file, base),
            achievement: credential.value["credentialSubject"]["achievement"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            valid_from: credential.valid_from(),
            valid_until: credential.valid_until(),
            withdrawn,
            // Only a site with achievement files can have stale awards: no JCS per award
            // on the build's hot path otherwise.
            achievement_digest: if input.achievements.is_empty() {
                0
            } else {
                achievement_digest(&credential.value["credentialSubject"]["achievement"])
            },
        }
    }
}

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
        let stale: Vec<&str> = library
            .awards
            .iter()
            .filter(|a| a.achievement == id && a.achievement_digest != digest)
            .map(|a| a.file.display.as_str())
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

/// Verifies one award, or reuses its verdict from the incremental cache.
fn verify_cached(
    verifier: &Verifier<'_>,
    cache: &Cache,
    shared: &str,
    c: &Credential,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Verified {
    let mut key = Key::new("credential");
    key.add(shared.as_bytes()).add(bytes).add(&time_flags(c, now));
    let key = key.finish();
    if let Some(hit) = cache.verdict(&key) {
        cache.stats.verdicts_reused.fetch_add(1, Ordering::Relaxed);
        return (hit.verdict, Some(key), hit.canonical);
    }
    cache.stats.verified.fetch_add(1, Ordering::Relaxed);
    let mut verdict = verifier.verify(c);
    // What was signed goes to the cache's object store now, in the form the page carries, so
    // that 100,000 of them are not held until rendering.
    let nquads = verdict.signed.as_ref().and_then(|signed| {
        if signed.suite != crate::integrity::Cryptosuite::EddsaRdfc2022 {
            return None;
        }
        let blob = super::canonical::blob(&signed.canonical_document, &signed.canonical_proof_config);
        Some(cache.store(blob.as_bytes()).ok()?.0)
    });
    let rdfc =
        verdict.signed.as_ref().is_some_and(|s| s.suite == crate::integrity::Cryptosuite::EddsaRdfc2022);
    if nquads.is_some() || !rdfc {
        verdict.signed = None;
    }
    (Arc::new(verdict), Some(key), nquads)
}

/// Where `now` falls against a credential's validity period, as bytes for a cache key.
fn time_flags(credential: &Credential, now: DateTime<Utc>) -> [u8; 2] {
    let flag = |b: Option<bool>| match b {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    [flag(credential.valid_from().map(|f| now < f)), flag(credential.valid_until().map(|u| now > u))]
}

/// A failed or unknown verdict as (message, hint). Expired badges are published.
fn judge(verdict: &Verdict) -> Option<(String, String)> {
    if matches!(verdict.outcome, Outcome::Verified | Outcome::Warning) {
        return None;
    }
    // A revoked or suspended award stays published: its page says so.
    let only_status = verdict.checks.iter().all(|c| {
        !matches!(c.state, State::Failed | State::Unknown)
            || (c.check == CheckName::Status && status_flag(c).is_some())
    });
    if only_status {
        return None;
    }
    let check = verdict.first_problem()?;
    let hint = match (check.check, check.state) {
        (CheckName::Signature, State::Failed) => {
            "the file changed after it was signed: restore it, or sign it again with `rosette sign`"
        }
        (CheckName::IssuerKey, _) if check.message.contains("after it was retired") => {
            "re-sign the award with an active key"
        }
        (CheckName::IssuerKey, _) => "publish the key: add it to [[keys]] in rosette.toml",
        (CheckName::Issuer, _) => "the `issuer` must be the DID that controls the signing key",
        (CheckName::Format, _) => "rosette publishes Open Badges 3.0 AchievementCredentials",
        (CheckName::Status, _) => "revoked awards stay published; check the status list file in badges/",
        (CheckName::Validity, _) => "the award is not valid yet: check `validFrom`",
        (_, State::Unknown) => {
            "rosette can only check keys and status lists that this site publishes, or did:key"
        }
        _ => "see `rosette verify` for every check",
    };
    let message = match check.check {
        CheckName::Signature => check.message.clone(),
        other => format!("{} check failed: {}", other.label(), check.message),
    };
    Some((message, hint.to_string()))
}

/// `revoked` or `suspended`, when the status check says so.
pub fn status_flag(check: &crate::verify::Check) -> Option<Withdrawal> {
    if check.check != CheckName::Status || check.state != State::Failed {
        return None;
    }
    Withdrawal::ALL.into_iter().find(|w| check.message.starts_with(w.as_str()))
}

/// An award the issuer has withdrawn, and why, when the registry says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Withdrawn {
    pub why: Withdrawal,
    pub reason: Option<String>,
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
fn award_path(credential: &Credential, file: &InputFile, base: &str) -> Result<OutPath, String> {
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
fn group(
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
                problems.push(Problem::new(&award.file.display, format!("achievement page: {e}")));
                continue;
            }
        };
        if let Some(other) = pages.insert(page.clone(), award.achievement.clone()) {
            problems.push(Problem::new(
                &award.file.display,
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
