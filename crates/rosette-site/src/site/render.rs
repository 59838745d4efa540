//! Render: every output file, written to the staging directory as it is made. HTML goes
//! through tera (autoescaped) and is minified; credentials and status lists are copied byte
//! for byte. Per-award work (pages, earner files, canonical forms) is memoized in the
//! incremental cache when there is one.

use super::cache::{Cache, CachedVerdict, Key, Unit};
use super::earner::{BakeBases, EarnerView, PreparedImage};
use super::library::{Award, Library};
use super::paths::OutPath;
use super::stage::Staging;
use super::views;
use crate::config::{Config, Visibility};
use crate::error::SiteError;
use crate::templates::{Theme, tera_chain};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

/// An output tree held in memory: path → bytes, sorted (what `write::write_tree` takes).
pub type Output = BTreeMap<OutPath, Vec<u8>>;

#[derive(Serialize, serde::Deserialize)]
struct AwardSummary {
    url: String,
    path: String,
    recipient: String,
    achievement: String,
    issued: Option<String>,
    updated: Option<String>,
}

/// What rendering needs besides the library: the site's inputs and where files go.
pub struct Context<'a> {
    pub config: &'a Config,
    pub theme: &'a Theme,
    pub assets: &'a [super::load::Asset],
    pub now: DateTime<Utc>,
    pub staging: &'a Staging,
    pub cache: Option<&'a Cache>,
    /// Hashes of what cache keys depend on beyond each unit's own inputs: `rosette.toml` and
    /// the site's `themes/` files (the embedded theme is part of the binary's hash).
    pub config_hash: String,
    pub theme_hash: String,
    pub report: &'a dyn super::report::Report,
}

