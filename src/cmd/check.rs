//! `rosette check`: what `build` verifies, plus lints; writes nothing. For pull requests.

use crate::cli::CheckArgs;
use crate::error::{CliError, Exit};
use crate::site::fit;
use crate::ui::count;

pub fn run(args: &CheckArgs) -> Result<Exit, CliError> {
    crate::ui::detail(format!("checking `{}`", args.root.display()));
    // The verify and render steps draw their own progress bars on a terminal.
    let report = crate::site::lint::check(&args.root, super::build::build_time())?;
    if report.files > 0 {
        crate::ui::detail(format!("a build would write {}", count(report.files, "file")));
    }
    // Findings alike (the same message and hint) are said once, with their files counted.
    for severity in [crate::site::lint::Severity::Error, crate::site::lint::Severity::Warning] {
        let label = if severity == crate::site::lint::Severity::Error { "error" } else { "warning" };
        let problems: Vec<&crate::site::Problem> =
            report.findings.iter().filter(|f| f.severity == severity).map(|f| &f.problem).collect();
        for line in crate::site::grouped(&problems) {
            crate::ui::error(format!("{label}: {line}"));
        }
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    let summary = format!(
        "checked {} and {}: {}, {}; nothing was written",
        count(report.awards, "award"),
        count(report.status_lists, "status list"),
        count(errors, "error"),
        count(warnings, "warning")
    );
    if errors > 0 {
        // The verdict of a failed check is shown even with --quiet.
        crate::ui::error(format!("error: {summary}"));
        Ok(Exit::Invalid)
    } else {
        crate::ui::status(summary);
        // What a build would publish, and where it fits (issue #18); only when it would build.
        if let Some(size) = &report.size {
            crate::ui::status(fit::report(size, &report.fit));
        }
        Ok(Exit::Ok)
    }
}
