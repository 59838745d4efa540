//! `rosette.toml`: the site's configuration. Strict: an unknown field is an error with its
//! line and column, and every field is documented here and in the README.

use crate::keys::PublicKey;
use crate::model::date::parse_date_time;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the site is published, absolute `https://` URL, may have a path
    /// (`https://example.github.io/badges/`). The issuer's DID is the did:web derived from it.
    pub base_url: String,
    /// The site's title, shown in every page's header.
    pub title: String,
    /// The site's default language: `en` or `zh-Hans`.
    #[serde(default = "default_language")]
    pub language: String,
    /// The theme under `themes/` (default: the embedded `default` theme).
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Who awards the badges.
    pub issuer: IssuerConfig,
    /// The issuer's public keys, all published in `did.json`, retired ones too.
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// Privacy defaults.
    #[serde(default)]
    pub privacy: PrivacyConfig,
    /// LinkedIn "Add to profile" settings.
    #[serde(default)]
    pub linkedin: LinkedInConfig,
    /// Revocation and suspension.
    #[serde(default)]
    pub status: StatusConfig,
    /// Limits on what a build reads.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// What is published per award besides its page.
    #[serde(default)]
    pub output: OutputConfig,
    /// Link-preview cards (`og:image`).
    #[serde(default)]
    pub preview: PreviewConfig,
    /// E-mail notices to earners, written by `award` and sent by `notify`.
    #[serde(default)]
    pub notify: NotifyConfig,
}

/// `[notify]`: the notices `award` writes to the outbox and `notify` sends through the
/// issuer's own mail server. The password is never here: `notify` reads it from
/// `ROSETTE_SMTP_PASSWORD`, so that no file of the site holds it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// The submission server: `smtps://host:465` (TLS from the start), `smtp://host:587`
    /// (STARTTLS, required), or `smtp://host:25?tls=none` (plain text, warned about).
    #[serde(default)]
    pub smtp: Option<String>,
    /// The login on the server (default: the sender's address).
    #[serde(default)]
    pub username: Option<String>,
    /// The sender, `badges@example.edu` or `Example Badges <badges@example.edu>` (default:
    /// `[issuer] email`, named by the issuer). Written into each message by `award`.
    #[serde(default)]
    pub from: Option<String>,
    /// At most this many messages a minute (default 30): institutional servers throttle.
    #[serde(default = "default_per_minute")]
    pub per_minute: u32,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig { smtp: None, username: None, from: None, per_minute: default_per_minute() }
    }
}

fn default_per_minute() -> u32 {
    30
}

/// What each award publishes besides its page. Static hosts count files and bytes (Cloudflare
/// Pages' free plan: 20,000 files), so everything else an award offers is derived from its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// `awards/<id>.json`, the credential as signed (on by default: verifiers and wallets read
    /// it by URL). Off, the page's embedded JSON-LD is the credential, byte for byte, and its
    /// "Download credential" saves it.
    #[serde(default = "yes")]
    pub credential_files: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig { credential_files: true }
    }
}

fn yes() -> bool {
    true
}

/// Link-preview cards: one 1200×627 PNG per achievement by default (the achievement, the
/// issuer and the badge image); withdrawn awards share one card that says so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewConfig {
    /// A card per award with the recipient's name: one more PNG (about 80 KB) per award, and
    /// about 1 ms of build time each.
    #[serde(default)]
    pub per_award: bool,
}

/// Limits on what a build reads, so that a broken or hostile file gets a clear error instead
/// of exhausting the machine. Each breach names the file, the limit and this table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// The largest credential file, in bytes (default 2 MiB, 2097152).
    #[serde(default = "default_max_file_size")]
    pub max_file_size: u64,
    /// The deepest nesting of arrays and objects in a credential (default 64, at most 120).
    #[serde(default = "default_max_json_depth")]
    pub max_json_depth: usize,
    /// The most credential files (`*.json`) under `badges/` (default 100000).
    #[serde(default = "default_max_credentials")]
    pub max_credentials: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_file_size: default_max_file_size(),
            max_json_depth: default_max_json_depth(),
            max_credentials: default_max_credentials(),
        }
    }
}

fn default_max_file_size() -> u64 {
    2 * 1024 * 1024
}

fn default_max_json_depth() -> usize {
    crate::model::credential::DEFAULT_MAX_JSON_DEPTH
}

fn default_max_credentials() -> usize {
    100_000
}

