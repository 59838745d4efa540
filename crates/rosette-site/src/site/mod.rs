//! The site layer: **load** `rosette.toml`, `badges/` and the theme, **verify** every
//! credential, **model** awards and achievements, **render** pages, **write** `public/` in one
//! swap.

pub mod cache;
pub mod canonical;
mod compact;
pub mod earner;
pub mod fit;
pub mod library;
pub mod links;
pub mod lint;
pub mod load;
pub mod paths;
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

/// Builds the site at `root` into `out`. Nothing is written unless every credential verifies.
pub fn build(
    root: &Path,
    out: &Path,
    now: DateTime<Utc>,
    options: &BuildOptions,
    report: &dyn report::Report,
) -> Result<BuildSummary, SiteError> {
    let step = Step::start(report);
    let input = load::load(root)?;
    step.done(format!("read {}", crate::text::count(input.files.len() + input.assets.len(), "file")));
    let keys = input
        .config
        .site_keys()
        .map_err(|e| SiteError::invalid("`rosette.toml` is not valid").caused_by(e))?;
    let theme = Theme::load(root, &input.config.theme)?;
    let cache = cache::Cache::open(root, options.clean);
    step.done("opened the cache".to_string());
    let library = library::build_library(&input, &keys, now, Some(&cache), report).map_err(problems_error)?;
    step.done(format!(
        "verified {}",
        crate::text::count(library.awards.len() + library.status_lists.len(), "credential")
    ));
    // Rendered files go straight to a staging directory beside `out`; it is removed, and
    // `out` left as it was, if anything below fails.
    let staging = stage::Staging::new(out, Some(&cache), !options.clean)?;
    let cx = render::Context {
        config: &input.config,
        theme: &theme,
        assets: &input.assets,
        now,
        staging: &staging,
        cache: Some(&cache),
        config_hash: input.config_hash.clone(),
        theme_hash: cache::tree_hash(&root.join("themes")),
        report,
    };
    render::render(&library, &cx)?;
    step.done(format!("rendered {}", crate::text::count(library.awards.len(), "award")));
    let mut copies = Vec::new();
    let mut problems = Vec::new();
    for asset in &input.assets {
        match paths::OutPath::new(&asset.rel) {
            Ok(to) if !staging.contains(&to) => copies.push((to, asset.path.clone())),
            Ok(to) => problems.push(Problem::new(
                &format!("badges/{}", asset.rel),
                format!("would overwrite the generated `{}`", to.as_str()),
            )),
            Err(e) => problems
                .push(Problem::new(&format!("badges/{}", asset.rel), format!("cannot be published: {e}"))),
        }
    }
    if !problems.is_empty() {
        return Err(problems_error(problems));
    }
    for (to, from) in &copies {
        staging.copy(to, from)?;
    }
    let mut warnings: Vec<Problem> = library.awards.iter().filter_map(library::Award::warning).collect();
    warnings.extend(library::stale_awards(&library, &input));
    let files = staging.len();
    let size = staging.finish(out)?;
    step.done(format!("published {}", crate::text::count(files, "file")));
    let stats = &cache.stats;
    let count = |n: &std::sync::atomic::AtomicUsize| n.load(std::sync::atomic::Ordering::Relaxed);
    let summary = BuildSummary {
        fit: fit::FitOptions::of(&input.config, library.awards.len()),
        size,
        awards: library.awards.len(),
        achievements: library.achievements.len(),
        files,
        warnings,
        verified: count(&stats.verified),
        verdicts_reused: count(&stats.verdicts_reused),
        rendered: count(&stats.rendered),
        units_reused: count(&stats.units_reused),
    };
    drop(library);
    cache.save();
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
    for p in problems {
        err = err.caused_by(p);
    }
    err
}
