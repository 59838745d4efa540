//! Where the site fits (issue #18): the size of what a build publishes, held against the
//! published limits of static hosts.
//!
//! A site grows by about nine files and 100–200 kB per award, and hosts cap the number of files,
//! the bytes of a site or of one file. An issuer learns that a host refuses the site when a
//! deploy fails, long after the awards were made; `build` and `check` say it first, name the
//! first limit the site is over and what to change, and still succeed: where the site is
//! published is the issuer's choice, not an error of the input.
//!
//! The limits are one table, [`LIMITS`], each with its source and the month it was read; the
//! README's "Where the site fits" table shows the same figures, and a test holds the two
//! together. Everything here but [`measure`] is pure: [`report`] is text from numbers.

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;
use std::path::Path;

/// The size of a published tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeSize {
    /// Files, hidden ones included (`.well-known/did.json`, `_headers`, `.nojekyll`): hosts
    /// publish them too.
    pub files: u64,
    /// Their bytes, added up.
    pub bytes: u64,
    /// Folders below the top one.
    pub dirs: u64,
    /// The largest file: its path (with `/`) and size; on a tie, the first path in order.
    pub largest: Option<(String, u64)>,
    /// The folder with the most files directly in it, as `awards/` (`""` for the top folder),
    /// and how many: Netlify limits files per folder, and `awards/` gets several per award.
    pub fullest_dir: Option<(String, u64)>,
}

impl TreeSize {
    /// The size of the files `(path, bytes)` would make, paths relative with `/`: for `check`,
    /// which knows what a build would write without writing it. Folders are the paths'
    /// parents.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, u64)>) -> TreeSize {
        let mut tally = Tally::default();
        let mut dirs = BTreeSet::new();
        for (path, len) in files {
            let mut parent = path;
            while let Some((dir, _)) = parent.rsplit_once('/') {
                if !dirs.insert(dir) {
                    break;
                }
                parent = dir;
            }
            tally.borrowed(path, len);
        }
        tally.finish(dirs.len() as u64)
    }
}

/// Measures the tree at `dir` as a host would publish it: every file, hidden ones included;
/// symbolic links are counted as files and not followed. The first entry that cannot be read
/// is the error.
pub fn measure(dir: &Path) -> Result<TreeSize, walkdir::Error> {
    let mut tally = Tally::default();
    let mut dirs = 0;
    for entry in walkdir::WalkDir::new(dir).follow_links(false).min_depth(1) {
        let entry = entry?;
        if entry.file_type().is_dir() {
            dirs += 1;
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let rel = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        tally.file(&rel, entry.metadata()?.len());
    }
    Ok(tally.finish(dirs))
}

/// Files counted one by one, for [`TreeSize::from_files`] and [`measure`].
#[derive(Default)]
struct Tally<'a> {
    size: TreeSize,
    /// Borrowed from the paths counted when they outlive the tally (a build's), so that a
    /// million award folders are not a million new strings at the end of a build.
    per_dir: HashMap<std::borrow::Cow<'a, str>, u64>,
}

impl<'a> Tally<'a> {
    fn file(&mut self, path: &str, len: u64) {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        match self.per_dir.get_mut(dir) {
            Some(n) => *n += 1,
            None => {
                self.per_dir.insert(dir.to_string().into(), 1);
            }
        }
        self.count(path, len);
    }

    fn borrowed(&mut self, path: &'a str, len: u64) {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        *self.per_dir.entry(dir.into()).or_default() += 1;
        self.count(path, len);
    }

    fn count(&mut self, path: &str, len: u64) {
        self.size.files += 1;
        self.size.bytes += len;
        // Deterministic whatever the order files come in: the larger, then the first path.
        let larger = match &self.size.largest {
            None => true,
            Some((p, l)) => len > *l || (len == *l && path < p.as_str()),
        };
        if larger {
            self.size.largest = Some((path.to_string(), len));
        }
    }

    fn finish(mut self, dirs: u64) -> TreeSize {
        self.size.dirs = dirs;
        self.size.fullest_dir = self
            .per_dir
            .into_iter()
            .map(|(dir, n)| if dir.is_empty() { (String::new(), n) } else { (format!("{dir}/"), n) })
            .min_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.size
    }
}

