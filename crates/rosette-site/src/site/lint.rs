//! `rosette check`: everything a build verifies, then lints, with nothing written.
//!
//! The build's phases run as they do for `build` (load, verify, render in memory); where one
//! fails the later lints that need it are skipped, but every problem found so far is kept, so
//! a pull request sees all it has to fix at once.

use super::cache::Cache;
use super::load::SiteInput;
use super::output::Memory;
use super::report::Silent;
use super::{Problem, Site};
use crate::config::{KeyStatus, SiteKey};
use crate::error::SiteError;
use crate::templates::Theme;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// How much a finding matters: errors fail `check` (exit 1), warnings are advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One thing `check` found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub severity: Severity,
    pub problem: Problem,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", self.problem)
    }
}

/// What `check` found: errors first, then warnings, each sorted by file and message.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Awards read from `badges/`: every credential that is not a status list, including
    /// files that do not parse (they are reported as errors, and were meant as awards).
    pub awards: usize,
    /// Bitstring status list credentials read from `badges/`. Counted apart from the awards,
    /// so that a site of one award does not read as "2 credentials" (issue #17).
    pub status_lists: usize,
    /// Output files the build would write (0 when it could not render).
    pub files: usize,
    /// Their size, for the report of the hosts the site fits (`None` when it could not render).
    pub size: Option<super::fit::TreeSize>,
    /// What the site's configuration publishes, for the report's advice.
    pub fit: super::fit::FitOptions,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    fn error(&mut self, p: Problem) {
        self.findings.push(Finding { severity: Severity::Error, problem: p });
    }

    fn warning(&mut self, p: Problem) {
        self.findings.push(Finding { severity: Severity::Warning, problem: p });
    }
}

/// Checks the site at `root` as a build at `now` would, plus lints. Writes nothing. `Err` only
/// when the site cannot be read at all (no or invalid `rosette.toml`, no `badges/`).
pub fn check(root: &Path, now: DateTime<Utc>) -> Result<Report, SiteError> {
    let site = Site::load(root, &mut super::cache::Files::default())?;
    let (input, keys) = (&site.input, &site.keys);
    let status_lists = input.files.iter().filter(|f| f.parsed.as_ref().is_ok_and(|p| p.status_list)).count();
    let mut report = Report { awards: input.files.len() - status_lists, status_lists, ..Report::default() };
    let mut missing_images = BTreeSet::new();
    lint_config(input, &mut report, &mut missing_images);
    lint_secrets(root, &mut report);
    lint_achievement_files(input, &mut report, &mut missing_images);
    lint_keys(input, keys, &mut report);

    let theme = match site.theme() {
        Ok(t) => Some(t),
        Err(e) => {
            report.error(cli_problem(&format!("themes/{}", input.config.theme), &e));
            None
        }
    };
    // Verify everything; if some credentials fail, verify the rest again without them, so the
    // pages can still be rendered and their links checked.
    let memo = Cache::none();
    let problems = match site.verify(now, &memo, &Silent) {
        Ok(library) => {
            for stale in super::library::stale_awards(&library, input) {
                report.warning(stale);
            }
            lint_rendered(&site, &library, theme.as_ref(), now, &mut report, &mut missing_images);
            Vec::new()
        }
        Err(problems) => problems,
    };
    if !problems.is_empty() {
        let bad: BTreeSet<String> = problems.iter().map(|p| p.file.clone()).collect();
        for p in problems {
            report.error(p);
        }
        let mut rest = site;
        rest.input.files.retain(|f| !bad.contains(&f.display()));
        rest.input.problems.clear();
        if let Ok(library) = rest.verify(now, &memo, &Silent) {
            lint_rendered(&rest, &library, theme.as_ref(), now, &mut report, &mut missing_images);
        }
    }
    report.findings.sort();
    report.findings.dedup();
    Ok(report)
}

