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
use crate::notify::compose::{Composer, Notice};
use crate::notify::outbox::{Outbox, Staging};
use crate::registry::{self, Registry};
use crate::templates::Theme;
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
    // Every row's own fields are checked before the key, the lock or the registry: a CSV with
    // an unknown achievement on row 90,000 fails at once, with nothing read or written.
    let json = args.format == crate::cli::Format::Json;
    let failed = |problems: Vec<RowProblem>| {
        if json {
            print_json(&[], &problems);
        }
        grouped_error(problems, rows.len(), args.csv.is_some())
    };
    check_rows(&site, &rows, args.csv.is_some()).map_err(failed)?;
    // The notices' theme and sender, and a first notice composed, before the key is read: a
    // template that fails stops the batch here, not after signing.
    let theme = notices_theme(root, &site, &rows, args.no_notify)?;
    let composer = theme.as_ref().and_then(|theme| Composer::new(theme, &site.config));
    let no_sender = theme.is_some() && composer.is_none();
    if let Some(composer) = &composer {
        check_notices(composer, &rows, args.csv.is_some()).map_err(failed)?;
    }
    // Counted once (a walk of every file under badges/), then checked again below with the
    // lists the batch starts.
    let existing = site.credential_files()?;
    check_capacity(&site, existing, rows.len())?;
    let key = crate::cmd::sign::load_key(args.key.as_deref())?;
    let vm = site.signing_method(&key)?;
    let _lock = crate::fs::lock(&site.badges.join("status"))?;
    let mut registry = site.registry()?;
    registry.load_newest(&site.badges)?;
    let jsonld = JsonLdProcessor::new();
    let now = format_date_time(chrono::Utc::now());
    let lists_before = registry.lists.len();
    // Every row is checked, and given its status entries, before anything is signed: a CSV
    // with a bad row 90,000 fails in a second, not after minutes of signing.
    let prepared = prepare_rows(&site, &rows, args.csv.is_some(), &mut registry, &now);
    let prepared = prepared.map_err(failed)?;
    // The status lists this batch starts are credential files too.
    check_capacity(&site, existing, rows.len() + registry.lists.len() - lists_before)?;
    // Then signed on every core (signing is RDF canonicalization, the slow part), a chunk at
    // a time, each award straight to a temporary file beside its final name: memory holds a
    // chunk of credentials, not the whole CSV.
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
    let awards_dir = site.badges.join("awards");
    std::fs::create_dir_all(&awards_dir).map_err(|e| CliError::io_at(&awards_dir, "create", &e))?;
    let outbox = match &composer {
        Some(composer) => Some((composer, Outbox::of(root).stage()?)),
        None => None,
    };
    let notices = outbox.as_ref().map(|(composer, staging)| (*composer, staging));
    let mut staged = Vec::with_capacity(prepared.len());
    let mut problems = Vec::new();
    for chunk in prepared.chunks(SIGNING_CHUNK) {
        let signed: Vec<Result<Staged, RowProblem>> = chunk
            .par_iter()
            .map(|p| {
                progress.inc(1);
                sign_to_file(&site, p, &jsonld, &options, &key, &awards_dir, notices)
            })
            .collect();
        for result in signed {
            match result {
                Ok(s) => staged.push(s),
                Err(problem) => problems.push(problem),
            }
        }
    }
    progress.finish_and_clear();
    if !problems.is_empty() {
        // The temporary files go with `staged`.
        return Err(failed(problems));
    }
    let mut writes: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    for s in &staged {
        if let Some(v) = s.visibility.filter(|v| *v != site.config.privacy.default_visibility) {
            let word = if v == Visibility::Unlisted { "unlisted" } else { "public" };
            writes.insert(s.path.with_extension("toml"), format!("visibility = \"{word}\"\n").into_bytes());
        }
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
    let status = site.badges.join("status");
    let (lists, visibility): (Vec<(PathBuf, Vec<u8>)>, Vec<_>) =
        writes.into_iter().partition(|(path, _)| path.starts_with(&status));
    for (path, bytes) in &lists {
        crate::fs::write_atomic(path, bytes)?;
    }
    registry.write(&site.badges)?;
    crate::fs::write_all_atomic(&visibility)?;
    // The awards, thousands at once: one flush to disk for all of them, then each renamed
    // into place.
    let made: Vec<String> = staged.iter().map(|s| s.id.clone()).collect();
    let noticed: Vec<String> = staged.iter().filter(|s| s.notice).map(|s| s.slug.clone()).collect();
    crate::fs::publish_staged(staged.into_iter().map(|s| (s.file, s.path)).collect())?;
    // The notices after their awards: a run killed in between leaves awards without a
    // notice, never a notice of an award that does not exist.
    let notices = match outbox {
        Some((_, staging)) => staging.publish(&noticed)?,
        None => 0,
    };
    if json {
        print_json(&made, &[]);
    } else {
        for id in &made {
            println!("{id}");
        }
    }
    crate::ui::status(format!(
        "awarded {}; run `rosette build` to publish",
        crate::ui::count(made.len(), "badge")
    ));
    if no_sender {
        crate::ui::warning(
            "no e-mail notice was written: rosette.toml names no sender\n  hint: set `from` in a [notify] \
             table (or `email` in [issuer]) to have `award` write each earner's notice for `rosette notify`; \
             --no-notify leaves them out without this warning",
        );
    }
    if notices > 0 {
        crate::ui::status(format!(
            "wrote {} to `outbox/pending/`; run `rosette notify` once the site is published",
            crate::ui::count(notices, "e-mail notice")
        ));
    }
    Ok(Exit::Ok)
}

