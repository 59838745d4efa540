//! What the earner takes away from the published sample site (issue #8): the baked badge
//! images (made from the published bake bases, as the page's downloads and `rosette bake` make
//! them: issue #18) carry the exact signed credential, which verifies in `rosette verify` and
//! in the independent verifier (`../shared/interop/verify.mjs`), and a tampered one does not; the
//! LinkedIn "Add to profile" link gets the month right; the preview card is a 1200×627 PNG at
//! an absolute URL.

use crate::common;
use common::attribute;
use common::{BIN, interop_dir};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BASE: &str = "https://badges.northfield.example/";
/// [`EPOCH`] as a date-time.
const NOW: &str = "2027-01-01T00:00:00Z";
/// A plain award of the sample site: valid, not revoked, `eddsa-rdfc-2022`.
const AWARD: &str = "2024-dlf-0001";

/// The sample site, with what these tests do to it.
struct Site(common::SampleSite);

impl Site {
    fn sample() -> Self {
        Site(common::SampleSite::new())
    }

    fn built() -> Self {
        let site = Site::sample();
        site.build();
        site
    }

    fn build(&self) {
        let out = self.0.build();
        assert!(out.status.success(), "build failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.path(rel)
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read `{rel}`: {e}"))
    }

    fn page(&self, award: &str) -> String {
        String::from_utf8(self.read(&format!("public/awards/{award}/index.html"))).expect("utf-8 page")
    }

    /// `rosette verify` against the published site, at [`NOW`].
    fn verify(&self, paths: &[PathBuf]) -> Output {
        Command::new(BIN)
            .args(["verify", "--now", NOW, "--site"])
            .arg(self.path("public"))
            .args(["--base-url", BASE])
            .args(paths)
            .output()
            .expect("run rosette verify")
    }

    /// `rosette bake AWARD --format FORMAT -o downloads/AWARD.FORMAT`: the baked image's path.
    fn bake(&self, award: &str, format: &str) -> PathBuf {
        let out = self.path(&format!("downloads/{award}.{format}"));
        std::fs::create_dir_all(self.path("downloads")).expect("mkdir");
        let run = Command::new(BIN)
            .args(["bake", award, "--format", format, "--force", "-o"])
            .arg(&out)
            .arg("--root")
            .arg(self.0.root())
            .output()
            .expect("run rosette bake");
        assert!(run.status.success(), "bake failed: {}", text(&run));
        out
    }

    fn add_signed(&self, name: &str, credential: &Value) {
        self.0.add_signed(name, credential);
    }
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `node verify.mjs --site public --base-url BASE --status --now NOW FILE`.
fn reference_verify(interop: &Path, site: &Site, file: &Path) -> Output {
    Command::new("node")
        .arg(interop.join("verify.mjs"))
        .arg("--site")
        .arg(site.path("public"))
        .args(["--base-url", BASE, "--status", "--now", NOW])
        .arg(file)
        .output()
        .expect("run node verify.mjs")
}

/// `rosette unbake IMAGE`: the credential's bytes, or the failed run.
fn unbake(image: &Path) -> Output {
    Command::new(BIN).arg("unbake").arg(image).output().expect("run rosette unbake")
}

#[test]
fn baked_png_and_svg_carry_the_exact_credential_which_verifies_everywhere() {
    let site = Site::built();
    let file = String::from_utf8(site.read(&format!("public/awards/{AWARD}.json"))).expect("utf-8");
    let published = file.as_bytes();
    assert_eq!(file.as_bytes(), site.read(&format!("badges/awards/{AWARD}.json")), "published byte for byte");
    let png = site.bake(AWARD, "png");
    let svg = site.bake(AWARD, "svg");
    for image in [&png, &svg] {
        let bytes = std::fs::read(image).expect("image");
        let baked = rosette::bake::unbake(&bytes).expect("readable").expect("a credential is baked in");
        assert!(
            baked.as_bytes() == published,
            "`{}` does not carry the published credential",
            image.display()
        );
        let out = unbake(image);
        assert!(out.status.success(), "{}", text(&out));
        assert!(out.stdout == published, "`rosette unbake {}` printed other bytes", image.display());
    }
    assert_eq!(
        rosette::bake::ImageFormat::sniff(&std::fs::read(&png).expect("png")),
        Some(rosette::bake::ImageFormat::Png)
    );

    let out = site.verify(&[png.clone(), svg.clone()]);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains(&format!("{AWARD}.png (credential baked in the PNG): verified\n")), "{report}");
    assert!(report.contains(&format!("{AWARD}.svg (credential baked in the SVG): verified\n")), "{report}");
    assert!(report.contains("2 files: 2 verified, 0 with warnings, 0 failed"), "{report}");

    // A directory: the two baked images are checked; the QR code and the preview card carry no
    // credential and are skipped, as JSON that is not a credential is.
    for entry in std::fs::read_dir(site.path(&format!("public/awards/{AWARD}"))).expect("award dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), site.path("downloads").join(entry.file_name())).expect("copy");
        }
    }
    let out = site.verify(&[site.path("downloads")]);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("2 files: 2 verified"), "{report}");
    assert!(!report.contains("qr.svg") && !report.contains("card-"), "{report}");

    let Some(interop) = interop_dir() else { return };
    let unbaked = site.path("unbaked.json");
    std::fs::write(&unbaked, unbake(&png).stdout).expect("write");
    let out = reference_verify(&interop, &site, &unbaked);
    assert!(out.status.success(), "verify.mjs rejected the unbaked credential:\n{}", text(&out));
    assert!(text(&out).contains("1 passed, 0 failed"), "{}", text(&out));
}

