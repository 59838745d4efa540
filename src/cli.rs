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
    /// Verify credential files and print every check.
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// Build the static verification site from rosette.toml, badges/ and themes/ into public/.
    ///
    /// Every credential is verified first; if any fails, nothing is written and public/ stays
    /// as it was. The secret key is never needed.
    #[command(after_help = EXIT_CODES)]
    Build(BuildArgs),
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The site directory (with rosette.toml and badges/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Where to write the site. Default: `public/` in the site directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the secret key.
    #[arg(long, default_value = "signing-key.secret")]
    pub out: PathBuf,
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
    /// The cryptosuite of the proof.
    #[arg(long, value_enum, default_value = "eddsa-rdfc-2022")]
    pub suite: Suite,
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
    /// Credential files, or directories searched for `*.json`.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}
