//! The hostile-input corpus (`tests/fixtures/hostile/cases.toml`): every case is run with the
//! real binary and must end as the manifest says — a clear error naming the file and the
//! reason with `public/` untouched, or a published page on which the input is inert.

use crate::common;
use common::{BIN, EPOCH, copy_dir, tree};

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BASE: &str = "https://badges.northfield.example/";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    class: String,
    input: String,
    #[serde(default)]
    put: Option<String>,
    #[serde(default)]
    config: Option<String>,
    command: String,
    exit: i32,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    inert: bool,
}

/// One entry of `signed.json`: edits to a sample credential, signed at test time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedCase {
    name: String,
    #[allow(dead_code, reason = "documentation for people and for hostile.mjs")]
    class: String,
    #[allow(dead_code, reason = "documentation for people")]
    note: String,
    /// Whether the build publishes it (tests/browser/hostile.mjs opens these); must agree
    /// with the case's expected exit status.
    published: bool,
    /// Other files to put under `badges/` (a hostile badge image).
    #[serde(default)]
    files: BTreeMap<String, String>,
    set: BTreeMap<String, Value>,
}

fn fixtures() -> PathBuf {
    common::repo_root().join("tests/fixtures/hostile")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(fixtures().join("cases.toml")).expect("cases.toml");
    toml::from_str(&text).expect("cases.toml parses")
}

fn signed_cases() -> Vec<SignedCase> {
    serde_json::from_slice(&std::fs::read(fixtures().join("signed.json")).expect("signed.json"))
        .expect("signed.json parses")
}

fn output_text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The sample site, built once: each case starts from a copy of it, `public/` included.
fn template() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = common::repo_root();
    std::fs::copy(root.join("rosette.toml"), dir.path().join("rosette.toml")).expect("toml");
    copy_dir(&root.join("badges"), &dir.path().join("badges"));
    // A private copy of the sample key: the repository's copy may be readable by others.
    let key = dir.path().join("issuer.secret");
    std::fs::write(&key, std::fs::read(root.join("tests/fixtures/sample-site/issuer.secret")).expect("key"))
        .expect("key");
    set_private(&key);
    let out = build(dir.path());
    assert!(out.status.success(), "the sample site does not build: {}", output_text(&out));
    dir
}

fn set_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn build(root: &Path) -> Output {
    Command::new(BIN)
        .args(["build", "--root"])
        .arg(root)
        .arg("--out")
        .arg(root.join("public"))
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("NO_COLOR", "1")
        .output()
        .expect("run rosette build")
}

/// A sample credential with the edits of `case` applied (paths like `evidence.0.id`).
fn edited(set: &BTreeMap<String, Value>, name: &str) -> Value {
    let unsigned = common::repo_root().join("tests/fixtures/sample-site/unsigned/2025-aml-0002.json");
    let mut c: Value = serde_json::from_slice(&std::fs::read(unsigned).expect("unsigned")).expect("json");
    c.as_object_mut().expect("object").remove("credentialStatus");
    c["id"] = format!("{BASE}awards/{name}").into();
    for (path, value) in set {
        let mut at = &mut c;
        for key in path.split('.') {
            at = match key.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[key],
            };
        }
        *at = value.clone();
    }
    c
}

/// Signs `credential` with the site's private copy of the sample key into `to`.
fn sign(site: &Path, credential: &Value, to: &Path) {
    common::sign(&site.join("issuer.secret"), credential, "2025-01-01T00:00:00Z", to);
}

fn sample_award(site: &Path) -> (Value, String) {
    let text = std::fs::read_to_string(site.join("badges/awards/2024-dlf-0001.json")).expect("award");
    (serde_json::from_str(&text).expect("json"), text)
}

