//! Bake bases: an achievement image prepared once so that baking a credential into it is a
//! splice, simple enough to do again in the visitor's browser (issue #18).
//!
//! The site publishes, once per achievement, the PNG to bake ([`png_base`]: the image without
//! any `openbadgecredential` chunk) and, for an SVG image, a template ([`svg_template`]: the
//! image baked with [`SVG_MARKER`] in place of a credential). The badge page's download
//! buttons (`themes/default/static/bake.js`) and `rosette bake` fill them with the award's
//! credential ([`fill_png`], [`fill_svg`]), so both give the same bytes as [`png::bake`] and
//! [`svg::bake`] on the original image, which the tests hold them to.

use super::{BakeError, MAX_SVG_LEN, PNG_KEYWORD, png, svg};

/// Stands in for the credential in an SVG template. It is XML text that needs no CDATA
/// escaping (no `]]>`, no `<` or `&`), so it lands in the template unchanged, exactly once.
/// `bake.js` spells it the same way.
pub const SVG_MARKER: &str = "ROSETTE-BAKE-CREDENTIAL-5c1b7e0a";

/// The PNG to bake: `png` without its `openbadgecredential` chunks (and without any bytes
/// after `IEND`), checked as [`png::bake`] checks an image.
///
/// An image that carries an Open Badges 2.0 assertion is refused with the error
/// [`png::bake`] gives ([`BakeError::AlreadyBakedOb2`]).
pub fn png_base(png: &[u8]) -> Result<Vec<u8>, BakeError> {
    let chunks = png::chunks(png)?;
    if chunks.iter().any(png::Chunk::is_ob2) {
        return Err(BakeError::AlreadyBakedOb2(png::OB2_CHUNK));
    }
    let mut out = Vec::with_capacity(png.len());
    out.extend_from_slice(png::SIGNATURE);
    for chunk in chunks.iter().filter(|c| !c.keyword_is(PNG_KEYWORD)) {
        out.extend_from_slice(chunk.raw);
    }
    Ok(out)
}

/// Bakes `credential` into a PNG base made by [`png_base`]: the `openbadgecredential` iTXt
/// chunk goes right after the first chunk (`IHDR`), as [`png::bake`] puts it.
///
/// A base that already carries a credential (or an Open Badges 2.0 assertion) is refused:
/// splicing into it would give an image with two.
pub fn fill_png(base: &[u8], credential: &str) -> Result<Vec<u8>, BakeError> {
    let data = png::credential_data(credential)?;
    let chunks = png::chunks(base)?;
    if chunks.iter().any(png::Chunk::is_ob2) {
        return Err(BakeError::AlreadyBakedOb2(png::OB2_CHUNK));
    }
    if chunks.iter().any(|c| c.keyword_is(PNG_KEYWORD)) {
        return Err(BakeError::NotABakeBase("the PNG already carries a credential"));
    }
    let mut out = Vec::with_capacity(base.len() + data.len() + 12);
    out.extend_from_slice(png::SIGNATURE);
    for (i, chunk) in chunks.iter().enumerate() {
        out.extend_from_slice(chunk.raw);
        if i == 0 {
            png::write_chunk(&mut out, b"iTXt", &data);
        }
    }
    Ok(out)
}

/// The SVG template: `svg` baked with [`SVG_MARKER`] as its credential.
///
/// Refused, besides whatever [`svg::bake`] refuses, when the image already contains the
/// marker: the template must hold it exactly once.
pub fn svg_template(svg: &str) -> Result<String, BakeError> {
    if svg.contains(SVG_MARKER) {
        return Err(BakeError::MarkerInImage);
    }
    let template = svg::bake(svg, SVG_MARKER)?;
    // Cannot fail for an image without the marker; checked so that a template is always one.
    match template.matches(SVG_MARKER).count() {
        1 => Ok(template),
        _ => Err(BakeError::NotABakeTemplate),
    }
}

