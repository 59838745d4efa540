//! Verify and model: every credential is verified against this site's keys and status lists,
//! then awards are grouped by achievement. Problems are collected, never returned early.
//!
//! [`build_library`] reads the credentials (status lists first, since every verdict reads
//! them), has [`verdicts`] verify each one, admits the awards whose verdicts and pages allow
//! it, and has [`group`] group them by achievement.

mod group;
mod verdicts;

pub use group::{achievement_digest, keys_document, stale_awards};
pub use verdicts::{BuildSource, status_flag, unlisted_key, unlisted_key_hint};

use super::Problem;
use super::cache::{Cache, Sha};
use super::load::{InputFile, SiteInput};
use super::paths::{OutPath, under_base};
use crate::config::SiteKey;
use crate::model::Credential;
use crate::model::date::parse_date_time;
use crate::status::Withdrawal;
use crate::verify::Verdict;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use verdicts::Checked;

/// A verified award, ready to render: only what the build needs of it besides the
/// credential itself, which [`Award::source`] reads again from disk (issue #5: a site of
/// 100,000 awards must not hold 100,000 parsed credentials).
pub struct Award<'a> {
    pub file: &'a InputFile,
    /// SHA-256 of the bytes that were verified: what is published must be the same.
    pub digest: Sha,
    /// Shared with the incremental cache's record of it, not copied: 100,000 of them add up.
    pub verdict: Arc<Verdict>,
    /// The page's directory (`awards/2024-0001`); the page is `…/index.html`.
    pub page: OutPath,
    /// Key into [`Library::achievements`].
    pub achievement: String,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// Revoked or suspended, with the issuer's reason when given.
    pub withdrawn: Option<Withdrawn>,
    pub visibility: crate::config::Visibility,
    /// The key of this award's verdict in the incremental cache.
    pub cache_key: Option<Sha>,
    /// The cached object of what was signed, in its page form (`canonical::blob`), when the
    /// verdict came from the cache or was cached (its `signed` is then empty).
    pub cached_canonical: Option<Sha>,
    /// A hash of the achievement as this credential states it (its JCS form), to find awards
    /// signed with an older text than the achievement's file has now ([`stale_awards`]); 0
    /// when the site has no achievement files.
    pub achievement_digest: u64,
}

impl Award<'_> {
    /// The raw credential, published byte for byte (`awards/2024-0001.json`).
    pub fn json(&self) -> OutPath {
        self.page.with_suffix(".json")
    }

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
        Some(Problem::new(&self.file.display(), why.join("; ")))
    }

    /// Reads the credential again; an `Err` when the file is no longer what was verified.
    pub fn source(&self, limits: &crate::config::LimitsConfig) -> Result<Source, Problem> {
        let (bytes, credential) =
            self.file.read(limits).map_err(|e| Problem::new(&self.file.display(), e))?;
        if Sha::of(&bytes) != self.digest {
            return Err(Problem::new(
                &self.file.display(),
                "the file changed while the site was being built",
            )
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

/// An award the issuer has withdrawn, and why, when the registry says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Withdrawn {
    pub why: Withdrawal,
    pub reason: Option<String>,
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
    let did = config.did();
    let mut problems: Vec<Problem> = input.problems.clone();
    let did_json = serde_json::to_vec_pretty(&crate::did::did_document(
        &did,
        &keys.iter().map(|k| (k.fragment.clone(), k.public_key)).collect::<Vec<_>>(),
    ))
    .unwrap_or_default();
    // The verifier reads the key history too: a proof made after its key was retired fails,
    // here as in `rosette verify --site` and on the badge page.
    let keys_json = keys_document(&did, keys);
    let did_url = crate::did::did_web_document_url(&did).unwrap_or_default();
    let mut docs = HashMap::from([(did_url.clone(), did_json.clone())]);
    if let Some(url) = crate::did::key_history_url(&did_url) {
        docs.insert(url, keys_json.clone());
    }
    let mut read = read_credentials(input, now, &mut docs, &mut problems);
    let checked = verdicts::verify_all(input, keys, now, cache, report, docs, &read);
    let (mut awards, pages) = admit(input, &read.credentials, checked, &mut read.status_lists, &mut problems);
    if !problems.is_empty() {
        problems.sort();
        return Err(problems);
    }
    // Newest first; ties broken by path so the order never depends on the file system.
    awards.sort_by(|a, b| b.valid_from.cmp(&a.valid_from).then_with(|| a.page.cmp(&b.page)));
    let base = config.base_url.as_str();
    let achievements = group::group(&awards, base, &config.limits, &input.retired).map_err(|mut p| {
        p.sort();
        p
    })?;
    let removed = removed_pages(input, &pages);
    Ok(Library { awards, removed, achievements, status_lists: read.status_lists, did_json, keys_json })
}

/// The credentials of a site, read for verification: status lists held in memory (every
/// award's status check reads them), awards to be read by the verifier one at a time.
struct Read<'a> {
    /// Status lists: file, bytes, parsed.
    lists: Vec<(&'a InputFile, Vec<u8>, Credential)>,
    /// Every credential to verify, status lists included, in input order.
    credentials: Vec<&'a InputFile>,
    status_lists: Vec<StatusList<'a>>,
    /// Where the build time falls against each status list's validity period: a verdict
    /// depends on it (the list must be valid), never on the time itself.
    list_times: Vec<u8>,
}

/// Reads the status lists (adding each to `docs` at its URL) and lists the awards.
fn read_credentials<'a>(
    input: &'a SiteInput,
    now: DateTime<Utc>,
    docs: &mut HashMap<String, Vec<u8>>,
    problems: &mut Vec<Problem>,
) -> Read<'a> {
    let config = &input.config;
    let base = config.base_url.as_str();
    let mut read =
        Read { lists: Vec::new(), credentials: Vec::new(), status_lists: Vec::new(), list_times: Vec::new() };
    for file in &input.files {
        match &file.parsed {
            Err(e) => problems.push(
                Problem::new(&file.display(), e.to_string())
                    .hint("fix the JSON; a credential must be published exactly as it was signed"),
            ),
            Ok(parsed) if parsed.status_list => {
                let (bytes, c) = match file.read(&config.limits) {
                    Ok(read) => read,
                    Err(e) => {
                        problems.push(Problem::new(&file.display(), e));
                        continue;
                    }
                };
                let Some(path) = c.id().and_then(|id| under_base(id, base)) else {
                    problems.push(Problem::new(
                        &file.display(),
                        "a status list's `id` must be a URL under `base_url`",
                    ));
                    continue;
                };
                match OutPath::new(&path) {
                    Ok(out) => {
                        docs.insert(format!("{base}{path}"), bytes.clone());
                        read.list_times.extend(verdicts::time_flags(c.valid_from(), c.valid_until(), now));
                        read.status_lists.push(StatusList {
                            file,
                            bytes: bytes.clone(),
                            path: out,
                            signed: None,
                        });
                        read.credentials.push(file);
                        read.lists.push((file, bytes, c));
                    }
                    Err(e) => problems.push(Problem::new(
                        &file.display(),
                        format!("status list `id` cannot be a path: {e}"),
                    )),
                }
            }
            Ok(_) => read.credentials.push(file),
        }
    }
    read
}

