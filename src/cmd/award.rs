//! `rosette award`: make, sign and file new awards, one from flags or many from a CSV file.
//! All or nothing: every row is checked and signed in memory before anything is written.

use crate::achievement::Achievement;
use crate::award::{AwardRequest, Evidence, Identity, Recipient, build_credential};
use crate::cli::AwardArgs;
use crate::config::{Config, KeyStatus, Visibility};
use crate::error::{CliError, Exit};
use crate::integrity::{self, Cryptosuite, ProofOptions};
use crate::jsonld::JsonLdProcessor;
use crate::keys::SecretKey;
use crate::model::date::{format_date_time, parse_date_time};
use crate::registry::{self, Registry};
use chrono::{DateTime, NaiveDate, Utc};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One award to make, from flags or a CSV row.
#[derive(Debug, Clone)]
struct Row {
    achievement: String,
    name: String,
    email: Option<String>,
    id: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
    evidence: Vec<String>,
    visibility: Option<Visibility>,
}

pub fn run(args: &AwardArgs) -> Result<Exit, CliError> {
    let root = args.root.as_path();
    let site = IssuingSite::open(root)?;
    // The rows first: a CSV that cannot work is reported before the key is asked for.
    let rows = match &args.csv {
        Some(csv) => read_csv(csv)?,
        None => vec![Row {
            achievement: args
                .achievement
                .clone()
                .ok_or_else(|| CliError::io("give --achievement (or --csv FILE)"))?,
            name: args.name.clone().ok_or_else(|| CliError::io("give --name (or --csv FILE)"))?,
            email: args.email.clone(),
            id: args.id.clone(),
            valid_from: args.valid_from.clone(),
            valid_until: args.valid_until.clone(),
            evidence: args.evidence.clone(),
            visibility: args.visibility.map(Visibility::from),
        }],
    };
    warn_untranslated(&site, rows.iter().map(|r| r.achievement.as_str()));
    let key = crate::cmd::sign::load_key(args.key.as_deref())?;
    let vm = site.signing_method(&key)?;
    let _lock = crate::fs::lock(&site.badges.join("status"))?;
    let mut registry = site.registry()?;
    let jsonld = JsonLdProcessor::new();
    let now = format_date_time(chrono::Utc::now());
    let lists_before = registry.lists.len();
    // Every row is checked, and given its status entries, before anything is signed: a CSV
    // with a bad row 90,000 fails in a second, not after minutes of signing.
    let prepared = prepare_rows(&site, &rows, args.csv.is_some(), &mut registry, &now);
    let prepared = prepared.map_err(|problems| grouped_error(problems, rows.len()))?;
    // Then signed on every core (signing is RDF canonicalization, the slow part).
    let progress = if rows.len() > 1 {
        crate::ui::progress(rows.len() as u64, "signing")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let options = ProofOptions {
        suite: Cryptosuite::EddsaRdfc2022,
        verification_method: vm.clone(),
        created: Some(now.clone()),
    };
    // Each is kept as its file's bytes only: 100,000 parsed credentials would not fit in
    // bounded memory.
    let signed: Vec<Result<Signed, RowProblem>> = prepared
        .into_par_iter()
        .map(|mut p| {
            progress.inc(1);
            let signed = integrity::create_proof(&jsonld, &p.unsigned, &options, &key)
                .map_err(|e| (p.row, format!("cannot be signed: {e}")))?;
            p.unsigned = serde_json::Value::Null;
            let id = signed["id"].as_str().unwrap_or_default().to_string();
            Ok((p, pretty(&signed), id))
        })
        .collect();
    progress.finish_and_clear();
    let problems: Vec<RowProblem> = signed.iter().filter_map(|r| r.as_ref().err().cloned()).collect();
    if !problems.is_empty() {
        return Err(grouped_error(problems, rows.len()));
    }
    let mut writes: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut made = Vec::new();
    for (p, bytes, id) in signed.into_iter().flatten() {
        let path = site.badges.join("awards").join(format!("{}.json", p.slug));
        writes.insert(path.clone(), bytes);
        if let Some(v) = p.visibility.filter(|v| *v != site.config.privacy.default_visibility) {
            let word = if v == Visibility::Unlisted { "unlisted" } else { "public" };
            writes.insert(path.with_extension("toml"), format!("visibility = \"{word}\"\n").into_bytes());
        }
        made.push(id);
    }
    // New lists are signed once, empty; existing ones are unchanged by an award.
    for list in &registry.lists[lists_before..] {
        let unsigned = registry.list_credential(list, &site.config.did(), &now);
        let options = ProofOptions {
            suite: Cryptosuite::EddsaRdfc2022,
            verification_method: vm.clone(),
            created: Some(now.clone()),
        };
        let signed = integrity::create_proof(&jsonld, &unsigned, &options, &key)
            .map_err(|e| CliError::invalid("could not sign the status list").caused_by(e))?;
        writes.insert(site.badges.join(&list.file), pretty(&signed));
    }
    // Each file is written atomically; the order makes a run killed between two files
    // harmless: new status lists, then the registry (every index is recorded before any
    // credential carries it, so none is ever handed out twice), then the credentials.
    let registry_path = site.badges.join(registry::REGISTRY_PATH);
    let registry_bytes = registry.to_toml().into_bytes();
    let (lists, credentials): (Vec<_>, Vec<_>) =
        writes.iter().partition(|(path, _)| path.starts_with(site.badges.join("status")));
    let ordered = lists.into_iter().chain([(&registry_path, &registry_bytes)]).chain(credentials);
    for (path, bytes) in ordered {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CliError::io_at(dir, "create", &e))?;
        }
        crate::fs::write_atomic(path, bytes)?;
    }
    for id in &made {
        println!("{id}");
    }
    crate::ui::status(format!(
        "awarded {}; run `rosette build` to publish",
        crate::ui::count(made.len(), "badge")
    ));
    Ok(Exit::Ok)
}