/// A PNG whose header claims `side` × `side` RGBA pixels, with an IDAT that inflates to
/// `inflated` bytes of zeros.
fn png_bomb(side: u32, inflated: usize) -> Vec<u8> {
    use common::png_chunk as chunk;
    use std::io::Write;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated / zeros.len() {
        z.write_all(&zeros).expect("deflate");
    }
    chunk(&mut png, b"IDAT", &z.finish().expect("deflate"));
    chunk(&mut png, b"IEND", &[]);
    png
}

/// Makes the input of `generate:NAME` at `dest` (under `site`).
fn generate(name: &str, site: &Path, dest: &Path) {
    let (mut award, text) = sample_award(site);
    let write_award =
        |v: &Value| std::fs::write(dest, serde_json::to_vec_pretty(v).expect("json")).expect("w");
    match name {
        "nul-in-id" => {
            award["id"] = format!("{BASE}awards/a\u{0}b").into();
            write_award(&award);
        }
        "duplicate-key-in-signed-award" => {
            // A second `name` right after the first: both parsers that keep the first and
            // those that keep the last would see a different credential.
            let dup = text.replacen("\"name\": ", "\"name\": \"Mallory\",\n  \"name\": ", 1);
            assert_ne!(dup, text);
            std::fs::write(dest, dup).expect("w");
        }
        "string-10mb" => {
            award["credentialSubject"]["name"] = "A".repeat(10 * 1024 * 1024).into();
            write_award(&award);
        }
        "nested-100000" => {
            let n = 100_000;
            std::fs::write(dest, format!("{{\"x\":{}{}}}", "[".repeat(n), "]".repeat(n))).expect("w");
        }
        "huge-array" => {
            award["credentialSubject"]["achievement"]["tag"] = vec![Value::from("x"); 50_000].into();
            write_award(&award);
        }
        "huge-array-over-the-limit" => {
            award["type"] = vec![Value::from(0); 2_000_000].into();
            std::fs::write(dest, award.to_string()).expect("w");
        }
        "remote-context" => {
            award["@context"].as_array_mut().expect("ctx").push("https://evil.example/context.jsonld".into());
            write_award(&award);
        }
        "import-context" => {
            let ctx = serde_json::json!({"@import": "https://evil.example/import.jsonld"});
            award["@context"].as_array_mut().expect("ctx").push(ctx);
            write_award(&award);
        }
        "scoped-remote-context" => {
            let ctx = serde_json::json!({"x": {"@id": "https://e.example/x", "@context": "https://evil.example/scoped.jsonld"}});
            award["@context"].as_array_mut().expect("ctx").push(ctx);
            award["x"] = serde_json::json!({"a": 1});
            write_award(&award);
        }
        "png-bomb" | "png-bomb-4096" | "svg-external-entity" | "svg-billion-laughs" => {
            let image = match name {
                "png-bomb" => {
                    std::fs::write(site.join("badges/images/bomb.png"), png_bomb(100_000, 64 << 20))
                        .expect("w");
                    "images/bomb.png"
                }
                "png-bomb-4096" => {
                    std::fs::write(site.join("badges/images/bomb.png"), png_bomb(4096, 64 << 20)).expect("w");
                    "images/bomb.png"
                }
                _ => {
                    let file = if name == "svg-external-entity" { "xxe.svg" } else { "billion-laughs.svg" };
                    let from = common::repo_root().join("tests/fixtures/bake").join(file);
                    std::fs::copy(from, site.join("badges/images").join(file)).expect("cp");
                    if name == "svg-external-entity" { "images/xxe.svg" } else { "images/billion-laughs.svg" }
                }
            };
            let mut set = BTreeMap::new();
            set.insert(
                "credentialSubject.achievement.image.id".to_string(),
                Value::from(format!("{BASE}{image}")),
            );
            set.insert(
                "credentialSubject.achievement.id".to_string(),
                Value::from(format!("{BASE}achievements/{name}")),
            );
            sign(site, &edited(&set, name), dest);
        }
        other => panic!("unknown generator `{other}`"),
    }
}

