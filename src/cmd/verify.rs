//! `rosette verify`: verify credential files and print every check.

use crate::cli::{Format, VerifyArgs};
use crate::error::{CliError, Exit};
use crate::fs::SiteDirs;
use crate::jsonld::JsonLdProcessor;
use crate::model::Credential;
use crate::model::date::parse_date_time;
use crate::verify::{Outcome, State, Verdict, Verifier};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The result for one file: a verdict, or why the file is not a credential at all.
#[derive(Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    #[serde(flatten)]
    pub result: FileResult,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum FileResult {
    Verdict(Verdict),
    Unreadable { outcome: Outcome, error: String },
}

pub fn run(args: &VerifyArgs) -> Result<Exit, CliError> {
    if args.site.len() != args.base_url.len() {
        return Err(CliError::io("give --site and --base-url in pairs"));
    }
    let now = match &args.now {
        Some(t) => parse_date_time(t)
            .ok_or_else(|| CliError::io(format!("--now `{t}` is not an XML Schema dateTime")))?,
        None => chrono::Utc::now(),
    };
    let files = collect_files(&args.paths)?;
    let sites = SiteDirs::new(args.base_url.iter().cloned().zip(args.site.iter().cloned()).collect());
    let jsonld = JsonLdProcessor::new();
    let verifier = Verifier { jsonld: &jsonld, source: &sites, now };
    let reports: Vec<FileReport> = files
        .par_iter()
        .map(|path| FileReport { file: path.display().to_string(), result: verify_file(&verifier, path) })
        .collect();
    match args.format {
        Format::Text => print!("{}", render_text(&reports)),
        Format::Json => {
            let json = serde_json::to_string_pretty(&reports).map_err(|e| CliError::io(e.to_string()))?;
            println!("{json}");
        }
    }
    let all_good = reports.iter().all(|r| {
        matches!(&r.result, FileResult::Verdict(v) if matches!(v.outcome, Outcome::Verified | Outcome::Warning))
    });
    Ok(if all_good { Exit::Ok } else { Exit::Invalid })
}

fn verify_file(verifier: &Verifier<'_>, path: &Path) -> FileResult {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return FileResult::Unreadable {
                outcome: Outcome::Unknown,
                error: format!("could not read: {}", crate::error::plain_io(&e)),
            };
        }
    };
    match Credential::parse(&bytes) {
        Ok(credential) => FileResult::Verdict(verifier.verify(&credential)),
        Err(e) => FileResult::Unreadable { outcome: Outcome::Failed, error: e.to_string() },
    }
}

/// The files to verify: each file named, and every `*.json` under each directory, sorted.
/// A path that does not exist is a usage error (exit 2).
fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| CliError::io_at(path, "read", &e))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json"))
                .map(walkdir::DirEntry::into_path)
                .filter(|p| !is_other_json(p))
                .collect();
            files.append(&mut found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Valid JSON that is not a credential (a DID document, `keys.json`): skipped when walking a
/// directory, as the reference verifier does. Invalid JSON is still reported.
fn is_other_json(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else { return false };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(v) => !crate::model::credential::strings(v.get("type")).contains(&"VerifiableCredential"),
        Err(_) => false,
    }
}

fn state_word(state: State) -> &'static str {
    match state {
        State::Passed => "ok",
        State::Warning => "warn",
        State::Failed => "FAIL",
        State::Unknown => "??",
        State::NotApplicable => "-",
    }
}

/// The text report: a headline per file, one line per check, then a summary.
pub fn render_text(reports: &[FileReport]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let (mut verified, mut warned, mut failed, mut unknown) = (0, 0, 0, 0);
    for report in reports {
        match &report.result {
            FileResult::Unreadable { outcome, error } => {
                if *outcome == Outcome::Unknown {
                    unknown += 1;
                } else {
                    failed += 1;
                }
                let _ = writeln!(out, "{}: FAILED: {error}", report.file);
            }
            FileResult::Verdict(v) => {
                let headline = match v.outcome {
                    Outcome::Verified => {
                        verified += 1;
                        "verified".to_string()
                    }
                    Outcome::Warning => {
                        warned += 1;
                        let warnings: Vec<&str> = v
                            .checks
                            .iter()
                            .filter(|c| c.state == State::Warning)
                            .map(|c| c.message.as_str())
                            .collect();
                        format!("verified, with warnings: {}", warnings.join("; "))
                    }
                    Outcome::Failed => {
                        failed += 1;
                        let problem = v.first_problem().map(|c| c.message.as_str()).unwrap_or_default();
                        format!("FAILED: {problem}")
                    }
                    Outcome::Unknown => {
                        unknown += 1;
                        let problem = v.first_problem().map(|c| c.message.as_str()).unwrap_or_default();
                        format!("NOT VERIFIED: {problem}")
                    }
                };
                let _ = writeln!(out, "{}: {headline}", report.file);
                for c in &v.checks {
                    let _ =
                        writeln!(out, "  {:<4}  {:<10}  {}", state_word(c.state), c.check.label(), c.message);
                }
            }
        }
    }
    let total = reports.len();
    let files = if total == 1 { "file" } else { "files" };
    let _ = writeln!(
        out,
        "{total} {files}: {verified} verified, {warned} with warnings, {failed} failed, {unknown} could not be checked"
    );
    // Messages quote values from the credentials: no raw control or bidi character reaches
    // the terminal.
    crate::error::terminal_safe(&out).into_owned()
}
