//! `rosette init`: a new site, ready to award and publish.

use crate::cli::InitArgs;
use crate::error::{CliError, Exit};
use crate::keys::SecretKey;
use std::path::Path;

/// The site's CI. Every action is pinned to a full commit (a tag can be moved; a commit cannot),
/// with its release in a comment for review and update tools.
const WORKFLOW: &str = r#"# Written by `rosette init` (rosette-badges @VERSION@).
# Pull requests: `rosette check` verifies every badge and lints the site; nothing is published.
# Pushes to main: `rosette build`, then deploy to GitHub Pages (Settings → Pages → Source:
# GitHub Actions). Neither job signs anything, so neither needs the secret signing key: award
# on your own machine and commit the signed files (see the rosette README, "Keys").
name: badges
on:
  pull_request:
  push:
    branches: [main]
env:
  # rosette is the crates.io package `rosette-badges`. The crate named `rosette` is another
  # project: never install that one. The `install` step below installs exactly this release,
  # with the dependency versions it was tested with (--locked), into ~/.rosette, and caches it
  # under a key that names the package and the release.
  #
  # Two other ways to install it, in both jobs' `install` step:
  # - a git revision you have reviewed; pin the full commit, never a branch or a tag:
  #     cargo install --locked --root ~/.rosette --git https://github.com/rosette-badges/rosette-badges --rev <commit> rosette-badges
  # - a release binary (no compiling), checked against the SHA-256 in the release's SHA256SUMS:
  #     curl -fsSLo rosette.tar.gz https://github.com/rosette-badges/rosette-badges/releases/download/v@VERSION@/rosette-v@VERSION@-x86_64-unknown-linux-musl.tar.gz
  #     echo "<sha256 of that file, from SHA256SUMS>  rosette.tar.gz" | sha256sum --check --strict
  #     mkdir -p ~/.rosette/bin && tar -xzf rosette.tar.gz -C ~/.rosette/bin --strip-components=1
  ROSETTE_VERSION: "@VERSION@"
jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        with:
          path: ~/.rosette
          key: rosette-badges-${{ runner.os }}-${{ env.ROSETTE_VERSION }}
      - name: install
        run: |
          test -x ~/.rosette/bin/rosette || cargo install rosette-badges --locked --version "$ROSETTE_VERSION" --root ~/.rosette
          echo "$HOME/.rosette/bin" >> "$GITHUB_PATH"
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
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        with:
          path: ~/.rosette
          key: rosette-badges-${{ runner.os }}-${{ env.ROSETTE_VERSION }}
      - name: install
        run: |
          test -x ~/.rosette/bin/rosette || cargo install rosette-badges --locked --version "$ROSETTE_VERSION" --root ~/.rosette
          echo "$HOME/.rosette/bin" >> "$GITHUB_PATH"
      # The incremental cache: the build re-verifies and re-renders only what changed since the
      # last deploy, and its output is byte for byte what a clean build would give.
      - uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
        with:
          path: .rosette-cache
          key: rosette-site-${{ github.sha }}
          restore-keys: rosette-site-
      - run: rosette build
      - uses: actions/configure-pages@983d7736d9b0ae728b81ab479565c72886d7745b # v5.0.0
      # The issuer's keys are at /.well-known/did.json: without include-hidden-files, this action
      # (v4 and later) leaves every dot-folder out, and no did:web badge would verify.
      - uses: actions/upload-pages-artifact@fc324d3547104276b827a68afc52ff2a11cc49c9 # v5.0.0
        with:
          path: public
          include-hidden-files: true
      - id: deployment
        uses: actions/deploy-pages@cd2ce8fcbc39b97be8ca5fce6e763baed58fa128 # v5.0.0
      # E-mail notices, once the badge pages they link to are live: `rosette notify` sends what
      # `rosette award` left in outbox/. The outbox holds addresses and is never committed, so
      # this step runs only when this job made awards (an award step of your own before the
      # build, with the secret ROSETTE_SIGNING_KEY); awards made on your own machine are
      # notified from there. Needs [notify] smtp in rosette.toml and the repository secret
      # ROSETTE_SMTP_PASSWORD.
      - name: notify
        if: hashFiles('outbox/pending/*/envelope.json') != ''
        env:
          ROSETTE_SMTP_PASSWORD: ${{ secrets.ROSETTE_SMTP_PASSWORD }}
        run: rosette notify
"#;

const GITIGNORE: &str = "# Never commit a secret key; the build output and its cache are made by CI.\n\
                         *.secret\n/public\n/.public.rosette-prev\n/.rosette-cache\nbadges/status/.lock\n\
                         # The e-mail notices `award` writes hold the earners' addresses: never commit them.\n\
                         /outbox\n";