/// Places the input of `case` and returns the path given to `verify`.
fn place(case: &Case, site: &Path) -> PathBuf {
    let put = case.put.clone().unwrap_or_else(|| format!("awards/{}.json", case.name));
    let dest = if case.command == "verify" {
        site.join(put.rsplit('/').next().expect("name"))
    } else {
        site.join("badges").join(&put)
    };
    match case.input.split_once(':') {
        Some(("file", f)) => {
            std::fs::copy(fixtures().join(f), &dest).expect("copy fixture");
        }
        Some(("signed", name)) => {
            let s = signed_cases().into_iter().find(|s| s.name == name).expect("signed case exists");
            for (rel, text) in &s.files {
                std::fs::write(site.join("badges").join(rel), text).expect("write file");
            }
            sign(site, &edited(&s.set, &case.name), &dest);
        }
        Some(("generate", name)) => generate(name, site, &dest),
        _ if case.input == "none" => {}
        _ => panic!("{}: unknown input `{}`", case.name, case.input),
    }
    dest
}

/// Runs one case; returns what went wrong, if anything.
fn run(case: &Case, template: &Path) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path();
    copy_dir(template, site);
    if let Some(extra) = &case.config {
        let mut toml = std::fs::read_to_string(site.join("rosette.toml")).expect("toml");
        toml.push_str(extra);
        std::fs::write(site.join("rosette.toml"), toml).expect("toml");
    }
    let input = place(case, site);
    let before = tree(&site.join("public"));
    let out = match case.command.as_str() {
        "build" => build(site),
        "verify" => Command::new(BIN)
            .args(["verify", "--site", "public", "--base-url", BASE])
            .arg(input.file_name().expect("name"))
            .current_dir(site)
            .output()
            .expect("run rosette verify"),
        other => panic!("unknown command `{other}`"),
    };
    let text = output_text(&out);
    if out.status.code() != Some(case.exit) {
        return Err(format!("exit {:?}, expected {}:\n{text}", out.status.code(), case.exit));
    }
    if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
        return Err(format!("rosette panicked:\n{text}"));
    }
    for want in &case.expect {
        if !text.contains(want.as_str()) {
            return Err(format!("the output lacks `{want}`:\n{text}"));
        }
    }
    if case.command == "build" && case.exit != 0 && before != tree(&site.join("public")) {
        return Err("public/ changed after a failed build".into());
    }
    if case.inert {
        let public = site.join("public");
        let page = find_page(&public, &case.name).ok_or("no page was published for the case")?;
        for (rel, bytes) in tree(&public) {
            if rel.ends_with(".html") {
                inert_html(&String::from_utf8_lossy(&bytes)).map_err(|e| format!("`{rel}`: {e}"))?;
            }
            if bytes.windows(9).any(|w| w == b"root:x:0:") {
                return Err(format!("`{rel}` carries the contents of /etc/passwd"));
            }
        }
        if !page.is_file() {
            return Err(format!("no page at `{}`", page.display()));
        }
    }
    Ok(())
}

/// The page of the award signed for case `name` (its id ends in the case name, or — for an id
/// outside the site — its file name does).
fn find_page(public: &Path, name: &str) -> Option<PathBuf> {
    let candidates = [public.join("awards").join(name).join("index.html")];
    candidates.into_iter().find(|p| p.is_file()).or_else(|| {
        // An id outside the site (file:///etc/passwd): published under another name; find
        // the page that embeds this file's credential.
        walkdir::WalkDir::new(public.join("awards"))
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .find(|p| {
                p.ends_with("index.html")
                    && std::fs::read_to_string(p).is_ok_and(|t| t.contains("file:///etc/passwd"))
            })
    })
}

