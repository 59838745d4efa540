//! The files of every award: its page, its earner kit (card, baked images, QR code) and its
//! credential, rendered in parallel and written as they are made, or linked from the memo when
//! every input of the award is as last time. Only a small summary of each stays in memory.

use super::super::cache::{Cache, CachedVerdict, Key, Unit};
use super::super::earner::{BakeBases, EarnerView, Inputs, PreparedImage};
use super::super::library::{Award, Library};
use super::super::output::Output;
use super::super::paths::OutPath;
use super::super::views;
use super::cards::Cards;
use super::pages::{Extra, Pages};
use super::{Context, Listed};
use crate::config::Visibility;
use crate::error::SiteError;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// What every award's files depend on besides the award itself, made once per build.
pub(super) struct Shared<'x> {
    pub(super) pages: &'x Pages<'x>,
    pub(super) images: &'x HashMap<String, PreparedImage>,
    pub(super) cards: &'x Cards,
    pub(super) bases: &'x HashMap<&'x str, BakeBases>,
    /// Their hash, part of every award's key (see [`award_key`]).
    pub(super) key: String,
}

/// Renders (or links) every award's files; returns what lists need of the listed ones
/// (public awards that still stand), by their index in the library.
pub(super) fn render_all(
    library: &Library<'_>,
    shared: &Shared<'_>,
    cx: &Context<'_>,
) -> Result<Vec<(usize, Listed)>, SiteError> {
    let no_image = PreparedImage::new(None);
    let bar = cx.report.step("rendering", library.awards.len() as u64);
    let names = Names::default();
    let summaries: Vec<Option<(usize, Listed)>> = library
        .awards
        .par_iter()
        .enumerate()
        .map(|(i, award)| {
            bar.advance();
            let listed = award.visibility == Visibility::Public && award.withdrawn.is_none();
            let mut summary = render_one(award, library, shared, &no_image, cx)?;
            summary.achievement = names.one(&summary.achievement);
            Ok(listed.then_some((i, summary)))
        })
        .collect::<Result<_, SiteError>>()?;
    Ok(summaries.into_iter().flatten().collect())
}

/// Achievement names, kept once however many awards state them.
#[derive(Default)]
struct Names(std::sync::Mutex<std::collections::HashSet<std::sync::Arc<str>>>);

impl Names {
    fn one(&self, name: &std::sync::Arc<str>) -> std::sync::Arc<str> {
        let Ok(mut seen) = self.0.lock() else { return name.clone() };
        if let Some(kept) = seen.get(name) {
            return kept.clone();
        }
        seen.insert(name.clone());
        name.clone()
    }
}

