//! The site pipeline: **load** `rosette.toml`, `badges/` and the theme, **verify** every
//! credential and group the awards, **render** every output, **write** `public/` in one swap.
//!
//! [`Site`] runs the steps for `build` (into a staging tree, with the memo of
//! [`cache::Cache`]), `rosette check` ([`lint`]: into memory, with a memo that keeps nothing)
//! and `serve` (which builds).
//!
//! | step | module |
//! |---|---|
//! | load | [`load`] (files, assets, registry), [`Site::load`] (keys) |
//! | verify | [`library`] (verdicts, awards grouped by achievement, problems) |
//! | render | [`render`] (one module per kind of output), [`views`], [`earner`] |
//! | output | [`output`] (where files go), [`stage`] and [`write`] (the swap), [`cache`] (the memo) |

pub mod cache;
pub mod canonical;
mod compact;
pub mod earner;
pub mod fit;
pub mod library;
pub mod links;
pub mod lint;
pub mod load;
pub mod output;
// Output paths belong to no one step: the issuing commands and achievements use them too.
pub use crate::paths;
pub mod render;
pub mod report;
mod script;
pub mod stage;
pub mod views;
pub mod write;

use crate::error::SiteError;
use crate::templates::Theme;
use chrono::{DateTime, Utc};
use std::path::Path;

/// One thing wrong with one input file; a build reports all of them, sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(file: &str, message: impl Into<String>) -> Self {
        Problem { file: file.to_string(), message: message.into(), hint: None }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.file, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Problems said once each, in order: past three files with the same message and hint, one
/// line names the first three and counts the rest, so that 10,000 awards that fail alike are
/// one line of a report, not 10,000.
pub fn grouped(problems: &[&Problem]) -> Vec<String> {
    let mut alike: std::collections::HashMap<(&str, Option<&str>), Vec<&str>> = Default::default();
    for p in problems {
        alike.entry((p.message.as_str(), p.hint.as_deref())).or_default().push(&p.file);
    }
    let mut lines = Vec::new();
    for p in problems {
        let key = (p.message.as_str(), p.hint.as_deref());
        let Some(files) = alike.get(&key) else { continue };
        if files.len() <= 3 {
            lines.push(p.to_string());
            continue;
        }
        // Said where the first of them stands; the others are counted there.
        let named: Vec<String> = files.iter().take(3).map(|f| format!("`{f}`")).collect();
        let mut line = format!(
            "{} and {} more files: {}",
            named.join(", "),
            crate::text::thousands(files.len() - 3),
            p.message
        );
        if let Some(h) = &p.hint {
            line.push_str(&format!("\n  hint: {h}"));
        }
        lines.push(line);
        alike.remove(&key);
    }
    lines
}

/// What a build did.
#[derive(Debug)]
pub struct BuildSummary {
    /// What the configuration publishes, for the host-fit report.
    pub fit: fit::FitOptions,
    /// The size of what was published, from the files the build wrote (not a walk of the
    /// output: at 10,000 awards that walk was a tenth of an incremental build).
    pub size: fit::TreeSize,
    pub awards: usize,
    pub achievements: usize,
    pub files: usize,
    pub warnings: Vec<Problem>,
    /// Credentials verified, and verdicts reused from the incremental cache.
    pub verified: usize,
    pub verdicts_reused: usize,
    /// Credential files the memo of `badges/` knew unchanged, so not read.
    pub files_known: usize,
    /// Award pages and earner kits rendered, and reused from the cache.
    pub rendered: usize,
    pub units_reused: usize,
}

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Ignore the incremental cache (it is rewritten).
    pub clean: bool,
}

/// A site's inputs, loaded once: what every step of the pipeline reads.
pub struct Site {
    pub root: std::path::PathBuf,
    pub input: load::SiteInput,
    /// The keys of `rosette.toml`, with their public keys.
    pub keys: Vec<crate::config::SiteKey>,
}

impl Site {
    /// Reads `rosette.toml`, `badges/` and the keys, trusting `memo` for the credential files
    /// it knows unchanged. `Err` when the site cannot be read at all.
    pub fn load(root: &Path, memo: &mut cache::Files) -> Result<Site, SiteError> {
        let input = load::load(root, memo)?;
        let keys = input
            .config
            .site_keys()
            .map_err(|e| SiteError::invalid("`rosette.toml` is not valid").caused_by(e))?;
        Ok(Site { root: root.to_path_buf(), input, keys })
    }

    /// The site's theme.
    pub fn theme(&self) -> Result<Theme, SiteError> {
        Theme::load(&self.root, &self.input.config.theme)
    }

