//! Load: `rosette.toml`, every file under `badges/`, and the theme. Nothing is judged here;
//! a file that is not valid JSON is kept with its parse error so the report can name it.

use super::cache::{Files, Stamp};
use crate::config::{Config, LimitsConfig};
use crate::error::SiteError;
use crate::model::{Credential, ParseError};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One `*.json` file under `badges/`. Neither its bytes nor its parsed value are kept: a site
/// of 100,000 credentials would hold gigabytes of them for the whole build (issue #5). The
/// verifier and the renderer read the file again ([`InputFile::read`]).
#[derive(Debug)]
pub struct InputFile {
    /// Path relative to `badges/`, `/`-separated (`awards/a.json`).
    pub rel: String,
    /// The `badges/` folder, shared: a million files' paths, each in full, were 100 MB.
    pub badges: std::sync::Arc<Path>,
    /// What a first reading found, or why the file is not a credential.
    pub parsed: Result<Parsed, ParseError>,
    /// The award's settings from the `.toml` file beside it, if any.
    pub meta: AwardMeta,
    /// The file's stamp on disk when it was loaded, and what the cache's memo of `badges/`
    /// says reading it found, when the file still has the stamp it had then (it is then not
    /// read again unless its verdict must be made afresh).
    pub stamp: Option<Stamp>,
    pub known: Option<Box<Known>>,
}

/// What reading a credential file found, kept in the cache's memo of `badges/`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Known {
    /// The SHA-256 of its bytes, in hex.
    pub digest: String,
    pub parsed: Parsed,
    pub stated: Stated,
}

/// What a credential states that a build needs of it besides its verdict.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Stated {
    pub id: Option<String>,
    /// An OB 3.0 AchievementCredential (not a status list).
    pub achievement_credential: bool,
    /// Its page's path, or why it cannot have one.
    pub page: Result<String, String>,
    pub achievement: String,
    #[serde(with = "instant")]
    pub valid_from: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(with = "instant")]
    pub valid_until: Option<chrono::DateTime<chrono::Utc>>,
    /// A hash of the achievement as stated, when the site has achievement files (else 0).
    pub achievement_digest: u64,
}

/// An instant as seconds and nanoseconds since the epoch: exact, and a tenth the work of a
/// date to parse.
mod instant {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        t.map(|t| (t.timestamp(), t.timestamp_subsec_nanos())).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let t = Option::<(i64, u32)>::deserialize(d)?;
        t.map(|(secs, nanos)| {
            DateTime::from_timestamp(secs, nanos).ok_or_else(|| serde::de::Error::custom("not an instant"))
        })
        .transpose()
    }
}

/// The little that loading keeps of a credential that parses.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Parsed {
    /// Whether it is a `BitstringStatusListCredential` (those are few, and read up front).
    pub status_list: bool,
    /// The `verificationMethod` of each of its proofs (for `rosette check`'s key lints).
    pub verification_methods: Vec<String>,
}

impl Parsed {
    pub fn of(credential: &Credential) -> Parsed {
        Parsed {
            status_list: credential.types().contains(&"BitstringStatusListCredential"),
            verification_methods: crate::integrity::proofs(&credential.value)
                .into_iter()
                .filter_map(|p| p.get("verificationMethod").and_then(serde_json::Value::as_str))
                .map(str::to_string)
                .collect(),
        }
    }
}

impl InputFile {
    /// Where it is on disk.
    pub fn path(&self) -> PathBuf {
        self.badges.join(&self.rel)
    }

    /// What reports call it (`badges/awards/a.json`).
    pub fn display(&self) -> String {
        format!("badges/{}", self.rel)
    }

    /// Reads and parses the file again, under the same limits as [`load`]. The text of the
    /// `Err` says what went wrong (the file changed or vanished since it was loaded).
    pub fn read(&self, limits: &LimitsConfig) -> Result<(Vec<u8>, Credential), String> {
        let changed = "the file changed while the site was being built";
        let bytes = crate::fs::read_at_most(&self.path(), limits.max_file_size)
            .map_err(|_| format!("{changed}: it can no longer be read"))?;
        if bytes.len() as u64 > limits.max_file_size {
            return Err(changed.to_string());
        }
        let credential = Credential::parse_with_depth(&bytes, limits.max_json_depth)
            .map_err(|e| format!("{changed}: {e}"))?;
        Ok((bytes, credential))
    }
}