#[test]
fn a_tampered_baked_image_is_rejected_by_both_verifiers() {
    let site = Site::built();
    let file = String::from_utf8(site.read(&format!("public/awards/{AWARD}.json"))).expect("utf-8");
    let published = file.as_str();
    let credential: Value = serde_json::from_str(published).expect("json");
    let name = credential["credentialSubject"]["name"].as_str().expect("recipient name");
    // One character of the recipient's name changed, the proof kept.
    let forged_name = format!("X{}", &name[1..]);
    let needle = format!("\"name\": \"{name}\"");
    assert_eq!(published.matches(&needle).count(), 1, "the recipient's name is in the credential once");
    let forged = published.replace(&needle, &format!("\"name\": \"{forged_name}\""));

    // Re-baked properly (valid PNG chunk, well-formed SVG): only the signature can catch it.
    let png = rosette::bake::png::bake(&std::fs::read(site.bake(AWARD, "png")).expect("png"), &forged)
        .expect("re-bake png");
    let svg_text = std::fs::read_to_string(site.bake(AWARD, "svg")).expect("svg");
    assert_eq!(svg_text.matches(&needle).count(), 1);
    let svg = svg_text.replace(&needle, &format!("\"name\": \"{forged_name}\""));
    std::fs::write(site.path("forged.png"), &png).expect("write");
    std::fs::write(site.path("forged.svg"), &svg).expect("write");
    for image in ["forged.png", "forged.svg"] {
        let out = unbake(&site.path(image));
        assert!(out.stdout == forged.as_bytes(), "{image} carries the forged credential");
        let out = site.verify(&[site.path(image)]);
        let report = text(&out);
        assert_eq!(out.status.code(), Some(1), "{report}");
        assert!(report.contains("FAILED:") && report.contains("FAIL  signature"), "{report}");
    }

    // A byte changed in place breaks the PNG chunk's CRC: refused before any signature check.
    let mut raw = std::fs::read(site.bake(AWARD, "png")).expect("png");
    let at = raw.windows(name.len()).position(|w| w == name.as_bytes()).expect("name in the PNG");
    raw[at] = b'X';
    std::fs::write(site.path("damaged.png"), &raw).expect("write");
    let out = site.verify(&[site.path("damaged.png")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("damaged.png (credential baked in the PNG): FAILED: could not read the baked credential: the PNG chunk `iTXt`"), "{}", text(&out));

    // An image with nothing baked in is a failure when named, with a reason.
    // The achievement's bake base: the badge image with nothing baked in.
    let plain = site.path("public/achievements/data-literacy-foundations/bake.png");
    let out = site.verify(std::slice::from_ref(&plain));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("FAILED: the image carries no baked Open Badges credential"),
        "{}",
        text(&out)
    );
    let out = unbake(&plain);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(out.stdout.is_empty());

    let Some(interop) = interop_dir() else { return };
    std::fs::write(site.path("forged.json"), &forged).expect("write");
    let out = reference_verify(&interop, &site, &site.path("forged.json"));
    assert_eq!(out.status.code(), Some(1), "verify.mjs accepted the forged credential:\n{}", text(&out));
    assert!(text(&out).contains("0 passed, 1 failed"), "{}", text(&out));
}

/// The `href` of the first `<a>` whose attributes contain `marker`, with `&amp;` decoded.
fn link_with(html: &str, marker: &str) -> String {
    let at = html.find(marker).unwrap_or_else(|| panic!("no `{marker}` in the page"));
    let start = html[..at].rfind("<a ").expect("inside an <a>");
    let tag = &html[start..start + html[start..].find('>').expect("tag end")];
    let href = tag.split("href=").nth(1).expect("href");
    let href = href.strip_prefix('"').map_or_else(
        || href.split(' ').next().unwrap_or_default(),
        |h| h.split('"').next().unwrap_or_default(),
    );
    href.replace("&amp;", "&")
}

