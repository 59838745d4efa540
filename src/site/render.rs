//! Render: every output file as bytes, in memory. HTML goes through tera (autoescaped) and is
//! minified; credentials and status lists are copied byte for byte.

use super::library::Library;
use super::paths::OutPath;
use super::views;
use crate::config::{Config, Visibility};
use crate::error::CliError;
use crate::templates::{Theme, tera_chain};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole output tree: path → bytes, sorted.
pub type Output = BTreeMap<OutPath, Vec<u8>>;

#[derive(Serialize)]
struct AwardSummary {
    url: String,
    path: String,
    recipient: String,
    achievement: String,
    issued: Option<String>,
    updated: Option<String>,
}

pub fn render(
    library: &Library<'_>,
    config: &Config,
    theme: &Theme,
    assets: &[super::load::Asset],
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    let base = config.base_url.as_str();
    let lang = config.language.as_str();
    let site = views::site(config);
    let mut tera = theme.tera.clone();
    tera.register_filter("local", local_filter(base.to_string()));
    let t = theme.strings(lang);
    let mut out = Output::new();
    let mut put = |path: OutPath, bytes: Vec<u8>| -> Result<(), CliError> {
        if out.insert(path.clone(), bytes).is_some() {
            return Err(CliError::invalid(format!("two outputs would be written to `{}`", path.as_str())));
        }
        Ok(())
    };
    let page =
        |template: &str, at: &OutPath, extra: &[(&str, &dyn erased::Ser)]| -> Result<Vec<u8>, CliError> {
            let mut ctx = tera::Context::new();
            // Internal links are relative, so the site works from any host, path or folder.
            let depth = at.as_str().matches('/').count();
            ctx.insert("root", &if depth == 0 { "./".to_string() } else { "../".repeat(depth) });
            ctx.insert("site", &site);
            ctx.insert("t", &t);
            for (k, v) in extra {
                ctx.insert(*k, &erased::Wrap(*v));
            }
            let html = tera.render(template, &ctx).map_err(|e| {
                CliError::invalid(format!("template `{template}` failed")).caused_by(tera_chain(&e))
            })?;
            Ok(minify(html.as_bytes()))
        };

    // One page and one raw credential per award. Only public awards that still stand are
    // listed (index, achievement pages, sitemap, feed); unlisted pages also say `noindex`.
    let views: Vec<views::AwardView> =
        library.awards.iter().map(|a| views::award(a, library, config, now)).collect();
    // Baked images and preview cards are the expensive part: made in parallel.
    let images = image_bytes(library, config, assets);
    let earner: Vec<super::earner::EarnerFiles> = library
        .awards
        .par_iter()
        .zip(views.par_iter())
        .map(|(award, view)| {
            let image = view.achievement.image.as_ref().and_then(|i| images.get(&i.url)).map(Vec::as_slice);
            super::earner::make(award, config, &view.url, &view.achievement.name, &view.recipient, image)
        })
        .collect();
    let mut summaries = Vec::new();
    for ((award, view), earner) in library.awards.iter().zip(&views).zip(earner) {
        let public = award.visibility == Visibility::Public;
        let at = award.page.index();
        let extra: [(&str, &dyn erased::Ser); 3] =
            [("award", view), ("noindex", &!public), ("earner", &earner.view)];
        put(at.clone(), page("badge.html", &at, &extra)?)?;
        let embed =
            OutPath::new(&format!("{}/embed/index.html", award.page.as_str())).map_err(CliError::invalid)?;
        put(embed.clone(), page("embed.html", &embed, &extra)?)?;
        for (path, bytes) in earner.files {
            put(path, bytes)?;
        }
        put(award.json.clone(), award.file.bytes.clone())?;
        put_canonical(&mut put, &award.json, award.verdict.signed.as_ref())?;
        let summary = AwardSummary {
            url: view.url.clone(),
            path: view.path.clone(),
            recipient: view.recipient.clone(),
            achievement: view.achievement.name.clone(),
            issued: view.issued.clone(),
            updated: view.issued_iso.clone(),
        };
        if public && award.withdrawn.is_none() {
            summaries.push((award.achievement.clone(), summary));
        }
    }
    let listed: Vec<&AwardSummary> = summaries.iter().map(|(_, s)| s).collect();
    for removed in &library.removed {
        let at = removed.page.index();
        put(at.clone(), page("removed.html", &at, &[("removed_on", &removed.date)])?)?;
    }

    let mut achievement_views = Vec::new();
    for a in library.achievements.values() {
        let view = views::achievement(a, base, lang);
        let awards: Vec<&AwardSummary> =
            summaries.iter().filter(|(id, _)| *id == a.id).map(|(_, s)| s).collect();
        let at = a.page.index();
        put(at.clone(), page("achievement.html", &at, &[("achievement", &view), ("awards", &awards)])?)?;
        achievement_views.push(view);
    }
    let recent: Vec<&&AwardSummary> = listed.iter().take(50).collect();
    let at = OutPath::fixed("index.html");
    put(at.clone(), page("index.html", &at, &[("achievements", &achievement_views), ("awards", &recent)])?)?;
    let did_path = did_json_path(config);
    let did_url = format!("{base}{}", did_path.as_str());
    let at = OutPath::fixed("issuer/index.html");
    let issuer_page =
        page("issuer.html", &at, &[("achievements", &achievement_views), ("did_json_url", &did_url)])?;
    put(at, issuer_page)?;
    let at = OutPath::fixed("404.html");
    put(at.clone(), page("404.html", &at, &[])?)?;

    put(did_path, library.did_json.clone())?;
    for list in &library.status_lists {
        put(list.path.clone(), list.file.bytes.clone())?;
        put_canonical(&mut put, &list.path, list.signed.as_ref())?;
    }
    put(keys_json_path(config), keys_json(config)?)?;
    for (name, bytes) in &theme.statics {
        put(OutPath::new(&format!("assets/{name}")).map_err(CliError::invalid)?, bytes.clone())?;
    }
    put(
        OutPath::fixed("robots.txt"),
        format!("User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n").into_bytes(),
    )?;
    put(OutPath::fixed("sitemap.xml"), sitemap(base, &achievement_views, &listed).into_bytes())?;
    put(OutPath::fixed("feed.xml"), feed(config, library, &listed).into_bytes())?;
    put(OutPath::fixed("_headers"), headers(config).into_bytes())?;
    put(OutPath::fixed(".nojekyll"), Vec::new())?;
    Ok(out)
}