/// Renders every output file into the staging directory, as it goes.
pub fn render(library: &Library<'_>, cx: &Context<'_>) -> Result<(), SiteError> {
    let Context { config, theme, assets, now, staging, .. } = *cx;
    let base = config.base_url.as_str();
    let lang = config.language.as_str();
    let site = views::site(config);
    let mut tera = theme.tera.clone();
    tera.register_filter("local", local_filter(base.to_string()));
    tera.register_filter("breakable", breakable_filter);
    let t = theme.strings(lang);
    let context = |at: &OutPath, extra: &[(&str, &dyn erased::Ser)]| {
        let mut ctx = tera::Context::new();
        // Internal links are relative, so the site works from any host, path or folder.
        let depth = at.as_str().matches('/').count();
        ctx.insert("root", &if depth == 0 { "./".to_string() } else { "../".repeat(depth) });
        ctx.insert("site", &site);
        ctx.insert("t", &t);
        for (k, v) in extra {
            ctx.insert(*k, &erased::Wrap(*v));
        }
        ctx
    };
    let render_page = |template: &str, ctx: &tera::Context, per_award: bool| -> Result<Vec<u8>, SiteError> {
        let html = tera.render(template, ctx).map_err(|e| {
            SiteError::invalid(format!("template `{template}` failed")).caused_by(tera_chain(&e))
        })?;
        // Once per site, the full minifier; once per award, the cheap trim (see compact.rs).
        Ok(if per_award { super::compact::compact(&html).into_bytes() } else { minify(html.as_bytes()) })
    };
    let page = |template: &str, at: &OutPath, extra: &[(&str, &dyn erased::Ser)]| {
        render_page(template, &context(at, extra), false)
    };
    // A page of one award: the same template and context make the same bytes, so it is
    // cached under the hash of both.
    // What every page's context shares (the site and its interface strings), hashed once.
    let shared = {
        let mut key = Key::new("shared");
        key.add(&serde_json::to_vec(&site).unwrap_or_default());
        key.add(&serde_json::to_vec(&t).unwrap_or_default());
        key.finish()
    };
    // The hash of the page-specific part of a context (`extra`), shared by an award's pages.
    let extra_key = |extra: &[(&str, &dyn erased::Ser)]| {
        let mut key = Key::new("extra");
        for (name, value) in extra {
            key.add(name.as_bytes()).add(&serde_json::to_vec(&erased::Wrap(*value)).unwrap_or_default());
        }
        key.finish()
    };
    let cached_page = |template: &str, at: &OutPath, extra: &[(&str, &dyn erased::Ser)], extra_key: &str| {
        let Some(cache) = cx.cache else {
            staging.write(at, &render_page(template, &context(at, extra), true)?)?;
            return Ok(None);
        };
        // The context is `root` (from the path), the shared part, and `extra`.
        let mut key = Key::new("page");
        key.add(cx.theme_hash.as_bytes()).add(shared.as_bytes());
        key.add(template.as_bytes()).add(at.as_str().as_bytes()).add(extra_key.as_bytes());
        let key = key.finish();
        if let Some(unit) = cache.unit(&key)
            && let [(_, hash)] = unit.files.as_slice()
        {
            staging.link(cache, at, hash)?;
            let hash = hash.clone();
            cache.put_unit(key.clone(), unit.clone());
            cache.stats.units_reused.fetch_add(1, Ordering::Relaxed);
            return Ok(Some((key, hash)));
        }
        cache.stats.rendered.fetch_add(1, Ordering::Relaxed);
        let stored = staging.store(Some(cache), at, &render_page(template, &context(at, extra), true)?)?;
        if let Some(hash) = &stored {
            // Named by its path, so that an award's unit can list it through its key alone.
            let files = vec![(at.as_str().to_string(), hash.clone())];
            cache.put_unit(key.clone(), Unit { files, ..Unit::default() });
        }
        Ok(stored.map(|hash| (key, hash)))
    };

    // Achievement images are prepared once each (rasterized, card background drawn), not
    // once per award.
    let images: HashMap<String, PreparedImage> = image_bytes(library, config, assets)
        .into_iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(url, bytes)| (url, PreparedImage::new(Some(&bytes))))
        .collect();
    let no_image = PreparedImage::new(None);
    // Link-preview cards: one per achievement, and one per kind of withdrawal for the whole
    // site, never one per award unless the issuer asks (`[preview] per_award`).
    let cards = preview_cards(library, config, &images, staging)?;
    // Each achievement's bake bases, made once (issue #18): badge pages name them, the
    // achievements loop publishes them.
    let bases: HashMap<&str, BakeBases> = library
        .achievements
        .values()
        .filter_map(|a| {
            let url = super::earner::image_url(&a.value)?;
            Some((a.id.as_str(), BakeBases::new(&a.page, url, images.get(url)?)))
        })
        .collect();
    // What an award's files depend on besides the award itself, hashed once (see award_key).
    let awards_shared = {
        let mut key = Key::new("awards");
        key.add(cx.theme_hash.as_bytes()).add(shared.as_bytes()).add(cx.config_hash.as_bytes());
        let mut urls: Vec<&String> = images.keys().collect();
        urls.sort();
        for url in urls {
            key.add(url.as_bytes()).add(images[url].hash.as_bytes());
        }
        for list in &library.status_lists {
            let suite = list.signed.as_ref().map(|s| format!("{:?}", s.suite)).unwrap_or_default();
            key.add(list.path.as_str().as_bytes()).add(suite.as_bytes());
        }
        for a in library.achievements.values() {
            key.add(a.id.as_bytes()).add(a.page.as_str().as_bytes());
            // Which image its bake bases are made from (badge pages link them only for it).
            key.add(super::earner::image_url(&a.value).unwrap_or_default().as_bytes());
            key.add(a.retired.map(|d| d.to_rfc3339()).unwrap_or_default().as_bytes());
        }
        key.add(&serde_json::to_vec(&cards).unwrap_or_default());
        key.finish()
    };

    // One page and one raw credential per award, rendered in parallel and written as they
    // are made; only a small summary of each stays in memory. Only public awards that still
    // stand are listed (index, achievement pages, sitemap, feed); unlisted pages also say
    // `noindex`.
    let bar = cx.report.step("rendering", library.awards.len() as u64);
    let summaries: Vec<Option<(String, AwardSummary)>> = library
        .awards
        .par_iter()
        .map(|award| -> Result<Option<(String, AwardSummary)>, SiteError> {
            bar.advance();
            let public = award.visibility == Visibility::Public;
            let listed = public && award.withdrawn.is_none();
            // An award whose inputs are all as last time: its files are linked from the
            // cache, without reading its credential again.
            let unit_key = cx.cache.map(|_| award_key(award, &awards_shared, now));
            if let (Some(cache), Some(key)) = (cx.cache, &unit_key)
                && let Some(summary) = reuse_award(cache, key, award.page.as_str(), staging)?
            {
                keep_canonical(award, cx, false)?;
                return Ok(listed.then(|| (award.achievement.clone(), summary)));
            }
            // The credential is read again here, and dropped with this award's work.
            let source = award.source(&config.limits).map_err(|p| super::problems_error(vec![p]))?;
            let mut view = views::award(award, &source, library, config, now);
            view.rdfc = keep_canonical(award, cx, true)?;
            if let Some(bases) = bases.get(award.achievement.as_str()) {
                bases.show(&mut view.achievement);
            }
            let image = view.achievement.image.as_ref().and_then(|i| images.get(&i.url)).unwrap_or(&no_image);
            let shared_card = cards.for_award(award);
            let (earner, earner_unit) = earner_files(award, &source.bytes, &view, image, shared_card, cx)?;
            // The keys of the award's parts, and whether every part was cached (a unit of the
            // award only then).
            let mut complete = earner_unit.is_some();
            let mut parts: Vec<String> = earner_unit.into_iter().collect();
            let extra: [(&str, &dyn erased::Ser); 3] =
                [("award", &view), ("noindex", &!public), ("earner", &earner)];
            let extra_key = if cx.cache.is_some() { extra_key(&extra) } else { String::new() };
            match cached_page("badge.html", &award.page.index(), &extra, &extra_key)? {
                Some((key, _)) => parts.push(key),
                None => complete = false,
            }
            // The award's unit lists its own file (the credential, unless the page alone carries
            // it) and the keys of its parts, not their files again: at 100,000 awards that
            // repetition was about 90 MB.
            let files = if config.output.credential_files {
                let json = staging.store(cx.cache, &award.json, &source.bytes)?;
                json.filter(|_| complete).map(|h| vec![(award.json.as_str().to_string(), h)])
            } else {
                complete.then(Vec::new)
            };
            let summary = AwardSummary {
                url: view.url.clone(),
                path: view.path.clone(),
                recipient: view.recipient.clone(),
                achievement: view.achievement.name.clone(),
                issued: view.issued.clone(),
                updated: view.issued_iso.clone(),
            };
            if let (Some(cache), Some(key), Some(files)) = (cx.cache, unit_key, files) {
                let meta = serde_json::to_string(&summary).ok();
                cache.put_unit(key, Unit { files, meta, parts });
            }
            Ok(listed.then(|| (award.achievement.clone(), summary)))
        })
        .collect::<Result<_, _>>()?;
    drop(bar);
    let summaries: Vec<(String, AwardSummary)> = summaries.into_iter().flatten().collect();
    let listed: Vec<&AwardSummary> = summaries.iter().map(|(_, s)| s).collect();
    for removed in &library.removed {
        let at = removed.page.index();
        staging.write(&at, &page("removed.html", &at, &[("removed_on", &removed.date)])?)?;
    }

    let mut achievement_views = Vec::new();
    for a in library.achievements.values() {
        let mut view = views::achievement(a, base, lang);
        let awards: Vec<&AwardSummary> =
            summaries.iter().filter(|(id, _)| *id == a.id).map(|(_, s)| s).collect();
        // What lists count is what they list: public awards that stand, not unlisted,
        // revoked or suspended ones.
        view.award_count = Some(awards.len());
        if let Some(bases) = bases.get(a.id.as_str()) {
            for (path, bytes) in bases.files() {
                staging.write(path, bytes)?;
            }
            bases.show(&mut view);
        }
        let at = a.page.index();
        staging
            .write(&at, &page("achievement.html", &at, &[("achievement", &view), ("awards", &awards)])?)?;
        achievement_views.push(view);
    }
    let recent: Vec<&&AwardSummary> = listed.iter().take(50).collect();
    let at = OutPath::fixed("index.html");
    staging.write(
        &at,
        &page("index.html", &at, &[("achievements", &achievement_views), ("awards", &recent)])?,
    )?;
    let did_path = did_json_path(config);
    let did_url = format!("{base}{}", did_path.as_str());
    let at = OutPath::fixed("issuer/index.html");
    let issuer_page =
        page("issuer.html", &at, &[("achievements", &achievement_views), ("did_json_url", &did_url)])?;
    staging.write(&at, &issuer_page)?;
    let at = OutPath::fixed("404.html");
    staging.write(&at, &page("404.html", &at, &[])?)?;
    // "How to check a badge from <issuer>": what a verdict rests on, for the person checking.
    let at = OutPath::fixed("check/index.html");
    staging.write(&at, &page("check.html", &at, &[])?)?;
    // One embed page for every award: it shows, and checks, the award its fragment names.
    let at = OutPath::fixed("embed/index.html");
    staging.write(&at, &page("embed.html", &at, &[])?)?;

    staging.write(&did_path, &library.did_json)?;
    for list in &library.status_lists {
        staging.write(&list.path, &list.bytes)?;
        if let Some((doc, proof)) = canonical_paths(&list.path, list.signed.as_ref())? {
            let signed = list.signed.as_ref().map(|s| (&s.canonical_document, &s.canonical_proof_config));
            if let Some((d, p)) = signed {
                staging.write(&doc, d.as_bytes())?;
                staging.write(&proof, p.as_bytes())?;
            }
        }
    }
    staging.write(&keys_json_path(config), &library.keys_json)?;
    for (name, bytes) in &theme.statics {
        let at = OutPath::new(&format!("assets/{name}")).map_err(SiteError::invalid)?;
        match name.ends_with(".js").then(|| super::script::strip(bytes)).flatten() {
            Some(stripped) => staging.write(&at, &stripped)?,
            None => staging.write(&at, bytes)?,
        }
    }
    // The check's strings are one more asset, unless the theme ships its own.
    if !theme.statics.contains_key(VERIFY_STRINGS) {
        let at = OutPath::new(&format!("assets/{VERIFY_STRINGS}")).map_err(SiteError::invalid)?;
        staging.write(&at, &verify_strings(&t)?)?;
    }
    staging.write(
        &OutPath::fixed("robots.txt"),
        format!("User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n").as_bytes(),
    )?;
    for (at, xml) in sitemap(base, &sitemap_urls(base, &achievement_views, &listed), SITEMAP_MAX_URLS)? {
        staging.write(&at, xml.as_bytes())?;
    }
    staging.write(&OutPath::fixed("feed.xml"), feed(config, library, &listed).as_bytes())?;
    staging.write(&OutPath::fixed("_headers"), headers(config).as_bytes())?;
    staging.write(&OutPath::fixed(".nojekyll"), b"")?;
    Ok(())
}

