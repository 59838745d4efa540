//! `rosette verify`: verify credential files and print every check.
//!
//! A PNG or SVG badge image is verified through the credential baked into it
//! ([Open Badges 3.0 §Baked Badge](https://www.imsglobal.org/spec/ob/v3p0/#baked-badge)).

use crate::bake::{self, ImageFormat};
use crate::cli::{Format, UnbakeArgs, VerifyArgs};
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
    /// `png` or `svg` when the credential was read from a baked badge image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baked: Option<&'static str>,
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
        .map(|path| {
            let (baked, result) = verify_file(&verifier, path);
            FileReport { file: path.display().to_string(), baked, result }
        })
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

fn verify_file(verifier: &Verifier<'_>, path: &Path) -> (Option<&'static str>, FileResult) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let error = format!("could not read: {}", crate::error::plain_io(&e));
            return (None, FileResult::Unreadable { outcome: Outcome::Unknown, error });
        }
    };
    // JSON first: a credential may well mention `<svg` in its text.
    let starts_json = bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{');
    let format = if starts_json { None } else { ImageFormat::sniff(&bytes) };
    let (baked, json) = match format {
        None => (None, bytes),
        Some(format) => {
            let kind = match format {
                ImageFormat::Png => "png",
                ImageFormat::Svg => "svg",
            };
            match unbake_image(&bytes) {
                Ok(json) => (Some(kind), json.into_bytes()),
                Err(error) => {
                    return (Some(kind), FileResult::Unreadable { outcome: Outcome::Failed, error });
                }
            }
        }
    };
    let result = match Credential::parse(&json) {
        Ok(credential) => FileResult::Verdict(verifier.verify(&credential)),
        Err(e) => FileResult::Unreadable { outcome: Outcome::Failed, error: e.to_string() },
    };
    (baked, result)
}

/// `rosette unbake`: the baked credential to standard output, exactly as it was baked, so it
/// can be handed to another verifier. No credential, or an unreadable one, is invalid input.
pub fn run_unbake(args: &UnbakeArgs) -> Result<Exit, CliError> {
    use std::io::Write;
    let image = std::fs::read(&args.image).map_err(|e| CliError::io_at(&args.image, "read", &e))?;
    let json = unbake_image(&image).map_err(|e| {
        CliError::invalid(format!("`{}` has no credential to print", args.image.display())).caused_by(e)
    })?;
    let mut out = std::io::stdout().lock();
    out.write_all(json.as_bytes()).and_then(|()| out.flush()).map_err(|e| CliError::io(e.to_string()))?;
    Ok(Exit::Ok)
}

/// The credential baked into a PNG or SVG badge image, or why there is none.
pub fn unbake_image(image: &[u8]) -> Result<String, String> {
    match bake::unbake(image) {
        Ok(Some(json)) => Ok(json),
        Ok(None) => Err("the image carries no baked Open Badges credential".to_string()),
        Err(e) => Err(format!("could not read the baked credential: {e}")),
    }
}

/// The files to verify: each file named, and under each directory every `*.json` and every
/// `*.png`/`*.svg` badge image with a baked credential, sorted. A path that does not exist is a
/// usage error (exit 2).
fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| CliError::io_at(path, "read", &e))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
                .filter(|p| match p.extension().and_then(|x| x.to_str()) {
                    Some("json") => !is_other_json(p),
                    Some("png" | "svg") => is_baked_image(p),
                    _ => false,
                })
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

/// An image that carries a baked credential, or something that looks like one (a damaged
/// chunk, an Open Badges 2.0 assertion): images with nothing baked in (a QR code, a preview
/// card) are skipped when walking a directory, like JSON that is not a credential.
fn is_baked_image(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else { return true };
    !matches!(bake::unbake(&bytes), Ok(None))
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

/// The file as the text report names it: an image says its credential was baked in.
fn file_label(report: &FileReport) -> String {
    match report.baked {
        Some("png") => format!("{} (credential baked in the PNG)", report.file),
        Some(_) => format!("{} (credential baked in the SVG)", report.file),
        None => report.file.clone(),
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
                let _ = writeln!(out, "{}: FAILED: {error}", file_label(report));
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
                let _ = writeln!(out, "{}: {headline}", file_label(report));
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
