//! The command line: every subcommand and option, with the help text users read.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit status:
  0  everything verified (or was written)
  1  invalid input: a credential that does not verify or could not be checked, a bad key
  2  usage or I/O error: a missing file, a file that cannot be written";

/// Sign, verify and publish Open Badges 3.0 credentials as a static verification site.
#[derive(Debug, Parser)]
#[command(name = "rosette", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// Print only errors and warnings.
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = "Global options")]
    pub quiet: bool,
    /// Also print what is done step by step.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a new Ed25519 signing key.
    ///
    /// The secret key goes to a new file readable only by you (mode 0600); an existing file is
    /// never overwritten. Standard output gets the public key (Multikey) and its did:key
    /// verification method id.
    #[command(after_help = EXIT_CODES)]
    Keygen(KeygenArgs),
    /// Add a Data Integrity proof to an unsigned credential.
    #[command(after_help = EXIT_CODES)]
    Sign(SignArgs),
    /// Verify credential files or https:// badge URLs and print every check.
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// Print the credential baked into a PNG or SVG badge image, byte for byte.
    #[command(after_help = EXIT_CODES)]
    Unbake(UnbakeArgs),
    /// Bake an award's credential into its achievement's image, to attach to an e-mail.
    ///
    /// The same bytes as the download on the award's page: the image as the site publishes it
    /// (an SVG drawn as a PNG for --format png), with the award's credential file baked in
    /// byte for byte (`rosette unbake` gives it back). An existing file is never overwritten
    /// without --force.
    #[command(after_help = EXIT_CODES)]
    Bake(BakeArgs),
    /// Make, sign and file new awards into badges/ (one from flags, or many from --csv).
    ///
    /// Each award gets a random, stable id under base_url, a salted hash of the recipient's
    /// e-mail address (never the address itself), and a status list entry. With --csv, a bad
    /// row stops everything and nothing is written.
    #[command(after_help = EXIT_CODES)]
    Award(AwardArgs),
    /// Re-sign awards with the current text of their achievement in achievements/
    ///
    /// Each award keeps its id, recipient, dates, status entries and visibility; it is signed
    /// again with the active key. All or nothing: one award that cannot be signed, and no file
    /// changes.
    #[command(after_help = EXIT_CODES)]
    Reissue(ReissueArgs),
    /// Revoke an award: it fails verification from the next build on; its page stays.
    #[command(after_help = EXIT_CODES)]
    Revoke(StatusArgs),
    /// Suspend an award (reversible with `reinstate`); needs [status] suspension = true.
    #[command(after_help = EXIT_CODES)]
    Suspend(StatusArgs),
    /// Lift a suspension.
    #[command(after_help = EXIT_CODES)]
    Reinstate(StatusArgs),
    /// Remove an award's page and personal data at its holder's request (from the next build).
    #[command(name = "remove-holder", after_help = EXIT_CODES)]
    RemoveHolder(HolderArgs),
    /// Send the e-mail notices `award` wrote to `outbox/pending/`, through `[notify] smtp`.
    ///
    /// Each notice is sent at most once: it moves to `outbox/sent.log` only after the server
    /// accepts it. A refused address, a server that is down or a run that is stopped leaves the
    /// rest for the next run, which sends only what is left; each failure is named, with its
    /// reason (exit status 1). The password is read from ROSETTE_SMTP_PASSWORD, never from a
    /// file; nothing printed names an address. Send after the site is published: the notices
    /// link to the badge pages.
    #[command(after_help = EXIT_CODES)]
    Notify(NotifyArgs),
    /// Create a new site: rosette.toml, a signing key, an example achievement, a CI workflow.
    #[command(after_help = EXIT_CODES)]
    Init(InitArgs),
    /// Build the static verification site from rosette.toml, badges/ and themes/ into public/.
    ///
    /// Every credential is verified first; if any fails, nothing is written and public/ stays
    /// as it was. The secret key is never needed.
    #[command(after_help = EXIT_CODES)]
    Build(BuildArgs),
    /// Check the site as `build` would, plus lints, and write nothing (for pull requests).
    ///
    /// Verifies every credential like `build`, renders every page in memory, then lints:
    /// broken internal links, missing images, achievements without criteria, badges signed by
    /// a key rosette.toml does not list, secret keys under badges/ (errors); retired keys no
    /// badge uses, a missing LinkedIn organization id, expired awards (warnings). Every finding
    /// is listed, sorted, errors first, with a hint. Any `error:` makes the exit status 1;
    /// `warning:` lines are advice and leave it 0.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Build the site, serve it on 127.0.0.1, rebuild on every change and reload open pages.
    ///
    /// Watches rosette.toml, badges/, achievements/ and themes/. A rebuild that fails prints
    /// its errors and keeps serving the last good site. Only the served pages get the reload
    /// script; the files in the output directory are exactly what `build` writes.
    #[command(after_help = EXIT_CODES)]
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The site directory (with rosette.toml and badges/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The site directory (with rosette.toml and badges/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Where to write the site. Default: `public/` in the site directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The port on 127.0.0.1; when it is busy the next free one is taken. 0: any free port.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
}

#[derive(Debug, clap::Args)]
pub struct AwardArgs {
    /// The achievement's file name under achievements/, without extension.
    #[arg(long, value_name = "SLUG", conflicts_with = "csv")]
    pub achievement: Option<String>,
    /// The recipient's name as it appears on the badge.
    #[arg(long, conflicts_with = "csv")]
    pub name: Option<String>,
    /// The recipient's e-mail address; only its salted SHA-256 hash is published.
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["id", "csv"])]
    pub email: Option<String>,
    /// A DID or URL the recipient controls, instead of an e-mail address.
    #[arg(long, value_name = "DID-OR-URL", conflicts_with = "csv")]
    pub id: Option<String>,
    /// Start of validity (default: now).
    #[arg(long, value_name = "TIME", conflicts_with = "csv")]
    pub valid_from: Option<String>,
    /// End of validity (default: none).
    #[arg(long, value_name = "TIME", conflicts_with = "csv")]
    pub valid_until: Option<String>,
    /// A URL of evidence (repeatable).
    #[arg(long, value_name = "URL", conflicts_with = "csv")]
    pub evidence: Vec<String>,
    /// `public` or `unlisted` (default: rosette.toml's privacy.default_visibility).
    #[arg(long, value_enum, conflicts_with = "csv")]
    pub visibility: Option<VisibilityArg>,
    /// A CSV file with a header row and one recipient per row; columns: achievement, name,
    /// email, id, valid_from, valid_until, evidence (space-separated URLs), visibility.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// The secret key file (default: the environment variable ROSETTE_SIGNING_KEY).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The site directory.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// `json` prints, on standard output, the awards made or every row that failed (with its
    /// row number and reason), instead of the new ids one a line.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write no e-mail notice to the outbox. Without it, each award with an address gets a
    /// message in `outbox/pending/` for `rosette notify` to send: now is the only time rosette
    /// sees the address.
    #[arg(long)]
    pub no_notify: bool,
}