/// What a host limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Files in the whole site.
    FilesPerSite,
    /// Files and folders in the whole site (GitLab counts both, and symbolic links).
    EntriesPerSite,
    /// Files directly in any one folder.
    FilesPerDir,
    /// Bytes of the whole site.
    BytesPerSite,
    /// Bytes of any one file.
    BytesPerFile,
}

/// One published limit of one host and plan.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub host: &'static str,
    /// The plan or offering it applies to, when the host has several.
    pub plan: Option<&'static str>,
    pub kind: Kind,
    /// The most the host accepts (a count, or bytes), as its documentation states it.
    pub max: u64,
    /// The page that states it.
    pub source: &'static str,
    /// When the page was last read (year and month): hosts change their limits.
    pub checked: &'static str,
}

const GB: u64 = 1_000_000_000;
const MB: u64 = 1_000_000;
const MIB: u64 = 1024 * 1024;

/// The published limits of static hosts, ordered by how soon a growing badge site reaches
/// them, so that the first one [`report`] names is the first one that bites: with nine files,
/// two folders and 100–200 kB per award, Cloudflare's free plan is full at about 2,200
/// awards, a gigabyte at 5,000 to 10,000, Cloudflare's paid plans at 11,000, Netlify's
/// per-folder limit (`awards/` holds three files per award) at 18,000 and GitLab's files and
/// folders a little after.
/// Limits on one file come last: only a large file of the issuer's own (a video under
/// badges/) or a feed of a very large site reaches them.
///
/// Only figures a host's own documentation states are here. Where it writes "GB" or "MB" the
/// figure is read as a power of ten, the stricter reading, so that "fits" holds under either.
/// Left out for want of one: Netlify's size limits (its deploy docs state none) and Firebase's
/// free storage quota (not confirmed on Firebase's own pages; it is per project and counts
/// kept releases too).
pub const LIMITS: &[Limit] = &[
    Limit {
        host: "Cloudflare Pages",
        plan: Some("free"),
        kind: Kind::FilesPerSite,
        max: 20_000,
        source: "https://developers.cloudflare.com/pages/platform/limits/",
        checked: "2026-12",
    },
    // "Published GitHub Pages sites may be no larger than 1 GB." The same page says deploys
    // time out after 10 minutes, which a site of this size does not approach: not checked.
    // actions/deploy-pages measures the uploaded tar, a little larger than the files.
    Limit {
        host: "GitHub Pages",
        plan: None,
        kind: Kind::BytesPerSite,
        max: GB,
        source: "https://docs.github.com/en/pages/getting-started-with-github-pages/github-pages-limits",
        checked: "2026-12",
    },
    // GitLab.com's "Maximum site size", which follows its 1 GB artifacts limit.
    Limit {
        host: "GitLab Pages",
        plan: Some("GitLab.com"),
        kind: Kind::BytesPerSite,
        max: GB,
        source: "https://docs.gitlab.com/user/gitlab_com/#gitlab-pages",
        checked: "2026-12",
    },
    // Workers Paid plans, once PAGES_WRANGLER_MAJOR_VERSION=4 is set in the Pages project.
    Limit {
        host: "Cloudflare Pages",
        plan: Some("paid"),
        kind: Kind::FilesPerSite,
        max: 100_000,
        source: "https://developers.cloudflare.com/pages/platform/limits/",
        checked: "2026-12",
    },
    // "Netlify doesn't have a limit on the number of files per deploy", but a deploy fails when
    // a folder holds more than 54,000 files. Folders in a folder are not counted: Netlify's
    // deploys list files only.
    Limit {
        host: "Netlify",
        plan: None,
        kind: Kind::FilesPerDir,
        max: 54_000,
        source: "https://docs.netlify.com/site-deploys/overview/#files-per-directory-limit",
        checked: "2026-12",
    },
    // "The total number of file entries (including directories and symlinks) is limited to
    // 200,000 per GitLab Pages website", on GitLab.com and by default elsewhere.
    Limit {
        host: "GitLab Pages",
        plan: Some("GitLab.com"),
        kind: Kind::EntriesPerSite,
        max: 200_000,
        source: "https://docs.gitlab.com/administration/instance_limits/#number-of-files-per-gitlab-pages-website",
        checked: "2026-12",
    },
    Limit {
        host: "Cloudflare Pages",
        plan: Some("free"),
        kind: Kind::BytesPerFile,
        max: 25 * MIB,
        source: "https://developers.cloudflare.com/pages/platform/limits/",
        checked: "2026-12",
    },
    Limit {
        host: "Cloudflare Pages",
        plan: Some("paid"),
        kind: Kind::BytesPerFile,
        max: 25 * MIB,
        source: "https://developers.cloudflare.com/pages/platform/limits/",
        checked: "2026-12",
    },
    // GitHub blocks files over 100 MB in a repository: a site published from a branch cannot
    // hold one (one uploaded by actions/deploy-pages is only under the 1 GB limit).
    Limit {
        host: "GitHub Pages",
        plan: None,
        kind: Kind::BytesPerFile,
        max: 100 * MB,
        source: "https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github",
        checked: "2026-12",
    },
    Limit {
        host: "Firebase Hosting",
        plan: None,
        kind: Kind::BytesPerFile,
        max: 2 * GB,
        source: "https://firebase.google.com/docs/hosting/usage-quotas-pricing",
        checked: "2026-12",
    },
];