/// Checks that an HTML page carries nothing live from input: every element is scanned with a
/// small tokenizer that follows the HTML rules that matter here (raw text in `<script>`,
/// `<style>`, `<title>`, `<textarea>`; comments; quoted attributes).
fn inert_html(html: &str) -> Result<(), String> {
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(off) = lower[i..].find('<') {
        let start = i + off;
        let rest = &lower[start..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").ok_or("an unclosed comment swallows the page")?;
            let comment = &html[start..start + end];
            if comment.contains("__pwned") || comment.contains("alert(") {
                return Err(format!("input inside a comment: {comment}"));
            }
            i = start + end + 3;
            continue;
        }
        let Some(first) = bytes.get(start + 1) else { break };
        if !first.is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let (name, attrs, end) = parse_tag(&lower, start).ok_or("an unclosed tag")?;
        for bad in ["iframe", "object", "embed", "base", "frame", "frameset", "applet"] {
            if name == bad {
                return Err(format!("a <{name}> element: {}", &html[start..end]));
            }
        }
        for (attr, value) in &attrs {
            if attr.starts_with("on") {
                return Err(format!("an event handler `{attr}`: {}", &html[start..end]));
            }
            let v: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
            if ["href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset", "content"]
                .contains(&attr.as_str())
                && (v.starts_with("javascript:")
                    || v.starts_with("vbscript:")
                    || v.starts_with("data:text")
                    || v.starts_with("&#"))
            {
                return Err(format!("a live URL in `{attr}`: {}", &html[start..end]));
            }
            if attr == "style"
                && (v.contains("url(") || v.contains("expression("))
                && v.contains("javascript")
            {
                return Err(format!("a script URL in a style: {}", &html[start..end]));
            }
        }
        i = end;
        if ["script", "style", "title", "textarea"].contains(&name.as_str()) {
            let close = format!("</{name}");
            let body_end = lower[end..].find(&close).map_or(lower.len(), |j| end + j);
            let body = &html[end..body_end];
            if name == "script" {
                let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
                let data = matches!(attr("type"), Some("application/ld+json" | "application/json"));
                let ours = attr("src").is_some_and(|s| s.contains("assets/")) && body.trim().is_empty();
                if !data && !ours {
                    return Err(format!("a script that is not rosette's: {}", &html[start..body_end]));
                }
                // In a data block `<` could only end it early or switch the parser into the
                // script-data-escaped state (`<!--`); JSON escapes it as \u003c.
                if data && body.contains('<') {
                    return Err(format!("`<` inside a JSON data block: {body}"));
                }
            } else if body.contains('\u{202e}') || body.contains('\u{2067}') {
                return Err(format!("a bidi control in <{name}>: {body}"));
            }
            i = body_end;
            continue;
        }
    }
    // Text and attributes: bidi overrides and isolates must be gone or neutralised.
    let outside_data = without_data_blocks(html);
    for c in ['\u{202a}', '\u{202b}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}'] {
        if outside_data.contains(c) {
            let at = outside_data.find(c).unwrap_or(0);
            let before: String =
                outside_data[..at].chars().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
            return Err(format!("a raw bidi control U+{:04X} near: {before}", c as u32));
        }
    }
    Ok(())
}

/// The page without the contents of its JSON data blocks (the signed credential, as data).
fn without_data_blocks(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<script") {
        let Some(close) = rest[i..].find('>') else { break };
        out.push_str(&rest[..i + close + 1]);
        rest = &rest[i + close + 1..];
        let end = rest.find("</script").unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Parses the start tag at `start`: its name, attributes (lower-cased, entity-encoded values as
/// written) and the index after its `>`.
#[allow(clippy::type_complexity, reason = "a test helper")]
fn parse_tag(lower: &str, start: usize) -> Option<(String, Vec<(String, String)>, usize)> {
    let b = lower.as_bytes();
    let mut i = start + 1;
    let name_start = i;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let name = lower[name_start..i].to_string();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some((name, attrs, i + 1));
        }
        let a = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !b"=>/".contains(&b[i]) {
            i += 1;
        }
        let attr = lower[a..i].to_string();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = lower[i + 1..].find(q as char)? + i + 1;
                    value = lower[i + 1..end].to_string();
                    i = end + 1;
                }
                _ => {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = lower[v..i].to_string();
                }
            }
        }
        attrs.push((attr, value));
    }
}

