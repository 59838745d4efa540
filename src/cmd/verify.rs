//! `rosette verify`: verify credential files, or credentials published at https:// URLs, and
//! print every check.
//!
//! A PNG or SVG badge image is verified through the credential baked into it
//! ([Open Badges 3.0 §Baked Badge](https://www.imsglobal.org/spec/ob/v3p0/#baked-badge)), a
//! badge page through the credential it embeds. Unless `--offline`, did:web documents and status
//! lists that no `--site` serves are fetched from their own hosts ([`crate::net`]).

use crate::badge_page;
use crate::bake::{self, ImageFormat};
use crate::cli::{Format, Require, UnbakeArgs, VerifyArgs};
use crate::error::{CliError, Exit};
use crate::fs::SiteDirs;
use crate::jsonld::JsonLdProcessor;
use crate::model::Credential;
use crate::model::date::parse_date_time;
use crate::net::{self, HttpClient, HttpOptions, LocalThenNetwork};
use crate::presentation::{Expected, PresentationVerdict};
use crate::verify::{Check, Outcome, State, Verdict, Verifier};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Trust these PEM roots instead of the built-in ones (a private PKI; the tests' own root).
const ENV_CA_FILE: &str = "ROSETTE_CA_FILE";
/// `host:port=address:port[,…]`: connect there instead of asking DNS (the tests' servers).
const ENV_RESOLVE: &str = "ROSETTE_RESOLVE";
/// The deadline of each fetch in milliseconds (default [`net::DEFAULT_TIMEOUT`]).
const ENV_TIMEOUT_MS: &str = "ROSETTE_HTTP_TIMEOUT_MS";

/// What to verify: a local file, or a credential or badge page at an https:// URL.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    File(PathBuf),
    Url(String),
}

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
    Presentation(PresentationVerdict),
    Unreadable { outcome: Outcome, error: String },
}

impl FileResult {
    pub fn outcome(&self) -> Outcome {
        match self {
            FileResult::Verdict(v) => v.outcome,
            FileResult::Presentation(p) => p.outcome,
            FileResult::Unreadable { outcome, .. } => *outcome,
        }
    }
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
    let inputs = collect_inputs(&args.paths, args.offline)?;
    let sites = SiteDirs::new(args.base_url.iter().cloned().zip(args.site.iter().cloned()).collect());
    let client = if args.offline { None } else { Some(http_client()?) };
    let source = LocalThenNetwork { local: &sites, network: client.as_ref() };
    let jsonld = JsonLdProcessor::new();
    let verifier = Verifier {
        jsonld: &jsonld,
        source: &source,
        now,
        require_open_badge: args.require == Some(Require::Ob3),
    };
    let expected = Expected { challenge: args.challenge.clone(), domain: args.domain.clone() };
    let reports: Vec<FileReport> = inputs
        .par_iter()
        .map(|input| match (input, &client) {
            (Input::File(path), _) => {
                let (baked, result) = verify_file(&verifier, &expected, path);
                FileReport { file: path.display().to_string(), baked, result }
            }
            (Input::Url(url), Some(client)) => {
                let (baked, result) = verify_url(&verifier, &expected, client, url);
                FileReport { file: url.clone(), baked, result }
            }
            // `collect_inputs` refuses URLs with --offline.
            (Input::Url(url), None) => FileReport {
                file: url.clone(),
                baked: None,
                result: FileResult::Unreadable {
                    outcome: Outcome::Unknown,
                    error: "could not check: --offline fetches nothing".into(),
                },
            },
        })
        .collect();
    match args.format {
        Format::Text => print!("{}", render_text(&reports)),
        Format::Json => {
            let json = serde_json::to_string_pretty(&reports).map_err(|e| CliError::io(e.to_string()))?;
            println!("{json}");
        }
    }
    let all_good = reports.iter().all(|r| matches!(r.result.outcome(), Outcome::Verified | Outcome::Warning));
    Ok(if all_good { Exit::Ok } else { Exit::Invalid })
}