impl Limit {
    /// `Cloudflare Pages (free)`, `Netlify`.
    pub fn name(&self) -> String {
        match self.plan {
            Some(plan) => format!("{} ({plan})", self.host),
            None => self.host.to_string(),
        }
    }

    /// The limit as the README's table and the report state it: `20,000 files per site`,
    /// `25 MiB per file`.
    pub fn text(&self) -> String {
        match self.kind {
            Kind::FilesPerSite => format!("{} files per site", thousands(self.max)),
            Kind::EntriesPerSite => format!("{} files and folders per site", thousands(self.max)),
            Kind::FilesPerDir => format!("{} files per folder", thousands(self.max)),
            Kind::BytesPerSite => format!("{} per site", exact_bytes(self.max)),
            Kind::BytesPerFile => format!("{} per file", exact_bytes(self.max)),
        }
    }

    /// How much of what this limit counts the site has.
    fn measure(&self, size: &TreeSize) -> u64 {
        let second = |p: &Option<(String, u64)>| p.as_ref().map_or(0, |(_, n)| *n);
        match self.kind {
            Kind::FilesPerSite => size.files,
            Kind::EntriesPerSite => size.files + size.dirs,
            Kind::FilesPerDir => second(&size.fullest_dir),
            Kind::BytesPerSite => size.bytes,
            Kind::BytesPerFile => second(&size.largest),
        }
    }

    /// Whether a site of `size` is over this limit.
    pub fn exceeded_by(&self, size: &TreeSize) -> bool {
        self.measure(size) > self.max
    }
}

/// What the report needs to know of the configuration to say what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitOptions {
    /// `[output] credential_files`: each award's signed credential as `awards/<id>.json`.
    pub credential_files: bool,
    /// `[preview] per_award`: one preview card (a PNG of some 80 kB) per award rather than one
    /// per achievement.
    pub per_award_cards: bool,
    /// Awards published.
    pub awards: usize,
}

impl FitOptions {
    /// The options of a site of `awards` awards configured by `config`.
    pub fn of(config: &crate::config::Config, awards: usize) -> FitOptions {
        FitOptions {
            credential_files: config.output.credential_files,
            per_award_cards: config.preview.per_award,
            awards,
        }
    }
}

impl Default for FitOptions {
    /// rosette.toml's defaults.
    fn default() -> Self {
        FitOptions { credential_files: true, per_award_cards: false, awards: 0 }
    }
}