#[test]
fn the_inert_check_catches_live_markup() {
    let ok = r#"<p title="&lt;script&gt;">&lt;script&gt;alert(1)</p><script type=application/ld+json>{"a":"\u003c/script>"}</script>"#;
    assert_eq!(inert_html(&ok.replace("\u{3c}/script>\"}", "\"}")), Ok(()));
    for bad in [
        "<p><script>window.__pwned=1</script></p>",
        "<img src=x onerror=alert(1)>",
        "<a href=' javascript:alert(1)'>x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<iframe src=x></iframe>",
        "<script type=application/ld+json>{\"a\":\"<!--<script>\"}</script>",
        "<p>\u{202e}gnp.exe</p>",
        "<svg><a xlink:href=\"javascript:alert(1)\">x</a></svg>",
    ] {
        assert!(inert_html(bad).is_err(), "{bad}");
    }
}

#[test]
fn every_hostile_case_ends_as_the_manifest_says() {
    if !common::repo_root().join("badges/awards").is_dir() {
        eprintln!("skipped: no sample site");
        return;
    }
    let manifest = manifest();
    let signed = signed_cases();
    // Every signed edit is used by a case, so hostile.mjs and this test cover the same inputs.
    for s in &signed {
        let case = manifest.case.iter().find(|c| c.input == format!("signed:{}", s.name));
        let case = case.unwrap_or_else(|| panic!("signed.json entry `{}` has no case", s.name));
        assert_eq!(
            s.published,
            case.exit == 0,
            "signed.json `{}`: `published` disagrees with cases.toml",
            s.name
        );
    }
    let template = template();
    let mut failures = Vec::new();
    let mut classes: BTreeMap<&str, (usize, Vec<&str>)> = BTreeMap::new();
    for case in &manifest.case {
        assert!(case.inert || case.exit != 0, "{}: a case must expect an error or be inert", case.name);
        assert!(
            !(case.exit != 0 && case.expect.is_empty()),
            "{}: an error case must pin its message",
            case.name
        );
        if let Err(e) = run(case, template.path()) {
            failures.push(format!("case `{}` ({}): {e}", case.name, case.class));
        }
        let entry = classes.entry(case.class.as_str()).or_default();
        entry.0 += 1;
        entry.1.push(if case.inert { "inert" } else { "error" });
    }
    // The summary the issue's closing note quotes.
    for (class, (n, outcomes)) in &classes {
        let errors = outcomes.iter().filter(|o| **o == "error").count();
        eprintln!("{class}: {n} cases, {errors} clear errors, {} rendered inert", n - errors);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        manifest.case.len(),
        failures.join("\n\n")
    );
}

/// The PNG reader never inflates anything: a credential in a compressed iTXt chunk (a zlib
/// bomb of 64 MiB here) is refused from its header alone.
#[test]
fn a_compressed_itxt_bomb_is_refused_without_inflating() {
    use std::io::Write;
    let mut png = png_bomb(1, 0);
    let iend = png.len() - 12;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..64 {
        z.write_all(&zeros).expect("deflate");
    }
    let mut data = b"openbadgecredential\0\x01\0\0\0".to_vec();
    data.extend_from_slice(&z.finish().expect("deflate"));
    let mut chunk = u32::try_from(data.len()).expect("len").to_be_bytes().to_vec();
    chunk.extend_from_slice(b"iTXt");
    chunk.extend_from_slice(&data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(b"iTXt");
    crc.update(&data);
    chunk.extend_from_slice(&crc.finalize().to_be_bytes());
    png.splice(iend..iend, chunk);
    let err = rosette::bake::unbake(&png).expect_err("compressed");
    assert!(err.to_string().contains("compress"), "{err}");
}
