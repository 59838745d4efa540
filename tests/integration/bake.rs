//! Baked badges (`rosette::bake`): the derived Open Badges 3.0 images and the Concentric Sky
//! OB 2.0 samples in `../shared/vectors/baking` (see its PROVENANCE.md), exact round trips,
//! bake bases that fill to exactly what baking gives (issue #18), hostile inputs from
//! `tests/fixtures/bake/`, and a deterministic mutation loop that must never panic.

use crate::common;
use crate::common::Rng;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rosette::bake::{self, BakeError, ImageFormat, base, png, svg};
use serde_json::Value;

fn vectors() -> Option<PathBuf> {
    common::shared_dir("vectors/baking")
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    fs::read(dir.join(rel)).unwrap_or_else(|err| panic!("read `{rel}`: {err}"))
}

fn text(dir: &Path, rel: &str) -> String {
    String::from_utf8(read(dir, rel)).unwrap_or_else(|err| panic!("`{rel}` is not UTF-8: {err}"))
}

fn fixture(name: &str) -> String {
    let path = common::repo_root().join("tests/fixtures/bake").join(name);
    fs::read_to_string(&path).unwrap_or_else(|err| panic!("read `{}`: {err}", path.display()))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"))
}

/// Credentials with every character class that could trip a baker.
const TRICKY: &[&str] = &[
    r#"{"name":"Teamwork"}"#,
    r#"{"name":"a ]]> b","description":"]]]]><![CDATA[>"}"#,
    r#"{"name":"<script>alert(1)</script> & &amp; &#x41; \" '"}"#,
    "{\"name\":\"数据科学 — Ünïcödé 🎓\",\n  \"tab\":\"\\t\"\n}",
    "]]>",
    "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln",
];

// ---- the derived OB 3.0 images -------------------------------------------------------------

#[test]
fn derived_png_unbakes_to_the_expected_json() {
    let Some(dir) = vectors() else { return };
    let png_bytes = read(&dir, "ob3-derived/baked-ob3-ldp.png");
    let expected = text(&dir, "ob3-derived/baked-ob3-ldp.png.expected.json");
    assert_eq!(png::unbake(&png_bytes), Ok(Some(expected.clone())));
    assert_eq!(bake::unbake(&png_bytes), Ok(Some(expected)), "sniffed as PNG");
}

#[test]
fn baking_the_unbaked_heart_reproduces_the_derived_png_byte_for_byte() {
    let Some(dir) = vectors() else { return };
    let heart = read(&dir, "ob2-concentricsky/public_domain_heart.png");
    let credential = text(&dir, "ob3-derived/baked-ob3-ldp.png.expected.json");
    let baked = png::bake(&heart, &credential).expect("bakes");
    assert_eq!(baked, read(&dir, "ob3-derived/baked-ob3-ldp.png"));
}

#[test]
fn derived_svg_unbakes_to_the_signed_credential() {
    let Some(dir) = vectors() else { return };
    let baked = text(&dir, "ob3-derived/baked-ob3-ldp.svg");
    let expected = json(&text(&dir, "ob3-derived/baked-ob3-ldp.png.expected.json"));
    let unbaked = svg::unbake(&baked).expect("reads").expect("has a credential");
    assert_eq!(json(&unbaked), expected);
    // The CDATA section's content exactly: the pretty-printed JSON with its line breaks.
    assert!(unbaked.starts_with("\n{\n  \"@context\": ["), "{unbaked:?}");
    assert_eq!(bake::unbake(baked.as_bytes()), Ok(Some(unbaked)), "sniffed as SVG");
}

// ---- exact round trips ---------------------------------------------------------------------

#[test]
fn png_round_trips_exactly() {
    let Some(dir) = vectors() else { return };
    let heart = read(&dir, "ob2-concentricsky/public_domain_heart.png");
    for credential in TRICKY {
        let baked = png::bake(&heart, credential).expect("bakes");
        assert_eq!(png::unbake(&baked).as_ref().map(Option::as_deref), Ok(Some(*credential)));
    }
}