/// What needs a verified library: expiry warnings, achievement images, the render itself,
/// files under badges/ that would overwrite generated ones, and broken internal links.
fn lint_rendered(
    site: &Site,
    library: &super::library::Library<'_>,
    theme: Option<&Theme>,
    now: DateTime<Utc>,
    report: &mut Report,
    missing_images: &mut BTreeSet<String>,
) {
    let input = &site.input;
    for warning in library.awards.iter().filter_map(super::library::Award::warning) {
        report.warning(warning);
    }
    lint_award_images(library, input, report, missing_images);
    let Some(theme) = theme else { return };
    // Rendered into memory, as the build renders into its staging tree: check writes nothing
    // to the site or its output.
    let out = Memory::default();
    if let Err(e) = site.render(library, theme, now, &out, &Cache::none(), &Silent) {
        return report.error(cli_problem("themes/", &e));
    }
    let (copies, problems) = site.assets(&out);
    for problem in problems {
        report.error(problem);
    }
    let files = out.into_files();
    let mut published: BTreeSet<String> = files.keys().map(|p| p.as_str().to_string()).collect();
    let mut sizes: Vec<(String, u64)> =
        files.iter().map(|(p, bytes)| (p.as_str().to_string(), bytes.len() as u64)).collect();
    for (to, asset) in copies {
        published.insert(to.as_str().to_string());
        // One that cannot be read fails the build's copy; here it only counts as empty.
        let len = std::fs::metadata(&asset.path).map_or(0, |m| m.len());
        sizes.push((to.as_str().to_string(), len));
    }
    report.files = published.len();
    report.size = Some(super::fit::TreeSize::from_files(sizes.iter().map(|(p, len)| (p.as_str(), *len))));
    report.fit = super::fit::FitOptions::of(&input.config, report.awards);
    let pages = files
        .iter()
        .filter(|(p, _)| p.as_str().ends_with(".html"))
        .map(|(p, bytes)| (p.as_str(), String::from_utf8_lossy(bytes)));
    let base_path = super::links::url_path(&input.config.base_url);
    for (target, from) in super::links::broken_links(pages, &published, &input.config.base_url, &base_path) {
        if missing_images.contains(&target) {
            continue;
        }
        let more = match from.len() - 1 {
            0 => String::new(),
            1 => " (and 1 other page)".to_string(),
            n => format!(" (and {n} other pages)"),
        };
        report.error(
            Problem::new(
                &format!("public/{}", from[0]),
                format!("links to `{target}`, which the site does not have{more}"),
            )
            .hint(
                "links in Markdown and themes are relative to the page, or start with base_url; \
                 put linked files under badges/",
            ),
        );
    }
}

fn cli_problem(file: &str, e: &SiteError) -> Problem {
    let mut message = e.message.clone();
    for c in &e.causes {
        message.push_str(": ");
        message.push_str(c);
    }
    let p = Problem::new(file, message);
    match &e.hint {
        Some(h) => p.hint(h.clone()),
        None => p,
    }
}

/// An image path (not a URL) must name a file under `badges/`.
fn local_image<'a>(image: &'a str, base: &str) -> Option<&'a str> {
    if let Some(rel) = image.strip_prefix(base) {
        return Some(rel);
    }
    if image.contains("://") || image.starts_with("data:") {
        return None;
    }
    Some(image.trim_start_matches('/'))
}

fn has_asset(input: &SiteInput, rel: &str) -> bool {
    input.assets.iter().any(|a| a.rel == rel)
}

fn lint_config(input: &SiteInput, report: &mut Report, missing_images: &mut BTreeSet<String>) {
    let config = &input.config;
    if let Some(image) = &config.issuer.image
        && let Some(rel) = local_image(image, &config.base_url)
        && !has_asset(input, rel)
    {
        missing_images.insert(rel.to_string());
        report.error(
            Problem::new("rosette.toml", format!("[issuer] image `{image}`: there is no `badges/{rel}`"))
                .hint("put the logo under badges/, or give an https:// URL"),
        );
    }
    // (No [linkedin] organization_id is not a finding: it only leaves LinkedIn without the
    // issuer's logo, and a new site cannot have one yet. rosette.toml's comments say so.)
    let cname =
        input.assets.iter().find(|a| a.rel == "CNAME").and_then(|a| std::fs::read_to_string(&a.path).ok());
    let repository = std::env::var("GITHUB_REPOSITORY").ok();
    if let Some(p) = base_url_problem(&config.base_url, cname.as_deref(), repository.as_deref()) {
        report.warning(p);
    }
}

/// The hosts of placeholder addresses (RFC 2606): a site published there verifies nowhere.
const PLACEHOLDER_DOMAINS: [&str; 4] = ["example.org", "example.com", "example.net", "example.edu"];