const ACHIEVEMENT: &str = r#"+++
# One file per achievement; its name (here `example`) is what `rosette award --achievement` takes.
name = "Example Achievement"
description = "Awarded for completing the example programme."
# The badge image: a file under badges/ (published at the same path) or an https:// URL.
# `rosette init` drew a plain one from the name; replace it with your own artwork.
image = "images/example.svg"
image_caption = "Example Achievement badge: a rosette with the achievement's name"
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
         # keep it out of git. The build never needs it; only a CI job of your own that awards\n\
         # would, as the repository secret ROSETTE_SIGNING_KEY.\n\
         [[keys]]\n\
         id = \"key-1\"\n\
         public_key = \"{public}\"\n\
         status = \"active\"\n\n\
         [privacy]\n\
         # \"public\" awards are listed in the index, sitemap and feed; \"unlisted\" ones are\n\
         # reachable only by their link.\n\
         default_visibility = \"public\"\n\
         # Lists (index, achievement pages) show achievements and counts; set to true to\n\
         # name the recipients of public awards there too.\n\
         list_recipients = false\n\n\
         # What each award publishes besides its page (static hosts count files: Cloudflare\n\
         # Pages' free plan allows 20,000). Without credential files the page carries the\n\
         # credential and saves it byte for byte.\n\
         [output]\n\
         credential_files = true\n\n\
         # Link previews: one card per achievement. `per_award = true` adds a card with the\n\
         # recipient's name per award: one more PNG of about 80 KB per award, ~1 ms each to build.\n\
         [preview]\n\
         per_award = false\n\n\
         # LinkedIn \"Add to profile\": your organisation's id (the number in your LinkedIn page's\n\
         # admin URL) lets LinkedIn show your logo beside each badge.\n\
         # [linkedin]\n\
         # organization_id = \"12345678\"\n\n\
         # E-mail notices: `award` writes one per earner with an address to outbox/ (never\n\
         # published, never in git) once a sender is set, here or as [issuer] email; `rosette\n\
         # notify` sends them through your own mail server. The password is only ever read from\n\
         # the environment variable ROSETTE_SMTP_PASSWORD.\n\
         # [notify]\n\
         # from = \"Badges <badges@example.org>\"\n\
         # smtp = \"smtps://mail.example.org:465\"     # or smtp://mail.example.org:587 (STARTTLS)\n\
         # username = \"badges@example.org\"\n\
         # per_minute = 30\n",
        base = args.base_url,
        title = format!("{} — Digital Badges", args.issuer),
        issuer = args.issuer,
    );
    // Make sure what we write is valid before writing it.
    crate::config::Config::parse(&config)
        .map_err(|e| CliError::invalid("the new rosette.toml is not valid").caused_by(e))?;
    let workflow = WORKFLOW.replace("@VERSION@", env!("CARGO_PKG_VERSION"));
    let badge = crate::badge_art::rosette_svg("Example Achievement", crate::card::DEFAULT_ACCENT);
    let files: [(&str, &str); 6] = [
        ("rosette.toml", &config),
        ("achievements/example.md", ACHIEVEMENT),
        ("badges/images/example.svg", &badge),
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
    println!("created a rosette site in `{}` for {did}", dir.display());
    println!();
    println!("next steps:");
    // Each step is run where the one before left off: `cd` once, as a step of its own (a
    // `cd DIR && …` on every line fails from the second line on, issue #17).
    let mut steps = Vec::new();
    if dir != Path::new(".") {
        steps.push(format!("cd {}", shell_word(&dir.display().to_string())));
    }
    steps.push("edit rosette.toml (issuer, base_url) and achievements/example.md".to_string());
    steps.push(
        "rosette award --key signing-key.secret --achievement example --name \"Ada Lovelace\" --email ada@example.org"
            .to_string(),
    );
    steps.push(
        "rosette serve        # preview at http://127.0.0.1:1111/, rebuilt on every change".to_string(),
    );
    steps.push(
        "rosette check        # what CI runs on pull requests; `rosette build` writes public/".to_string(),
    );
    // The same story as the workflow's header: no job of the generated workflow signs.
    steps.push(
        "the build never needs signing-key.secret: award on your own machine and commit the\n     \
         signed files. Only an awarding job of your own in CI would need the key, as the\n     \
         repository secret ROSETTE_SIGNING_KEY; never commit it (.gitignore keeps it out)"
            .to_string(),
    );
    for (n, step) in steps.iter().enumerate() {
        println!("  {}. {step}", n + 1);
    }
    Ok(Exit::Ok)
}

/// `word` as a POSIX shell reads it back: unchanged when it has nothing the shell would split
/// or expand, otherwise in single quotes, so a printed `cd` works when pasted.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '+' | ',' | '@'));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_survive_pasting() {
        for (word, quoted) in [
            ("mysite", "mysite"),
            ("sites/my-site_2", "sites/my-site_2"),
            ("my site", "'my site'"),
            ("it's", "'it'\\''s'"),
            ("$HOME", "'$HOME'"),
        ] {
            assert_eq!(shell_word(word), quoted, "{word}");
        }
    }
}
