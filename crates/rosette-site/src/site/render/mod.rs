//! Render: every output file, written to an [`Output`] as it is made. HTML goes through tera
//! (autoescaped) and is minified; credentials and status lists are copied byte for byte.
//! Per-award work (pages, earner files, canonical forms) is memoized when the memo keeps.
//!
//! Each kind of output is its own module: [`awards`] (every award's page, earner kit and
//! credential), [`cards`] (link previews), [`lists`] (sitemap, feed, robots.txt),
//! [`site_files`] (did.json, keys.json, status lists, the theme's assets, host files); the
//! site's own pages (index, issuer, achievements, 404, check, embed) are made here.

mod awards;
mod cards;
mod lists;
mod pages;
mod site_files;

pub use site_files::{did_json_path, keys_json_path};

use super::cache::{Cache, Key};
use super::earner::{BakeBases, PreparedImage};
use super::library::Library;
use super::output::Output;
use super::paths::OutPath;
use super::views;
use crate::config::Config;
use crate::error::SiteError;
use crate::templates::Theme;
use chrono::{DateTime, Utc};
use pages::Pages;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// What lists and feeds need of one listed award besides what the library holds (its page
/// and date): its recipient's name and its achievement's name as the award states them. Kept
/// for every listed award until the lists are written, so it is small: the names, and the
/// achievement's shared (at a million awards, six strings each were 700 MB).
#[derive(Serialize, serde::Deserialize)]
struct Listed {
    recipient: Box<str>,
    achievement: std::sync::Arc<str>,
}

/// One listed award as lists, feeds and templates see it (made for one page at a time).
#[derive(Serialize)]
struct AwardSummary<'a> {
    url: String,
    path: String,
    recipient: &'a str,
    achievement: &'a str,
    issued: Option<String>,
    updated: Option<String>,
}

impl<'a> AwardSummary<'a> {
    fn of(award: &'a super::library::Award<'_>, listed: &'a Listed, config: &Config) -> Self {
        AwardSummary {
            url: format!("{}{}/", config.base_url, award.page.as_str()),
            path: format!("{}/", award.page.as_str()),
            recipient: &listed.recipient,
            achievement: &listed.achievement,
            issued: award.valid_from.map(|d| views::human_date(d, &config.language)),
            updated: award.valid_from.map(crate::model::date::format_date_time),
        }
    }
}

/// What rendering needs besides the library: the site's inputs, where files go, the memo.
pub struct Context<'a> {
    pub config: &'a Config,
    pub theme: &'a Theme,
    pub assets: &'a [super::load::Asset],
    pub now: DateTime<Utc>,
    pub out: &'a dyn Output,
    pub memo: &'a Cache,
    /// Hashes of what memo keys depend on beyond each unit's own inputs: `rosette.toml` and
    /// the site's `themes/` files (the embedded theme is part of the binary's hash).
    pub config_hash: String,
    pub theme_hash: String,
    pub report: &'a dyn super::report::Report,
}

/// Renders every output file into `cx.out`, as it goes.
pub fn render(library: &Library<'_>, cx: &Context<'_>) -> Result<(), SiteError> {
    let Context { config, theme, assets, out, .. } = *cx;
    let pages = Pages::new(theme, config, &cx.theme_hash);
    // Achievement images are prepared once each (rasterized, card background drawn), not
    // once per award.
    let images: HashMap<String, PreparedImage> = cards::image_bytes(library, config, assets)
        .into_iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(url, bytes)| (url, PreparedImage::new(Some(&bytes))))
        .collect();
    let cards = cards::preview_cards(library, config, &images, out)?;
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
    let key = awards_key(library, &pages, &images, &cards, cx);
    let shared = awards::Shared { pages: &pages, images: &images, cards: &cards, bases: &bases, key };
    let listed = awards::render_all(library, &shared, cx)?;
    let achievements = site_pages(library, &pages, &bases, &listed, cx)?;
    site_files::write(config, library, theme, &pages.t, out)?;
    lists::write(config, library, &achievements, &listed, out)
}