/// The theme the notices are written with, when any are to be: some row has an address and
/// `--no-notify` was not given.
fn notices_theme(
    root: &Path,
    site: &IssuingSite,
    rows: &[Row],
    no_notify: bool,
) -> Result<Option<Theme>, CliError> {
    if no_notify || rows.iter().all(|r| r.email.is_none()) {
        return Ok(None);
    }
    Theme::load(root, &site.config.theme).map(Some)
}

/// Composes a notice for every row with an address, as `award` will once the awards are
/// made (with a stand-in id): an address no message can carry, or a template that fails,
/// is a problem of its row before anything is signed.
fn check_notices(composer: &Composer<'_>, rows: &[Row], csv: bool) -> Result<(), Vec<RowProblem>> {
    let mut problems = Vec::new();
    let achievement = serde_json::json!({"name": "achievement"});
    let mut template_checked = false;
    for (i, row) in rows.iter().enumerate() {
        let Some(address) = row.email.as_deref().map(str::trim) else { continue };
        let number = if csv { i + 2 } else { 1 };
        if !crate::notify::compose::is_deliverable(address) {
            problems.push((
                number,
                "the e-mail address cannot be a message's recipient (pass --no-notify to award without a notice)"
                    .to_string(),
            ));
            continue;
        }
        // The templates fail alike for every row, or not at all: composed once.
        if !template_checked {
            template_checked = true;
            let notice = Notice {
                slug: "0000-check",
                recipient: &row.name,
                address,
                achievement: &achievement,
                valid_from: None,
                valid_until: None,
            };
            if let Err(e) = composer.compose(&notice, chrono::Utc::now()) {
                problems.push((number, e));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
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

/// A row checked and ready to sign: what its credential is made from (a few hundred bytes;
/// the credential itself is made again when it is signed).
struct Prepared {
    /// Its row number in the CSV (1 for an award from flags).
    row: usize,
    /// The achievement's slug.
    achievement: String,
    request: AwardRequest,
    visibility: Option<Visibility>,
}

/// How many awards are signed between two writes: enough to keep both cores busy, few enough
/// that their credentials are a few megabytes.
const SIGNING_CHUNK: usize = 1024;

/// A signed award in its temporary file, not yet in place.
struct Staged {
    file: crate::fs::TempPath,
    path: PathBuf,
    id: String,
    /// The award's file name without `.json`, which names its notice too.
    slug: String,
    visibility: Option<Visibility>,
    /// Whether its notice is staged in the outbox.
    notice: bool,
}

/// The unsigned credential of a prepared row, as `sign` would take it.
fn unsigned(site: &IssuingSite, p: &Prepared) -> Result<serde_json::Value, String> {
    let achievement = site.achievements.get(&p.achievement).ok_or("unknown achievement")?;
    let mut credential =
        crate::model::Credential { value: build_credential(&site.config, achievement, &p.request) };
    crate::cmd::sign::prepare(&mut credential).map_err(|reason| format!("cannot be signed: {reason}"))?;
    Ok(credential.value)
}

/// Signs a prepared row and writes it to a temporary file in `dir`; with `notices`, its
/// recipient's notice too, when it has an address.
fn sign_to_file(
    site: &IssuingSite,
    p: &Prepared,
    jsonld: &JsonLdProcessor,
    options: &ProofOptions,
    key: &SecretKey,
    dir: &Path,
    notices: Option<(&Composer<'_>, &Staging)>,
) -> Result<Staged, RowProblem> {
    let unsigned = unsigned(site, p).map_err(|e| (p.row, e))?;
    let signed = integrity::create_proof(jsonld, &unsigned, options, key)
        .map_err(|e| (p.row, format!("cannot be signed: {e}")))?;
    let path = dir.join(format!("{}.json", p.request.slug));
    let file = crate::fs::stage(&path, &pretty(&signed)).map_err(|e| (p.row, e.to_string()))?;
    let id = signed["id"].as_str().unwrap_or_default().to_string();
    let mut notice = false;
    if let (Some((composer, staging)), Identity::Email { address, .. }) =
        (notices, &p.request.recipient.identity)
    {
        let made = Notice {
            slug: &p.request.slug,
            recipient: &p.request.recipient.name,
            address,
            achievement: &signed["credentialSubject"]["achievement"],
            valid_from: parse_date_time(&p.request.valid_from),
            valid_until: p.request.valid_until.as_deref().and_then(parse_date_time),
        };
        // Dated as the award is: its proof's `created`.
        let date = options.created.as_deref().and_then(parse_date_time).unwrap_or_else(chrono::Utc::now);
        let composed = composer.compose(&made, date).map_err(|e| (p.row, e))?;
        staging.add(&p.request.slug, &composed).map_err(|e| (p.row, e.to_string()))?;
        notice = true;
    }
    Ok(Staged { file, path, id, slug: p.request.slug.clone(), visibility: p.visibility, notice })
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
        let made =
            make_award(site, row, csv, Some(&mut allocator), &mut random, now).map(|request| Prepared {
                row: number,
                achievement: row.achievement.clone(),
                request,
                visibility: row.visibility,
            });
        // Made once here to check it (a credential that could not be signed fails the batch
        // before any signing), then dropped: it is made again when signed.
        match made.and_then(|p| unsigned(site, &p).map(|_| p)) {
            Ok(p) => prepared.push(p),
            Err(e) => problems.push((number, e)),
        }
    }
    if problems.is_empty() { Ok(prepared) } else { Err(problems) }
}

/// `--format json`: the awards made, and every row that failed with its reason (all of them,
/// where the text error groups them).
fn print_json(made: &[String], problems: &[RowProblem]) {
    let failed: Vec<serde_json::Value> =
        problems.iter().map(|(row, reason)| serde_json::json!({"row": row, "reason": reason})).collect();
    let out = serde_json::json!({"awarded": made, "failed": failed});
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}

/// The problems of every row that cannot be an award, whatever the registry holds: unknown or
/// retired achievements, names, addresses, ids, dates and evidence.
fn check_rows(site: &IssuingSite, rows: &[Row], csv: bool) -> Result<(), Vec<RowProblem>> {
    let now = format_date_time(chrono::Utc::now());
    let mut random = || 0;
    let problems: Vec<RowProblem> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let number = if csv { i + 2 } else { 1 };
            make_award(site, row, csv, None, &mut random, &now).err().map(|e| (number, e))
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Refuses a batch that would take the site past `[limits] max_credentials`, which `build`
/// would then refuse: before anything is signed, not after.
fn check_capacity(site: &IssuingSite, existing: usize, new: usize) -> Result<(), CliError> {
    let max = site.config.limits.max_credentials;
    if existing + new <= max {
        return Ok(());
    }
    Err(CliError::invalid(format!(
        "no award was written: {} more would make {} credential files under `badges/` (awards and status lists), \
         and the site takes at most {} (`max_credentials`)",
        crate::text::thousands(new),
        crate::text::thousands(existing + new),
        crate::text::thousands(max)
    ))
    .hint("raise `max_credentials` in the [limits] table of rosette.toml"))
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
/// (`rows 2-5, 9`); an award from flags has no row to name.
fn grouped_error(problems: Vec<(usize, String)>, rows: usize, csv: bool) -> CliError {
    let mut reasons: Vec<(String, Vec<usize>)> = Vec::new();
    for (row, reason) in problems.iter().cloned() {
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, at)) => at.push(row),
            None => reasons.push((reason, vec![row])),
        }
    }
    let mut err = CliError::invalid(format!("no award was written: {} of {} failed", problems.len(), rows));
    for (reason, at) in reasons {
        err = err.caused_by(if csv { format!("{}: {reason}", row_ranges(&at)) } else { reason });
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
    allocator: Option<&mut registry::Allocator<'_>>,
    random: &mut dyn FnMut() -> u64,
    now: &str,
) -> Result<AwardRequest, String> {
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
    // Without an allocator the row is only checked (see `check_rows`).
    if let Some(allocator) = allocator {
        for purpose in purposes {
            let (list, index) = allocator.allocate(purpose, &id, random);
            status.push(registry::status_entry(&list, index));
        }
    }
    Ok(AwardRequest {
        slug,
        recipient: Recipient { name: row.name.trim().to_string(), identity },
        valid_from,
        valid_until,
        evidence,
        status,
    })
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

    /// The file names, without `.json`, of the awards in `badges/awards/`, sorted; none when
    /// it does not exist.
    pub fn award_slugs(&self) -> Result<Vec<String>, CliError> {
        let dir = self.badges.join("awards");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CliError::io_at(&dir, "read", &e)),
        };
        let mut slugs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| CliError::io_at(&dir, "read", &e))?;
            let name = entry.file_name();
            if let Some(slug) = name.to_str().and_then(|n| n.strip_suffix(".json")) {
                slugs.push(slug.to_string());
            }
        }
        slugs.sort();
        Ok(slugs)
    }

    /// How many credential files `badges/` holds, counted as `build` counts them against
    /// `[limits] max_credentials`: every `*.json` (awards, status lists, endorsements).
    pub fn credential_files(&self) -> Result<usize, CliError> {
        let mut count = 0;
        for entry in walkdir::WalkDir::new(&self.badges).follow_links(false) {
            let entry = entry.map_err(|e| {
                CliError::io(format!("could not read `{}`", self.badges.display())).caused_by(e)
            })?;
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_file() && name.ends_with(".json") && !name.starts_with('.') {
                count += 1;
            }
        }
        Ok(count)
    }

    /// The award files of `badges/awards/`, sorted.
    pub fn award_files(&self) -> Result<Vec<PathBuf>, CliError> {
        let dir = self.badges.join("awards");
        Ok(self.award_slugs()?.into_iter().map(|slug| dir.join(format!("{slug}.json"))).collect())
    }

    pub fn registry(&self) -> Result<Registry, CliError> {
        Registry::read(&self.badges)
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
