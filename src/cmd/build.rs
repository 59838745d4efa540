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
    let options = crate::site::BuildOptions { clean: args.clean };
    let summary = crate::site::build(root, &out, now, &options)?;
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
    // Only an incremental build says what it reused, so a clean build's output is unchanged.
    if summary.verdicts_reused + summary.units_reused > 0 {
        eprintln!(
            "verified {} ({} unchanged), rendered {} ({} unchanged)",
            plural(summary.verified, "credential"),
            thousands(summary.verdicts_reused),
            plural(summary.rendered, "page"),
            thousands(summary.units_reused),
        );
    }
    Ok(Exit::Ok)
}

fn plural(n: usize, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `9999` as `9,999`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
