//! Verdicts: every credential verified against the documents this site publishes (its
//! did.json, key history and status lists), reused from the memo when nothing it depends on
//! changed, and judged: which failures stop the build, with what hint.

use super::super::Problem;
use super::super::cache::Stamp;
use super::super::cache::{Alike, Cache, Key, Sha};
use super::super::load::{InputFile, Known, Parsed, SiteInput, Stated};
use super::super::report::Report;
use super::{Read, Withdrawn};
use crate::config::SiteKey;
use crate::did::DocumentSource;
use crate::jsonld::JsonLdProcessor;
use crate::model::Credential;
use crate::model::credential::CredentialKind;
use crate::status::Withdrawal;
use crate::verify::{CheckName, Outcome, State, Verdict, Verifier};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Documents the build serves to its own verifier: this site's did.json and status lists.
pub struct BuildSource {
    pub(super) base_url: String,
    pub(super) docs: HashMap<String, Vec<u8>>,
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

/// Verifies every credential (status lists afresh, awards through the memo), each read,
/// verified and reduced to its [`Facts`] in one step, so that only one parsed credential per
/// thread is alive at a time.
pub(super) fn verify_all(
    input: &SiteInput,
    keys: &[SiteKey],
    now: DateTime<Utc>,
    cache: &Cache,
    report: &dyn Report,
    docs: HashMap<String, Vec<u8>>,
    read: &Read<'_>,
) -> Vec<Result<Checked, Problem>> {
    let config = &input.config;
    let (base, did) = (config.base_url.as_str(), config.did());
    // Everything a verdict depends on besides the credential itself (the binary is checked
    // by the cache): the documents the verifier may read, and the time against their periods.
    let mut shared = Key::new("verdict");
    let mut urls: Vec<&String> = docs.keys().collect();
    urls.sort();
    for url in urls {
        shared.add(url.as_bytes()).add(&docs[url]);
    }
    shared.add(&read.list_times);
    let shared = shared.finish();
    let source = BuildSource { base_url: base.to_string(), docs };
    let jsonld = JsonLdProcessor::new();
    let verifier = Verifier { jsonld: &jsonld, source: &source, now, require_open_badge: true };
    let bar = report.step("verifying", read.credentials.len() as u64);
    let alike = Alike::default();
    read.credentials
        .par_iter()
        .map(|file| {
            bar.advance();
            let held = read.lists.iter().find(|(f, ..)| std::ptr::eq(*f, *file));
            if held.is_none()
                && let Some(known) = &file.known
                && let Some(checked) = reuse(cache, &shared, file, known, now, input, &alike)
            {
                return Ok(checked);
            }
            // Its stamp before it is read: what the memo of `badges/` records with what reading found.
            let stamp = if held.is_none() { Stamp::of(&file.path()) } else { None };
            let owned;
            let (bytes, c) = match held {
                Some((_, bytes, c)) => (bytes, c),
                None => {
                    owned = file.read(&config.limits).map_err(|e| Problem::new(&file.display(), e))?;
                    (&owned.0, &owned.1)
                }
            };
            let sha = Sha::of(bytes);
            let digest = sha.hex();
            let stated = stated(c, file, base, input);
            // Status lists are verified afresh: every other verdict depends on them.
            let (verdict, cache_key, nquads) = if cache.keeps() && held.is_none() {
                verify_cached(&verifier, cache, &shared, c, &digest, &stated, now)
            } else {
                (Arc::new(verifier.verify(c)), None, None)
            };
            let verdict = alike.one(verdict);
            if let Some(stamp) = stamp.filter(|_| cache.keeps()) {
                let known = Known { digest, parsed: Parsed::of(c), stated };
                cache.files.put(&file.rel, stamp, &known);
                let facts = Facts::of(c, known.stated, &verdict, keys, &did, input);
                return Ok(Checked { verdict, cache_key, nquads, digest: sha, facts });
            }
            let facts = Facts::of(c, stated, &verdict, keys, &did, input);
            Ok(Checked { verdict, cache_key, nquads, digest: sha, facts })
        })
        .collect()
}

/// The verdict of a credential that the memo of `badges/` knows unchanged, from the cache,
/// without reading the file; `None` when it must be read and verified (no cached verdict, or
/// one that fails, whose report reads the credential).
fn reuse(
    cache: &Cache,
    shared: &str,
    file: &InputFile,
    known: &Known,
    now: DateTime<Utc>,
    input: &SiteInput,
    alike: &Alike,
) -> Option<Checked> {
    let stated = &known.stated;
    let digest = Sha::from_hex(&known.digest)?;
    let key = verdict_key(shared, &known.digest, time_flags(stated.valid_from, stated.valid_until, now));
    let hit = cache.verdict(&key).filter(|hit| judge(&hit.verdict).is_none())?;
    cache.stats.verdicts_reused.fetch_add(1, Ordering::Relaxed);
    cache.stats.files_known.fetch_add(1, Ordering::Relaxed);
    if let Some(stamp) = file.stamp {
        cache.files.put(&file.rel, stamp, known);
    }
    let verdict = alike.one(hit.verdict);
    let withdrawn = withdrawn(stated, &verdict, input);
    let facts = Facts { stated: stated.clone(), unlisted_key: None, withdrawn };
    Some(Checked { verdict, cache_key: Some(key), nquads: hit.canonical, digest, facts })
}

/// The key of this site that signed `credential` but that rosette.toml does not list.
pub fn unlisted_key(credential: &Credential, keys: &[SiteKey], did: &str) -> Option<String> {
    crate::integrity::proofs(&credential.value).into_iter().find_map(|proof| {
        let vm = proof.get("verificationMethod").and_then(Value::as_str)?;
        let fragment = vm.strip_prefix(did)?.strip_prefix('#')?;
        (!keys.iter().any(|k| k.fragment == fragment)).then(|| fragment.to_string())
    })
}

/// The hint for a badge signed by a key of this site that rosette.toml does not list.
pub fn unlisted_key_hint(fragment: &str) -> String {
    format!(
        "`{fragment}` is not in rosette.toml: keep it under [[keys]] with status = \"retired\", so \
         did.json keeps publishing it and the badges it signed keep verifying"
    )
}

/// A verdict, its key in the incremental cache, and the cached objects of its canonical forms.
type Verified = (Arc<Verdict>, Option<String>, Option<String>);

/// One credential after verification: its verdict and the facts the build keeps of it.
pub(super) struct Checked {
    pub(super) verdict: Arc<Verdict>,
    pub(super) cache_key: Option<String>,
    pub(super) nquads: Option<String>,
    /// SHA-256 of the bytes verified.
    pub(super) digest: Sha,
    pub(super) facts: Facts,
}

/// What the build needs of a credential once it is verified: what it states, and what its
/// verdict says of it.
pub(super) struct Facts {
    pub(super) stated: Stated,
    /// A key of this site that signed it but is not in rosette.toml (only looked for when the
    /// verdict fails).
    pub(super) unlisted_key: Option<String>,
    pub(super) withdrawn: Option<Withdrawn>,
}

impl Facts {
    fn of(
        credential: &Credential,
        stated: Stated,
        verdict: &Verdict,
        keys: &[SiteKey],
        did: &str,
        input: &SiteInput,
    ) -> Facts {
        Facts {
            withdrawn: withdrawn(&stated, verdict, input),
            unlisted_key: judge(verdict).and_then(|_| unlisted_key(credential, keys, did)),
            stated,
        }
    }
}

/// Revoked or suspended, with the registry's reason, when the verdict's status check says so.
fn withdrawn(stated: &Stated, verdict: &Verdict, input: &SiteInput) -> Option<Withdrawn> {
    verdict.get(CheckName::Status).and_then(status_flag).map(|why| {
        let reason = stated
            .id
            .as_deref()
            .and_then(|id| input.registry.entry(id, why.purpose()))
            .and_then(|e| e.reason.clone());
        Withdrawn { why, reason }
    })
}

/// What `credential` (read from `file`) states that the build needs.
fn stated(credential: &Credential, file: &InputFile, base: &str, input: &SiteInput) -> Stated {
    Stated {
        id: credential.id().map(str::to_string),
        achievement_credential: credential.conformance().map(|c| c.kind) == Ok(CredentialKind::Achievement),
        page: super::group::award_path(credential, file, base).map(|p| p.as_str().to_string()),
        achievement: credential.value["credentialSubject"]["achievement"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        valid_from: credential.valid_from(),
        valid_until: credential.valid_until(),
        // Only a site with achievement files can have stale awards: no JCS per award on the
        // build's hot path otherwise.
        achievement_digest: if input.achievements.is_empty() {
            0
        } else {
            super::group::achievement_digest(&credential.value["credentialSubject"]["achievement"])
        },
    }
}

/// A verdict's key in the cache: what every verdict depends on (`shared`), the credential's
/// bytes (by their digest) and where the build time falls against its validity period.
fn verdict_key(shared: &str, digest: &str, flags: [u8; 2]) -> String {
    let mut key = Key::new("credential");
    key.add(shared.as_bytes()).add(digest.as_bytes()).add(&flags);
    key.finish()
}

/// Verifies one award, or reuses its verdict from the incremental cache.
fn verify_cached(
    verifier: &Verifier<'_>,
    cache: &Cache,
    shared: &str,
    c: &Credential,
    digest: &str,
    stated: &Stated,
    now: DateTime<Utc>,
) -> Verified {
    let key = verdict_key(shared, digest, time_flags(stated.valid_from, stated.valid_until, now));
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
        let blob = super::super::canonical::blob(&signed.canonical_document, &signed.canonical_proof_config);
        Some(cache.store(blob.as_bytes()).ok()?.0)
    });
    let rdfc =
        verdict.signed.as_ref().is_some_and(|s| s.suite == crate::integrity::Cryptosuite::EddsaRdfc2022);
    if nquads.is_some() || !rdfc {
        verdict.signed = None;
    }
    (Arc::new(verdict), Some(key), nquads)
}

/// Where `now` falls against a validity period, as bytes for a cache key.
pub(super) fn time_flags(
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> [u8; 2] {
    let flag = |b: Option<bool>| match b {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    [flag(valid_from.map(|f| now < f)), flag(valid_until.map(|u| now > u))]
}

/// A failed or unknown verdict as (message, hint). Expired badges are published.
pub(super) fn judge(verdict: &Verdict) -> Option<(String, String)> {
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