/// The size of the site, then the first limit in [`LIMITS`] it is over (with its source and
/// what to change) and the hosts it fits. Plain lines without colour; the same input gives
/// the same text.
pub fn report(size: &TreeSize, options: &FitOptions) -> String {
    let mut out = format!("site size: {}, {}", count(size.files, "file"), human_bytes(size.bytes));
    if let Some((path, len)) = &size.largest {
        out.push_str(&format!("; the largest is `{path}` ({})", human_bytes(*len)));
    }
    let first = LIMITS.iter().find(|l| l.exceeded_by(size));
    if let Some(over) = first {
        let has = match over.kind {
            Kind::FilesPerSite => count(size.files, "file"),
            Kind::EntriesPerSite => {
                format!("{} and {}", count(size.files, "file"), count(size.dirs, "folder"))
            }
            Kind::FilesPerDir => match &size.fullest_dir {
                Some((dir, n)) if !dir.is_empty() => format!("`{dir}` holds {}", count(*n, "file")),
                _ => format!("the top folder holds {}", count(over.measure(size), "file")),
            },
            Kind::BytesPerSite => exact_measure(size.bytes),
            Kind::BytesPerFile => {
                let (path, len) = size.largest.clone().unwrap_or_default();
                format!("`{path}` is {}", exact_measure(len))
            }
        };
        out.push_str(&format!(
            "\nover {}: {has}, and the limit is {} ({}, checked {})\n  hint: {}",
            over.name(),
            over.text(),
            over.source,
            over.checked,
            hint(over, size, options)
        ));
    }
    // Every other host and plan: those the site is over, with the first of their limits it
    // is over, and those it fits.
    let (mut also_over, mut fits) = (Vec::new(), Vec::new());
    for name in hosts().into_iter().filter(|name| first.is_none_or(|f| f.name() != *name)) {
        match LIMITS.iter().find(|l| l.name() == name && l.exceeded_by(size)) {
            Some(limit) => also_over.push(format!("{name}: {}", limit.text())),
            None => fits.push(name),
        }
    }
    if !also_over.is_empty() {
        out.push_str(&format!("\nalso over {}", also_over.join("; ")));
    }
    if fits.is_empty() {
        out.push_str(
            "\nfits none of these hosts: a server of your own or a bucket behind a CDN has none of \
             these limits (README, \"Deploying\")",
        );
    } else {
        out.push_str(&format!("\nfits {}", fits.join(", ")));
    }
    out
}

/// Each host and plan of [`LIMITS`] once, a host's plans together, hosts in the order they
/// first appear: `Cloudflare Pages (free)`, `Cloudflare Pages (paid)`, `GitHub Pages`, ….
fn hosts() -> Vec<String> {
    let first_of = |host: &str| LIMITS.iter().position(|l| l.host == host).unwrap_or(0);
    let mut names: Vec<(usize, String)> = Vec::new();
    for (i, limit) in LIMITS.iter().enumerate() {
        if !names.iter().any(|(_, n)| *n == limit.name()) {
            names.push((first_of(limit.host) * LIMITS.len() + i, limit.name()));
        }
    }
    names.sort();
    names.into_iter().map(|(_, name)| name).collect()
}

/// What would bring the site under `limit`: the options that make fewer files or bytes, if
/// they are on, then another plan or host.
fn hint(limit: &Limit, size: &TreeSize, options: &FitOptions) -> String {
    let awards = options.awards;
    let fewer_files =
        awards > 0 && matches!(limit.kind, Kind::FilesPerSite | Kind::EntriesPerSite | Kind::FilesPerDir);
    let mut changes = Vec::new();
    if limit.kind == Kind::BytesPerFile {
        if let Some((path, _)) = &size.largest {
            changes.push(format!(
                "make `{path}` smaller (files under badges/ are published as they are), or publish \
                 it elsewhere and link to it"
            ));
        }
    } else if limit.kind == Kind::BytesPerSite {
        // Nothing rosette makes per award comes near a megabyte: a file that does is the
        // issuer's own, and likely what makes the site large.
        if let Some((path, len)) = size.largest.as_ref().filter(|(_, len)| *len >= MB) {
            changes.push(format!(
                "make the largest files smaller, or publish them elsewhere and link to them (`{path}` \
                 is {})",
                human_bytes(*len)
            ));
        }
        if options.per_award_cards && awards > 0 {
            changes.push(
                "set `[preview] per_award = false` in rosette.toml for one preview card per \
                 achievement instead of one per award (some 80 kB each)"
                    .to_string(),
            );
        }
    }
    if (fewer_files || limit.kind == Kind::BytesPerSite) && options.credential_files && awards > 0 {
        let fewer = if fewer_files {
            format!(" ({} fewer)", crate::text::count(awards, "file"))
        } else {
            String::new()
        };
        changes.push(format!(
            "set `[output] credential_files = false` in rosette.toml to leave out each award's \
             `.json` file{fewer}"
        ));
    }
    // Cards are in each award's own folder: fewer of them leave `awards/` as full.
    if fewer_files && options.per_award_cards && limit.kind != Kind::FilesPerDir {
        changes.push(format!(
            "set `[preview] per_award = false` for one preview card per achievement instead of one \
             per award (nearly {} fewer)",
            crate::text::count(awards, "file")
        ));
    }
    changes.push("use a plan or host with a higher limit".to_string());
    changes.join("; or ")
}