/// Per-award settings kept beside the credential (`awards/x.toml` next to `awards/x.json`),
/// outside the signature.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardMeta {
    /// `public` or `unlisted`; default: rosette.toml's privacy.default_visibility.
    #[serde(default)]
    pub visibility: Option<crate::config::Visibility>,
}

/// An award removed at its holder's request: only its id and the date remain
/// (`awards/x.toml` with no `awards/x.json`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    /// The removed award's credential id.
    pub id: String,
    /// When it was removed.
    pub removed: String,
}

/// Any other file under `badges/` (images and the like), copied to the same place.
#[derive(Debug)]
pub struct Asset {
    pub rel: String,
    pub path: PathBuf,
}

/// Everything a build reads.
#[derive(Debug)]
pub struct SiteInput {
    pub config: Config,
    pub files: Vec<InputFile>,
    pub assets: Vec<Asset>,
    /// Problems found while reading (unreadable files, oversized files).
    pub problems: Vec<super::Problem>,
    /// The issuer's status registry (revocation reasons), when there is one.
    pub registry: crate::registry::Registry,
    /// Awards removed at their holder's request.
    pub removed: Vec<Removed>,
    /// The files of `achievements/`, each parsed or why not (those that do not parse are in
    /// `problems` too), for `rosette check` to lint without reading them again.
    pub achievements: Vec<(String, Result<crate::achievement::Achievement, String>)>,
    /// When achievements were retired, by the path of their page (`achievements/<slug>`):
    /// credentials do not say an achievement is no longer awarded; `achievements/` files do.
    pub retired: BTreeMap<String, chrono::DateTime<chrono::Utc>>,
    /// The hash of `rosette.toml` as read, for the cache keys that depend on it.
    pub config_hash: String,
}

/// Reads and parses `root/rosette.toml`, for every command that needs it; returns its text
/// too, which the build hashes.
pub fn read_config(root: &Path) -> Result<(Config, String), SiteError> {
    let config_path = root.join("rosette.toml");
    let text = std::fs::read_to_string(&config_path).map_err(|e| {
        let err = SiteError::io_at(&config_path, "read", &e);
        if e.kind() == std::io::ErrorKind::NotFound {
            err.hint("run rosette in a site directory (one with rosette.toml and badges/)")
        } else {
            err
        }
    })?;
    let config =
        Config::parse(&text).map_err(|e| SiteError::invalid("`rosette.toml` is not valid").caused_by(e))?;
    Ok((config, text))
}