/// What an award's files depend on besides the award itself, hashed once (see
/// `awards::award_key`): the theme, the interface strings, `rosette.toml`, the achievement
/// images, the status lists' suites, each achievement's page, image and retirement, and the
/// shared cards.
fn awards_key(
    library: &Library<'_>,
    pages: &Pages<'_>,
    images: &HashMap<String, PreparedImage>,
    cards: &cards::Cards,
    cx: &Context<'_>,
) -> String {
    if !cx.memo.keeps() {
        return String::new();
    }
    let mut key = Key::new("awards");
    key.add(cx.theme_hash.as_bytes()).add(pages.shared.as_bytes()).add(cx.config_hash.as_bytes());
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
    key.add(&serde_json::to_vec(cards).unwrap_or_default());
    key.finish()
}

/// The site's own pages: removed awards' pages, each achievement's page (with its bake
/// bases), the index, the issuer's page, 404, "how to check" and the embed page. Returns the
/// achievements' views, which the sitemap lists.
fn site_pages(
    library: &Library<'_>,
    pages: &Pages<'_>,
    bases: &HashMap<&str, BakeBases>,
    listed: &[(usize, Listed)],
    cx: &Context<'_>,
) -> Result<Vec<views::AchievementView>, SiteError> {
    let (config, out) = (cx.config, cx.out);
    let (base, lang) = (config.base_url.as_str(), config.language.as_str());
    for removed in &library.removed {
        let at = removed.page.index();
        out.write(&at, &pages.page("removed.html", &at, &[("removed_on", &removed.date)])?)?;
    }
    let mut achievements = Vec::new();
    for a in library.achievements.values() {
        let mut view = views::achievement(a, base, lang);
        let of_this = || {
            listed
                .iter()
                .map(|(i, l)| (&library.awards[*i], l))
                .filter(|(award, _)| award.achievement == a.id)
        };
        // What lists count is what they list: public awards that stand, not unlisted,
        // revoked or suspended ones.
        view.award_count = Some(of_this().count());
        // Named only when the issuer lists recipients; otherwise the page gives the count, and
        // a third of a million summaries per achievement (at a million awards) were the
        // build's memory peak, made for a template that only counted them.
        let awards: Vec<AwardSummary<'_>> = if config.privacy.list_recipients {
            of_this().map(|(award, l)| AwardSummary::of(award, l, config)).collect()
        } else {
            Vec::new()
        };
        if let Some(bases) = bases.get(a.id.as_str()) {
            for (path, bytes) in bases.files() {
                out.write(path, bytes)?;
            }
            bases.show(&mut view);
        }
        let at = a.page.index();
        out.write(
            &at,
            &pages.page("achievement.html", &at, &[("achievement", &view), ("awards", &awards)])?,
        )?;
        achievements.push(view);
    }
    let recent: Vec<AwardSummary<'_>> =
        listed.iter().take(50).map(|(i, l)| AwardSummary::of(&library.awards[*i], l, config)).collect();
    let at = OutPath::fixed("index.html");
    out.write(&at, &pages.page("index.html", &at, &[("achievements", &achievements), ("awards", &recent)])?)?;
    let did_url = format!("{base}{}", did_json_path(config).as_str());
    let at = OutPath::fixed("issuer/index.html");
    let issuer =
        pages.page("issuer.html", &at, &[("achievements", &achievements), ("did_json_url", &did_url)])?;
    out.write(&at, &issuer)?;
    let at = OutPath::fixed("404.html");
    out.write(&at, &pages.page("404.html", &at, &[])?)?;
    // "How to check a badge from <issuer>": what a verdict rests on, for the person checking.
    let at = OutPath::fixed("check/index.html");
    out.write(&at, &pages.page("check.html", &at, &[])?)?;
    // One embed page for every award: it shows, and checks, the award its fragment names.
    let at = OutPath::fixed("embed/index.html");
    out.write(&at, &pages.page("embed.html", &at, &[])?)?;
    Ok(achievements)
}

#[cfg(test)]
mod tests {
    use super::lists::{SITEMAP_MAX_URLS, sitemap};
    use super::pages::breakable_filter;
    use super::site_files::headers;
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