#[derive(Debug, clap::Args)]
pub struct NotifyArgs {
    /// Print what would be sent (award id and subject, a line each) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// At most this many messages a minute (default: rosette.toml's notify.per_minute, 30).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub per_minute: Option<u32>,
    /// Send again the notices a stopped run left unconfirmed: their content reached the
    /// server, whose answer was never recorded, so the earner may get a second copy.
    #[arg(long)]
    pub resend_unconfirmed: bool,
    /// The site directory.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The award: its file name in badges/awards/ without `.json` (`2026-k3j5…`), a beginning
    /// of it that no other award shares, or its whole credential id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Why (revoke only); shown on the badge page.
    #[arg(long)]
    pub reason: Option<String>,
    /// The secret key file (default: the environment variable ROSETTE_SIGNING_KEY).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The site directory.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ReissueArgs {
    /// Every award of this achievement (its file name under achievements/, without
    /// extension) that carries an older text than the file.
    #[arg(long, value_name = "SLUG")]
    pub achievement: Option<String>,
    /// Awards to re-sign whatever they say: credential ids, or the slugs at their end.
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// The secret key file (default: the environment variable ROSETTE_SIGNING_KEY).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The site directory.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct HolderArgs {
    /// The award: its credential id, or the slug at the end of it.
    #[arg(value_name = "ID")]
    pub id: String,
    /// The site directory.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The directory to create the site in (it must be empty or not exist).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Where the site will be published.
    #[arg(long, value_name = "URL", default_value = "https://badges.example.org/")]
    pub base_url: String,
    /// The issuer's name.
    #[arg(long, default_value = "Example Institute")]
    pub issuer: String,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The site directory (with rosette.toml and badges/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Where to write the site. Default: `public/` in the site directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Rebuild everything, ignoring the incremental cache in `.rosette-cache/` (which is
    /// then rewritten). Without it, unchanged credentials and pages are reused.
    #[arg(long)]
    pub clean: bool,
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the secret key.
    #[arg(long, default_value = "signing-key.secret")]
    pub out: PathBuf,
    /// Rotate: add the new key to rosette.toml as the active key and mark the active ones
    /// retired now. Retired keys stay in did.json, so earlier badges keep verifying.
    #[arg(long)]
    pub rotate: bool,
    /// The site directory (with --rotate).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Suite {
    /// RDF canonicalization; the suite Open Badges 3.0 names (default).
    #[value(name = "eddsa-rdfc-2022")]
    Rdfc,
    /// JSON canonicalization (RFC 8785); smaller and faster, not named by Open Badges 3.0.
    #[value(name = "eddsa-jcs-2022")]
    Jcs,
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The secret key file (from `rosette keygen`). Without it, the key is read from the
    /// environment variable ROSETTE_SIGNING_KEY (for CI secrets).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The cryptosuite of the proof. Default: eddsa-rdfc-2022, or eddsa-jcs-2022 for a
    /// credential with a text direction (`@direction`), which RDF canonicalization would drop.
    #[arg(long, value_enum)]
    pub suite: Option<Suite>,
    /// The key's id as the issuer publishes it, for example `did:web:badges.example.org#key-1`.
    /// Default: the key's did:key.
    #[arg(long, value_name = "ID")]
    pub verification_method: Option<String>,
    /// The proof's `created` time (XML Schema dateTime). Default: now.
    #[arg(long, value_name = "TIME")]
    pub created: Option<String>,
    /// The unsigned credential (JSON); `-` reads standard input.
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Where to write the signed credential. Default: standard output.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct UnbakeArgs {
    /// A baked badge image (PNG or SVG).
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct BakeArgs {
    /// The award: its file name in badges/awards/ (or a beginning of it only one award has),
    /// or its credential id.
    #[arg(value_name = "AWARD")]
    pub award: String,
    /// The image format.
    #[arg(long, value_enum, default_value_t = BakeFormat::Png)]
    pub format: BakeFormat,
    /// Where to write the image (default: `<award-id>.<format>` in the current directory).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// The site directory.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

/// `--visibility`: [`Visibility`](crate::config::Visibility), as the command line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VisibilityArg {
    Public,
    Unlisted,
}

impl From<VisibilityArg> for crate::config::Visibility {
    fn from(arg: VisibilityArg) -> Self {
        match arg {
            VisibilityArg::Public => Self::Public,
            VisibilityArg::Unlisted => Self::Unlisted,
        }
    }
}

/// The image formats `rosette bake` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BakeFormat {
    Png,
    Svg,
}

/// What `rosette verify --require` demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Require {
    /// An Open Badges 3.0 credential (AchievementCredential, EndorsementCredential) or a
    /// Bitstring Status List credential.
    Ob3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A published site directory: did:web documents and status lists under --base-url are
    /// read from it, never from the network. Repeatable, paired in order with --base-url.
    #[arg(long, value_name = "DIR", requires = "base_url")]
    pub site: Vec<PathBuf>,
    /// The URL the matching --site is published at, for example `https://badges.example.org/`.
    #[arg(long, value_name = "URL", requires = "site")]
    pub base_url: Vec<String>,
    /// Check validity periods at this instant (XML Schema dateTime) instead of now.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Fetch nothing: did:web documents and status lists come only from --site directories,
    /// and whatever they do not serve "could not be checked".
    #[arg(long)]
    pub offline: bool,
    /// Require a kind of credential: `ob3`, an Open Badges 3.0 credential (or a status list).
    /// Without it any Verifiable Credential is checked against the data model, and the Open
    /// Badges rules apply to those that say they are Open Badges.
    #[arg(long, value_enum, value_name = "KIND")]
    pub require: Option<Require>,
    /// For a presentation: the challenge you asked the holder to sign. Without it, a copy of an
    /// earlier presentation would pass (the check warns).
    #[arg(long, value_name = "TEXT")]
    pub challenge: Option<String>,
    /// For a presentation: the domain you asked the holder to sign for (your own, usually).
    #[arg(long, value_name = "TEXT")]
    pub domain: Option<String>,
    /// Credential or presentation files, baked badge images (PNG, SVG), directories searched for them, or
    /// https:// URLs of credentials or badge pages. Unless --offline, the did:web documents and
    /// status lists that no --site serves are fetched over HTTPS from their own hosts.
    #[arg(value_name = "PATH-OR-URL", required = true)]
    pub paths: Vec<PathBuf>,
}