/// Reads the site at `root`, trusting `memo` for the credential files it knows unchanged.
pub fn load(root: &Path, memo: &mut Files) -> Result<SiteInput, SiteError> {
    let (config, text) = read_config(root)?;
    let config_hash = super::cache::hash(text.as_bytes());
    // A bad achievement file is reported with the bad credentials, not alone and first, so
    // that `build` and `check` name every bad file in one run.
    let achievements = achievement_files(root);
    // What the memo's entries depend on besides their files: the configuration (base URL,
    // limits) and whether achievements' texts are compared (see `Stated::achievement_digest`).
    memo.start(&format!("{config_hash} {}", achievements.is_empty()));

    let badges = root.join("badges");
    let mut files = Vec::new();
    let mut assets = Vec::new();
    let mut problems = Vec::new();
    let mut removed = Vec::new();
    let limits = config.limits;
    let mut credentials = 0usize;
    let mut credential_files = Vec::new();
    // The `.toml` files the walk saw: an award's settings beside it, looked up without a
    // `stat` per award.
    let mut tomls = std::collections::HashSet::new();
    if !badges.is_dir() {
        return Err(SiteError::io(format!("there is no `{}` directory", badges.display()))
            .hint("put signed credentials (*.json) in badges/"));
    }
    // Sorted, and symbolic links are not followed out of the tree.
    for entry in walkdir::WalkDir::new(&badges).sort_by_file_name().follow_links(false) {
        let entry = entry
            .map_err(|e| SiteError::io(format!("could not read `{}`", badges.display())).caused_by(e))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let rel_path = path.strip_prefix(&badges).unwrap_or(path);
        let rel = rel_path
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let display = format!("badges/{rel}");
        let name = entry.file_name().to_string_lossy();
        if name.ends_with(".toml") {
            tomls.insert(path.to_path_buf());
        }
        if name.ends_with(".toml") && rel.starts_with("awards/") && !path.with_extension("json").exists() {
            let text = std::fs::read_to_string(path).map_err(|e| SiteError::io_at(path, "read", &e))?;
            match toml::from_str::<Removed>(&text) {
                Ok(r) => removed.push(r),
                Err(e) => problems.push(super::Problem::new(&display, e.message().trim_end().to_string())),
            }
            continue;
        }
        if name.starts_with('.')
            || name.ends_with(".secret")
            || name.ends_with(".toml")
            || name.ends_with(".md")
        {
            continue;
        }
        if crate::notify::outbox::is_outbox_name(&name) {
            problems.push(outbox_problem(&display));
            continue;
        }
        if path.extension().is_some_and(|x| x == "json") {
            credentials += 1;
            if credentials > limits.max_credentials {
                return Err(SiteError::invalid(format!(
                    "`{}` has more than {} credential files",
                    badges.display(),
                    limits.max_credentials
                ))
                .hint("raise `max_credentials` in the [limits] table of rosette.toml"));
            }
            credential_files.push((rel, path.to_path_buf()));
        } else {
            if looks_like_a_secret_key(path) {
                problems.push(
                    super::Problem::new(
                        &display,
                        "this looks like a secret signing key; it would be published",
                    )
                    .hint("move the key out of badges/ (everything there is published but `*.secret` files)"),
                );
                continue;
            }
            if name.to_ascii_lowercase().ends_with(".svg") {
                let text = std::fs::read(path).map_err(|e| SiteError::io_at(path, "read", &e))?;
                if let Some(reason) = crate::bake::svg::active_content(&String::from_utf8_lossy(&text)) {
                    problems.push(
                        super::Problem::new(
                            &display,
                            format!("the SVG image has {reason}, which would act on this site's visitors when the image is opened"),
                        )
                        .hint("publish SVG images without scripts, event handlers or resources from other sites"),
                    );
                    continue;
                }
            }
            assets.push(Asset { rel, path: path.to_path_buf() });
        }
    }
    // Reading and parsing the credentials is most of this step: it runs on every core, and
    // the files keep the walk's sorted order.
    let shared: std::sync::Arc<Path> = badges.as_path().into();
    // Each file's entry moves out of the memo (not copied: at a million awards they are
    // hundreds of megabytes); it is written again as the build goes.
    let remembered: Vec<_> = credential_files.iter().map(|(rel, _)| memo.take(rel)).collect();
    let read: Vec<_> = credential_files
        .into_par_iter()
        .zip(remembered)
        .map(|((rel, path), remembered)| {
            let meta = path.with_extension("toml");
            let meta = tomls.contains(&meta).then_some(meta);
            read_credential(rel, &shared, &path, meta, &limits, remembered)
        })
        .collect();
    for result in read {
        let (file, problem) = result?;
        files.extend(file);
        problems.extend(problem);
    }
    let registry = crate::registry::Registry::read(&badges)?;
    let mut retired = BTreeMap::new();
    for (name, parsed) in &achievements {
        match parsed {
            Ok(a) => {
                if let Some(date) = a.retired {
                    retired.insert(format!("achievements/{}", a.slug), date);
                }
            }
            Err(e) => problems.push(super::Problem::new(&format!("achievements/{name}"), e.clone()).hint(
                "an achievement is TOML, or Markdown after TOML front matter between `+++` lines (see the README)",
            )),
        }
    }
    Ok(SiteInput { config, files, assets, problems, registry, removed, achievements, retired, config_hash })
}