/// The module of the browser check's interface strings, which `verify.js` imports: one file
/// for the whole site, rather than the same 12 KB inlined in every badge page.
const VERIFY_STRINGS: &str = "verify-strings.js";

/// The `verify_…` strings of the site's language as a JavaScript module.
fn verify_strings(t: &BTreeMap<String, String>) -> Result<Vec<u8>, SiteError> {
    let strings: BTreeMap<&str, &str> =
        t.iter().filter(|(k, _)| k.starts_with("verify_")).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let json = serde_json::to_string(&strings).map_err(|e| SiteError::invalid(e.to_string()))?;
    Ok(format!("// The badge check's interface strings in this site's language, written by `rosette build`.\nexport default {json};\n").into_bytes())
}

/// The earner's files of one award (written) and their view; cached under a hash of
/// everything `earner::make` reads, whose key is returned when all of them are cached.
fn earner_files(
    award: &Award<'_>,
    credential: &[u8],
    view: &views::AwardView,
    image: &PreparedImage,
    shared_card: Option<&str>,
    cx: &Context<'_>,
) -> Result<(EarnerView, Option<String>), SiteError> {
    let subject = super::earner::Subject {
        page_url: &view.url,
        achievement: &view.achievement.name,
        recipient: &view.recipient,
        image_url: view.achievement.image.as_ref().map(|i| i.url.as_str()),
        shared_card,
    };
    let make = || super::earner::make(award, cx.config, image, subject);
    let Some(cache) = cx.cache else {
        let made = make();
        for (path, bytes, _) in &made.files {
            cx.staging.write(path, bytes)?;
        }
        return Ok((made.view, None));
    };
    let mut key = Key::new("earner");
    key.add(cx.config_hash.as_bytes()).add(award.page.as_str().as_bytes()).add(credential);
    key.add(view.url.as_bytes()).add(view.achievement.name.as_bytes()).add(view.recipient.as_bytes());
    key.add(image.hash.as_bytes()).add(shared_card.unwrap_or_default().as_bytes());
    // A revocation changes the card (and no other input of it): the status list says so.
    key.add(format!("{:?}", award.withdrawn.as_ref().map(|w| w.why.as_str())).as_bytes());
    let key = key.finish();
    let dir = award.page.as_str();
    if let Some(unit) = cache.unit(&key) {
        for (name, hash) in &unit.files {
            let path = OutPath::new(&format!("{dir}/{name}")).map_err(SiteError::invalid)?;
            cx.staging.link(cache, &path, hash)?;
        }
        let names: Vec<&str> = unit.files.iter().map(|(name, _)| name.as_str()).collect();
        let earner = super::earner::view(award, cx.config, subject, &names);
        cache.put_unit(key.clone(), unit.clone());
        return Ok((earner, Some(key)));
    }
    let made = make();
    let mut unit = Unit::default();
    let mut complete = true;
    for (path, bytes, hash) in made.files {
        let hash = hash.unwrap_or_else(|| super::cache::hash(&bytes));
        match cx.staging.store_hashed(Some(cache), &path, &bytes, hash)? {
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
    key.add(shared.as_bytes()).add(award.digest.as_bytes());
    key.add(award.page.as_str().as_bytes()).add(award.json.as_str().as_bytes());
    key.add(award.achievement.as_bytes());
    key.add(&serde_json::to_vec(&award.verdict).unwrap_or_default());
    key.add(format!("{:?} {:?}", award.withdrawn, award.visibility).as_bytes());
    key.add(&[u8::from(award.valid_until.is_some_and(|u| u < now))]);
    key.finish()
}

/// Links an award's files from the cache when its unit is there; returns its summary.
/// Its files are its own (full paths) and its parts': pages name theirs by path, earner files
/// by name in the award's directory `dir`.
fn reuse_award(
    cache: &Cache,
    key: &str,
    dir: &str,
    staging: &Staging,
) -> Result<Option<AwardSummary>, SiteError> {
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
    if !staging.link_all(cache, &files)? {
        return Ok(None);
    }
    cache.carry(key);
    // Its page, as a fresh render would count it.
    cache.stats.units_reused.fetch_add(1, Ordering::Relaxed);
    Ok(Some(summary))
}
/// The site's shared link-preview cards, by absolute URL: each achievement's, and one per kind
/// of withdrawal when an award is withdrawn.
#[derive(Debug, Default, Serialize)]
struct Cards {
    achievements: BTreeMap<String, String>,
    revoked: Option<String>,
    suspended: Option<String>,
}

impl Cards {
    /// The shared card an award's page points `og:image` at.
    fn for_award(&self, award: &Award<'_>) -> Option<&str> {
        match super::earner::withdrawal(award) {
            Some(crate::card::Withdrawal::Revoked) => self.revoked.as_deref(),
            Some(crate::card::Withdrawal::Suspended) => self.suspended.as_deref(),
            None => self.achievements.get(&award.achievement).map(String::as_str),
        }
    }
}

/// Renders and writes the shared preview cards (1200×627 PNG, named by content hash so that
/// link-preview caches never keep an old one): an achievement's shows it, its issuer and its
/// image, without a recipient; a withdrawn award's says so and shows no badge as held.
fn preview_cards(
    library: &Library<'_>,
    config: &Config,
    images: &HashMap<String, PreparedImage>,
    staging: &Staging,
) -> Result<Cards, SiteError> {
    let base = config.base_url.as_str();
    let card = |text: String, withdrawn| crate::card::Card {
        recipient: String::new(),
        achievement: text,
        issuer: config.issuer.name.clone(),
        date: String::new(),
        image: None,
        accent: None,
        language: config.language.clone(),
        withdrawn,
    };
    let write = |dir: &str, stem: &str, png: Vec<u8>| -> Result<String, SiteError> {
        let hash = super::cache::hash(&png);
        let at = OutPath::new(&format!("{dir}/{stem}-{}.png", &hash[..12])).map_err(SiteError::invalid)?;
        staging.write(&at, &png)?;
        Ok(format!("{base}{}", at.as_str()))
    };
    let lang = config.language.as_str();
    let made: Vec<(String, Option<Vec<u8>>)> = library
        .achievements
        .values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|a| {
            let name = views::achievement(a, base, lang).name;
            let background = super::earner::image_url(&a.value)
                .and_then(|url| images.get(url))
                .and_then(|i| i.background.as_ref());
            let png = match background {
                Some(b) => crate::card::render_card_on(b, &card(name, None)).ok(),
                None => crate::card::render_card(&card(name, None)).ok(),
            };
            (a.id.clone(), png)
        })
        .collect();
    let mut cards = Cards::default();
    for (id, png) in made {
        if let (Some(png), Some(a)) = (png, library.achievements.get(&id)) {
            cards.achievements.insert(id, write(a.page.as_str(), "card", png)?);
        }
    }
    let text = |key: &str, english: &str| {
        crate::templates::default_string(lang, key).unwrap_or_else(|| english.to_string())
    };
    let withdrawn: Vec<_> = library.awards.iter().filter_map(super::earner::withdrawal).collect();
    if withdrawn.contains(&crate::card::Withdrawal::Revoked) {
        let text = text("card_withdrawn_revoked", "This badge was revoked");
        if let Ok(png) = crate::card::render_card(&card(text, Some(crate::card::Withdrawal::Revoked))) {
            cards.revoked = Some(write("cards", "revoked", png)?);
        }
    }
    if withdrawn.contains(&crate::card::Withdrawal::Suspended) {
        let text = text("card_withdrawn_suspended", "This badge is suspended");
        if let Ok(png) = crate::card::render_card(&card(text, Some(crate::card::Withdrawal::Suspended))) {
            cards.suspended = Some(write("cards", "suspended", png)?);
        }
    }
    Ok(cards)
}

/// The bytes of every achievement image this site publishes, by URL.
fn image_bytes(
    library: &Library<'_>,
    config: &Config,
    assets: &[super::load::Asset],
) -> std::collections::HashMap<String, Vec<u8>> {
    let mut out = std::collections::HashMap::new();
    for a in library.achievements.values() {
        let Some(url) = super::earner::image_url(&a.value) else { continue };
        let Some(rel) = url.strip_prefix(config.base_url.as_str()) else { continue };
        if let Some(asset) = assets.iter().find(|x| x.rel == rel)
            && let Ok(bytes) = std::fs::read(&asset.path)
        {
            out.insert(url.to_string(), bytes);
        }
    }
    out
}

/// For `eddsa-rdfc-2022`: what was signed, in the form the page carries
/// ([`super::canonical::blob`]), when `text` is asked for; and the verdict kept in the cache,
/// with that form as a cached object.
fn keep_canonical(award: &Award<'_>, cx: &Context<'_>, text: bool) -> Result<Option<String>, SiteError> {
    let signed =
        award.verdict.signed.as_ref().filter(|s| s.suite == crate::integrity::Cryptosuite::EddsaRdfc2022);
    let mut blob = signed.map(|s| super::canonical::blob(&s.canonical_document, &s.canonical_proof_config));
    let Some(cache) = cx.cache else { return Ok(blob) };
    let mut object = award.cached_canonical.clone();
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
    if let Some(key) = &award.cache_key {
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

/// The paths of a status list's two canonical forms beside its JSON, when its suite is
/// `eddsa-rdfc-2022`: a handful of files for the whole site, which every page's check reads.
fn canonical_paths(
    json: &OutPath,
    signed: Option<&crate::integrity::Verified>,
) -> Result<Option<(OutPath, OutPath)>, SiteError> {
    if signed.is_none_or(|s| s.suite != crate::integrity::Cryptosuite::EddsaRdfc2022) {
        return Ok(None);
    }
    let stem = json.as_str().strip_suffix(".json").unwrap_or(json.as_str());
    let doc = OutPath::new(&format!("{stem}.nq")).map_err(SiteError::invalid)?;
    let proof = OutPath::new(&format!("{stem}.proof.nq")).map_err(SiteError::invalid)?;
    Ok(Some((doc, proof)))
}

/// `keys.json` beside did.json: each key's status and dates, which did.json cannot carry
/// without making verifiers reject old badges. The badge page uses it to refuse a proof made
/// after its key was retired.
pub fn keys_json_path(config: &Config) -> OutPath {
    let did = did_json_path(config);
    OutPath::new(&did.as_str().replace("did.json", "keys.json"))
        .unwrap_or_else(|_| OutPath::fixed("keys.json"))
}

/// `{{ url | local(root=root) }}`: a URL under `base_url` becomes relative to the page, so
/// links and images work from any host and in a local preview; other URLs are unchanged.
fn local_filter(base: String) -> impl tera::Filter {
    move |value: &tera::Value, args: &std::collections::HashMap<String, tera::Value>| {
        let url = value.as_str().unwrap_or_default();
        let root = args.get("root").and_then(tera::Value::as_str).unwrap_or("");
        Ok(tera::Value::String(match url.strip_prefix(base.as_str()) {
            Some(rest) => format!("{root}{rest}"),
            None => url.to_string(),
        }))
    }
}

/// An identifier (URL, DID, key id) as escaped HTML with `<wbr>` break points after `/` and
/// `:` (not before a digit) and before `#`, so that a narrow screen wraps it between its parts, never inside a
/// domain name (`northfield.exampl|e`). Copying the text gives the identifier unchanged.
/// Used as `{{ id | breakable | safe }}`.
fn breakable_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value.as_str().unwrap_or_default();
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' {
            out.push_str("<wbr>");
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
        // Not inside a time of day (`09:30`).
        if c == '/' || (c == ':' && !chars.peek().is_some_and(char::is_ascii_digit)) {
            out.push_str("<wbr>");
        }
    }
    Ok(tera::Value::String(out))
}

/// Where did:web puts the DID document: `/.well-known/did.json` for a bare host,
/// `<path>/did.json` when `base_url` has a path.
pub fn did_json_path(config: &Config) -> OutPath {
    if config.did().matches(':').count() > 2 {
        OutPath::fixed("did.json")
    } else {
        OutPath::fixed(".well-known/did.json")
    }
}

fn minify(html: &[u8]) -> Vec<u8> {
    let cfg = minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        minify_js: false,
        ..minify_html::Cfg::default()
    };
    minify_html::minify(html, &cfg)
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The most URLs one sitemap may list, and the most sitemaps an index may list
/// (<https://www.sitemaps.org/protocol.html#index>).
const SITEMAP_MAX_URLS: usize = 50_000;

/// What the sitemap lists: the home page, the issuer's page, every achievement, and the public
/// awards that stand.
fn sitemap_urls(
    base: &str,
    achievements: &[views::AchievementView],
    awards: &[&AwardSummary],
) -> Vec<String> {
    let mut urls = vec![base.to_string(), format!("{base}issuer/")];
    urls.extend(achievements.iter().map(|a| a.url.clone()));
    urls.extend(awards.iter().map(|a| a.url.clone()));
    urls
}

/// The sitemap files: `sitemap.xml` alone when it can list every URL (at most `max_urls`);
/// past that, `sitemap.xml` is a sitemap index pointing to `sitemap-1.xml`, `sitemap-2.xml`, …
/// of `max_urls` URLs each, as the protocol requires. `robots.txt` names `sitemap.xml` either
/// way. The build passes [`SITEMAP_MAX_URLS`]; tests, a small limit.
fn sitemap(base: &str, urls: &[String], max_urls: usize) -> Result<Vec<(OutPath, String)>, SiteError> {
    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const NS: &str = "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"";
    let urlset = |urls: &[String]| {
        let body: String = urls.iter().map(|u| format!("  <url><loc>{}</loc></url>\n", xml(u))).collect();
        format!("{HEAD}<urlset {NS}>\n{body}</urlset>\n")
    };
    let max_urls = max_urls.max(1);
    if urls.len() <= max_urls {
        return Ok(vec![(OutPath::fixed("sitemap.xml"), urlset(urls))]);
    }
    let mut files = Vec::new();
    let mut index = format!("{HEAD}<sitemapindex {NS}>\n");
    for (i, chunk) in urls.chunks(max_urls).enumerate() {
        let name = format!("sitemap-{}.xml", i + 1);
        index.push_str(&format!("  <sitemap><loc>{}</loc></sitemap>\n", xml(&format!("{base}{name}"))));
        files.push((OutPath::new(&name).map_err(SiteError::invalid)?, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.insert(0, (OutPath::fixed("sitemap.xml"), index));
    Ok(files)
}

fn feed(config: &Config, library: &Library<'_>, awards: &[&AwardSummary]) -> String {
    let base = config.base_url.as_str();
    // The feed's date is the newest award's, never the clock, so builds are reproducible.
    let updated = library
        .awards
        .iter()
        .filter_map(|a| a.valid_from)
        .max()
        .map(crate::model::date::format_date_time)
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let entries: String = awards
        .iter()
        .map(|s| {
            let date = s.updated.clone().unwrap_or_else(|| updated.clone());
            format!(
                "  <entry>\n    <title>{}</title>\n    <link href=\"{}\"/>\n    <id>{}</id>\n    <updated>{date}</updated>\n  </entry>\n",
                // Names only where the issuer opted in to lists that name recipients.
                xml(&if config.privacy.list_recipients {
                    format!("{} — {}", s.recipient, s.achievement)
                } else {
                    s.achievement.clone()
                }),
                xml(&s.url),
                xml(&s.url)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{}</title>\n  <link href=\"{}\"/>\n  <link rel=\"self\" href=\"{}feed.xml\"/>\n  <id>{}</id>\n  <updated>{updated}</updated>\n  <author><name>{}</name></author>\n{entries}</feed>\n",
        xml(&config.title),
        xml(base),
        xml(base),
        xml(base),
        xml(&config.issuer.name)
    )
}

/// `_headers` for Netlify and Cloudflare Pages: did.json as `application/did+ld+json`, N-Quads
/// as `application/n-quads`, credentials and their N-Quads readable from other origins
/// (badge pages on copies of the site, verifiers, wallets), and status lists revalidated on
/// every read, so that a revocation shows at once. `docs/nginx.conf` says the same to nginx
/// (`tests/integration/hosts.rs` holds them to it).
///
/// Each header is set by one rule only for any path: Cloudflare Pages joins the values of a
/// header that two matching rules set (`*, *`, which browsers refuse as CORS), so did.json
/// takes its `Access-Control-Allow-Origin` from the `*.json` rule.
fn headers(config: &Config) -> String {
    let path = super::links::url_path(&config.base_url);
    let did = did_json_path(config);
    format!(
        "# Read by Netlify and Cloudflare Pages; written by `rosette build`.\n\
         {path}{did}\n  Content-Type: application/did+ld+json\n\
         {path}*.json\n  Access-Control-Allow-Origin: *\n\
         {path}*.nq\n  Content-Type: application/n-quads; charset=utf-8\n  Access-Control-Allow-Origin: *\n\
         {path}status/*\n  Cache-Control: no-cache\n",
        did = did.as_str()
    )
}

/// Lets templates receive views of different types through one slice.
mod erased {
    pub trait Ser {
        fn ser(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn ser(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
    pub struct Wrap<'a>(pub &'a dyn Ser);
    impl serde::Serialize for Wrap<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.ser().serialize(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_break_between_their_parts_and_stay_escaped() {
        let wbr = |s: &str| {
            breakable_filter(&tera::Value::String(s.into()), &Default::default())
                .expect("filter")
                .as_str()
                .expect("string")
                .to_string()
        };
        assert_eq!(
            wbr("did:web:badges.northfield.example#key-1"),
            "did:<wbr>web:<wbr>badges.northfield.example<wbr>#key-1"
        );
        assert_eq!(wbr("https://x.org/a"), "https:<wbr>/<wbr>/<wbr>x.org/<wbr>a");
        assert_eq!(wbr("valid from 2026-09-14T09:30:00Z"), "valid from 2026-09-14T09:30:00Z");
        assert_eq!(wbr("<b>\"&'"), "&lt;b&gt;&quot;&amp;&#39;");
    }

    /// `(name, contents)` of each sitemap file.
    fn sitemaps(urls: &[String], max: usize) -> Vec<(String, String)> {
        sitemap("https://b.example/", urls, max)
            .expect("sitemap")
            .into_iter()
            .map(|(at, xml)| (at.as_str().to_string(), xml))
            .collect()
    }

    fn locs(xml: &str) -> Vec<&str> {
        xml.split("<loc>").skip(1).filter_map(|s| s.split_once("</loc>").map(|(l, _)| l)).collect()
    }

    #[test]
    fn a_sitemap_within_the_limit_is_one_urlset() {
        let urls: Vec<String> = (0..5).map(|i| format!("https://b.example/awards/{i}/")).collect();
        for max in [5, 50_000] {
            let files = sitemaps(&urls, max);
            assert_eq!(files.len(), 1);
            let (name, xml) = &files[0];
            assert_eq!(name, "sitemap.xml");
            assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"), "{xml}");
            assert_eq!(locs(xml), urls);
        }
    }

    #[test]
    fn past_the_limit_sitemap_xml_is_an_index_of_full_sitemaps() {
        let urls: Vec<String> = (0..7).map(|i| format!("https://b.example/awards/{i}/?a&b")).collect();
        let files = sitemaps(&urls, 3);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]);
        let index = &files[0].1;
        assert!(index.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
        assert!(!index.contains("<urlset"));
        assert_eq!(
            locs(index),
            [
                "https://b.example/sitemap-1.xml",
                "https://b.example/sitemap-2.xml",
                "https://b.example/sitemap-3.xml"
            ]
        );
        // Every URL once, in order, at most 3 a file, escaped.
        let listed: Vec<String> = files[1..]
            .iter()
            .flat_map(|(_, xml)| {
                assert!(xml.contains("<urlset") && locs(xml).len() <= 3, "{xml}");
                locs(xml).into_iter().map(|l| l.replace("&amp;", "&")).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(listed, urls);
        assert!(files[1].1.contains("?a&amp;b"));
    }

    #[test]
    fn the_build_splits_sitemaps_at_the_protocol_limit() {
        assert_eq!(SITEMAP_MAX_URLS, 50_000);
        let urls: Vec<String> = (0..=SITEMAP_MAX_URLS).map(|i| format!("https://b.example/{i}/")).collect();
        let files = sitemaps(&urls, SITEMAP_MAX_URLS);
        assert_eq!(files.len(), 3);
        assert_eq!(locs(&files[1].1).len(), SITEMAP_MAX_URLS);
        assert_eq!(locs(&files[2].1), ["https://b.example/50000/"]);
    }

    fn config(base_url: &str) -> Config {
        Config::parse(&format!(
            "base_url = \"{base_url}\"\ntitle = \"T\"\n[issuer]\nname = \"I\"\n[[keys]]\nid = \"key-1\"\n\
             public_key = \"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\"\n"
        ))
        .expect("config")
    }

    #[test]
    fn headers_follow_the_did_documents_place() {
        let domain = headers(&config("https://badges.example.edu/"));
        assert!(
            domain.contains("\n/.well-known/did.json\n  Content-Type: application/did+ld+json\n"),
            "{domain}"
        );
        assert!(domain.contains("\n/status/*\n  Cache-Control: no-cache\n"), "{domain}");
        // One rule per header for any path: did.json's CORS header is the `*.json` rule's.
        assert_eq!(domain.matches("Access-Control-Allow-Origin").count(), 2, "{domain}");
        // A GitHub Pages project site: did:web:user.github.io:repo, its document at repo/did.json.
        let project = headers(&config("https://user.github.io/repo/"));
        assert!(project.contains("\n/repo/did.json\n  Content-Type: application/did+ld+json\n"), "{project}");
        assert!(project.contains("\n/repo/*.json\n  Access-Control-Allow-Origin: *\n"), "{project}");
        assert!(project.contains("\n/repo/status/*\n"), "{project}");
        assert!(!project.contains(".well-known"), "{project}");
    }
}