/// A measured size, in decimal units to one decimal: `512 bytes`, `84.1 kB`, `1.2 MB`, `1.0 GB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(1_000_000_000_000, "TB"), (GB, "GB"), (MB, "MB"), (1000, "kB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            // Rounded down, so that a size just over a limit never reads as the limit.
            let tenths = bytes / (unit / 10);
            return format!("{}.{} {name}", tenths / 10, tenths % 10);
        }
    }
    format!("{bytes} bytes")
}

/// A limit in bytes as its source writes it: `25 MiB`, `1 GB`.
fn exact_bytes(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(1024 * MIB, "GiB"), (MIB, "MiB"), (GB, "GB"), (MB, "MB")];
    UNITS
        .iter()
        .find(|(unit, _)| bytes >= *unit && bytes.is_multiple_of(*unit))
        .map(|(unit, name)| format!("{} {name}", bytes / unit))
        .unwrap_or_else(|| format!("{} bytes", thousands(bytes)))
}

/// A size compared with a limit: rounded, and in bytes, since `1.0 GB` may be over `1 GB`.
fn exact_measure(bytes: u64) -> String {
    format!("{} ({} bytes)", human_bytes(bytes), thousands(bytes))
}

/// [`crate::text::thousands`] and [`crate::text::count`] for the `u64` sizes of files.
fn thousands(n: u64) -> String {
    crate::text::thousands(usize::try_from(n).unwrap_or(usize::MAX))
}

