//! `rosette check`: what `build` verifies, plus lints; writes nothing. For pull requests.

use crate::cli::CheckArgs;
use crate::error::{CliError, Exit};

pub fn run(args: &CheckArgs) -> Result<Exit, CliError> {
    crate::ui::detail(format!("checking `{}`", args.root.display()));
    // The verify and render steps draw their own progress bars on a terminal.
    let report = crate::site::lint::check(&args.root, super::build::build_time())?;
    if report.files > 0 {
        crate::ui::detail(format!("a build would write {} files", report.files));
    }
    for finding in &report.findings {
        crate::ui::error(finding);
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    let summary = format!(
        "checked {} credential{}: {errors} error{}, {warnings} warning{}; nothing was written",
        report.credentials,
        plural(report.credentials),
        plural(errors),
        plural(warnings)
    );
    if errors > 0 {
        // The verdict of a failed check is shown even with --quiet.
        crate::ui::error(format!("error: {summary}"));
        Ok(Exit::Invalid)
    } else {
        crate::ui::status(summary);
        Ok(Exit::Ok)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