/// One award's files. Unlisted pages also say `noindex`.
fn render_one(
    award: &Award<'_>,
    library: &Library<'_>,
    shared: &Shared<'_>,
    no_image: &PreparedImage,
    cx: &Context<'_>,
) -> Result<Listed, SiteError> {
    let memo = cx.memo;
    // An award whose inputs are all as last time: its files are linked from the memo,
    // without reading its credential again.
    let unit_key = memo.keeps().then(|| award_key(award, &shared.key, cx.now));
    if let Some(key) = &unit_key
        && let Some(summary) = reuse_award(memo, key, award.page.as_str(), cx.out)?
    {
        keep_canonical(award, cx, false)?;
        return Ok(summary);
    }
    // The credential is read again here, and dropped with this award's work.
    let source = award.source(&cx.config.limits).map_err(|p| super::super::problems_error(vec![p]))?;
    let mut view = views::award(award, &source, library, cx.config, cx.now);
    view.rdfc = keep_canonical(award, cx, true)?;
    if let Some(bases) = shared.bases.get(award.achievement.as_str()) {
        bases.show(&mut view.achievement);
    }
    let image = view.achievement.image.as_ref().and_then(|i| shared.images.get(&i.url)).unwrap_or(no_image);
    let inputs = Inputs::of(award, &view, shared.cards.for_award(award));
    let (earner, earner_unit) = earner_files(&inputs, image, cx)?;
    // The keys of the award's parts, and whether every part was kept (a unit of the award
    // only then).
    let mut complete = earner_unit.is_some();
    let mut parts: Vec<String> = earner_unit.into_iter().collect();
    let public = award.visibility == Visibility::Public;
    let extra: [(&str, &dyn super::pages::erased::Ser); 3] =
        [("award", &view), ("noindex", &!public), ("earner", &earner)];
    let extra: &Extra<'_> = &extra;
    let extra_key = if memo.keeps() { Pages::extra_key(extra) } else { String::new() };
    match shared.pages.award_page("badge.html", &award.page.index(), extra, &extra_key, cx.out, memo)? {
        Some((key, _)) => parts.push(key),
        None => complete = false,
    }
    // The award's unit lists its own file (the credential, unless the page alone carries
    // it) and the keys of its parts, not their files again: at 100,000 awards that
    // repetition was about 90 MB.
    let files = if cx.config.output.credential_files {
        let path = award.json();
        let json = cx.out.store(memo, &path, &source.bytes)?;
        json.filter(|_| complete).map(|h| vec![(path.as_str().to_string(), h)])
    } else {
        complete.then(Vec::new)
    };
    let summary = Listed {
        recipient: view.recipient.as_str().into(),
        achievement: view.achievement.name.as_str().into(),
    };
    if let (Some(key), Some(files)) = (unit_key, files) {
        let meta = serde_json::to_string(&summary).ok();
        memo.put_unit(key, Unit { files, meta, parts });
    }
    Ok(summary)
}

/// The earner's files of one award (written) and their view; memoized under the hash of their
/// [`Inputs`], the configuration and the image, which is all `earner::make` reads. Returns
/// the key when every file is kept.
pub(super) fn earner_files(
    inputs: &Inputs<'_>,
    image: &PreparedImage,
    cx: &Context<'_>,
) -> Result<(EarnerView, Option<String>), SiteError> {
    let make = || super::super::earner::make(inputs, cx.config, image);
    let cache = cx.memo;
    if !cache.keeps() {
        let made = make();
        for (path, bytes, _) in &made.files {
            cx.out.write(path, bytes)?;
        }
        return Ok((made.view, None));
    }
    let mut key = Key::new("earner");
    key.add(cx.config_hash.as_bytes()).add(image.hash.as_bytes());
    key.add(&serde_json::to_vec(inputs).unwrap_or_default());
    let key = key.finish();
    let dir = inputs.dir;
    if let Some(unit) = cache.unit(&key) {
        for (name, hash) in &unit.files {
            let path = OutPath::new(&format!("{dir}/{name}")).map_err(SiteError::invalid)?;
            cx.out.link(cache, &path, hash)?;
        }
        let names: Vec<&str> = unit.files.iter().map(|(name, _)| name.as_str()).collect();
        let earner = super::super::earner::view(inputs, cx.config, &names);
        cache.put_unit(key.clone(), unit.clone());
        return Ok((earner, Some(key)));
    }
    let made = make();
    let mut unit = Unit::default();
    let mut complete = true;
    for (path, bytes, hash) in made.files {
        let hash = hash.unwrap_or_else(|| super::super::cache::hash(&bytes));
        match cx.out.store_hashed(cache, &path, &bytes, hash)? {
            Some(hash) => {
                let name = path.as_str().strip_prefix(dir).unwrap_or(path.as_str()).trim_start_matches('/');
                unit.files.push((name.to_string(), hash));
            }
            None => complete = false,
        }
    }
    if !complete {
        return Ok((made.view, None));
    }
    cache.put_unit(key.clone(), unit);
    Ok((made.view, Some(key)))
}