/// Status list settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusConfig {
    /// Also give each new award a suspension entry, so `rosette suspend` and `reinstate` work.
    /// Off by default: Open Badges 3.0's JSON Schema allows one `credentialStatus` object, and
    /// two entries make it an array that strict OB validators reject.
    #[serde(default)]
    pub suspension: bool,
}

fn default_language() -> String {
    "en".into()
}

fn default_theme() -> String {
    "default".into()
}

/// The issuer profile (OB 3.0 `Profile`). Its `id` is the site's did:web.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The organisation's name.
    pub name: String,
    /// Its home page.
    #[serde(default)]
    pub url: Option<String>,
    /// A contact address.
    #[serde(default)]
    pub email: Option<String>,
    /// A logo: a file under `badges/` or an `https://` URL.
    #[serde(default)]
    pub image: Option<String>,
    /// A sentence or two about the issuer (Markdown).
    #[serde(default)]
    pub description: Option<String>,
}

/// One signing key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The key's fragment in the DID document: `key-1` gives `did:web:…#key-1`.
    pub id: String,
    /// The public key as a Multikey (`z6Mk…`).
    pub public_key: String,
    /// `active` (signs new awards) or `retired` (kept so earlier awards keep verifying).
    #[serde(default)]
    pub status: KeyStatus,
    /// From when the key may sign (optional).
    #[serde(default)]
    pub valid_from: Option<String>,
    /// When the key was retired: proofs created after this instant are refused.
    #[serde(default)]
    pub retired: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    #[default]
    Active,
    Retired,
}

/// Privacy defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// `public` (listed in the index, sitemap and feed) or `unlisted` (reachable only by
    /// its link, `noindex`).
    #[serde(default)]
    pub default_visibility: Visibility,
    /// Whether lists (the index, achievement pages) name the recipients of public awards.
    /// Off by default: lists show achievements and counts, and an award's own page, reached
    /// by its link, names its recipient.
    #[serde(default)]
    pub list_recipients: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Public,
    Unlisted,
}

/// LinkedIn settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedInConfig {
    /// The issuer's LinkedIn organization id, so "Add to profile" shows its logo.
    #[serde(default)]
    pub organization_id: Option<String>,
}

/// A problem in `rosette.toml`, with its position when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", position.map(|(l, c)| format!("line {l}, column {c}: ")).unwrap_or_default())]
pub struct ConfigError {
    pub message: String,
    pub position: Option<(usize, usize)>,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        ConfigError { message: message.into(), position: None }
    }
}

/// A checked key, ready for did.json and verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteKey {
    pub fragment: String,
    pub public_key: PublicKey,
    pub status: KeyStatus,
    pub valid_from: Option<DateTime<Utc>>,
    pub retired: Option<DateTime<Utc>>,
}

impl Config {
    /// Parses and validates the text of `rosette.toml`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError {
            message: e.message().trim_end().to_string(),
            position: e.span().map(|span| crate::json::line_column(text, span.start)),
        })?;
        config.validate()?;
        if !config.base_url.ends_with('/') {
            config.base_url.push('/');
        }
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        crate::did::did_web_for_base_url(&self.base_url)
            .map_err(|e| ConfigError::new(format!("base_url: {e}")))?;
        if !matches!(self.language.as_str(), "en" | "zh-Hans") {
            return Err(ConfigError::new(format!(
                "language: `{}` is not available; use `en` or `zh-Hans`",
                self.language
            )));
        }
        let limits = &self.limits;
        if limits.max_file_size == 0 || limits.max_credentials == 0 {
            return Err(ConfigError::new("limits: `max_file_size` and `max_credentials` must be at least 1"));
        }
        if !(1..=crate::json::MAX_DEPTH_CEILING).contains(&limits.max_json_depth) {
            return Err(ConfigError::new(format!(
                "limits: `max_json_depth` must be between 1 and {}",
                crate::json::MAX_DEPTH_CEILING
            )));
        }
        if self.notify.per_minute == 0 {
            return Err(ConfigError::new("notify: `per_minute` must be at least 1"));
        }
        if let Some(url) = &self.notify.smtp {
            crate::notify::server::Server::parse(url)
                .map_err(|e| ConfigError::new(format!("notify: {e}")))?;
        }
        if let Some(from) = &self.notify.from {
            crate::notify::compose::parse_sender(from)
                .map_err(|e| ConfigError::new(format!("notify: {e}")))?;
        }
        if self.keys.is_empty() {
            return Err(ConfigError::new(
                "keys: no public key; add one with `rosette keygen` and a [[keys]] table",
            ));
        }
        self.site_keys().map(|_| ())
    }

    /// The host (and port) of `base_url`: the domain whose did.json vouches for the site's
    /// badges, which a visitor compares with the address bar.
    pub fn domain(&self) -> &str {
        base_url_host(&self.base_url)
    }

    /// The issuer's DID (`did:web:…`).
    pub fn did(&self) -> String {
        crate::did::did_web_for_base_url(&self.base_url).unwrap_or_default()
    }

    /// The keys, checked: unique fragments, valid Multikeys, dates that parse.
    pub fn site_keys(&self) -> Result<Vec<SiteKey>, ConfigError> {
        let mut out: Vec<SiteKey> = Vec::new();
        for k in &self.keys {
            let at = |msg: String| ConfigError::new(format!("keys `{}`: {msg}", k.id));
            if k.id.is_empty() || !k.id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
                return Err(at("the id may only have letters, digits, `-`, `_` and `.`".into()));
            }
            if out.iter().any(|o| o.fragment == k.id) {
                return Err(at("two keys have this id".into()));
            }
            let public_key = PublicKey::from_multibase(&k.public_key).map_err(|e| at(e.to_string()))?;
            let date = |v: &Option<String>, name: &str| match v {
                None => Ok(None),
                Some(s) => parse_date_time(s)
                    .map(Some)
                    .ok_or_else(|| at(format!("`{name}` is not a date-time: `{s}`"))),
            };
            let retired = date(&k.retired, "retired")?;
            if k.status == KeyStatus::Retired && retired.is_none() {
                return Err(at("a retired key needs `retired = \"<date-time>\"`".into()));
            }
            out.push(SiteKey {
                fragment: k.id.clone(),
                public_key,
                status: k.status,
                valid_from: date(&k.valid_from, "valid_from")?,
                retired,
            });
        }
        Ok(out)
    }
}