#[test]
fn linkedin_gets_the_utc_month_of_a_late_evening_award() {
    let site = Site::sample();
    let mut c: Value = serde_json::from_slice(
        &std::fs::read(common::repo_root().join("tests/fixtures/sample-site/unsigned/2025-aml-0002.json"))
            .expect("unsigned"),
    )
    .expect("json");
    c["id"] = format!("{BASE}awards/late-january").into();
    // 23:30 on 31 January in New York is 04:30 on 1 February in UTC.
    c["validFrom"] = "2024-01-31T23:30:00-05:00".into();
    site.add_signed("awards/late-january.json", &c);
    site.build();
    let html = site.page("late-january");
    let href = link_with(&html, "linkedin.com/profile/add");
    assert!(href.starts_with("https://www.linkedin.com/profile/add?"), "{href}");
    assert!(href.contains("&issueYear=2024&issueMonth=2&"), "{href}");
    assert!(
        href.contains(&format!(
            "certUrl={}",
            "https%3A%2F%2Fbadges.northfield.example%2Fawards%2Flate-january"
        )),
        "{href}"
    );
}

/// The `content` of the `<meta property=…>` named `property`.
fn meta_content(html: &str, property: &str) -> String {
    html.match_indices("<meta ")
        .map(|(at, _)| &html[at..=at + html[at..].find('>').expect("tag end")])
        .find(|tag| attribute(tag, "property").as_deref() == Some(property))
        .and_then(|tag| attribute(tag, "content"))
        .unwrap_or_else(|| panic!("no {property} meta"))
}

#[test]
fn the_preview_card_is_a_1200_by_627_png_at_an_absolute_url() {
    let site = Site::built();
    for award in [AWARD, "2025-dlf-0003"] {
        let html = site.page(award);
        let url = meta_content(&html, "og:image");
        let rel = url.strip_prefix(BASE).unwrap_or_else(|| panic!("og:image `{url}` is not under {BASE}"));
        // The achievement's card, published once for all its awards (issue #18).
        assert!(
            rel.starts_with("achievements/data-literacy-foundations/card-") && rel.ends_with(".png"),
            "{url}"
        );
        let png = site.read(&format!("public/{rel}"));
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{rel} is not a PNG");
        assert_eq!(&png[12..16], b"IHDR", "{rel}: IHDR first");
        let width = u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"));
        let height = u32::from_be_bytes(png[20..24].try_into().expect("4 bytes"));
        assert_eq!((width, height), (1200, 627), "{rel}");
        assert_eq!(meta_content(&html, "og:image:width"), "1200");
        assert_eq!(meta_content(&html, "og:image:height"), "627");
    }
}

/// Issue #8: an achievement retired in `achievements/<slug>.toml` says so, in the site's
/// language, on its page and on its badges' pages; other achievements do not.
#[test]
fn a_retired_achievement_says_it_is_no_longer_awarded() {
    for (language, note) in [
        ("en", "No longer awarded; awards made before 30 June 2026 remain valid."),
        ("zh-Hans", "此成就已停止颁发；2026年6月30日之前颁发的徽章仍然有效。"),
    ] {
        let site = Site::sample();
        let config = std::fs::read_to_string(site.path("rosette.toml")).expect("config");
        let config = config.replace("language = \"en\"", &format!("language = \"{language}\""));
        std::fs::write(site.path("rosette.toml"), config).expect("write");
        std::fs::create_dir_all(site.path("achievements")).expect("mkdir");
        std::fs::write(
            site.path("achievements/data-literacy-foundations.toml"),
            "name = \"Data Literacy Foundations\"\ndescription = \"Reads data.\"\nretired = \"2026-06-30T12:00:00Z\"\n",
        )
        .expect("write");
        std::fs::write(
            site.path("achievements/laboratory-safety-certified.toml"),
            "name = \"Laboratory Safety Certified\"\ndescription = \"Works safely.\"\n",
        )
        .expect("write");
        site.build();
        let page =
            |rel: &str| String::from_utf8(site.read(&format!("public/{rel}/index.html"))).expect("utf-8");
        for rel in ["achievements/data-literacy-foundations", "awards/2024-dlf-0001", "awards/2025-dlf-0003"]
        {
            assert!(page(rel).contains(note), "{language} `{rel}` does not say it is retired");
        }
        for rel in
            ["achievements/laboratory-safety-certified", "awards/2024-lsc-0001", "awards/2024-aml-0001"]
        {
            let html = page(rel);
            assert!(common::has_attr(&html, "class", "eyebrow"), "{rel} is a page with a heading");
            assert!(
                !common::has_attr(&html, "class", "retired") && !html.contains(note),
                "{language} `{rel}` is not retired"
            );
        }
    }

    // A broken achievement file stops the build, named.
    let site = Site::sample();
    std::fs::create_dir_all(site.path("achievements")).expect("mkdir");
    std::fs::write(
        site.path("achievements/x.toml"),
        "name = \"X\"\ndescription = \"d\"\nretired = \"soon\"\n",
    )
    .expect("write");
    let out = site.0.build();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("`achievements/x.toml`: `retired` is not a date-time"), "{}", text(&out));
}

