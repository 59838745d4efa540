//! `rosette build`: the static verification site.

use crate::cli::BuildArgs;
use crate::error::{CliError, Exit};
use crate::site::fit;
use crate::site::{BuildOptions, BuildSummary};
use crate::ui::{count, thousands};
use std::path::Path;

pub fn run(args: &BuildArgs) -> Result<Exit, CliError> {
    let root = args.root.as_path();
    let out = args.out.clone().unwrap_or_else(|| root.join("public"));
    refuse_outbox(root, &out)?;
    let summary = build(root, &out, &BuildOptions { clean: args.clean })?;
    report(&summary, &out);
    // Where the site fits (issue #18): advice, never a failure. Not for `serve`, whose output
    // is a local preview.
    crate::ui::status(fit::report(&summary.size, &summary.fit));
    Ok(Exit::Ok)
}

/// Builds `root` into `out` at [`build_time`]; on a terminal the verify and render steps draw
/// progress bars.
pub fn build(root: &Path, out: &Path, options: &BuildOptions) -> Result<BuildSummary, CliError> {
    crate::ui::detail(format!("building `{}` into `{}`", root.display(), out.display()));
    crate::site::build(root, out, build_time(), options, &crate::ui::Terminal)
}

/// A build replaces its output folder whole: never the outbox, whose notices exist nowhere
/// else (issue #22).
pub fn refuse_outbox(root: &Path, out: &Path) -> Result<(), CliError> {
    let outbox = root.join(crate::notify::outbox::DIR);
    let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    // Into it, or over a folder that holds it (`--out .`).
    let inside = out.starts_with(&outbox)
        || (out.exists() && real(out).starts_with(real(&outbox)))
        || (outbox.exists() && real(&outbox).starts_with(real(out)));
    if inside {
        return Err(CliError::io(format!(
            "`{}` would replace or hold rosette's outbox (`{}`), whose e-mail notices exist nowhere else",
            out.display(),
            outbox.display()
        ))
        .hint("build into another folder (`public/` by default)"));
    }
    Ok(())
}

/// Prints a build's warnings and its summary lines.
pub fn report(summary: &BuildSummary, out: &Path) {
    for w in &summary.warnings {
        crate::ui::warning(w);
    }
    crate::ui::status(format!(
        "built {} of {} into `{}` ({})",
        count(summary.awards, "award"),
        count(summary.achievements, "achievement"),
        out.display(),
        count(summary.files, "file")
    ));
    // Only an incremental build says what it reused, so a clean build's output is unchanged.
    if summary.verdicts_reused + summary.units_reused > 0 {
        let mut line = format!(
            "verified {} ({} unchanged), rendered {} ({} unchanged)",
            count(summary.verified, "credential"),
            thousands(summary.verdicts_reused),
            count(summary.rendered, "page"),
            thousands(summary.units_reused),
        );
        if summary.files_known > 0 {
            line.push_str(&format!("; {} not read again", count(summary.files_known, "credential file")));
        }
        crate::ui::status(line);
    }
}

/// The instant validity is judged at: `SOURCE_DATE_EPOCH` when set, so a rebuild of old
/// input is reproducible; otherwise now. Pages never print the build time.
pub fn build_time() -> chrono::DateTime<chrono::Utc> {
    match std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()) {
        Some(secs) => chrono::DateTime::from_timestamp(secs, 0).unwrap_or_else(chrono::Utc::now),
        None => chrono::Utc::now(),
    }
}