/// Reads and parses one credential file of `badges/`: the file, unless it is too large, and
/// the problem with it or with its `.toml` beside it, if any.
fn read_credential(
    rel: String,
    badges: &std::sync::Arc<Path>,
    path: &Path,
    meta_path: Option<PathBuf>,
    limits: &LimitsConfig,
    remembered: Option<(Stamp, Known)>,
) -> Result<(Option<InputFile>, Option<super::Problem>), SiteError> {
    let display = format!("badges/{rel}");
    let (meta, problem) = read_meta(&rel, &display, meta_path)?;
    let badges = badges.clone();
    let stamp = Stamp::of(path);
    if let Some((_, known)) = remembered.filter(|(s, _)| stamp.as_ref() == Some(s)) {
        let (parsed, known) = (Ok(known.parsed.clone()), Some(Box::new(known)));
        return Ok((Some(InputFile { rel, badges, parsed, meta, stamp, known }), problem));
    }
    // Read at most one byte past the limit: the size on disk can change under us.
    let bytes = crate::fs::read_at_most(path, limits.max_file_size)?;
    if bytes.len() as u64 > limits.max_file_size {
        let problem = super::Problem::new(
            &display,
            format!("the file is larger than {} bytes (`max_file_size`)", limits.max_file_size),
        )
        .hint("raise `max_file_size` in the [limits] table of rosette.toml");
        return Ok((None, Some(problem)));
    }
    // Parsed once here so that a file which is not JSON is reported with the others, then
    // dropped with its bytes.
    let parsed = Credential::parse_with_depth(&bytes, limits.max_json_depth).map(|c| Parsed::of(&c));
    drop(bytes);
    Ok((Some(InputFile { rel, badges, parsed, meta, stamp, known: None }), problem))
}

/// An award's settings from the `.toml` file beside it (at `meta_path`, when there is one),
/// or the problem with that file.
fn read_meta(
    rel: &str,
    display: &str,
    meta_path: Option<PathBuf>,
) -> Result<(AwardMeta, Option<super::Problem>), SiteError> {
    // Beside a status list, the `.toml` is the registry's record of who holds its entries.
    let Some(meta_path) = meta_path.filter(|_| !rel.starts_with("status/")) else {
        return Ok((AwardMeta::default(), None));
    };
    let text = std::fs::read_to_string(&meta_path).map_err(|e| SiteError::io_at(&meta_path, "read", &e))?;
    Ok(match toml::from_str::<AwardMeta>(&text) {
        Ok(meta) => (meta, None),
        Err(e) => (
            AwardMeta::default(),
            Some(super::Problem::new(&display.replace(".json", ".toml"), e.message().trim_end().to_string())),
        ),
    })
}

/// A file of rosette's outbox where it would be published (issue #22).
pub fn outbox_problem(display: &str) -> super::Problem {
    super::Problem::new(display, "this is an e-mail notice from rosette's outbox, with an earner's address; it would be published")
        .hint("the outbox is `outbox/` in the site directory, beside badges/: move it back there (and keep it out of git)")
}

/// Whether a file under `badges/` holds a secret Multikey (a key saved as `key.txt`, say):
/// such a file is never copied into the site.
fn looks_like_a_secret_key(path: &Path) -> bool {
    // Key files are a few hundred bytes; images are not worth reading for this.
    if std::fs::metadata(path).map_or(true, |m| m.len() > 4096) {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '=')
        .filter(|word| word.starts_with("z3u2"))
        .any(|word| crate::keys::SecretKey::from_multibase(word).is_ok())
}

/// The achievement files of `root/achievements/` (`*.toml`, `*.md`), sorted by name, each
/// read and parsed: the one reader behind `rosette award`, the retired notes on pages and
/// `rosette check` (which reports every bad file, where the others stop at the first).
/// No folder, no achievements.
pub fn achievement_files(root: &Path) -> Vec<(String, Result<crate::achievement::Achievement, String>)> {
    let Ok(entries) = std::fs::read_dir(root.join("achievements")) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            (name.ends_with(".toml") || name.ends_with(".md")).then_some((name, p))
        })
        .map(|(name, p)| {
            let parsed = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot be read: {}", crate::error::plain_io(&e)))
                .and_then(|text| crate::achievement::Achievement::parse(&name, &text));
            (name, parsed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_key_under_any_name_is_recognised() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = crate::keys::SecretKey::generate();
        let path = dir.path().join("key.txt");
        std::fs::write(&path, format!("ROSETTE_SIGNING_KEY={}\n", key.to_multibase().as_str())).expect("w");
        assert!(looks_like_a_secret_key(&path));
        std::fs::write(&path, "z3u2 is how a secret Multikey starts; z3u2abc is not one").expect("w");
        assert!(!looks_like_a_secret_key(&path));
    }
}