/// The HTTPS client, set up from the environment (`ROSETTE_CA_FILE`, `ROSETTE_RESOLVE`,
/// `ROSETTE_HTTP_TIMEOUT_MS`); a bad value is a usage error.
fn http_client() -> Result<HttpClient, CliError> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let mut options = HttpOptions::default();
    if let Some(path) = var(ENV_CA_FILE) {
        let path = PathBuf::from(path);
        options.ca_pem = Some(std::fs::read(&path).map_err(|e| CliError::io_at(&path, "read", &e))?);
    }
    if let Some(spec) = var(ENV_RESOLVE) {
        options.resolve = HttpOptions::parse_resolve(&spec)
            .map_err(|e| CliError::io(format!("{ENV_RESOLVE} is not valid")).caused_by(e))?;
    }
    if let Some(ms) = var(ENV_TIMEOUT_MS) {
        let ms: u64 = ms.trim().parse().ok().filter(|ms| *ms > 0).ok_or_else(|| {
            CliError::io(format!("{ENV_TIMEOUT_MS} `{ms}` is not a positive number of milliseconds"))
        })?;
        options.timeout = Some(Duration::from_millis(ms));
    }
    HttpClient::new(options)
        .map_err(|e| CliError::io("could not set up HTTPS").caused_by(format!("{ENV_CA_FILE}: {e}")))
}

fn verify_file(
    verifier: &Verifier<'_>,
    expected: &Expected,
    path: &Path,
) -> (Option<&'static str>, FileResult) {
    match std::fs::read(path) {
        Ok(bytes) => verify_bytes(verifier, expected, bytes),
        Err(e) => {
            let error = format!("could not read: {}", crate::error::plain_io(&e));
            (None, FileResult::Unreadable { outcome: Outcome::Unknown, error })
        }
    }
}

/// Fetches `url` (a credential, a badge page or a baked image) and verifies what it holds.
/// A URL that cannot be had is "could not check", like a key that cannot be had.
fn verify_url(
    verifier: &Verifier<'_>,
    expected: &Expected,
    client: &HttpClient,
    url: &str,
) -> (Option<&'static str>, FileResult) {
    match fetch_credential(client, url) {
        Ok(bytes) => verify_bytes(verifier, expected, bytes),
        Err(e) => {
            let error = format!("could not check: {e}");
            (None, FileResult::Unreadable { outcome: Outcome::Unknown, error })
        }
    }
}

/// The bytes to verify at `url`: the response itself, or the credential its HTML embeds, else
/// the credential file it links to.
fn fetch_credential(client: &HttpClient, url: &str) -> Result<Vec<u8>, String> {
    let fetched = client.fetch(url, net::MAX_PAGE_BYTES).map_err(|e| e.to_string())?;
    let html = !starts_json(&fetched.body)
        && (fetched.media_type.as_deref() == Some("text/html") || badge_page::looks_like_html(&fetched.body));
    if !html {
        return Ok(fetched.body);
    }
    let page = String::from_utf8_lossy(&fetched.body);
    if let Some(json) = badge_page::embedded_credential(&page) {
        return Ok(json.as_bytes().to_vec());
    }
    if let Some(href) = badge_page::alternate_credential_link(&page) {
        let link = fetched.url.join(&href).map_err(|e| format!("the page links `{href}`: {e}"))?;
        return client.fetch(link.as_str(), net::MAX_PAGE_BYTES).map(|f| f.body).map_err(|e| e.to_string());
    }
    Err(format!(
        "`{url}` is an HTML page with no credential in it (no `<script id=\"rosette-credential\">`, \
         no `<link rel=\"alternate\" type=\"application/ld+json\">`)"
    ))
}