pub use crate::json::line_column;

/// The host (and port) of an `https://` base URL (validation guarantees the scheme).
pub fn base_url_host(base_url: &str) -> &str {
    let rest = base_url.strip_prefix("https://").unwrap_or(base_url);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
base_url = "https://badges.example.edu"
title = "Badges"
[issuer]
name = "Example University"
[[keys]]
id = "key-1"
public_key = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
"#;

    #[test]
    fn a_minimal_config_parses() {
        let c = Config::parse(GOOD).expect("config");
        assert_eq!(c.base_url, "https://badges.example.edu/");
        assert_eq!(c.did(), "did:web:badges.example.edu");
        assert_eq!(c.language, "en");
    }

    #[test]
    fn a_typo_names_the_field_line_and_column() {
        let text = GOOD.replace("title =", "titel =");
        let err = Config::parse(&text).expect_err("typo");
        assert_eq!(err.position, Some((3, 1)));
        assert!(
            err.to_string()
                .starts_with("line 3, column 1: unknown field `titel`, expected one of `base_url`, `title`"),
            "{err}"
        );
    }

    #[test]
    fn limits_default_and_can_be_raised() {
        assert_eq!(Config::parse(GOOD).expect("config").limits, LimitsConfig::default());
        let c = Config::parse(&format!("{GOOD}[limits]\nmax_file_size = 10\nmax_credentials = 3\n"))
            .expect("config");
        assert_eq!(c.limits.max_file_size, 10);
        assert_eq!(c.limits.max_credentials, 3);
        assert_eq!(c.limits.max_json_depth, 64);
        let err = Config::parse(&format!("{GOOD}[limits]\nmax_depth = 3\n")).expect_err("typo");
        assert!(err.to_string().contains("unknown field `max_depth`"), "{err}");
    }

    #[test]
    fn semantic_errors_are_named() {
        let cases = [
            (
                GOOD.replace("https://badges", "http://badges"),
                "base_url: `http://badges.example.edu` is not an https URL",
            ),
            (GOOD.replace("z6Mkr", "z3u2"), "keys `key-1`: not an Ed25519 public key"),
            (
                GOOD.replace("title = \"Badges\"", "title = \"Badges\"\nlanguage = \"fr\""),
                "language: `fr` is not available",
            ),
            (GOOD.replace("id = \"key-1\"", "id = \"key 1\""), "keys `key 1`: the id may only have"),
            (
                format!("{GOOD}[limits]\nmax_json_depth = 500\n"),
                "limits: `max_json_depth` must be between 1 and 120",
            ),
            (format!("{GOOD}[limits]\nmax_file_size = 0\n"), "limits: `max_file_size` and `max_credentials`"),
        ];
        for (text, want) in cases {
            let err = Config::parse(&text).expect_err(want);
            assert!(err.to_string().starts_with(want), "{err}");
        }
    }
}