/// Bakes `credential` into an SVG template made by [`svg_template`]: the marker replaced by
/// the credential, with `]]>` split across two CDATA sections as [`svg::bake`] splits it,
/// and the same checks (not empty, only characters XML can carry, at most [`MAX_SVG_LEN`]).
pub fn fill_svg(template: &str, credential: &str) -> Result<String, BakeError> {
    if credential.is_empty() {
        return Err(BakeError::EmptyCredential);
    }
    if let Some(c) = credential.chars().find(|&c| !svg::is_xml_char(c)) {
        return Err(BakeError::NotXmlChar(u32::from(c)));
    }
    let (before, after) = template.split_once(SVG_MARKER).ok_or(BakeError::NotABakeTemplate)?;
    if after.contains(SVG_MARKER) {
        return Err(BakeError::NotABakeTemplate);
    }
    let escaped = credential.replace("]]>", "]]]]><![CDATA[>");
    let len = before.len() + escaped.len() + after.len();
    if len > MAX_SVG_LEN {
        return Err(BakeError::SvgTooLarge { len });
    }
    let mut out = String::with_capacity(len);
    out.push_str(before);
    out.push_str(&escaped);
    out.push_str(after);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 grey PNG: IHDR, IDAT, IEND.
    fn tiny_png() -> Vec<u8> {
        let mut png = png::SIGNATURE.to_vec();
        png::write_chunk(&mut png, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        png::write_chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
        png::write_chunk(&mut png, b"IEND", &[]);
        png
    }

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>"#;
    const CREDENTIALS: &[&str] = &["{}", r#"{"a":"]]>","b":"]]]]>"}"#, "]]>", "{\"名\":\"🎓\"}"];

    #[test]
    fn a_png_base_filled_is_the_png_baked() {
        let png = tiny_png();
        let baked = png::bake(&png, "{\"old\":1}").expect("bakes");
        let mut trailing = png.clone();
        trailing.extend_from_slice(b"after IEND");
        for image in [&png, &baked, &trailing] {
            let base = png_base(image).expect("base");
            assert_eq!(png::unbake(&base), Ok(None), "the base carries no credential");
            for credential in CREDENTIALS {
                assert_eq!(fill_png(&base, credential), png::bake(image, credential));
            }
        }
    }

    #[test]
    fn an_svg_template_filled_is_the_svg_baked() {
        let baked = svg::bake(SVG, "{\"old\":1}").expect("bakes");
        for image in [SVG, &baked] {
            let template = svg_template(image).expect("template");
            assert_eq!(template.matches(SVG_MARKER).count(), 1, "{template}");
            for credential in CREDENTIALS {
                assert_eq!(fill_svg(&template, credential), svg::bake(image, credential));
            }
        }
    }

    #[test]
    fn errors_are_the_bakers_own() {
        let template = svg_template(SVG).expect("template");
        for credential in ["", "{\u{1}}"] {
            assert_eq!(fill_svg(&template, credential), svg::bake(SVG, credential), "{credential:?}");
            assert_eq!(
                fill_png(&tiny_png(), credential).is_err(),
                png::bake(&tiny_png(), credential).is_err()
            );
        }
        assert_eq!(fill_png(&tiny_png(), ""), Err(BakeError::EmptyCredential));
        let mut ob2 = png::SIGNATURE.to_vec();
        png::write_chunk(&mut ob2, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        png::write_chunk(&mut ob2, b"tEXt", b"openbadges\0https://example.org/assertion");
        png::write_chunk(&mut ob2, b"IEND", &[]);
        assert_eq!(png_base(&ob2), png::bake(&ob2, "{}"));
        assert!(matches!(png_base(&ob2), Err(BakeError::AlreadyBakedOb2(_))));
        assert_eq!(png_base(b"GIF89a"), Err(BakeError::NotPng));
    }

    #[test]
    fn a_base_or_template_that_is_not_one_is_refused() {
        let baked = png::bake(&tiny_png(), "{}").expect("bakes");
        assert_eq!(
            fill_png(&baked, "{}"),
            Err(BakeError::NotABakeBase("the PNG already carries a credential"))
        );
        assert_eq!(fill_svg(SVG, "{}"), Err(BakeError::NotABakeTemplate));
        let twice = format!("{SVG_MARKER}{SVG_MARKER}");
        assert_eq!(fill_svg(&twice, "{}"), Err(BakeError::NotABakeTemplate));
        let marked = SVG.replace("<circle", &format!("<!-- {SVG_MARKER} --><circle"));
        assert_eq!(svg_template(&marked), Err(BakeError::MarkerInImage));
    }

    #[test]
    fn the_marker_needs_no_escaping_and_bake_js_spells_it_the_same() {
        assert!(SVG_MARKER.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{SVG_MARKER}");
        let js = include_str!("../../../../themes/default/static/bake.js");
        assert!(js.contains(&format!("const SVG_MARKER = '{SVG_MARKER}';")), "bake.js has another marker");
    }
}
