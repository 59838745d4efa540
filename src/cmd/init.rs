//! `rosette init`: a new site, ready to award and publish.

use crate::cli::InitArgs;
use crate::error::{CliError, Exit};
use crate::keys::SecretKey;
use std::path::Path;

const WORKFLOW: &str = r#"# Written by `rosette init`. Pull requests: `rosette check` verifies every badge and lints the
# site (nothing is published). Pushes to main: `rosette build`, then deploy to GitHub Pages
# (Settings → Pages → Source: GitHub Actions). The build never needs the secret key: keep it out
# of the repository and out of the workflow's secrets.
name: badges
on:
  pull_request:
  push:
    branches: [main]
env:
  # The rosette release this site was made with, installed from crates.io once and then cached.
  # To use your own copy of rosette, change the install step to
  # `cargo install --locked --git <repository URL> rosette`.
  ROSETTE_VERSION: "@VERSION@"
jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/rosette
          key: rosette-${{ runner.os }}-${{ env.ROSETTE_VERSION }}
      - run: command -v rosette >/dev/null || cargo install rosette --locked --version "$ROSETTE_VERSION"
      - run: rosette check
  publish:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pages: write
      id-token: write
    concurrency:
      group: pages
      cancel-in-progress: false
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v4
        with:
          path: ~/.cargo/bin/rosette
          key: rosette-${{ runner.os }}-${{ env.ROSETTE_VERSION }}
      - run: command -v rosette >/dev/null || cargo install rosette --locked --version "$ROSETTE_VERSION"
      # The incremental cache: the build re-verifies and re-renders only what changed since the
      # last deploy, and its output is byte for byte what a clean build would give.
      - uses: actions/cache@v4
        with:
          path: .rosette-cache
          key: rosette-site-${{ github.sha }}
          restore-keys: rosette-site-
      - run: rosette build
      - uses: actions/configure-pages@v5
      - uses: actions/upload-pages-artifact@v3
        with:
          path: public
      - id: deployment
        uses: actions/deploy-pages@v4
"#;

const GITIGNORE: &str = "# Never commit a secret key; the build output and its cache are made by CI.\n\
                         *.secret\n/public\n/.public.rosette-prev\n/.rosette-cache\nbadges/status/.lock\n";

const ACHIEVEMENT: &str = r#"+++
# One file per achievement; its name (here `example`) is what `rosette award --achievement` takes.
name = "Example Achievement"
description = "Awarded for completing the example programme."
# The badge image: a file under badges/ (published at the same path) or an https:// URL.
# image = "images/example.svg"
achievement_type = "Badge"
tags = ["example"]
+++
The criteria, in Markdown: what someone must do to earn this badge.

- Complete every module.
- Pass the final assessment.
"#;

pub fn run(args: &InitArgs) -> Result<Exit, CliError> {
    let dir = args.dir.as_path();
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(CliError::io(format!("`{}` is not empty", dir.display()))
            .hint("run `rosette init` in a new or empty directory"));
    }
    let did = crate::did::did_web_for_base_url(&args.base_url)
        .map_err(|e| CliError::invalid("--base-url is not usable").caused_by(e))?;
    let key = SecretKey::generate();
    let public = key.public_key().to_multibase();
    let config = format!(
        "# rosette.toml: the site's configuration (every field: see the rosette README).\n\
         # Unknown fields are errors, reported with their line and column.\n\n\
         # Where the site is published; the issuer's DID is derived from it ({did}).\n\
         base_url = {base:?}\n\n\
         # The site's title, shown on every page.\n\
         title = {title:?}\n\n\
         # The site's language: \"en\" or \"zh-Hans\".\n\
         language = \"en\"\n\n\
         [issuer]\n\
         # The organisation that awards the badges.\n\
         name = {issuer:?}\n\
         # url = \"https://www.example.org/\"\n\
         # email = \"badges@example.org\"\n\n\
         # Public keys, all published in did.json. The secret half is in signing-key.secret:\n\
         # keep it out of git; in CI, put it in the ROSETTE_SIGNING_KEY secret.\n\
         [[keys]]\n\
         id = \"key-1\"\n\
         public_key = \"{public}\"\n\
         status = \"active\"\n\n\
         [privacy]\n\
         # \"public\" awards are listed in the index, sitemap and feed; \"unlisted\" ones are\n\
         # reachable only by their link.\n\
         default_visibility = \"public\"\n",
        base = args.base_url,
        title = format!("{} — Digital Badges", args.issuer),
        issuer = args.issuer,
    );
    // Make sure what we write is valid before writing it.
    crate::config::Config::parse(&config)
        .map_err(|e| CliError::invalid("the new rosette.toml is not valid").caused_by(e))?;
    let workflow = WORKFLOW.replace("@VERSION@", env!("CARGO_PKG_VERSION"));
    let files: [(&str, &str); 5] = [
        ("rosette.toml", &config),
        ("achievements/example.md", ACHIEVEMENT),
        ("badges/awards/.gitkeep", ""),
        (".gitignore", GITIGNORE),
        (".github/workflows/badges.yml", &workflow),
    ];
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| CliError::io_at(parent, "create", &e))?;
        }
        crate::fs::write_atomic(&path, text.as_bytes())?;
    }
    crate::fs::create_private(&dir.join("signing-key.secret"), key.to_key_file().as_bytes())?;
    let shown = if dir == Path::new(".") { String::new() } else { format!("cd {} && ", dir.display()) };
    println!("created a rosette site in `{}` for {did}", dir.display());
    println!();
    println!("next steps:");
    println!("  1. edit rosette.toml (issuer, base_url) and achievements/example.md");
    println!(
        "  2. {shown}rosette award --key signing-key.secret --achievement example --name \"Ada Lovelace\" --email ada@example.org"
    );
    println!("  3. {shown}rosette serve        # preview at http://127.0.0.1:1111/, rebuilt on every change");
    println!(
        "  4. {shown}rosette check        # what CI runs on pull requests; `rosette build` writes public/"
    );
    println!(
        "  5. put the content of signing-key.secret in your CI secret ROSETTE_SIGNING_KEY; never commit it"
    );
    Ok(Exit::Ok)
}