fn count(n: u64, noun: &str) -> String {
    crate::text::count(usize::try_from(n).unwrap_or(usize::MAX), noun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(files: u64, bytes: u64) -> TreeSize {
        TreeSize { files, bytes, ..TreeSize::default() }
    }

    fn limit(host: &str, kind: Kind) -> &'static Limit {
        LIMITS.iter().find(|l| l.host == host && l.kind == kind).expect("in the table")
    }

    #[test]
    fn a_tree_is_measured_with_its_hidden_files_and_without_following_links() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let files = [
            (".well-known/did.json", 300),
            ("_headers", 20),
            (".nojekyll", 0),
            ("awards/a.json", 5000),
            ("awards/a/index.html", 800),
            ("awards/b.json", 5000),
        ];
        for (path, len) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, vec![b'x'; len]).expect("write");
        }
        std::fs::create_dir(root.join("empty")).expect("mkdir");
        let measured_without_link = measure(root).expect("measure");
        assert_eq!((measured_without_link.files, measured_without_link.bytes), (6, 11_120));
        assert_eq!(measured_without_link.dirs, 4, "`.well-known/`, `awards/`, `awards/a/`, `empty/`");
        // Two files of 5000 bytes: the first path wins, whatever order the walk took; two
        // folders of two files: the first, the top one, is the fullest.
        assert_eq!(measured_without_link.largest, Some(("awards/a.json".to_string(), 5000)));
        assert_eq!(measured_without_link.fullest_dir, Some((String::new(), 2)));

        // A link to a large tree elsewhere is one small entry, not the tree.
        #[cfg(unix)]
        {
            let outside = tempfile::tempdir().expect("tempdir");
            std::fs::write(outside.path().join("big"), vec![0u8; 100_000]).expect("write");
            std::os::unix::fs::symlink(outside.path(), root.join("link")).expect("symlink");
            let link = std::fs::symlink_metadata(root.join("link")).expect("lstat").len();
            let measured = measure(root).expect("measure");
            assert_eq!((measured.files, measured.bytes, measured.dirs), (7, 11_120 + link, 4));
            assert_eq!(measured.fullest_dir, Some((String::new(), 3)));
        }
    }

    #[test]
    fn a_file_list_has_the_size_of_the_tree_it_would_make() {
        let files = [
            ("index.html", 10),
            ("awards/a.json", 7),
            ("awards/a/index.html", 5),
            ("awards/a/embed/index.html", 3),
            ("awards/b.json", 7),
        ];
        let size = TreeSize::from_files(files);
        assert_eq!((size.files, size.bytes, size.dirs), (5, 32, 3));
        assert_eq!(size.largest, Some(("index.html".to_string(), 10)));
        assert_eq!(size.fullest_dir, Some(("awards/".to_string(), 2)));
        assert_eq!(TreeSize::from_files([]), TreeSize::default());
    }

    #[test]
    fn sizes_read_plainly_and_never_round_up_to_a_limit() {
        let cases = [
            (0, "0 bytes"),
            (999, "999 bytes"),
            (84_150, "84.1 kB"),
            (1_234_567, "1.2 MB"),
            (412_500_000, "412.5 MB"),
            (1_000_000_001, "1.0 GB"),
            (1_999_999_999, "1.9 GB"),
        ];
        for (bytes, text) in cases {
            assert_eq!(human_bytes(bytes), text);
        }
        assert_eq!(exact_bytes(25 * MIB), "25 MiB");
        assert_eq!(exact_bytes(GB), "1 GB");
        assert_eq!(exact_bytes(100 * MB), "100 MB");
        assert_eq!(exact_bytes(1024 * MIB), "1 GiB");
        assert_eq!(exact_bytes(1234), "1,234 bytes");
    }

    #[test]
    fn every_limit_is_sourced_and_each_host_has_one_of_each_kind() {
        for l in LIMITS {
            assert!(l.source.starts_with("https://"), "{}: {}", l.name(), l.source);
            assert_eq!(l.checked, "2026-12", "{}", l.name());
            assert!(l.max > 0, "{}", l.name());
            let same = LIMITS.iter().filter(|m| m.name() == l.name() && m.kind == l.kind).count();
            assert_eq!(same, 1, "{} has two {:?} limits", l.name(), l.kind);
        }
    }

    /// The README's "Where the site fits" table is this one: same rows, same order, same
    /// figures, sources and dates, so that neither can change alone.
    #[test]
    fn the_readme_states_the_same_limits() {
        let readme = include_str!("../../../../README.md");
        let section = readme.split("\n## Where the site fits\n").nth(1).expect("README has the section");
        let section = section.split("\n## ").next().unwrap_or(section);
        let rows: Vec<&str> =
            section.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| host |")).collect();
        assert_eq!(rows.len(), LIMITS.len(), "README rows:\n{}", rows.join("\n"));
        for (row, limit) in rows.iter().zip(LIMITS) {
            let start = format!("| {} | {} | {} | [", limit.host, limit.plan.unwrap_or("all"), limit.text());
            assert!(row.starts_with(&start), "README row `{row}` is not `{start}…`");
            assert!(row.contains(&format!("]({}) |", limit.source)), "`{row}`: not {}", limit.source);
            assert!(row.ends_with(&format!(" | {} |", limit.checked)), "`{row}`: not {}", limit.checked);
        }
    }

    #[test]
    fn a_limit_is_exceeded_only_past_its_figure() {
        let cloudflare = limit("Cloudflare Pages", Kind::FilesPerSite);
        assert_eq!(cloudflare.name(), "Cloudflare Pages (free)");
        assert_eq!(cloudflare.text(), "20,000 files per site");
        assert!(!cloudflare.exceeded_by(&size(20_000, 0)));
        assert!(cloudflare.exceeded_by(&size(20_001, 0)));
        let github = limit("GitHub Pages", Kind::BytesPerSite);
        assert!(!github.exceeded_by(&size(1, GB)));
        assert!(github.exceeded_by(&size(1, GB + 1)));
        let gitlab = limit("GitLab Pages", Kind::EntriesPerSite);
        assert!(!gitlab.exceeded_by(&TreeSize { dirs: 100_000, ..size(100_000, 0) }));
        assert!(gitlab.exceeded_by(&TreeSize { dirs: 100_001, ..size(100_000, 0) }));
    }

    #[test]
    fn a_small_site_fits_every_host() {
        let small = TreeSize {
            files: 115,
            bytes: 1_945_909,
            dirs: 31,
            largest: Some(("awards/x/card.png".into(), 95_351)),
            fullest_dir: Some(("awards/".into(), 30)),
        };
        assert_eq!(
            report(&small, &FitOptions { awards: 10, ..FitOptions::default() }),
            "site size: 115 files, 1.9 MB; the largest is `awards/x/card.png` (95.3 kB)\n\
             fits Cloudflare Pages (free), Cloudflare Pages (paid), GitHub Pages, GitLab Pages \
             (GitLab.com), Netlify, Firebase Hosting"
        );
    }

    #[test]
    fn the_hint_names_only_the_options_that_are_on() {
        let over = size(24_012, 400 * MB);
        let on = FitOptions { credential_files: true, per_award_cards: true, awards: 2_400 };
        let text = report(&over, &on);
        assert!(
            text.contains(
                "set `[output] credential_files = false` in rosette.toml to leave out each award's \
                 `.json` file (2,400 files fewer)"
            ),
            "{text}"
        );
        assert!(text.contains("set `[preview] per_award = false`"), "{text}");
        // Over a gigabyte in fewer files than Cloudflare's free plan allows: the cards first.
        let text = report(&size(15_000, 2 * GB), &on);
        assert!(
            text.contains(
                "\nover GitHub Pages: 2.0 GB (2,000,000,000 bytes), and the limit is 1 GB per site"
            )
        );
        assert!(
            text.contains(
                "  hint: set `[preview] per_award = false` in rosette.toml for one preview card per \
                 achievement instead of one per award (some 80 kB each); or set `[output] \
                 credential_files = false`"
            ),
            "{text}"
        );
        let off = FitOptions { credential_files: false, per_award_cards: false, awards: 2_400 };
        let text = report(&over, &off);
        assert!(text.contains("\n  hint: use a plan or host with a higher limit\n"), "{text}");
        assert!(!text.contains("credential_files") && !text.contains("per_award"), "{text}");
    }

    #[test]
    fn the_first_limit_in_the_table_is_named_and_the_other_hosts_over_are_listed() {
        // Over Cloudflare's free file count and the gigabyte of GitHub and GitLab.
        let text = report(&size(30_000, 2 * GB), &FitOptions::default());
        assert_eq!(text.matches("\nover ").count(), 1, "{text}");
        assert!(
            text.contains(
                "\nover Cloudflare Pages (free): 30,000 files, and the limit is 20,000 files per site"
            ),
            "{text}"
        );
        assert!(
            text.ends_with(
                "\nalso over GitHub Pages: 1 GB per site; GitLab Pages (GitLab.com): 1 GB per site\n\
                 fits Cloudflare Pages (paid), Netlify, Firebase Hosting"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_folder_too_full_for_netlify_and_a_file_too_large_for_every_host() {
        let wide = TreeSize {
            files: 60_000,
            bytes: 3 * GB + 10 * MB,
            dirs: 1,
            largest: Some(("feed.xml".into(), 3 * GB)),
            fullest_dir: Some(("awards/".into(), 54_001)),
        };
        let text = report(&wide, &FitOptions { awards: 18_000, ..FitOptions::default() });
        assert!(text.contains("also over "), "{text}");
        assert!(text.contains("; Netlify: 54,000 files per folder; "), "{text}");
        assert!(text.contains("; Firebase Hosting: 2 GB per file\n"), "{text}");
        assert!(text.ends_with("\nfits none of these hosts: a server of your own or a bucket behind a CDN has none of these limits (README, \"Deploying\")"), "{text}");
        // Netlify first in line: the folder is named.
        let netlify = TreeSize { files: 19_000, ..wide.clone() };
        let limit = limit("Netlify", Kind::FilesPerDir);
        assert!(limit.exceeded_by(&netlify));
        assert_eq!(limit.measure(&netlify), 54_001);
    }
}