/// Warns, once per achievement, about text given in languages the credential cannot carry
/// (see [`Achievement::untranslated`]).
pub fn warn_untranslated<'a>(site: &IssuingSite, slugs: impl IntoIterator<Item = &'a str>) {
    let used: std::collections::BTreeSet<&str> = slugs.into_iter().collect();
    let language = site.config.language.as_str();
    for a in used.into_iter().filter_map(|slug| site.achievements.get(slug)) {
        let fields = a.untranslated(language);
        if fields.is_empty() {
            continue;
        }
        let own = a.language(language).unwrap_or_else(|| language.to_string());
        let named: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
        crate::ui::warning(format!(
            "achievement `{}`: its {} in languages other than `{own}` {} left out of the credential\n  \
             hint: Open Badges 3.0 gives an achievement's translations (`related`, with `inLanguage`) a name \
             and a description only",
            a.slug,
            named.join(" and "),
            if fields.len() == 1 { "is" } else { "are" }
        ));
    }
}

/// A row that failed, by its number, and why.
type RowProblem = (usize, String);

/// A signed row: the row, its file's bytes and its credential id.
type Signed = (Prepared, Vec<u8>, String);

/// A row checked and ready to sign.
struct Prepared {
    /// Its row number in the CSV (1 for an award from flags).
    row: usize,
    slug: String,
    unsigned: serde_json::Value,
    visibility: Option<Visibility>,
}