/// The awards whose verdicts, ids and pages allow them on the site; a status list's verdict
/// goes to its entry. Returns the awards and the page each file has.
fn admit<'a>(
    input: &'a SiteInput,
    credentials: &[&'a InputFile],
    checked: Vec<Result<Checked, Problem>>,
    status_lists: &mut [StatusList<'a>],
    problems: &mut Vec<Problem>,
) -> (Vec<Award<'a>>, HashMap<u128, &'a InputFile>) {
    let mut awards = Vec::new();
    // By fingerprint, not by copies of a million ids and paths.
    let mut pages: HashMap<u128, &InputFile> = HashMap::new();
    let mut ids: HashMap<u128, &InputFile> = HashMap::new();
    for (&file, checked) in credentials.iter().zip(checked) {
        let Checked { verdict, cache_key, nquads: cached_canonical, digest, facts } = match checked {
            Ok(c) => c,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if let Some(problem) = verdicts::judge(&verdict) {
            // A key dropped from rosette.toml: the hint says to keep it.
            let hint = match facts.unlisted_key {
                Some(fragment) => unlisted_key_hint(&fragment),
                None => problem.1,
            };
            problems.push(Problem::new(&file.display(), problem.0).hint(hint));
            continue;
        }
        if let Some(id) = &facts.stated.id
            && let Some(other) = ids.insert(fingerprint(id), file)
        {
            problems.push(Problem::new(
                &file.display(),
                format!("credential id `{id}` is also used by `{}`", other.display()),
            ));
            continue;
        }
        let stated = facts.stated;
        if !stated.achievement_credential {
            if let Some(list) = status_lists.iter_mut().find(|l| std::ptr::eq(l.file, file)) {
                list.signed = verdict.signed.clone();
            }
            continue;
        }
        let page = match stated.page.and_then(|p| OutPath::new(&p)) {
            Ok(p) => p,
            Err(e) => {
                problems.push(Problem::new(&file.display(), e));
                continue;
            }
        };
        if let Some(other) = pages.insert(fingerprint(page.as_str()), file) {
            problems.push(Problem::new(
                &file.display(),
                format!("its page `{}/` would overwrite the page of `{}`", page.as_str(), other.display()),
            ));
            continue;
        }
        awards.push(Award {
            file,
            digest,
            page,
            verdict,
            achievement: stated.achievement,
            valid_from: stated.valid_from,
            valid_until: stated.valid_until,
            withdrawn: facts.withdrawn,
            visibility: file.meta.visibility.unwrap_or(input.config.privacy.default_visibility),
            cache_key: cache_key.as_deref().and_then(Sha::from_hex),
            cached_canonical: cached_canonical.as_deref().and_then(Sha::from_hex),
            achievement_digest: stated.achievement_digest,
        });
    }
    (awards, pages)
}

/// The first 128 bits of the SHA-256 of `text`: equal for equal texts, and for different ones
/// with a chance no build will meet.
fn fingerprint(text: &str) -> u128 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    u128::from_be_bytes(digest[..16].try_into().unwrap_or_default())
}

/// Neutral pages for awards removed at their holders' request, unless another award now
/// has the address.
fn removed_pages(input: &SiteInput, pages: &HashMap<u128, &InputFile>) -> Vec<RemovedAward> {
    let base = input.config.base_url.as_str();
    let mut removed = Vec::new();
    for r in &input.removed {
        let Some(rel) = under_base(&r.id, base) else { continue };
        if let Ok(page) = OutPath::new(&rel)
            && !pages.contains_key(&fingerprint(page.as_str()))
        {
            let date =
                parse_date_time(&r.removed).map(crate::model::date::format_date_time).unwrap_or_default();
            removed.push(RemovedAward { page, date });
        }
    }
    removed
}