/// The bytes of every achievement image this site publishes, by URL.
fn image_bytes(
    library: &Library<'_>,
    config: &Config,
    assets: &[super::load::Asset],
) -> std::collections::HashMap<String, Vec<u8>> {
    let mut out = std::collections::HashMap::new();
    for a in library.achievements.values() {
        let Some(url) = a.value.get("image").and_then(|i| i.get("id").or(Some(i))).and_then(|v| v.as_str())
        else {
            continue;
        };
        let Some(rel) = url.strip_prefix(config.base_url.as_str()) else { continue };
        if let Some(asset) = assets.iter().find(|x| x.rel == rel)
            && let Ok(bytes) = std::fs::read(&asset.path)
        {
            out.insert(url.to_string(), bytes);
        }
    }
    out
}

/// For `eddsa-rdfc-2022`, publishes what was signed beside the credential: `x.nq` (the
/// canonical document) and `x.proof.nq` (the canonical proof configuration), so the badge page
/// checks the signature with WebCrypto alone and compares those quads with what it shows.
fn put_canonical(
    put: &mut dyn FnMut(OutPath, Vec<u8>) -> Result<(), CliError>,
    json: &OutPath,
    signed: Option<&crate::integrity::Verified>,
) -> Result<(), CliError> {
    let Some(signed) = signed.filter(|s| s.suite == crate::integrity::Cryptosuite::EddsaRdfc2022) else {
        return Ok(());
    };
    let stem = json.as_str().strip_suffix(".json").unwrap_or(json.as_str());
    let doc = OutPath::new(&format!("{stem}.nq")).map_err(CliError::invalid)?;
    let proof = OutPath::new(&format!("{stem}.proof.nq")).map_err(CliError::invalid)?;
    put(doc, signed.canonical_document.clone().into_bytes())?;
    put(proof, signed.canonical_proof_config.clone().into_bytes())
}

/// `keys.json` beside did.json: each key's status and dates, which did.json cannot carry
/// without making verifiers reject old badges. The badge page uses it to refuse a proof made
/// after its key was retired.
pub fn keys_json_path(config: &Config) -> OutPath {
    let did = did_json_path(config);
    OutPath::new(&did.as_str().replace("did.json", "keys.json"))
        .unwrap_or_else(|_| OutPath::fixed("keys.json"))
}

fn keys_json(config: &Config) -> Result<Vec<u8>, CliError> {
    let did = config.did();
    let keys =
        config.site_keys().map_err(|e| CliError::invalid("`rosette.toml` is not valid").caused_by(e))?;
    let list: Vec<serde_json::Value> = keys
        .iter()
        .map(|k| {
            serde_json::json!({
                "id": format!("{did}#{}", k.fragment),
                "status": match k.status { crate::config::KeyStatus::Active => "active", crate::config::KeyStatus::Retired => "retired" },
                "validFrom": k.valid_from.map(crate::model::date::format_date_time),
                "retired": k.retired.map(crate::model::date::format_date_time),
            })
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({ "controller": did, "keys": list }))
        .map_err(|e| CliError::io(e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
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

fn sitemap(base: &str, achievements: &[views::AchievementView], awards: &[&AwardSummary]) -> String {
    let mut urls = vec![base.to_string(), format!("{base}issuer/")];
    urls.extend(achievements.iter().map(|a| a.url.clone()));
    urls.extend(awards.iter().map(|a| a.url.clone()));
    let body: String = urls.iter().map(|u| format!("  <url><loc>{}</loc></url>\n", xml(u))).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{body}</urlset>\n"
    )
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
                xml(&format!("{} — {}", s.recipient, s.achievement)),
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

/// `_headers` for Netlify and Cloudflare Pages: did.json as `application/did+ld+json`, and
/// every credential readable from other origins (verifiers, wallets).
fn headers(config: &Config) -> String {
    let path = url_path(&config.base_url);
    let did = did_json_path(config);
    format!(
        "{path}{did}\n  Content-Type: application/did+ld+json\n  Access-Control-Allow-Origin: *\n{path}*.json\n  Access-Control-Allow-Origin: *\n",
        did = did.as_str()
    )
}

fn url_path(base: &str) -> String {
    let after = base.split_once("://").map_or(base, |(_, r)| r);
    match after.find('/') {
        Some(i) => after[i..].to_string(),
        None => "/".into(),
    }
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