#[test]
fn png_rebaking_replaces_the_derived_credential() {
    let Some(dir) = vectors() else { return };
    let derived = read(&dir, "ob3-derived/baked-ob3-ldp.png");
    let rebaked = png::bake(&derived, r#"{"id":"urn:uuid:2"}"#).expect("re-bakes");
    assert_eq!(png::unbake(&rebaked), Ok(Some(r#"{"id":"urn:uuid:2"}"#.to_string())));
    let keyword = b"openbadgecredential\0";
    let count = rebaked.windows(keyword.len()).filter(|w| w == keyword).count();
    assert_eq!(count, 1, "one credential chunk, not two");
    assert_eq!(rebaked.len(), derived.len() - 1223 + 19, "only the text changed");
}

#[test]
fn svg_round_trips_exactly() {
    let Some(dir) = vectors() else { return };
    let unbaked = text(&dir, "ob2-concentricsky/unbaked_example.svg");
    for credential in TRICKY {
        let baked = svg::bake(&unbaked, credential).expect("bakes");
        assert_eq!(svg::unbake(&baked).as_ref().map(Option::as_deref), Ok(Some(*credential)), "{baked}");
    }
}

#[test]
fn svg_bake_follows_the_spec_layout_and_keeps_the_rest() {
    let Some(dir) = vectors() else { return };
    let unbaked = text(&dir, "ob2-concentricsky/unbaked_example.svg");
    let baked = svg::bake(&unbaked, r#"{"a":1}"#).expect("bakes");
    let expected = unbaked.replacen(
        "xmlns=\"http://www.w3.org/2000/svg\">",
        "xmlns=\"http://www.w3.org/2000/svg\" xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\">\
         <openbadges:credential><![CDATA[{\"a\":1}]]></openbadges:credential>",
        1,
    );
    assert_eq!(baked, expected);
}

#[test]
fn svg_rebaking_replaces_the_derived_credential() {
    let Some(dir) = vectors() else { return };
    let derived = text(&dir, "ob3-derived/baked-ob3-ldp.svg");
    let rebaked = svg::bake(&derived, r#"{"id":"urn:uuid:2"}"#).expect("re-bakes");
    assert_eq!(svg::unbake(&rebaked), Ok(Some(r#"{"id":"urn:uuid:2"}"#.to_string())));
    assert_eq!(rebaked.matches("<openbadges:credential>").count(), 1, "{rebaked}");
    assert_eq!(rebaked.matches("xmlns:openbadges=").count(), 1, "the namespace is not declared twice");
    assert!(!rebaked.contains("proofValue"), "the old credential is gone");
    assert!(rebaked.contains(r#"<circle cx="150" cy="100" r="80" fill="green" />"#), "the drawing stays");
}

#[test]
fn svg_self_closing_root_is_opened() {
    let baked = svg::bake(r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#, "{}").expect("bakes");
    assert_eq!(
        baked,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><![CDATA[{}]]></openbadges:credential></svg>"#
    );
    assert_eq!(svg::unbake(&baked), Ok(Some("{}".to_string())));
}

// ---- OB 2.0 is recognised, never mistaken for OB 3.0 ---------------------------------------

#[test]
fn ob2_png_is_recognised_as_ob2() {
    let Some(dir) = vectors() else { return };
    let baked = read(&dir, "ob2-concentricsky/baked_heart.png");
    let err = png::unbake(&baked).expect_err("OB 2.0 is not an OB 3.0 credential");
    assert!(matches!(err, BakeError::OpenBadges2(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the image carries an Open Badges 2.0 assertion, not an Open Badges 3.0 credential \
         (a PNG `openbadges` text chunk)"
    );
    let err = png::bake(&baked, "{}").expect_err("no second assertion");
    assert!(matches!(err, BakeError::AlreadyBakedOb2(_)), "{err:?}");
    assert_eq!(png::unbake(&read(&dir, "ob2-concentricsky/public_domain_heart.png")), Ok(None));
}

#[test]
fn ob2_svg_is_recognised_as_ob2() {
    let Some(dir) = vectors() else { return };
    let baked = text(&dir, "ob2-concentricsky/baked_example.svg");
    assert!(matches!(svg::unbake(&baked), Err(BakeError::OpenBadges2(_))));
    assert!(matches!(svg::bake(&baked, "{}"), Err(BakeError::AlreadyBakedOb2(_))));
    assert_eq!(svg::unbake(&text(&dir, "ob2-concentricsky/unbaked_example.svg")), Ok(None));
}

#[test]
fn formats_are_sniffed_from_content() {
    let Some(dir) = vectors() else { return };
    assert_eq!(ImageFormat::sniff(&read(&dir, "ob3-derived/baked-ob3-ldp.png")), Some(ImageFormat::Png));
    assert_eq!(ImageFormat::sniff(&read(&dir, "ob3-derived/baked-ob3-ldp.svg")), Some(ImageFormat::Svg));
    assert_eq!(ImageFormat::sniff(b"GIF89a"), None);
    assert_eq!(bake::unbake(b"GIF89a"), Err(BakeError::UnknownFormat));
}

// ---- namespaces, VC-JWT, hostile SVG -------------------------------------------------------

#[test]
fn svg_reading_is_namespace_aware() {
    let svg_text = fixture("other-prefix.svg");
    assert_eq!(svg::unbake(&svg_text), Ok(Some(r#"{"id":"urn:uuid:1"}"#.to_string())));
    // Baking must not rebind a prefix the image already uses for something else.
    let err = svg::bake(&svg_text, "{}").expect_err("prefix taken");
    assert_eq!(
        err.to_string(),
        "the SVG already binds the prefix `openbadges` to `https://example.org/not-open-badges`, \
         not to `https://purl.imsglobal.org/ob/v3p0`"
    );
}

#[test]
fn vc_jwt_form_is_refused_with_a_plain_message() {
    let err = svg::unbake(&fixture("vc-jwt.svg")).expect_err("JWT");
    assert_eq!(err, BakeError::JwtProof);
    assert!(err.to_string().contains("JWT proofs are not supported"), "{err}");
}

#[test]
fn xxe_is_refused_without_reading_the_file() {
    let svg_text = fixture("xxe.svg");
    for result in [svg::unbake(&svg_text).map(|_| ()), svg::bake(&svg_text, "{}").map(|_| ())] {
        let err = result.expect_err("refused");
        assert_eq!(err, BakeError::Dtd);
        assert!(!err.to_string().contains("root:"), "nothing of /etc/passwd leaks: {err}");
    }
    // Without the DTD, the reference is simply undefined: an error, not a lookup.
    let no_dtd = svg_text.lines().filter(|l| !l.starts_with("<!DOCTYPE")).collect::<Vec<_>>().join("\n");
    assert_eq!(svg::unbake(&no_dtd), Err(BakeError::UndefinedEntity("x".into())));
}

#[test]
fn billion_laughs_is_refused_without_expanding() {
    assert_eq!(svg::unbake(&fixture("billion-laughs.svg")), Err(BakeError::Dtd));
}

#[test]
fn an_external_dtd_is_named_but_never_fetched() {
    let svg_text = concat!(
        r#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">"#,
        r#"<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>"#
    );
    let baked = svg::bake(svg_text, "{}").expect("bakes");
    assert_eq!(svg::unbake(&baked), Ok(Some("{}".into())));
}

#[test]
fn svg_errors_are_plain() {
    let cases: &[(&str, &str)] = &[
        ("<html/>", "the document's root element is `html`, not an SVG `<svg>` element"),
        ("<svg/>", "the document's root element is `svg`, not an SVG `<svg>` element"),
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg"><g></svg>"#,
            "the SVG is not well-formed XML (at byte 43): ill-formed document: expected `</g>`, but `</svg>` was found",
        ),
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg"><g>"#,
            "the SVG is not well-formed XML (at byte 43): the document ends before its root element is closed",
        ),
        ("", "the SVG is not well-formed XML (at byte 0): there is no root element"),
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential>  </openbadges:credential></svg>"#,
            "the `openbadges:credential` element is empty",
        ),
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential>x<![CDATA[{}]]></openbadges:credential></svg>"#,
            "the `openbadges:credential` element has text outside its CDATA section",
        ),
        (
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><b/>{}</openbadges:credential></svg>"#,
            "the `openbadges:credential` element contains markup (`<b>`); it must hold only the credential",
        ),
    ];
    for (input, message) in cases {
        let err = svg::unbake(input).expect_err(input);
        assert_eq!(err.to_string(), *message, "{input}");
    }
}

#[test]
fn text_credentials_are_entity_decoded() {
    let svg_text = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential>{"a":"&lt;&amp;&#x41;&#66;"}</ob:credential></svg>"#;
    assert_eq!(svg::unbake(svg_text), Ok(Some(r#"{"a":"<&AB"}"#.to_string())));
}

#[test]
fn credentials_xml_cannot_carry_are_refused() {
    assert_eq!(
        svg::bake(r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#, "{\u{1}}"),
        Err(BakeError::NotXmlChar(1))
    );
    assert_eq!(
        svg::bake(r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#, ""),
        Err(BakeError::EmptyCredential)
    );
}

#[test]
fn oversized_svg_is_refused_before_parsing() {
    let big = format!(r#"<svg xmlns="http://www.w3.org/2000/svg">{}</svg>"#, " ".repeat(bake::MAX_SVG_LEN));
    assert!(matches!(svg::unbake(&big), Err(BakeError::SvgTooLarge { .. })));
}

// ---- hostile PNG ---------------------------------------------------------------------------

#[test]
fn hostile_pngs_give_errors() {
    let Some(dir) = vectors() else { return };
    let baked = read(&dir, "ob3-derived/baked-ob3-ldp.png");

    let mut bad_crc = baked.clone();
    let last_idat_byte = baked.len() - 12 - 5;
    bad_crc[last_idat_byte] ^= 0xff;

    let mut giant = baked.clone();
    // The iTXt chunk starts right after IHDR (8 + 25 bytes).
    giant[33..37].copy_from_slice(&u32::MAX.to_be_bytes());

    let mut bad_type = baked.clone();
    bad_type[37] = b'1';

    let no_ihdr = [&baked[..8], &baked[33..]].concat();

    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        ("empty", Vec::new(), "not a PNG image (it does not start with the PNG signature)".into()),
        (
            "a JPEG",
            b"\xff\xd8\xff\xe0".to_vec(),
            "not a PNG image (it does not start with the PNG signature)".into(),
        ),
        (
            "signature only",
            baked[..8].to_vec(),
            "the PNG is truncated: it ends at byte 8, inside or before a chunk, before IEND".into(),
        ),
        (
            "cut in the credential",
            baked[..500].to_vec(),
            "the PNG is truncated: it ends at byte 500, inside or before a chunk, before IEND".into(),
        ),
        (
            "cut before IEND",
            baked[..baked.len() - 12].to_vec(),
            format!(
                "the PNG is truncated: it ends at byte {}, inside or before a chunk, before IEND",
                baked.len() - 12
            ),
        ),
        (
            "bad CRC",
            bad_crc,
            "the PNG chunk `IDAT` at byte 1331 is corrupted: its CRC-32 does not match".into(),
        ),
        (
            "giant length",
            giant,
            "the PNG chunk `iTXt` at byte 33 claims 4294967295 bytes, more than the 16 MiB limit".into(),
        ),
        ("bad chunk type", bad_type, "the PNG has an invalid chunk type at byte 37".into()),
        ("no IHDR", no_ihdr, "the PNG does not start with an IHDR chunk".into()),
    ];
    for (name, bytes, message) in cases {
        let err = png::unbake(&bytes).expect_err(name);
        assert_eq!(err.to_string(), message, "{name}");
        assert!(png::bake(&bytes, "{}").is_err(), "{name}: bake refuses it too");
    }
}

// ---- bake bases (issue #18): filling a base is baking the image ----------------------------

/// Every image the invariants are checked on: the sample site's images (SVG, and the PNG the
/// build rasterizes from each), the vectors (unbaked, OB 3.0-baked), and each baked here.
fn images_to_bake() -> Vec<(String, Vec<u8>)> {
    let mut images = Vec::new();
    let dir = common::repo_root().join("badges/images");
    let mut names: Vec<_> =
        fs::read_dir(&dir).expect("badges/images").map(|e| e.expect("entry").path()).collect();
    names.sort();
    for path in names {
        let bytes = fs::read(&path).expect("image");
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        // What the build bakes for an SVG image's PNG download.
        if let Some(png) = rosette::site::earner::PreparedImage::new(Some(&bytes)).png {
            images.push((format!("{name} rasterized"), png));
        }
        images.push((name, bytes));
    }
    if let Some(vectors) = vectors() {
        for rel in [
            "ob2-concentricsky/public_domain_heart.png",
            "ob2-concentricsky/unbaked_example.svg",
            "ob3-derived/baked-ob3-ldp.png",
            "ob3-derived/baked-ob3-ldp.svg",
        ] {
            images.push((rel.to_string(), read(&vectors, rel)));
        }
    }
    let baked: Vec<(String, Vec<u8>)> = images
        .iter()
        .filter_map(|(name, bytes)| {
            let again = match ImageFormat::sniff(bytes)? {
                ImageFormat::Png => png::bake(bytes, TRICKY[1]).ok()?,
                ImageFormat::Svg => svg::bake(std::str::from_utf8(bytes).ok()?, TRICKY[1]).ok()?.into_bytes(),
            };
            Some((format!("{name} baked"), again))
        })
        .collect();
    images.extend(baked);
    images
}

#[test]
fn a_filled_png_base_is_the_png_baked() {
    let mut checked = 0;
    for (name, image) in
        images_to_bake().iter().filter(|(_, b)| ImageFormat::sniff(b) == Some(ImageFormat::Png))
    {
        let base = base::png_base(image).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(png::unbake(&base), Ok(None), "{name}: the base carries no credential");
        for credential in TRICKY {
            assert_eq!(
                base::fill_png(&base, credential),
                png::bake(image, credential),
                "{name}: {credential}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 3, "the sample images' PNGs at least: {checked}");
}

#[test]
fn a_filled_svg_template_is_the_svg_baked() {
    let mut checked = 0;
    for (name, image) in
        images_to_bake().iter().filter(|(_, b)| ImageFormat::sniff(b) == Some(ImageFormat::Svg))
    {
        let image = std::str::from_utf8(image).expect("utf-8");
        let template = base::svg_template(image).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(template.matches(base::SVG_MARKER).count(), 1, "{name}");
        // TRICKY has `]]>` in several places, and a credential that is only `]]>`.
        for credential in TRICKY {
            let filled = base::fill_svg(&template, credential);
            assert_eq!(filled, svg::bake(image, credential), "{name}: {credential}");
            let filled = filled.expect("bakes");
            assert_eq!(svg::unbake(&filled).as_ref().map(Option::as_deref), Ok(Some(*credential)), "{name}");
        }
        checked += 1;
    }
    assert!(checked >= 4, "the sample images at least: {checked}");
}

#[test]
fn bases_of_ob2_images_fail_as_baking_them_does() {
    let Some(dir) = vectors() else { return };
    let png_image = read(&dir, "ob2-concentricsky/baked_heart.png");
    assert_eq!(base::png_base(&png_image), png::bake(&png_image, "{}"));
    assert!(matches!(base::png_base(&png_image), Err(BakeError::AlreadyBakedOb2(_))));
    let svg_image = text(&dir, "ob2-concentricsky/baked_example.svg");
    assert_eq!(base::svg_template(&svg_image), svg::bake(&svg_image, base::SVG_MARKER));
    assert!(matches!(base::svg_template(&svg_image), Err(BakeError::AlreadyBakedOb2(_))));
}

// ---- mutations: errors, never panics -------------------------------------------------------

/// One random edit: flip, set, insert or delete bytes, cut the tail, or write a big number.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len());
        match rng.below(6) {
            0 if !bytes.is_empty() => bytes[at] ^= 1 << rng.below(8),
            1 if !bytes.is_empty() => bytes[at] = rng.next() as u8,
            2 => bytes.insert(at, rng.next() as u8),
            3 if !bytes.is_empty() => {
                bytes.remove(at);
            }
            4 => bytes.truncate(at),
            _ if at + 4 <= bytes.len() => {
                bytes[at..at + 4].copy_from_slice(&(rng.next() as u32).to_be_bytes())
            }
            _ => {}
        }
    }
    bytes
}

#[test]
fn mutated_pngs_never_panic() {
    let Some(dir) = vectors() else { return };
    let baked = read(&dir, "ob3-derived/baked-ob3-ldp.png");
    let mut rng = Rng(0x5eed_0fba_6e00);
    let mut outcomes = [0usize; 3];
    for round in 0..4000 {
        let bytes = mutate(&mut rng, &baked);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let read = png::unbake(&bytes);
            let _ = png::bake(&bytes, "{}");
            let _ = bake::unbake(&bytes);
            read
        }));
        match result {
            Ok(Ok(Some(_))) => outcomes[0] += 1,
            Ok(Ok(None)) => outcomes[1] += 1,
            Ok(Err(_)) => outcomes[2] += 1,
            Err(_) => panic!("round {round} panicked on {} bytes", bytes.len()),
        }
    }
    // Nearly every mutation breaks a CRC; the few that survive (in bytes after IEND) still read.
    assert!(outcomes[2] > 3500, "{outcomes:?}");
}

#[test]
fn mutated_svgs_never_panic() {
    let Some(dir) = vectors() else { return };
    let baked = read(&dir, "ob3-derived/baked-ob3-ldp.svg");
    let mut rng = Rng(0x0b35_e600);
    for round in 0..3000 {
        let bytes = mutate(&mut rng, &baked);
        let text = String::from_utf8_lossy(&bytes);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let _ = svg::unbake(&text);
            let _ = svg::bake(&text, "{\"x\":\"]]>\"}");
            let _ = bake::unbake(&bytes);
        }));
        assert!(result.is_ok(), "round {round} panicked");
    }
}

// ---- `rosette bake` and the published bases (issue #18) ------------------------------------

/// A copy of the sample site in a temporary folder.
fn sample_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    common::copy_sample_site(dir.path());
    dir
}

/// `rosette ARGS` in `cwd`: exit code, stdout, stderr.
fn rosette(cwd: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = std::process::Command::new(common::BIN)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", common::EPOCH)
        .output()
        .expect("run rosette");
    (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The value of `data-base` on the award page's button for `format`, as a path under
/// `public/` (the page is at `awards/<id>/`, two levels down).
fn page_base(page: &str, format: &str) -> Option<String> {
    let button = page.split("<button").find(|b| common::has_attr(b, "data-bake", format))?;
    Some(common::attribute(button, "data-base")?.strip_prefix("../../")?.to_string())
}

#[test]
fn rosette_bake_gives_the_published_bases_filled_with_the_exact_credential() {
    let site = sample_site();
    let root = site.path();
    let (code, _, err) = rosette(root, &["build"]);
    assert_eq!(code, 0, "{err}");
    let mut awards: Vec<String> = fs::read_dir(root.join("badges/awards"))
        .expect("awards")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .collect();
    awards.sort();
    assert_eq!(awards.len(), 10);
    for id in &awards {
        let credential = read(root, &format!("badges/awards/{id}.json"));
        let credential_text = std::str::from_utf8(&credential).expect("utf-8");
        let page = String::from_utf8(read(root, &format!("public/awards/{id}/index.html"))).expect("page");
        for format in ["png", "svg"] {
            let (code, _, err) = rosette(root, &["bake", id, "--format", format]);
            assert_eq!(code, 0, "{id} {format}: {err}");
            assert!(err.contains(&format!("baked `badges/awards/{id}.json` into `{id}.{format}`")), "{err}");
            let baked = read(root, &format!("{id}.{format}"));
            // The credential file, byte for byte.
            assert_eq!(
                bake::unbake(&baked).expect("reads").as_deref(),
                Some(credential_text),
                "{id} {format}"
            );
            let (code, out, unbake_err) = rosette(root, &["unbake", &format!("{id}.{format}")]);
            assert_eq!((code, &out), (0, &credential), "{id} {format}: {unbake_err}");
            // A revoked award is baked with a warning; its page offers no download.
            if id == "2026-lsc-0003" {
                assert!(err.contains("is revoked: the image carries it, and verifiers will say so"), "{err}");
                assert!(page_base(&page, format).is_none(), "{id}: a download on a revoked award's page");
                continue;
            }
            // What the page's button fills: the base it names, published once per achievement.
            let base_rel = page_base(&page, format).unwrap_or_else(|| panic!("{id}: no {format} button"));
            assert!(base_rel.starts_with("achievements/") && base_rel.ends_with(&format!("/bake.{format}")));
            let published = read(root, &format!("public/{base_rel}"));
            let filled = match format {
                "png" => base::fill_png(&published, credential_text).expect("fills"),
                _ => base::fill_svg(std::str::from_utf8(&published).expect("utf-8"), credential_text)
                    .expect("fills")
                    .into_bytes(),
            };
            assert!(filled == baked, "{id} {format}: `rosette bake` differs from the published base filled");
        }
    }
    // One pair of bases per achievement, none per award.
    let public = common::tree(&root.join("public"));
    let bases: Vec<&String> =
        public.keys().filter(|k| k.starts_with("achievements/") && k.contains("/bake.")).collect();
    assert_eq!(bases.len(), 6, "{bases:?}");
    assert!(!public.keys().any(|k| k.starts_with("awards/") && k.contains("badge.")), "no per-award images");
}

#[test]
fn rosette_bake_never_overwrites_and_says_why_it_cannot_bake() {
    let site = sample_site();
    let root = site.path();
    let id = "2024-dlf-0001";
    let (code, _, err) = rosette(root, &["bake", id]);
    assert_eq!(code, 0, "{err}");
    let first = read(root, &format!("{id}.png"));
    fs::write(root.join("other.png"), b"mine").expect("write");
    let (code, _, err) = rosette(root, &["bake", id, "-o", "other.png"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error: could not create `other.png`"), "{err}");
    assert!(err.contains("hint: rosette bake never overwrites a file unless told: pass --force"), "{err}");
    assert_eq!(read(root, "other.png"), b"mine");
    let (code, _, err) = rosette(root, &["bake", id, "-o", "other.png", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(root, "other.png"), first);

    // Unknown and ambiguous awards, as `rosette revoke` resolves them.
    let (code, _, err) = rosette(root, &["bake", "2024-dlf-9"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: no award has the id `2024-dlf-9`\nhint: did you mean `2024-dlf-0001`"),
        "{err}"
    );
    let (code, _, err) = rosette(root, &["bake", "2024-dlf"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`2024-dlf` is the beginning of 2 award ids"), "{err}");

    // An award whose achievement image is a PNG (unsigned: `bake` bakes, it does not verify).
    let mut credential: serde_json::Value =
        serde_json::from_slice(&read(root, &format!("badges/awards/{id}.json"))).expect("json");
    let dir = vectors().map(|d| read(&d, "ob2-concentricsky/public_domain_heart.png"));
    let heart = dir.unwrap_or_else(|| {
        let mut png = png::SIGNATURE.to_vec();
        common::png_chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        common::png_chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
        common::png_chunk(&mut png, b"IEND", &[]);
        png
    });
    fs::write(root.join("badges/images/heart.png"), &heart).expect("write");
    credential["id"] = "urn:uuid:3b9d0f4e-8a1c-4c55-9f0e-2d7a6b1c0e11".into();
    credential["credentialSubject"]["achievement"]["image"]["id"] =
        "https://badges.northfield.example/images/heart.png".into();
    let write_award = |name: &str, value: &serde_json::Value| {
        fs::write(root.join("badges/awards").join(name), serde_json::to_vec_pretty(value).expect("json"))
            .expect("write");
    };
    write_award("zz-heart.json", &credential);
    let (code, _, err) = rosette(root, &["bake", "urn:uuid:3b9d0f4e-8a1c-4c55-9f0e-2d7a6b1c0e11"]);
    assert_eq!(code, 0, "{err}");
    // Named after the file, since the id is not an address on the site.
    assert_eq!(
        png::unbake(&read(root, "zz-heart.png")).expect("reads").map(String::into_bytes),
        Some(read(root, "badges/awards/zz-heart.json"))
    );
    let (code, _, err) = rosette(root, &["bake", "zz-heart", "--format", "svg"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "error: cannot bake `badges/awards/zz-heart.json` into `badges/images/heart.png`\n  caused by: the \
             image is a PNG, so it bakes only as a PNG (--format png)"
        ),
        "{err}"
    );

    // No image, an image elsewhere, an image that is not there.
    let cases = [
        (serde_json::Value::Null, "its achievement has no image"),
        (
            "https://elsewhere.example/x.png".into(),
            "its achievement image `https://elsewhere.example/x.png` is not under base_url",
        ),
        (
            "https://badges.northfield.example/images/gone.png".into(),
            "its achievement image `https://badges.northfield.example/images/gone.png` should be `badges/images/gone.png`, which does not exist",
        ),
    ];
    for (image, message) in cases {
        let mut edited = credential.clone();
        match image {
            serde_json::Value::Null => {
                edited["credentialSubject"]["achievement"].as_object_mut().expect("object").remove("image");
            }
            url => edited["credentialSubject"]["achievement"]["image"]["id"] = url,
        }
        write_award("zz-heart.json", &edited);
        let (code, _, err) = rosette(root, &["bake", "zz-heart", "--force"]);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains(&format!("error: cannot bake `badges/awards/zz-heart.json`: {message}")),
            "{err}"
        );
    }

    // Carriage returns: an SVG would read them back as line feeds, so only a PNG is exact.
    let crlf = String::from_utf8(read(root, &format!("badges/awards/{id}.json")))
        .expect("utf-8")
        .replace('\n', "\r\n");
    fs::write(root.join("badges/awards/zz-crlf.json"), &crlf).expect("write");
    let (code, _, err) = rosette(root, &["bake", "zz-crlf", "--format", "svg"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the credential has carriage returns, which an SVG cannot carry exactly"), "{err}");
    let (code, _, err) = rosette(root, &["bake", "zz-crlf"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(png::unbake(&read(root, "zz-crlf.png")).expect("reads").as_deref(), Some(crlf.as_str()));
}
