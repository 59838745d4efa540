//! Render: every output file as bytes, in memory. HTML goes through tera (autoescaped) and is
//! minified; credentials and status lists are copied byte for byte.

use super::library::Library;
use super::paths::OutPath;
use super::views;
use crate::config::{Config, Visibility};
use crate::error::CliError;
use crate::templates::{Theme, tera_chain};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The whole output tree: path → bytes, sorted.
pub type Output = BTreeMap<OutPath, Vec<u8>>;

#[derive(Serialize)]
struct AwardSummary {
    url: String,
    recipient: String,
    achievement: String,
    issued: Option<String>,
}

pub fn render(
    library: &Library<'_>,
    config: &Config,
    theme: &Theme,
    now: DateTime<Utc>,
) -> Result<Output, CliError> {
    let base = config.base_url.as_str();
    let lang = config.language.as_str();
    let site = views::site(config);
    let t = theme.strings(lang);
    let mut out = Output::new();
    let mut put = |path: OutPath, bytes: Vec<u8>| -> Result<(), CliError> {
        if out.insert(path.clone(), bytes).is_some() {
            return Err(CliError::invalid(format!(
                "two outputs would be written to `{}`",
                path.as_str()
            )));
        }
        Ok(())
    };
    let page = |template: &str, extra: &[(&str, &dyn erased::Ser)]| -> Result<Vec<u8>, CliError> {
        let mut ctx = tera::Context::new();
        ctx.insert("site", &site);
        ctx.insert("t", &t);
        for (k, v) in extra {
            ctx.insert(*k, &erased::Wrap(*v));
        }
        let html = theme.tera.render(template, &ctx).map_err(|e| {
            CliError::invalid(format!("template `{template}` failed")).caused_by(tera_chain(&e))
        })?;
        Ok(minify(html.as_bytes()))
    };

    // One page and one raw credential per award; public ones are listed.
    let public = config.privacy.default_visibility == Visibility::Public;
    let mut summaries = Vec::new();
    for award in &library.awards {
        let view = views::award(award, library, config, now);
        put(
            award.page.index(),
            page("badge.html", &[("award", &view), ("noindex", &!public)])?,
        )?;
        put(award.json.clone(), award.file.bytes.clone())?;
        summaries.push((
            award.achievement.clone(),
            AwardSummary {
                url: view.url.clone(),
                recipient: view.recipient.clone(),
                achievement: view.achievement.name.clone(),
                issued: view.issued.clone(),
            },
        ));
    }
    let listed: Vec<&AwardSummary> = if public {
        summaries.iter().map(|(_, s)| s).collect()
    } else {
        Vec::new()
    };

    let mut achievement_views = Vec::new();
    for a in library.achievements.values() {
        let view = views::achievement(a, base, lang);
        let awards: Vec<&AwardSummary> = summaries
            .iter()
            .filter(|(id, _)| *id == a.id && public)
            .map(|(_, s)| s)
            .collect();
        put(
            a.page.index(),
            page(
                "achievement.html",
                &[("achievement", &view), ("awards", &awards)],
            )?,
        )?;
        achievement_views.push(view);
    }
    let recent: Vec<&&AwardSummary> = listed.iter().take(50).collect();
    put(
        OutPath::fixed("index.html"),
        page(
            "index.html",
            &[("achievements", &achievement_views), ("awards", &recent)],
        )?,
    )?;
    let did_path = did_json_path(config);
    let did_url = format!("{base}{}", did_path.as_str());
    put(
        OutPath::fixed("issuer/index.html"),
        page(
            "issuer.html",
            &[
                ("achievements", &achievement_views),
                ("did_json_url", &did_url),
            ],
        )?,
    )?;
    put(OutPath::fixed("404.html"), page("404.html", &[])?)?;

    put(did_path, library.did_json.clone())?;
    for list in &library.status_lists {
        put(list.path.clone(), list.file.bytes.clone())?;
    }
    for (name, bytes) in &theme.statics {
        put(
            OutPath::new(&format!("assets/{name}")).map_err(CliError::invalid)?,
            bytes.clone(),
        )?;
    }
    put(
        OutPath::fixed("robots.txt"),
        format!("User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n").into_bytes(),
    )?;
    put(
        OutPath::fixed("sitemap.xml"),
        sitemap(base, &achievement_views, &listed).into_bytes(),
    )?;
    put(
        OutPath::fixed("feed.xml"),
        feed(config, library, &listed).into_bytes(),
    )?;
    put(OutPath::fixed("_headers"), headers(config).into_bytes())?;
    put(OutPath::fixed(".nojekyll"), Vec::new())?;
    Ok(out)
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
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn sitemap(
    base: &str,
    achievements: &[views::AchievementView],
    awards: &[&AwardSummary],
) -> String {
    let mut urls = vec![base.to_string(), format!("{base}issuer/")];
    urls.extend(achievements.iter().map(|a| a.url.clone()));
    urls.extend(awards.iter().map(|a| a.url.clone()));
    let body: String = urls
        .iter()
        .map(|u| format!("  <url><loc>{}</loc></url>\n", xml(u)))
        .collect();
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
        .zip(library.awards.iter())
        .map(|(s, a)| {
            let date = a.valid_from.map(crate::model::date::format_date_time).unwrap_or_else(|| updated.clone());
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
