//! `rosette build`: the static verification site.

use crate::cli::BuildArgs;
use crate::error::{CliError, Exit};

pub fn run(args: &BuildArgs) -> Result<Exit, CliError> {
    let root = args.root.as_path();
    let out = args.out.clone().unwrap_or_else(|| root.join("public"));
    // Validity is judged at SOURCE_DATE_EPOCH when set, so a rebuild of old input is
    // reproducible; otherwise now. Pages never print the build time.
    let now = match std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()) {
        Some(secs) => chrono::DateTime::from_timestamp(secs, 0).unwrap_or_else(chrono::Utc::now),
        None => chrono::Utc::now(),
    };
    let summary = crate::site::build(root, &out, now)?;
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "built {} awards of {} achievements into `{}` ({} files)",
        summary.awards,
        summary.achievements,
        out.display(),
        summary.files
    );
    Ok(Exit::Ok)
}