/// Checks every row and makes its unsigned credential, with status entries from `registry`;
/// every problem, by row, when any row cannot be made.
fn prepare_rows(
    site: &IssuingSite,
    rows: &[Row],
    csv: bool,
    registry: &mut Registry,
    now: &str,
) -> Result<Vec<Prepared>, Vec<(usize, String)>> {
    let capacity = list_capacity();
    let mut allocator = registry.allocator(&site.config.base_url, capacity);
    let mut random = || rand_u64();
    let mut prepared = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        // The CSV's own line number: its header is line 1.
        let number = if csv { i + 2 } else { 1 };
        match make_award(site, row, csv, &mut allocator, &mut random, now) {
            Ok((slug, unsigned)) => {
                let mut credential = crate::model::Credential { value: unsigned };
                match crate::cmd::sign::prepare(&mut credential) {
                    Ok(_) => prepared.push(Prepared {
                        row: number,
                        slug,
                        unsigned: credential.value,
                        visibility: row.visibility,
                    }),
                    Err(reason) => problems.push((number, format!("cannot be signed: {reason}"))),
                }
            }
            Err(e) => problems.push((number, e)),
        }
    }
    if problems.is_empty() { Ok(prepared) } else { Err(problems) }
}

/// How many entries a status list takes before `award` starts the next: half of its 131,072.
/// `ROSETTE_TEST_STATUS_LIST_CAPACITY` lowers it, for the tests only: a test can then fill a
/// list with a handful of awards instead of 65,536.
fn list_capacity() -> u64 {
    std::env::var("ROSETTE_TEST_STATUS_LIST_CAPACITY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(registry::DEFAULT_CAPACITY)
}

/// One error for every failed row, each reason once, with the rows it applies to as ranges
/// (`rows 2-5, 9`); an award from flags (row 1 of 1) has no row to name.
fn grouped_error(problems: Vec<(usize, String)>, rows: usize) -> CliError {
    let mut reasons: Vec<(String, Vec<usize>)> = Vec::new();
    for (row, reason) in problems.iter().cloned() {
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, at)) => at.push(row),
            None => reasons.push((reason, vec![row])),
        }
    }
    let mut err = CliError::invalid(format!("no award was written: {} of {} failed", problems.len(), rows));
    for (reason, at) in reasons {
        err = err.caused_by(if rows == 1 { reason } else { format!("{}: {reason}", row_ranges(&at)) });
    }
    err
}

/// `row 7`, or `rows 2-5, 9 (5 rows)`; past eight ranges, the rest is counted, not listed.
fn row_ranges(rows: &[usize]) -> String {
    if let [one] = rows {
        return format!("row {one}");
    }
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &r in rows {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == r => *end = r,
            _ => ranges.push((r, r)),
        }
    }
    let shown: Vec<String> = ranges
        .iter()
        .take(8)
        .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
        .collect();
    let more = if ranges.len() > 8 { ", …" } else { "" };
    format!("rows {}{more} ({} rows)", shown.join(", "), crate::text::thousands(rows.len()))
}

fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// How a message names a field of a [`Row`]: the CSV column, or the flag.
fn field(csv: bool, column: &str) -> String {
    if csv { column.to_string() } else { format!("--{}", column.replace('_', "-")) }
}

/// Parses a `valid_from` or `valid_until` value. A date alone is refused, as it always was (the
/// instant of that day, and in which zone, would be a guess), but the message shows the
/// date-time to write instead (issue #17).
fn parse_time(name: &str, value: &str) -> Result<DateTime<Utc>, String> {
    if let Some(t) = parse_date_time(value) {
        return Ok(t);
    }
    let how = "`Z` is UTC; an offset such as `+02:00` works too";
    if NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok() {
        Err(format!("{name} `{value}` is a date without a time: write `{value}T00:00:00Z` ({how})"))
    } else {
        Err(format!("{name} `{value}` is not a date-time: write it as `2027-06-30T00:00:00Z` ({how})"))
    }
}

