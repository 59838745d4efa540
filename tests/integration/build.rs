//! `rosette build` as a user runs it: the sample site, determinism, golden pages and file
//! list, and one-defect bad inputs that must stop the build and leave `public/` untouched.

use crate::common;
use common::{BIN, EPOCH, tree};

use serde_json::Value;

use std::process::{Command, Output};

type Site = common::SampleSite;

/// An award of the sample site, parsed.
fn award(site: &Site, name: &str) -> Value {
    let bytes = std::fs::read(site.path("badges/awards").join(name)).expect("award");
    serde_json::from_slice(&bytes).expect("award json")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares `actual` with `tests/fixtures/golden/<rel>`.
#[track_caller]
fn golden(rel: &str, actual: &str) {
    common::assert_golden(&format!("golden/{rel}"), actual);
}

/// The `<main>` element of a page: what a theme change to the frame does not touch.
fn main_part(html: &str) -> String {
    let start = html.find("<main").unwrap_or(0);
    let end = html.find("</main>").map_or(html.len(), |i| i + "</main>".len());
    // One element per line keeps golden diffs readable.
    html[start..end].replace("><", ">\n<")
}

fn has_sample_site() -> bool {
    let ok = common::repo_root().join("badges/awards").is_dir();
    if !ok {
        eprintln!("skipped: the sample site has no badges/awards yet");
    }
    ok
}

#[test]
fn sample_site_builds_deterministically() {
    if !has_sample_site() {
        return;
    }
    let site = Site::new();
    let first = site.build_to(&site.root().join("out1"));
    assert!(first.status.success(), "{}", stderr(&first));
    let second = site.build_to(&site.root().join("out2"));
    assert!(second.status.success(), "{}", stderr(&second));
    let a = tree(&site.root().join("out1"));
    let b = tree(&site.root().join("out2"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "`{path}` differs between two builds of the same input");
    }
    golden("sample-site/files.txt", &a.keys().map(|k| format!("{k}\n")).collect::<String>());
    let out = stderr(&first).replace(&site.root().display().to_string(), "<site>");
    golden("sample-site/build-output.txt", &out);
}

/// Issue #18: `build` ends with the size of what it published and the hosts it fits, and
/// `check` says the same of what a build would publish, without writing it.
#[test]
fn build_and_check_report_the_same_size_and_fit() {
    if !has_sample_site() {
        return;
    }
    let site = Site::new();
    let checked = Command::new(BIN)
        .args(["check", "--root"])
        .arg(site.root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .expect("run rosette check");
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(!site.root().join("public").exists(), "check wrote public/");
    let built = site.build();
    assert!(built.status.success(), "{}", stderr(&built));
    let fit = |o: &Output| {
        let text = stderr(o);
        let start = text.find("site size: ").unwrap_or_else(|| panic!("no size report:\n{text}"));
        text[start..].to_string()
    };
    assert_eq!(fit(&checked), fit(&built), "check and build disagree on the size of the site");
    let files = tree(&site.root().join("public"));
    let bytes: usize = files.values().map(Vec::len).sum();
    assert!(fit(&built).starts_with(&format!("site size: {} files, ", files.len())), "{}", fit(&built));
    // Pages, credentials, images and cards: not a tree of empty files.
    assert!(bytes > 500_000, "the sample site is {bytes} bytes");
    golden("sample-site/fit.txt", &fit(&built));
}

#[test]
fn sample_site_pages_match_their_golden_main() {
    if !has_sample_site() {
        return;
    }
    let site = Site::new();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let files = tree(&site.root().join("public"));
    let mut pages = 0;
    for (path, bytes) in &files {
        if path.ends_with(".html") {
            golden(&format!("sample-site/pages/{path}"), &main_part(&String::from_utf8_lossy(bytes)));
            pages += 1;
        }
    }
    assert!(pages >= 14, "only {pages} pages");
}

/// A page as served, before any script runs (and without JavaScript), shows no green: no
/// verified verdict and no passed check anywhere, whatever the build found. Only the browser's
/// check, with the key read from the issuer's domain, may say "verified" (issue #16).
#[test]
fn no_page_is_green_before_the_browser_checks() {
    if !has_sample_site() {
        return;
    }
    let site = Site::new();
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut badges = 0;
    for (path, bytes) in tree(&site.root().join("public")) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(&bytes);
        for green in [
            "data-verdict=verified",
            "data-verdict=\"verified\"",
            "data-state=passed",
            "data-state=\"passed\"",
        ] {
            assert!(!html.contains(green), "`{path}` is green before any check: {green}");
        }
        if common::has_attr(&html, "id", "rosette-verdict") {
            badges += 1;
            assert!(common::has_attr(&html, "data-verdict", "unchecked"), "`{path}`: no neutral verdict");
            assert!(html.contains("<noscript>"), "`{path}`: nothing for a browser without JavaScript");
        }
    }
    assert!(badges >= 10, "only {badges} badge pages");
}

#[test]
fn embedded_json_ld_is_exactly_the_signed_credential() {
    if !has_sample_site() {
        return;
    }
    let site = Site::new();
    assert!(site.build().status.success());
    let public = site.root().join("public");
    let mut checked = 0;
    for (path, bytes) in tree(&public) {
        // Badge pages only (`awards/<id>/index.html`), not their embed cards.
        if !path.starts_with("awards/") || !path.ends_with("/index.html") || path.matches('/').count() != 2 {
            continue;
        }
        let html = String::from_utf8(bytes).expect("utf-8");
        let embedded = json_ld_of(&html);
        let json_path = public.join(path.trim_end_matches("/index.html").to_string() + ".json");
        let published = std::fs::read(&json_path).expect("published credential");
        let dir = path.trim_end_matches("/index.html");
        let signed =
            std::fs::read(common::repo_root().join("badges").join(format!("{dir}.json"))).expect("source");
        assert_eq!(
            published, signed,
            "{path}: the published credential must be byte-for-byte the signed one"
        );
        assert_eq!(embedded, serde_json::from_slice::<Value>(&signed).expect("json"), "{path}");
        checked += 1;
    }
    assert!(checked >= 9, "only {checked} badge pages");
}

/// The byte range of the text of the page's `<script type=application/ld+json>`.
fn json_ld_range(html: &str) -> std::ops::Range<usize> {
    let open = script_tags(html)
        .into_iter()
        .find(|(_, tag)| tag.contains("application/ld+json"))
        .map(|(at, _)| at)
        .expect("ld+json script");
    let start = html[open..].find('>').expect(">") + open + 1;
    let end = html[start..].find("</script").expect("</script") + start;
    start..end
}

fn without_quoted_values(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("=\"") {
        out.push_str(&rest[..i + 2]);
        rest = &rest[i + 2..];
        let end = rest.find('"').unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Every `<script …>` start tag with its offset (attributes in any order, as minified).
fn script_tags(html: &str) -> Vec<(usize, String)> {
    let lower = html.to_ascii_lowercase();
    lower
        .match_indices("<script")
        .map(|(at, _)| (at, lower[at..at + lower[at..].find('>').unwrap_or(0)].to_string()))
        .collect()
}

fn json_ld_of(html: &str) -> Value {
    serde_json::from_str(&html[json_ld_range(html)]).expect("embedded JSON-LD parses")
}

/// One defect each; the build must fail with exit 1, the pinned message, and `public/`
/// exactly as it was.
#[test]
fn bad_inputs_stop_the_build_and_leave_public_untouched() {
    if !has_sample_site() {
        return;
    }
    type Defect = fn(&Site);
    let cases: Vec<(&str, Defect, &[&str])> = vec![
        (
            "invalid JSON",
            |s| {
                std::fs::write(s.root().join("badges/awards/broken.json"), "{\n  \"a\": 1,\n  \"b\" 2\n}")
                    .expect("w")
            },
            &["`badges/awards/broken.json`: invalid JSON at line 3, column 7: expected `:`"],
        ),
        (
            "unknown context",
            |s| {
                let mut c = award(s, "2024-dlf-0001.json");
                c["@context"].as_array_mut().expect("ctx").push("https://evil.example/context.jsonld".into());
                std::fs::write(s.root().join("badges/awards/2024-dlf-0001.json"), c.to_string()).expect("w");
            },
            &[
                "`badges/awards/2024-dlf-0001.json`: format check failed: unknown JSON-LD context `https://evil.example/context.jsonld`",
            ],
        ),
        (
            "tampered credential",
            |s| {
                let mut c = award(s, "2024-dlf-0001.json");
                c["credentialSubject"]["name"] = "Mallory".into();
                std::fs::write(s.root().join("badges/awards/2024-dlf-0001.json"), c.to_string()).expect("w");
            },
            &[
                "`badges/awards/2024-dlf-0001.json`: proof signature does not verify",
                "hint: the file changed after it was signed",
            ],
        ),
        (
            "tampered proof",
            |s| {
                let mut c = award(s, "2024-aml-0001.json");
                let pv = c["proof"][0]["proofValue"].as_str().expect("pv").replace('a', "b");
                c["proof"][0]["proofValue"] = pv.into();
                std::fs::write(s.root().join("badges/awards/2024-aml-0001.json"), c.to_string()).expect("w");
            },
            &["`badges/awards/2024-aml-0001.json`: proof signature does not verify"],
        ),
        (
            "key not in did.json",
            |s| {
                let mut c = award(s, "2024-dlf-0001.json");
                c["proof"][0]["verificationMethod"] = "did:web:badges.northfield.example#key-9".into();
                std::fs::write(s.root().join("badges/awards/2024-dlf-0001.json"), c.to_string()).expect("w");
            },
            &[
                "`badges/awards/2024-dlf-0001.json`: no usable key: key `did:web:badges.northfield.example#key-9` is not published in `did:web:badges.northfield.example`",
            ],
        ),
        (
            "duplicate id",
            |s| {
                std::fs::copy(
                    s.root().join("badges/awards/2024-dlf-0001.json"),
                    s.root().join("badges/awards/copy.json"),
                )
                .expect("cp");
            },
            &[
                "credential id `https://badges.northfield.example/awards/2024-dlf-0001` is also used by `badges/awards/",
            ],
        ),
        (
            "typo in rosette.toml",
            |s| {
                let t = std::fs::read_to_string(s.root().join("rosette.toml")).expect("r").replacen(
                    "\ntitle =",
                    "\ntitel =",
                    1,
                );
                std::fs::write(s.root().join("rosette.toml"), t).expect("w");
            },
            &[
                "error: `rosette.toml` is not valid",
                "caused by: line ",
                "unknown field `titel`, expected one of `base_url`, `title`",
            ],
        ),
    ];
    for (name, defect, messages) in cases {
        let site = Site::new();
        let first = site.build();
        assert!(first.status.success(), "{name}: the clean build failed: {}", stderr(&first));
        let before = tree(&site.root().join("public"));
        defect(&site);
        let out = site.build();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: exit code; stderr:\n{err}");
        for m in messages {
            assert!(err.contains(m), "{name}: stderr lacks `{m}`:\n{err}");
        }
        assert!(before == tree(&site.root().join("public")), "{name}: public/ changed after a failed build");
    }
}

/// Validly signed credentials full of hostile strings: the build publishes them, and the
/// pages are inert.
#[test]
fn hostile_strings_are_rendered_inert() {
    if !has_sample_site() {
        return;
    }
    let site = Site::new();
    let mut c: Value = serde_json::from_slice(
        &std::fs::read(common::repo_root().join("tests/fixtures/sample-site/unsigned/2025-aml-0002.json"))
            .expect("unsigned"),
    )
    .expect("json");
    c["id"] = "https://badges.northfield.example/awards/hostile".into();
    c["credentialSubject"]["name"] = "<script>alert('name')</script></script><!-- \u{202E}evil".into();
    c["description"] = "</script><script>alert(1)</script>".into();
    let a = &mut c["credentialSubject"]["achievement"];
    a["criteria"]["narrative"] =
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)> <script>alert(2)</script>".into();
    a["image"]["id"] = "javascript:alert(3)".into();
    if let Some(ev) = c["evidence"].as_array_mut() {
        ev[0]["id"] = "javascript:alert(4)".into();
        ev[0]["narrative"] = "<a href=\"javascript:alert(5)\">x</a>".into();
    }
    site.add_signed("awards/hostile.json", &c);
    let out = site.build();
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(site.root().join("public/awards/hostile/index.html")).expect("page");
    // The signed JSON-LD carries the hostile strings as data (escaped); the rest of the page
    // must not carry them as markup.
    let range = json_ld_range(&html);
    let mut markup = format!("{}{}", &html[..range.start], &html[range.end..]);
    // `<title>` is raw text to a browser (only `</title` ends it), and the minifier writes it
    // unescaped: tags there are inert characters. Everything else must be escaped markup.
    if let (Some(a), Some(b)) = (markup.find("<title>"), markup.find("</title>")) {
        assert!(!markup[a + 7..b].to_ascii_lowercase().contains("</title"), "the title was closed early");
        markup.replace_range(a..b, "<title>");
    }
    // Quoted attribute values are data too: drop them, keeping the markup around them.
    let markup = without_quoted_values(&markup);
    assert!(!html[range.clone()].contains('<'), "`<` must be escaped inside the JSON-LD");
    let lower = markup.to_ascii_lowercase();
    assert!(!lower.contains("javascript:"), "a javascript: URL survived");
    assert!(!lower.contains("<script>alert"), "an injected script survived");
    assert!(!lower.contains("onerror"), "an event handler survived");
    assert!(!markup.contains('\u{202E}'), "a bidi override survived");
    // Every script element, its attributes read before quoted values were dropped.
    for (_, tag) in script_tags(&format!("{}{}", &html[..range.start], &html[range.end..])) {
        let kind = common::attribute(&tag, "type");
        let data = matches!(kind.as_deref(), Some("application/ld+json" | "application/json"));
        let ours = common::attribute(&tag, "src").is_some_and(|src| src.starts_with("../../assets/"));
        assert!(data || ours, "only data blocks and our own script files may appear: {tag}");
    }
    assert_eq!(
        json_ld_of(&html),
        serde_json::from_slice::<Value>(
            &std::fs::read(site.root().join("badges/awards/hostile.json")).expect("r")
        )
        .expect("j")
    );
}