/// JSON first: a credential may well mention `<svg` in its text.
fn starts_json(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{')
}

/// Verifies a credential, or the credential baked into a PNG or SVG image.
fn verify_bytes(
    verifier: &Verifier<'_>,
    expected: &Expected,
    bytes: Vec<u8>,
) -> (Option<&'static str>, FileResult) {
    let format = if starts_json(&bytes) { None } else { ImageFormat::sniff(&bytes) };
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
        Ok(doc) if crate::presentation::is_presentation(&doc.value) => {
            FileResult::Presentation(verifier.verify_presentation(&doc.value, expected))
        }
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

/// What to verify, in order: each https:// URL and each file named, and under each directory
/// every `*.json` and every `*.png`/`*.svg` badge image with a baked credential, sorted. A path
/// that does not exist, a plain http:// URL, or a URL with `--offline` is a usage error (exit 2).
fn collect_inputs(paths: &[PathBuf], offline: bool) -> Result<Vec<Input>, CliError> {
    let mut inputs = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        let scheme = text.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("https") if offline => {
                return Err(CliError::io(format!("`{text}` is a URL, and --offline fetches nothing"))
                    .hint("drop --offline, or download the credential and verify the file"));
            }
            Some("https") => {
                inputs.push(Input::Url(text.into_owned()));
                continue;
            }
            Some("http") => {
                return Err(CliError::io(format!("`{text}` is a plain http:// URL"))
                    .hint("rosette fetches credentials over HTTPS only: give the https:// URL"));
            }
            _ => {}
        }
        inputs.extend(collect_files(path)?.into_iter().map(Input::File));
    }
    Ok(inputs)
}

/// The file named, or under a directory every `*.json` and every `*.png`/`*.svg` badge image
/// with a baked credential, sorted.
fn collect_files(path: &Path) -> Result<Vec<PathBuf>, CliError> {
    let meta = std::fs::metadata(path).map_err(|e| CliError::io_at(path, "read", &e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    Ok(walkdir::WalkDir::new(path)
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
        .collect())
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

/// A verdict's headline: the warnings, or the first problem.
fn headline(outcome: Outcome, checks: &[Check]) -> String {
    let problem = || crate::verify::first_problem(checks).map(|c| c.message.as_str()).unwrap_or_default();
    match outcome {
        Outcome::Verified => "verified".to_string(),
        Outcome::Warning => {
            let warnings: Vec<&str> =
                checks.iter().filter(|c| c.state == State::Warning).map(|c| c.message.as_str()).collect();
            format!("verified, with warnings: {}", warnings.join("; "))
        }
        Outcome::Failed => format!("FAILED: {}", problem()),
        Outcome::Unknown => format!("NOT VERIFIED: {}", problem()),
    }
}

fn write_checks(out: &mut String, checks: &[Check], indent: &str, width: usize) {
    use std::fmt::Write;
    for c in checks {
        let _ =
            writeln!(out, "{indent}{:<4}  {:<width$}  {}", state_word(c.state), c.check.label(), c.message);
    }
}

/// The text report: a headline per file, one line per check, then a summary.
pub fn render_text(reports: &[FileReport]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let (mut verified, mut warned, mut failed, mut unknown) = (0, 0, 0, 0);
    let mut tally = |outcome: Outcome| match outcome {
        Outcome::Verified => verified += 1,
        Outcome::Warning => warned += 1,
        Outcome::Failed => failed += 1,
        Outcome::Unknown => unknown += 1,
    };
    for report in reports {
        match &report.result {
            FileResult::Unreadable { outcome, error } => {
                tally(*outcome);
                let headline = if *outcome == Outcome::Unknown { "NOT VERIFIED" } else { "FAILED" };
                let _ = writeln!(out, "{}: {headline}: {error}", file_label(report));
            }
            FileResult::Verdict(v) => {
                tally(v.outcome);
                let _ = writeln!(out, "{}: {}", file_label(report), headline(v.outcome, &v.checks));
                write_checks(&mut out, &v.checks, "  ", 10);
            }
            FileResult::Presentation(p) => {
                tally(p.outcome);
                let _ =
                    writeln!(out, "{}: presentation {}", file_label(report), headline(p.outcome, &p.checks));
                write_checks(&mut out, &p.checks, "  ", 11);
                for (i, v) in p.credentials.iter().enumerate() {
                    let _ = writeln!(out, "  credential {}: {}", i + 1, headline(v.outcome, &v.checks));
                    write_checks(&mut out, &v.checks, "    ", 11);
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "{}: {verified} verified, {warned} with warnings, {failed} failed, {unknown} could not be checked",
        crate::ui::count(reports.len(), "file")
    );
    // Messages quote values from the credentials: no raw control or bidi character reaches
    // the terminal.
    crate::error::terminal_safe(&out).into_owned()
}