fn make_award(
    site: &IssuingSite,
    row: &Row,
    csv: bool,
    allocator: &mut registry::Allocator<'_>,
    random: &mut dyn FnMut() -> u64,
    now: &str,
) -> Result<(String, serde_json::Value), String> {
    let achievement = site.achievements.get(&row.achievement).ok_or_else(|| {
        let known: Vec<&str> = site.achievements.keys().map(String::as_str).collect();
        format!("unknown achievement `{}` (known: {})", row.achievement, known.join(", "))
    })?;
    if row.name.trim().is_empty() {
        return Err("the recipient's name is empty".into());
    }
    let (from_field, until_field) = (field(csv, "valid_from"), field(csv, "valid_until"));
    let valid_from = match &row.valid_from {
        Some(t) => format_date_time(parse_time(&from_field, t)?),
        None => now.to_string(),
    };
    let valid_until = match &row.valid_until {
        Some(t) => {
            let until = parse_time(&until_field, t)?;
            if Some(until) <= parse_date_time(&valid_from) {
                return Err(format!("{until_field} `{t}` is not after {from_field} `{valid_from}`"));
            }
            Some(format_date_time(until))
        }
        None => None,
    };
    if let (Some(retired), Some(from)) = (achievement.retired, parse_date_time(&valid_from))
        && from >= retired
    {
        return Err(format!(
            "achievement `{}` was retired on {}",
            achievement.slug,
            format_date_time(retired)
        ));
    }
    let identity = match (&row.email, &row.id) {
        (Some(e), None) if e.contains('@') && !e.trim().contains(char::is_whitespace) => {
            Identity::Email { address: e.trim().to_string(), salt: random_hex(random, 16) }
        }
        (Some(e), None) => return Err(format!("`{e}` is not an e-mail address")),
        (None, Some(id)) if id.starts_with("did:") || crate::markdown::is_safe_url(id) => {
            Identity::Id(id.clone())
        }
        (None, Some(id)) => return Err(format!("`{id}` is not a DID or an http(s) URL")),
        (Some(_), Some(_)) => return Err("give an e-mail address or an id, not both".into()),
        (None, None) => return Err("give the recipient's e-mail address or id".into()),
    };
    let evidence = row
        .evidence
        .iter()
        .map(|url| {
            if crate::markdown::is_safe_url(url) {
                Ok(Evidence { url: url.clone(), name: None })
            } else {
                Err(format!("evidence `{url}` is not an http(s) URL"))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let year = valid_from.get(..4).unwrap_or("0000");
    let slug = format!("{year}-{}", random_base32(random, 20));
    let id = crate::award::award_id(&site.config, &slug);
    let mut status = Vec::new();
    let mut purposes = vec!["revocation"];
    if site.config.status.suspension {
        purposes.push("suspension");
    }
    for purpose in purposes {
        let (list, index) = allocator.allocate(purpose, &id, random);
        status.push(registry::status_entry(&list, index));
    }
    let request = AwardRequest {
        slug: slug.clone(),
        recipient: Recipient { name: row.name.trim().to_string(), identity },
        valid_from,
        valid_until,
        evidence,
        status,
    };
    Ok((slug, build_credential(&site.config, achievement, &request)))
}

/// The parts of a site the issuing commands (award, reissue, revoke, bake, remove-holder) need:
/// its configuration and achievements, without reading or verifying its awards as
/// [`crate::site::Site`] does.
pub struct IssuingSite {
    pub config: Config,
    pub badges: PathBuf,
    pub achievements: BTreeMap<String, Achievement>,
}

impl IssuingSite {
    pub fn open(root: &Path) -> Result<Self, CliError> {
        let (config, _) = crate::site::load::read_config(root)?;
        let mut achievements = BTreeMap::new();
        for (name, parsed) in crate::site::load::achievement_files(root) {
            let a = parsed
                .map_err(|e| CliError::invalid(format!("`achievements/{name}` is not valid")).caused_by(e))?;
            achievements.insert(a.slug.clone(), a);
        }
        Ok(IssuingSite { config, badges: root.join("badges"), achievements })
    }

    pub fn registry(&self) -> Result<Registry, CliError> {
        crate::site::load::read_registry(&self.badges)
    }

    /// The verification method of `key` in this site's DID: it must be an active key.
    pub fn signing_method(&self, key: &SecretKey) -> Result<String, CliError> {
        let keys = self
            .config
            .site_keys()
            .map_err(|e| CliError::invalid("`rosette.toml` is not valid").caused_by(e))?;
        let public = key.public_key();
        match keys.iter().find(|k| k.public_key == public) {
            Some(k) if k.status == KeyStatus::Active => Ok(format!("{}#{}", self.config.did(), k.fragment)),
            Some(k) => {
                Err(CliError::invalid(format!("key `{}` is retired; sign with the active key", k.fragment)))
            }
            None => {
                Err(CliError::invalid(format!("this key ({}) is not in rosette.toml", public.to_multibase()))
                    .hint("add it under [[keys]], or use `rosette keygen --rotate`"))
            }
        }
    }
}

fn read_csv(path: &Path) -> Result<Vec<Row>, CliError> {
    let bytes = crate::fs::read(path)?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(&bytes[..]);
    let headers = reader
        .headers()
        .map_err(|e| CliError::invalid(format!("`{}` is not valid CSV", path.display())).caused_by(e))?
        .clone();
    const KNOWN: [&str; 8] =
        ["achievement", "name", "email", "id", "valid_from", "valid_until", "evidence", "visibility"];
    if let Some(unknown) = headers.iter().find(|h| !KNOWN.contains(h)) {
        return Err(CliError::invalid(format!("`{}`: unknown column `{unknown}`", path.display()))
            .hint(format!("the columns are: {}", KNOWN.join(", "))));
    }
    // A required column that is missing would fail every row with the same blank value
    // ("row 2: unknown achievement ``"): say so once, before any row.
    let has = |col: &str| headers.iter().any(|h| h == col);
    let mut missing = Vec::new();
    for col in ["achievement", "name"] {
        if !has(col) {
            missing.push(format!("`{col}`"));
        }
    }
    if !has("email") && !has("id") {
        missing.push("`email` or `id`".to_string());
    }
    if !headers.is_empty() && !missing.is_empty() {
        let found: Vec<String> = headers.iter().map(|h| format!("`{h}`")).collect();
        return Err(CliError::invalid(format!(
            "`{}` has no {} column (it has {}): no award was written",
            path.display(),
            missing.join(" and no "),
            found.join(", ")
        ))
        .hint(
            "the first line names the columns: `achievement`, `name`, and `email` or `id` are \
             required; `valid_from`, `valid_until`, `evidence`, `visibility` are optional",
        ));
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("row {}: {e}", i + 2));
                continue;
            }
        };
        let get = |col: &str| {
            headers
                .iter()
                .position(|h| h == col)
                .and_then(|p| record.get(p))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let visibility = match get("visibility").as_deref() {
            None => None,
            Some("public") => Some(Visibility::Public),
            Some("unlisted") => Some(Visibility::Unlisted),
            Some(other) => {
                problems.push(format!("row {}: visibility `{other}` is not public or unlisted", i + 2));
                continue;
            }
        };
        rows.push(Row {
            achievement: get("achievement").unwrap_or_default(),
            name: get("name").unwrap_or_default(),
            email: get("email"),
            id: get("id"),
            valid_from: get("valid_from"),
            valid_until: get("valid_until"),
            evidence: get("evidence")
                .map(|e| e.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            visibility,
        });
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(CliError::invalid(format!("`{}` has no rows: no award was written", path.display()))
            .hint("the first line names the columns; each line after it is one award"));
    }
    if !problems.is_empty() {
        let mut err = CliError::invalid(format!("`{}`: no award was written", path.display()));
        for p in problems {
            err = err.caused_by(p);
        }
        return Err(err);
    }
    Ok(rows)
}

fn rand_u64() -> u64 {
    use rand_core::RngCore;
    rand_core::OsRng.next_u64()
}

fn random_hex(random: &mut dyn FnMut() -> u64, bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", random() as u8)).collect()
}

fn random_base32(random: &mut dyn FnMut() -> u64, chars: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    (0..chars).map(|_| ALPHABET[(random() % 32) as usize] as char).collect()
}
