//! What lists the site for search engines and readers: `robots.txt`, the sitemap (split at
//! the protocol's limit) and the Atom feed of public awards that stand.

use super::super::library::Library;
use super::super::output::Output;
use super::super::paths::OutPath;
use super::{AwardSummary, Listed};
use crate::config::Config;
use crate::error::SiteError;

/// Writes `robots.txt`, the sitemap files and `feed.xml`.
pub(super) fn write(
    config: &Config,
    library: &Library<'_>,
    achievements: &[super::super::views::AchievementView],
    listed: &[(usize, Listed)],
    out: &dyn Output,
) -> Result<(), SiteError> {
    let base = config.base_url.as_str();
    out.write(
        &OutPath::fixed("robots.txt"),
        format!("User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n").as_bytes(),
    )?;
    let pages: Vec<&str> = listed.iter().map(|(i, _)| library.awards[*i].page.as_str()).collect();
    for (at, xml) in sitemap(base, &sitemap_urls(base, achievements, &pages), SITEMAP_MAX_URLS)? {
        out.write(&at, xml.as_bytes())?;
    }
    let summaries = newest(library, listed).map(|(i, l)| AwardSummary::of(&library.awards[*i], l, config));
    out.write(&OutPath::fixed("feed.xml"), feed(config, library, summaries).as_bytes())
}

/// How many awards the feed carries: the newest. A feed is read for what is new; one entry
/// per award made it the site's largest file (2.8 MB at 10,000 awards, past hosts' 25 MiB
/// per file at 100,000), which readers fetch again and again.
pub(super) const FEED_ENTRIES: usize = 100;

/// The [`FEED_ENTRIES`] newest of `listed`, newest first (by `validFrom`, then by page).
fn newest<'l>(
    library: &Library<'_>,
    listed: &'l [(usize, Listed)],
) -> impl Iterator<Item = &'l (usize, Listed)> {
    let mut by_date: Vec<&(usize, Listed)> = listed.iter().collect();
    let award = |i: usize| &library.awards[i];
    by_date.sort_by(|(a, _), (b, _)| {
        (award(*b).valid_from, award(*a).page.as_str()).cmp(&(award(*a).valid_from, award(*b).page.as_str()))
    });
    by_date.truncate(FEED_ENTRIES);
    by_date.into_iter()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The most URLs one sitemap may list, and the most sitemaps an index may list
/// (<https://www.sitemaps.org/protocol.html#index>).
pub(super) const SITEMAP_MAX_URLS: usize = 50_000;

/// What the sitemap lists: the home page, the issuer's page, every achievement, and the public
/// awards that stand.
pub(super) fn sitemap_urls(
    base: &str,
    achievements: &[super::super::views::AchievementView],
    award_pages: &[&str],
) -> Vec<String> {
    let mut urls = vec![base.to_string(), format!("{base}issuer/")];
    urls.extend(achievements.iter().map(|a| a.url.clone()));
    urls.extend(award_pages.iter().map(|page| format!("{base}{page}/")));
    urls
}

/// The sitemap files: `sitemap.xml` alone when it can list every URL (at most `max_urls`);
/// past that, `sitemap.xml` is a sitemap index pointing to `sitemap-1.xml`, `sitemap-2.xml`, …
/// of `max_urls` URLs each, as the protocol requires. `robots.txt` names `sitemap.xml` either
/// way. The build passes [`SITEMAP_MAX_URLS`]; tests, a small limit.
pub(super) fn sitemap(
    base: &str,
    urls: &[String],
    max_urls: usize,
) -> Result<Vec<(OutPath, String)>, SiteError> {
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

pub(super) fn feed<'a>(
    config: &Config,
    library: &Library<'_>,
    awards: impl Iterator<Item = AwardSummary<'a>>,
) -> String {
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
        .map(|s| {
            let date = s.updated.clone().unwrap_or_else(|| updated.clone());
            format!(
                "  <entry>\n    <title>{}</title>\n    <link href=\"{}\"/>\n    <id>{}</id>\n    <updated>{date}</updated>\n  </entry>\n",
                // Names only where the issuer opted in to lists that name recipients.
                xml(&if config.privacy.list_recipients {
                    format!("{} — {}", s.recipient, s.achievement)
                } else {
                    s.achievement.to_string()
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