/// Why `base_url` is not where the site will be published, if it can tell: a placeholder
/// domain, a `badges/CNAME` (GitHub Pages' custom domain) naming another host, or a
/// `<user>.github.io` address that is not this repository's (`GITHUB_REPOSITORY` in CI).
/// Every badge's issuer is the did:web of `base_url`, so it must be right before awarding.
fn base_url_problem(base_url: &str, cname: Option<&str>, github_repository: Option<&str>) -> Option<Problem> {
    let host = crate::config::base_url_host(base_url).to_ascii_lowercase();
    let path = super::links::url_path(base_url);
    let how = "a custom domain gives `https://badges.your-domain/` (did:web:badges.your-domain, keys at \
               /.well-known/did.json); GitHub Pages without one gives `https://<user>.github.io/<repo>/` \
               (did:web:<user>.github.io:<repo>, keys at /<repo>/did.json). Awards name it as their \
               issuer: set it before awarding, or re-sign them after (`rosette reissue`)";
    if PLACEHOLDER_DOMAINS.iter().any(|d| host == *d || host.ends_with(&format!(".{d}"))) {
        return Some(
            Problem::new(
                "rosette.toml",
                format!(
                    "base_url `{base_url}` is a placeholder: no badge of this site can be verified there"
                ),
            )
            .hint(format!("set base_url to where you publish the site: {how}")),
        );
    }
    if let Some(domain) = cname.and_then(|text| text.split_whitespace().next())
        && !domain.eq_ignore_ascii_case(&host)
    {
        return Some(
            Problem::new(
                "rosette.toml",
                format!("base_url `{base_url}` is not on `{domain}`, the custom domain in badges/CNAME"),
            )
            .hint(format!("publish and name one address: {how}")),
        );
    }
    if let (Some(repository), Some(user)) = (github_repository, host.strip_suffix(".github.io"))
        && let Some((owner, repo)) = repository.split_once('/')
    {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let user_site = repo.eq_ignore_ascii_case(&format!("{owner}.github.io"));
        if !owner.eq_ignore_ascii_case(user) || (!user_site && !first.eq_ignore_ascii_case(repo)) {
            let expected = if user_site {
                format!("https://{owner}.github.io/")
            } else {
                format!("https://{owner}.github.io/{repo}/")
            };
            return Some(
                Problem::new("rosette.toml", format!("base_url `{base_url}` is not where GitHub Pages publishes this repository ({expected})"))
                    .hint(format!("set base_url to `{expected}`, or give the site a custom domain: {how}")),
            );
        }
    }
    None
}

/// A secret key under `badges/` is never published, but it is committed with the site.
fn lint_secrets(root: &Path, report: &mut Report) {
    let badges = root.join("badges");
    for entry in walkdir::WalkDir::new(&badges).sort_by_file_name().into_iter().filter_map(Result::ok) {
        if entry.file_type().is_file() && entry.file_name().to_string_lossy().ends_with(".secret") {
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            report.error(
                Problem::new(&rel, "a secret key inside badges/, which is committed with the site")
                    .hint("move it out of the repository: building never needs it (an awarding job of your own reads it from the ROSETTE_SIGNING_KEY secret)"),
            );
        }
    }
}

/// `achievements/*.toml|md`, which `rosette award` reads: each must parse, have criteria, and
/// name an image that exists.
fn lint_achievement_files(input: &SiteInput, report: &mut Report, missing_images: &mut BTreeSet<String>) {
    for (name, parsed) in &input.achievements {
        let display = format!("achievements/{name}");
        // One that does not parse is among the load problems the library reports.
        let Ok(achievement) = parsed else { continue };
        let f = &achievement.file;
        if f.criteria.as_ref().is_none_or(crate::achievement::Text::is_empty) && f.criteria_url.is_none() {
            report.error(Problem::new(&display, "the achievement has no criteria").hint(
                "say what earns it: a Markdown body after the front matter, `criteria` or `criteria_url`",
            ));
        }
        if f.image.is_none() {
            report.warning(
                Problem::new(&display, "the achievement has no image: its awards get no badge image, baked download or embed picture")
                    .hint("add `image = \"images/<name>.svg\"` (a file under badges/) or an https:// URL"),
            );
        }
        if let Some(image) = &f.image
            && let Some(rel) = local_image(image, &input.config.base_url)
            && !has_asset(input, rel)
        {
            missing_images.insert(rel.to_string());
            report.error(
                Problem::new(&display, format!("image `{image}`: there is no `badges/{rel}`"))
                    .hint("put the image under badges/, or give an https:// URL"),
            );
        }
    }
}