    /// Verifies every credential at `now` and groups the awards; every problem found, sorted.
    pub fn verify(
        &self,
        now: DateTime<Utc>,
        memo: &cache::Cache,
        report: &dyn report::Report,
    ) -> Result<library::Library<'_>, Vec<Problem>> {
        library::build_library(&self.input, &self.keys, now, memo, report)
    }

    /// Renders every output of `library` into `out`.
    pub fn render(
        &self,
        library: &library::Library<'_>,
        theme: &Theme,
        now: DateTime<Utc>,
        out: &dyn output::Output,
        memo: &cache::Cache,
        report: &dyn report::Report,
    ) -> Result<(), SiteError> {
        let keeps = memo.keeps();
        let cx = render::Context {
            config: &self.input.config,
            theme,
            assets: &self.input.assets,
            now,
            out,
            memo,
            config_hash: if keeps { self.input.config_hash.clone() } else { String::new() },
            theme_hash: if keeps { cache::tree_hash(&self.root.join("themes")) } else { String::new() },
            report,
        };
        render::render(library, &cx)
    }

    /// Where each of `badges/`'s other files is published, and the problems of those that
    /// cannot be: one that would overwrite a rendered file (already in `out`), or whose path
    /// cannot be published.
    pub fn assets(&self, out: &dyn output::Output) -> (Vec<(paths::OutPath, &load::Asset)>, Vec<Problem>) {
        let mut copies = Vec::new();
        let mut problems = Vec::new();
        for asset in &self.input.assets {
            let file = format!("badges/{}", asset.rel);
            match paths::OutPath::new(&asset.rel) {
                Ok(to) if !out.contains(&to) => copies.push((to, asset)),
                Ok(to) => problems
                    .push(Problem::new(&file, format!("would overwrite the generated `{}`", to.as_str()))),
                Err(e) => problems.push(Problem::new(&file, format!("cannot be published: {e}"))),
            }
        }
        (copies, problems)
    }
}

/// Builds the site at `root` into `out`. Nothing is written unless every credential verifies.
pub fn build(
    root: &Path,
    out: &Path,
    now: DateTime<Utc>,
    options: &BuildOptions,
    report: &dyn report::Report,
) -> Result<BuildSummary, SiteError> {
    let step = Step::start(report);
    let mut memo = cache::Cache::open(root, options.clean);
    step.done("opened the cache".to_string());
    let site = Site::load(root, &mut memo.files)?;
    let input = &site.input;
    step.done(format!("read {}", crate::text::count(input.files.len() + input.assets.len(), "file")));
    let theme = site.theme()?;
    let library = site.verify(now, &memo, report).map_err(problems_error)?;
    step.done(format!(
        "verified {}",
        crate::text::count(library.awards.len() + library.status_lists.len(), "credential")
    ));
    // Rendered files go straight to a staging directory beside `out`; it is removed, and
    // `out` left as it was, if anything below fails.
    let staging = stage::Staging::new(out, &memo, !options.clean)?;
    site.render(&library, &theme, now, &staging, &memo, report)?;
    step.done(format!("rendered {}", crate::text::count(library.awards.len(), "award")));
    let (copies, problems) = site.assets(&staging);
    if !problems.is_empty() {
        return Err(problems_error(problems));
    }
    for (to, asset) in &copies {
        staging.copy(to, &asset.path)?;
    }
    let mut warnings: Vec<Problem> = library.awards.iter().filter_map(library::Award::warning).collect();
    warnings.extend(library::stale_awards(&library, input));
    let files = output::Output::len(&staging);
    let (fit, awards, achievements) = (
        fit::FitOptions::of(&input.config, library.awards.len()),
        library.awards.len(),
        library.achievements.len(),
    );
    // The end of a build was its memory peak (the record of every file written, beside a
    // million awards' library and inputs): those go first.
    drop(library);
    drop(site);
    let size = staging.finish(out)?;
    step.done(format!("published {}", crate::text::count(files, "file")));
    let stats = &memo.stats;
    let count = |n: &std::sync::atomic::AtomicUsize| n.load(std::sync::atomic::Ordering::Relaxed);
    let summary = BuildSummary {
        fit,
        size,
        awards,
        achievements,
        files,
        warnings,
        verified: count(&stats.verified),
        verdicts_reused: count(&stats.verdicts_reused),
        files_known: count(&stats.files_known),
        rendered: count(&stats.rendered),
        units_reused: count(&stats.units_reused),
    };
    memo.save();
    step.done("saved the cache".to_string());
    Ok(summary)
}

/// `--verbose` timing of a build's steps, each from the end of the one before.
struct Step<'r>(std::cell::Cell<std::time::Instant>, &'r dyn report::Report);

impl<'r> Step<'r> {
    fn start(report: &'r dyn report::Report) -> Self {
        Step(std::cell::Cell::new(std::time::Instant::now()), report)
    }

    fn done(&self, what: String) {
        let now = std::time::Instant::now();
        self.1.detail(&format!("{what} in {:.2} s", (now - self.0.get()).as_secs_f64()));
        self.0.set(now);
    }
}

fn problems_error(problems: Vec<Problem>) -> SiteError {
    let n = problems.len();
    let mut err = SiteError::invalid(format!(
        "{} cannot be published; nothing was written",
        crate::text::count(n, "file")
    ));
    for line in grouped(&problems.iter().collect::<Vec<_>>()) {
        err = err.caused_by(line);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_problems_alike_are_one_line_and_the_rest_keep_their_order() {
        let p = |file: &str, message: &str| Problem::new(file, message);
        let problems = [
            p("a.json", "proof signature does not verify"),
            p("b.json", "credential id `x` is also used by `a.json`"),
            p("c.json", "proof signature does not verify"),
            p("d.json", "proof signature does not verify"),
            p("e.json", "proof signature does not verify").hint("restore it"),
            p("f.json", "proof signature does not verify"),
            p("g.json", "proof signature does not verify"),
        ];
        let lines = grouped(&problems.iter().collect::<Vec<_>>());
        assert_eq!(
            lines,
            [
                "`a.json`, `c.json`, `d.json` and 2 more files: proof signature does not verify",
                "`b.json`: credential id `x` is also used by `a.json`",
                "`e.json`: proof signature does not verify\n  hint: restore it",
            ]
        );
    }
}