/// The start tag of the element carrying `data-fact=<fact>`.
fn fact_tag<'a>(html: &'a str, fact: &str) -> &'a str {
    let at = html
        .find(&format!("data-fact=\"{fact}\""))
        .or_else(|| html.find(&format!("data-fact={fact}")))
        .unwrap_or_else(|| panic!("no {fact} on the page"));
    let start = html[..at].rfind('<').expect("tag start");
    &html[start..at + html[at..].find('>').expect("tag end")]
}

/// Issue #8: text the credential tags in another language than the site's carries that
/// language (`lang`), so browsers and screen readers treat it as such; untagged text claims none.
#[test]
fn text_in_another_language_is_marked_with_it() {
    let site = Site::sample();
    let mut c: Value = serde_json::from_slice(
        &std::fs::read(common::repo_root().join("tests/fixtures/sample-site/unsigned/2025-aml-0002.json"))
            .expect("unsigned"),
    )
    .expect("json");
    c["id"] = format!("{BASE}awards/chinese-only").into();
    c["credentialSubject"]["achievement"]["name"] =
        serde_json::json!({"@value": "应用机器学习实践者", "@language": "zh-Hans"});
    c["credentialSubject"]["name"] = "王小明".into();
    site.add_signed("awards/chinese-only.json", &c);
    site.build();
    let html = site.page("chinese-only");
    assert!(html.contains("<html lang=en") || html.contains("<html lang=\"en\""), "an English site");
    let h1 = fact_tag(&html, "achievement-name");
    assert_eq!(attribute(h1, "lang").as_deref(), Some("zh-Hans"), "{h1}");
    let recipient = fact_tag(&html, "recipient-name");
    assert_eq!(attribute(recipient, "lang"), None, "an untagged name claims no language: {recipient}");
    // The same achievement tagged in the page's own language needs no attribute.
    let plain = site.page(AWARD);
    assert_eq!(attribute(fact_tag(&plain, "achievement-name"), "lang"), None);
}

/// The text of the element carrying `data-fact=<fact>` (up to its first child element).
fn fact_text<'a>(html: &'a str, fact: &str) -> &'a str {
    let tag = fact_tag(html, fact);
    let at = html.find(tag).expect("the tag") + tag.len() + 1;
    &html[at..at + html[at..].find('<').expect("an end tag")]
}

/// Issue #19: a multilingual achievement shows in the site's language, whether the award
/// carries its other language as an OB 3.0 `Related` entry (as rosette signs them since) or as
/// language value objects (as awards signed before do); the criteria, given in the
/// achievement's own language only, are marked with it.
#[test]
fn a_multilingual_achievement_shows_in_the_site_s_language_in_either_form() {
    let root = common::repo_root();
    let mut legacy: Value = serde_json::from_slice(
        &std::fs::read(root.join("tests/fixtures/legacy/language-value-objects.json")).expect("legacy"),
    )
    .expect("json");
    legacy["id"] = format!("{BASE}awards/legacy-languages").into();
    legacy.as_object_mut().expect("object").remove("credentialStatus");
    for (language, name, description) in [
        ("en", "Data Literacy Foundations", "Awarded to learners who can find"),
        ("zh-Hans", "数据素养基础", "授予能够查找"),
    ] {
        let site = Site::sample();
        let config = std::fs::read_to_string(site.path("rosette.toml")).expect("rosette.toml");
        let config = config.replace("language = \"en\"", &format!("language = \"{language}\""));
        std::fs::write(site.path("rosette.toml"), config).expect("write rosette.toml");
        site.add_signed("awards/legacy-languages.json", &legacy);
        site.build();
        for award in ["2025-dlf-0003", "legacy-languages"] {
            let html = site.page(award);
            assert_eq!(fact_text(&html, "achievement-name"), name, "{language} {award}");
            assert_eq!(attribute(fact_tag(&html, "achievement-name"), "lang"), None, "{language} {award}");
            let shown = fact_text(&html, "achievement-description");
            assert!(shown.starts_with(description), "{language} {award}: {shown}");
        }
        // The sample's criteria are English; the achievement says so (`inLanguage`).
        let html = site.page("2025-dlf-0003");
        let marked = html.contains("class=prose lang=en") || html.contains("class=\"prose\" lang=\"en\"");
        assert_eq!(marked, language != "en", "{language}: criteria marked English only on a Chinese page");
    }
}