/// The cache key of all of one award's files (pages, earner files, the credential) and its
/// listing summary: the credential's bytes and verdict, what the library says of it, and
/// `shared` (the theme, interface strings, `rosette.toml`, achievement images, pages and
/// retirement dates, status lists). Everything `views::award` and `earner::make` read.
fn award_key(award: &Award<'_>, shared: &str, now: DateTime<Utc>) -> String {
    let mut key = Key::new("award");
    key.add(shared.as_bytes()).add(award.digest.bytes());
    key.add(award.page.as_str().as_bytes()).add(award.json().as_str().as_bytes());
    key.add(award.achievement.as_bytes());
    // The verdict by its own cache key when it has one (a function of everything the verdict
    // depends on): serializing a million verdicts was a tenth of an incremental build.
    match award.cache_key {
        Some(verdict) => key.add(verdict.bytes()),
        None => key.add(&serde_json::to_vec(&award.verdict).unwrap_or_default()),
    };
    key.add(format!("{:?} {:?}", award.withdrawn, award.visibility).as_bytes());
    key.add(&[u8::from(award.valid_until.is_some_and(|u| u < now))]);
    key.finish()
}

/// Links an award's files from the cache when its unit is there; returns its summary.
/// Its files are its own (full paths) and its parts': pages name theirs by path, earner files
/// by name in the award's directory `dir`.
fn reuse_award(cache: &Cache, key: &str, dir: &str, out: &dyn Output) -> Result<Option<Listed>, SiteError> {
    let Some(unit) = cache.unit_unchecked(key) else { return Ok(None) };
    let Some(summary) = unit.meta.as_deref().and_then(|m| serde_json::from_str(m).ok()) else {
        return Ok(None);
    };
    let mut named: Vec<(String, &str)> = unit.files.iter().map(|(p, h)| (p.clone(), h.as_str())).collect();
    for part in &unit.parts {
        let Some(part) = cache.unit_unchecked(part) else { return Ok(None) };
        for (name, hash) in &part.files {
            let path = if name.contains('/') { name.clone() } else { format!("{dir}/{name}") };
            named.push((path, hash.as_str()));
        }
    }
    let files = named
        .into_iter()
        .map(|(path, hash)| Ok((OutPath::new(&path).map_err(SiteError::invalid)?, hash)))
        .collect::<Result<Vec<_>, SiteError>>()?;
    // Objects the kept tree does not hold are needed; without them, render afresh.
    if !out.link_all(cache, &files)? {
        return Ok(None);
    }
    cache.carry(key);
    // Its page, as a fresh render would count it.
    cache.stats.units_reused.fetch_add(1, Ordering::Relaxed);
    Ok(Some(summary))
}
/// For `eddsa-rdfc-2022`: what was signed, in the form the page carries
/// ([`super::super::canonical::blob`]), when `text` is asked for; and the verdict kept in the cache,
/// with that form as a cached object.
fn keep_canonical(award: &Award<'_>, cx: &Context<'_>, text: bool) -> Result<Option<String>, SiteError> {
    let signed =
        award.verdict.signed.as_ref().filter(|s| s.suite == crate::integrity::Cryptosuite::EddsaRdfc2022);
    let mut blob =
        signed.map(|s| super::super::canonical::blob(&s.canonical_document, &s.canonical_proof_config));
    let cache = cx.memo;
    if !cache.keeps() {
        return Ok(blob);
    }
    let mut object = award.cached_canonical.map(|sha| sha.hex());
    if object.is_none()
        && let Some(b) = &blob
    {
        object = cache.store(b.as_bytes()).ok().map(|(hash, _)| hash);
    }
    if text
        && blob.is_none()
        && let Some(hash) = &object
    {
        let path = cache.object(hash);
        blob = Some(std::fs::read_to_string(&path).map_err(|e| SiteError::io_at(&path, "read", &e))?);
    }
    if let Some(key) = award.cache_key.map(|sha| sha.hex()) {
        let rdfc = object.is_some();
        if rdfc || signed.is_none() {
            // What was signed is not cached in the verdict (its object is): drop it from the copy.
            let verdict = match award.verdict.signed {
                Some(_) => {
                    std::sync::Arc::new(crate::verify::Verdict { signed: None, ..(*award.verdict).clone() })
                }
                None => award.verdict.clone(),
            };
            cache.put_verdict(key.clone(), CachedVerdict { verdict, canonical: object });
        }
    }
    Ok(blob)
}
