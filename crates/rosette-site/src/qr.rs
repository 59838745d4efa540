//! QR codes as SVG, for the printed certificate and the badge page.
//!
//! The symbol is encoded by the `fast_qr` crate (ISO/IEC 18004: the most compact mode, the
//! smallest version, and the mask with the lowest penalty score), with error-correction level
//! M (about 15 % of the symbol can be damaged). It replaced the `qrcode` crate, whose mask
//! selection was 9 % of a site build's CPU time. The SVG is written here so that it scales: a
//! `viewBox` in module units and no `width`/`height`, black modules on a white background, the
//! four-module quiet zone the standard requires (ISO/IEC 18004 §6.3.8), and `role="img"` with a
//! `<title>` for screen readers. Dark modules of a row are joined into runs, so one `<path>`
//! stays small.

use std::fmt::Write as _;

use fast_qr::{ECL, QRBuilder};

/// Modules of white border around the symbol (ISO/IEC 18004 §6.3.8).
pub const QUIET_ZONE: usize = 4;

/// Why a QR code could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("cannot make a QR code of an empty URL")]
    Empty,
    #[error("the URL is {len} bytes, too long for a QR code at error-correction level M")]
    TooLong { len: usize },
}

/// A QR code as one SVG path: `d` strokes the dark modules of a `size`×`size` symbol that
/// includes the quiet zone, in module units, as horizontal runs one module thick (draw it with
/// `stroke-width="1"` and no fill). A badge page inlines it (no file per award), so it is kept
/// short: relative moves within a row, about half the bytes of one rectangle per run. The light
/// modules are the element's white background.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QrPath {
    pub size: usize,
    pub d: String,
}

/// The QR code of `url` as one path.
pub fn qr_path(url: &str) -> Result<QrPath, QrError> {
    if url.is_empty() {
        return Err(QrError::Empty);
    }
    // Both of its errors mean "does not fit": the version is not fixed here.
    let code = QRBuilder::new(url).ecl(ECL::M).build().map_err(|_| QrError::TooLong { len: url.len() })?;
    let width = code.size;
    let mut d = String::new();
    for (y, row) in code.data[..width * width].chunks(width).enumerate() {
        // Where the pen is in this row, once a run has been drawn.
        let mut pen: Option<usize> = None;
        let mut x = 0;
        while x < width {
            if row[x].value() {
                let run = row[x..].iter().take_while(|m| m.value()).count();
                // Writing to a String cannot fail.
                let _ = match pen {
                    None => write!(d, "M{} {}.5h{run}", x + QUIET_ZONE, y + QUIET_ZONE),
                    Some(at) => write!(d, "m{} 0h{run}", x - at),
                };
                x += run;
                pen = Some(x);
            } else {
                x += 1;
            }
        }
    }
    Ok(QrPath { size: width + 2 * QUIET_ZONE, d })
}

/// The QR code of `url` as a standalone, scalable SVG document.
pub fn qr_svg(url: &str) -> Result<String, QrError> {
    let QrPath { size, d } = qr_path(url)?;
    Ok(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" "#,
            r#"shape-rendering="crispEdges"><title>QR code: {title}</title>"#,
            r##"<rect width="{size}" height="{size}" fill="#fff"/><path fill="none" stroke="#000" stroke-width="1" d="{path}"/></svg>"##,
        ),
        size = size,
        title = quick_xml::escape::escape(url),
        path = d,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalable_accessible_black_on_white() {
        let svg = qr_svg("https://badges.example.edu/b/alice").expect("encodes");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "), "{svg}");
        assert!(!svg.contains("width=\"") || svg.contains("<rect width="), "no fixed size on the root");
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>QR code: https://badges.example.edu/b/alice</title>"));
        assert!(svg.contains("fill=\"#fff\"") && svg.contains("stroke=\"#000\""));
    }

    #[test]
    fn the_title_is_escaped() {
        let svg = qr_svg("https://x.example/?a=1&b=<2>").expect("encodes");
        assert!(svg.contains("a=1&amp;b=&lt;2&gt;"), "{svg}");
    }

    /// Rasterizes the SVG (8 px a module) and reads it back with `rqrr`, a QR decoder.
    fn decode(svg: &str) -> String {
        use resvg::{tiny_skia, usvg};
        let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).expect("valid SVG");
        let side = tree.size().width() as u32 * 8;
        let mut pixmap = tiny_skia::Pixmap::new(side, side).expect("pixmap");
        resvg::render(&tree, tiny_skia::Transform::from_scale(8.0, 8.0), &mut pixmap.as_mut());
        let data = pixmap.data();
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side as usize, side as usize, |x, y| {
            data[(y * side as usize + x) * 4]
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code found");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn decodes_back_to_the_url() {
        for url in [
            "https://badges.example.edu/b/alice",
            "https://徽章.example.cn/证书/2024?id=42&lang=zh-CN#top",
            &format!("https://badges.example.edu/{}", "x".repeat(300)),
        ] {
            assert_eq!(decode(&qr_svg(url).expect("encodes")), url);
        }
    }

    #[test]
    fn errors_are_plain() {
        assert_eq!(qr_svg(""), Err(QrError::Empty));
        let long = "https://x.example/".to_string() + &"a".repeat(3000);
        assert_eq!(
            qr_svg(&long).expect_err("too long").to_string(),
            "the URL is 3018 bytes, too long for a QR code at error-correction level M"
        );
    }
}