/// Achievement images that awards name under `base_url` but the site does not publish.
fn lint_award_images(
    library: &super::library::Library<'_>,
    input: &SiteInput,
    report: &mut Report,
    missing_images: &mut BTreeSet<String>,
) {
    let base = input.config.base_url.as_str();
    for a in library.achievements.values() {
        let image = a.value.get("image").and_then(|i| i.get("id").or(Some(i))).and_then(Value::as_str);
        let Some(rel) = image.and_then(|i| i.strip_prefix(base)) else { continue };
        if has_asset(input, rel) || !missing_images.insert(rel.to_string()) {
            continue;
        }
        let file =
            a.awards.first().map_or_else(|| "badges/".to_string(), |&i| library.awards[i].file.display());
        report.error(
            Problem::new(&file, format!("the achievement's image `{rel}` is not under badges/"))
                .hint(format!("add `badges/{rel}`: it is published at that path")),
        );
    }
}

/// Retired keys that no badge uses: advice. (A badge signed by a key rosette.toml does not
/// list fails verification, and the build's report of it says to keep the key.)
fn lint_keys(input: &SiteInput, keys: &[SiteKey], report: &mut Report) {
    let did = input.config.did();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for file in &input.files {
        let Ok(parsed) = &file.parsed else { continue };
        for vm in &parsed.verification_methods {
            if let Some(fragment) = vm.strip_prefix(did.as_str()).and_then(|r| r.strip_prefix('#')) {
                used.insert(fragment);
            }
        }
    }
    for k in keys.iter().filter(|k| k.status == KeyStatus::Retired && !used.contains(k.fragment.as_str())) {
        report.warning(
            Problem::new("rosette.toml", format!("retired key `{}` signs no badge in badges/", k.fragment))
                .hint("it can be removed, unless badges it signed are published elsewhere"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_paths_and_urls_under_base_are_local_other_urls_are_not() {
        let base = "https://s.org/b/";
        assert_eq!(local_image("images/a.svg", base), Some("images/a.svg"));
        assert_eq!(local_image("/images/a.svg", base), Some("images/a.svg"));
        assert_eq!(local_image("https://s.org/b/images/a.svg", base), Some("images/a.svg"));
        assert_eq!(local_image("https://cdn.example/a.svg", base), None);
        assert_eq!(local_image("data:image/png;base64,AAAA", base), None);
    }

    #[test]
    fn a_base_url_that_is_not_where_the_site_is_published_is_named() {
        let says = |url: &str, cname: Option<&str>, repo: Option<&str>| {
            base_url_problem(url, cname, repo).map(|p| p.to_string()).unwrap_or_default()
        };
        assert!(says("https://badges.example.org/", None, None).contains("is a placeholder"));
        assert!(says("https://example.edu/badges/", None, None).contains("is a placeholder"));
        assert_eq!(says("https://badges.northfield.edu/", None, None), "");
        assert!(
            says("https://badges.northfield.edu/", Some("credentials.northfield.edu\n"), None)
                .contains("not on `credentials.northfield.edu`")
        );
        assert_eq!(says("https://badges.northfield.edu/", Some("badges.northfield.edu\n"), None), "");
        assert!(
            says("https://ada.github.io/badges/", None, Some("ada/credentials"))
                .contains("https://ada.github.io/credentials/")
        );
        assert!(
            says("https://ada.github.io/badges/", None, Some("grace/badges"))
                .contains("https://grace.github.io/badges/")
        );
        assert_eq!(says("https://Ada.github.io/badges/", None, Some("ada/badges")), "");
        assert_eq!(says("https://ada.github.io/", None, Some("ada/ada.github.io")), "");
        // A custom domain in CI: GITHUB_REPOSITORY says nothing about it.
        assert_eq!(says("https://badges.northfield.edu/", None, Some("nit/badges")), "");
    }

    #[test]
    fn errors_sort_before_warnings() {
        let mut findings = [
            Finding { severity: Severity::Warning, problem: Problem::new("a", "w") },
            Finding { severity: Severity::Error, problem: Problem::new("z", "e") },
        ];
        findings.sort();
        assert_eq!(findings[0].to_string(), "error: `z`: e");
        assert_eq!(findings[1].to_string(), "warning: `a`: w");
    }
}
