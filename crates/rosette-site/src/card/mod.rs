//! The link-preview card: a 1200×627 PNG for `og:image`, rendered without a browser.
//!
//! When a badge page is shared on LinkedIn, X or in a chat, the platform shows the page's
//! [Open Graph](https://ogp.me/#structured) image. [`render_card`] draws it at build time, with
//! fonts embedded in the binary (Noto Sans for Latin, Greek and Cyrillic, then Noto Sans CJK SC
//! for the GB 2312 hanzi, each Regular and Bold, subset; see `assets/fonts/README.md`), so that
//! English, other European and Simplified Chinese names render the same on every machine. No
//! system font is consulted and no file or URL is read: the badge image comes in as bytes.
//!
//! A card is made in three steps, one module each:
//! - the [`Background`] (panel, badge image, frame) is an SVG rasterized by `resvg`, once per
//!   achievement; the badge image is embedded as a `data:` URI and any other `href` ignored;
//! - [`layout`] breaks and places the text column, whose labels ("OPEN BADGE", "earned",
//!   "Issued by …") come from the default theme's interface strings (`card_*` in
//!   `themes/default/i18n/<language>.toml`) for [`Card::language`], English filling any gap;
//! - [`glyphs`] draws that text from glyphs rasterized once per build, and [`encode`] writes
//!   the PNG, filtering again only the rows the text is on.
//!
//! [`card_svg`] gives the same card as one SVG document, the reference the text drawing is
//! tested against. Every text is XML-escaped there. Same card in, same bytes out.

mod encode;
mod glyphs;
mod layout;

use layout::{Layout, PANEL_WIDTH, Words};

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};
use skrifa::{FontRef, MetadataProvider as _};

/// Card width in pixels (the 1.91:1 Open Graph size LinkedIn recommends).
pub const WIDTH: u32 = 1200;
/// Card height in pixels.
pub const HEIGHT: u32 = 627;
/// The largest badge image accepted, in bytes.
pub const MAX_IMAGE_LEN: usize = 8 * 1024 * 1024;
/// The largest width or height of a PNG badge image, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 4096;

/// The `font-family` of the card's text: the Latin font, then the CJK font for what it lacks.
pub const FONT_FAMILY: &str = "'Noto Sans', 'Noto Sans CJK SC'";
const LATIN_REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/NotoSans-Regular.subset.ttf");
const LATIN_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/NotoSans-Bold.subset.ttf");
const CJK_REGULAR: &[u8] = include_bytes!("../../../../assets/fonts/NotoSansCJKsc-Regular.subset.otf");
const CJK_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/NotoSansCJKsc-Bold.subset.otf");

/// The accent colour when the card has none: a deep university blue.
pub const DEFAULT_ACCENT: &str = "#1d4e89";

/// What a preview card shows. Texts are plain (not markup); the date is already formatted
/// for the card's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The earner's name, shown largest.
    pub recipient: String,
    /// The achievement's name.
    pub achievement: String,
    /// The issuer's name.
    pub issuer: String,
    /// When it was awarded, formatted for display (e.g. `31 January 2024`, `2024年1月31日`).
    pub date: String,
    /// The achievement image, as the caller read it.
    pub image: Option<(Vec<u8>, ImageKind)>,
    /// A colour `#rgb` or `#rrggbb` for the side panel and headings; [`DEFAULT_ACCENT`] if `None`.
    pub accent: Option<String>,
    /// A BCP 47 language tag, for the labels (`zh…` gets the `zh-Hans` catalogue; a language
    /// without a catalogue gets English).
    pub language: String,
    /// Set when the issuer has withdrawn the award: the card says so instead of "earned", so
    /// that a link preview never shows a withdrawn badge as held.
    pub withdrawn: Option<Withdrawal>,
}

pub use crate::status::Withdrawal;

/// The formats a badge image may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Svg,
}

/// Why a card could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("the accent colour `{0}` is not a hex colour like `#1d4e89`")]
    BadAccent(String),
    #[error("the badge image is {len} bytes, more than the 8 MiB a card accepts")]
    ImageTooLarge { len: usize },
    #[error("the badge image is {width}×{height} pixels, more than the 4096×4096 a card accepts")]
    ImageTooWide { width: u32, height: u32 },
    #[error("the badge image is not a valid {kind}: {reason}")]
    BadImage { kind: &'static str, reason: String },
    #[error("could not render the card: {0}")]
    Render(String),
}

/// Renders `card` as a 1200×627 PNG.
pub fn render_card(card: &Card) -> Result<Vec<u8>, CardError> {
    let image = card.image.as_ref().map(|(bytes, kind)| (bytes.as_slice(), *kind));
    render_card_on(&Background::new(card.accent.as_deref(), image)?, card)
}

/// Everything on a card but its text: the panel, the badge image and the frame, rasterized
/// once and shared by every card with the same image and accent. A site build makes one per
/// achievement, so that each award's card only draws its text and encodes the PNG.
pub struct Background {
    /// The pixels as 8-bit RGB, which every card's pixels start as a copy of.
    rgb: Vec<u8>,
    /// The same rows Paeth-filtered for the PNG: a card filters only the rows its text is on.
    filtered: Vec<u8>,
    accent: Rgb,
}

impl Background {
    /// Rasterizes the background for `accent` ([`DEFAULT_ACCENT`] if `None`) and `image`.
    pub fn new(accent: Option<&str>, image: Option<(&[u8], ImageKind)>) -> Result<Background, CardError> {
        let accent = match accent {
            Some(text) => Rgb::parse(text).ok_or_else(|| CardError::BadAccent(text.to_string()))?,
            None => Rgb::parse(DEFAULT_ACCENT).unwrap_or(Rgb(29, 78, 137)),
        };
        let image = image.map(|(bytes, kind)| image_href(bytes, kind)).transpose()?;
        let mut svg = svg_open("");
        background_svg(&mut svg, accent, image.as_deref());
        svg.push_str("</svg>");
        let pixmap = rasterize(&svg)?;
        let rgb = opaque_rgb(pixmap.data());
        let filtered = encode::filter_all(&rgb, WIDTH as usize);
        Ok(Background { rgb, filtered, accent })
    }
}

/// Draws `card`'s text over a prepared background (the card's own `image` and `accent` are
/// not used: they are the background's) and encodes the PNG.
pub fn render_card_on(background: &Background, card: &Card) -> Result<Vec<u8>, CardError> {
    let words = Words::for_language(&card.language);
    let mut rgb = background.rgb.clone();
    let mut canvas =
        glyphs::Canvas { rgb: &mut rgb, width: WIDTH as usize, height: HEIGHT as usize, changed: None };
    Layout::new(card, &words).draw(&mut canvas, background.accent);
    let changed = canvas.changed.take();
    Ok(encode::encode(&rgb, &background.filtered, WIDTH as usize, changed))
}

/// Opaque RGBA pixels as RGB: premultiplied or not, they are the same, so alpha is dropped.
fn opaque_rgb(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4).flat_map(|pixel| [pixel[0], pixel[1], pixel[2]]).collect()
}

/// Draws an SVG document of the card's size on a transparent canvas.
fn rasterize(svg: &str) -> Result<tiny_skia::Pixmap, CardError> {
    let tree = usvg::Tree::from_str(svg, &options()).map_err(|err| CardError::Render(err.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT)
        .ok_or_else(|| CardError::Render("no memory for the image".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    Ok(pixmap)
}

/// Rasterizes a badge image (SVG) into a square PNG of `size` pixels, for baking into a PNG.
pub fn svg_to_png(svg: &[u8], size: u32) -> Result<Vec<u8>, CardError> {
    let tree = usvg::Tree::from_data(svg, &options()).map_err(|err| CardError::Render(err.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size, size)
        .ok_or_else(|| CardError::Render("no memory for the image".into()))?;
    let s = tree.size();
    let scale = (size as f32 / s.width()).min(size as f32 / s.height());
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|err| CardError::Render(err.to_string()))
}

/// The card as an SVG document, before rasterizing (its text uses [`FONT_FAMILY`]).
pub fn card_svg(card: &Card) -> Result<String, CardError> {
    let accent = match &card.accent {
        Some(text) => Rgb::parse(text).ok_or_else(|| CardError::BadAccent(text.clone()))?,
        None => Rgb::parse(DEFAULT_ACCENT).unwrap_or(Rgb(29, 78, 137)),
    };
    let image = card.image.as_ref().map(|(bytes, kind)| image_href(bytes, *kind)).transpose()?;
    let words = Words::for_language(&card.language);
    let mut svg = svg_open(&card.language);
    background_svg(&mut svg, accent, image.as_deref());
    Layout::new(card, &words).text_svg(&mut svg, accent);
    svg.push_str("</svg>");
    Ok(svg)
}

/// The card's `<svg>` start tag.
fn svg_open(language: &str) -> String {
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" "#,
            r#"width="{w}" height="{h}" viewBox="0 0 {w} {h}" xml:lang="{lang}">"#,
        ),
        w = WIDTH,
        h = HEIGHT,
        lang = quick_xml::escape::escape(language),
    )
}

/// The card without its text: white ground, tinted panel, accent bar, frame, badge tile.
fn background_svg(svg: &mut String, accent: Rgb, image: Option<&str>) {
    let tint = accent.mix(Rgb(255, 255, 255), 0.93);
    let ring = accent.mix(Rgb(255, 255, 255), 0.78);
    let dark = accent.mix(Rgb(0, 0, 0), 0.25);
    svg.reserve(4096 + image.map_or(0, str::len));
    let _ = write!(
        svg,
        concat!(
            r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##,
            r#"<rect width="{panel}" height="{h}" fill="{tint}"/>"#,
            r#"<rect width="14" height="{h}" fill="{accent}"/>"#,
            r##"<rect x="1" y="1" width="{w1}" height="{h1}" fill="none" stroke="#e3e6ea" stroke-width="2"/>"##,
        ),
        w = WIDTH,
        h = HEIGHT,
        w1 = WIDTH - 2,
        h1 = HEIGHT - 2,
        panel = PANEL_WIDTH,
        tint = tint,
        accent = accent,
    );

    // The badge, on a white tile in the middle of the panel.
    let cx = (14.0 + PANEL_WIDTH) / 2.0;
    let cy = HEIGHT as f32 / 2.0;
    let _ = write!(
        svg,
        r##"<rect x="{x}" y="{y}" width="304" height="304" rx="28" fill="#ffffff" stroke="{ring}" stroke-width="2"/>"##,
        x = cx - 152.0,
        y = cy - 152.0,
    );
    match image {
        Some(href) => {
            let _ = write!(
                svg,
                r#"<image x="{x}" y="{y}" width="256" height="256" preserveAspectRatio="xMidYMid meet" xlink:href="{href}"/>"#,
                x = cx - 128.0,
                y = cy - 128.0,
            );
        }
        None => rosette(svg, cx, cy, accent, dark),
    }
}

/// The placeholder when there is no badge image: a rosette in the accent colour.
fn rosette(svg: &mut String, cx: f32, cy: f32, accent: Rgb, dark: Rgb) {
    let top = cy - 24.0;
    // Two ribbon tails behind the medal.
    let _ = write!(
        svg,
        concat!(
            r#"<path d="M{a} {b}L{c} {d}L{e} {f}L{g} {h}Z" fill="{dark}"/>"#,
            r#"<path d="M{a2} {b}L{c2} {d}L{e2} {f}L{g2} {h}Z" fill="{dark}"/>"#,
        ),
        a = cx - 58.0,
        b = top + 40.0,
        c = cx - 96.0,
        d = top + 138.0,
        e = cx - 62.0,
        f = top + 124.0,
        g = cx - 28.0,
        h = top + 56.0,
        a2 = cx + 58.0,
        c2 = cx + 96.0,
        e2 = cx + 62.0,
        g2 = cx + 28.0,
        dark = dark,
    );
    // A scalloped disc: 20 small circles on a ring around a big one.
    for i in 0..20 {
        let angle = i as f32 * std::f32::consts::TAU / 20.0;
        let _ = write!(
            svg,
            r#"<circle cx="{x:.2}" cy="{y:.2}" r="15" fill="{accent}"/>"#,
            x = cx + 78.0 * angle.cos(),
            y = top + 78.0 * angle.sin(),
        );
    }
    let _ = write!(
        svg,
        concat!(
            r#"<circle cx="{cx}" cy="{top}" r="80" fill="{accent}"/>"#,
            r##"<circle cx="{cx}" cy="{top}" r="60" fill="none" stroke="#ffffff" stroke-width="4" stroke-opacity="0.85"/>"##,
            r##"<path d="M{x1} {y1}l18 18l34 -38" fill="none" stroke="#ffffff" stroke-width="10" stroke-linecap="round" stroke-linejoin="round"/>"##,
        ),
        x1 = cx - 27.0,
        y1 = top + 2.0,
        cx = cx,
        top = top,
        accent = accent,
    );
}

/// The badge image as a `data:` URI, after checking that it is what the caller says.
fn image_href(bytes: &[u8], kind: ImageKind) -> Result<String, CardError> {
    if bytes.len() > MAX_IMAGE_LEN {
        return Err(CardError::ImageTooLarge { len: bytes.len() });
    }
    let mime = match kind {
        ImageKind::Png => {
            let bad = |reason: &str| CardError::BadImage { kind: "PNG", reason: reason.to_string() };
            if !bytes.starts_with(crate::bake::png::SIGNATURE) {
                return Err(bad("it does not start with the PNG signature"));
            }
            let side =
                |at: usize| bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            let (Some(width), Some(height)) = (side(16), side(20)) else {
                return Err(bad("it ends before its header"));
            };
            if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
                return Err(CardError::ImageTooWide { width, height });
            }
            tiny_skia::Pixmap::decode_png(bytes).map_err(|err| bad(&err.to_string()))?;
            "image/png"
        }
        ImageKind::Svg => {
            let bad = |reason: String| CardError::BadImage { kind: "SVG", reason };
            let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not UTF-8 text".into()))?;
            usvg::Tree::from_str(text, &options()).map_err(|err| bad(err.to_string()))?;
            "image/svg+xml"
        }
    };
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(format!("data:{mime};base64,{data}"))
}

/// The rendering options: only the embedded fonts, and no `href` but `data:` URIs.
fn options() -> usvg::Options<'static> {
    usvg::Options {
        font_family: "Noto Sans".to_string(),
        fontdb: fonts(),
        font_resolver: usvg::FontResolver {
            select_font: usvg::FontResolver::default_font_selector(),
            // usvg's own fallback takes the first font that has the character, whatever its
            // weight; take the closest weight, so that Chinese in a bold line is bold.
            select_fallback: Box::new(|c, used, db| {
                let weight = db.face(*used.first()?)?.weight.0;
                db.faces()
                    .filter(|face| !used.contains(&face.id) && has_char(db, face.id, c))
                    .min_by_key(|face| face.weight.0.abs_diff(weight))
                    .map(|face| face.id)
            }),
        },
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// Whether a font of the database maps `c` to a glyph.
fn has_char(db: &fontdb::Database, id: fontdb::ID, c: char) -> bool {
    db.with_face_data(id, |data, index| FontRef::from_index(data, index).ok()?.charmap().map(c))
        .flatten()
        .is_some()
}

/// The embedded fonts, loaded once.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            for font in [LATIN_REGULAR, LATIN_BOLD, CJK_REGULAR, CJK_BOLD] {
                db.load_font_source(fontdb::Source::Binary(Arc::new(font)));
            }
            db.set_sans_serif_family("Noto Sans");
            db.set_serif_family("Noto Sans");
            Arc::new(db)
        })
        .clone()
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rgb(u8, u8, u8);

impl Rgb {
    /// `#rgb` or `#rrggbb`.
    fn parse(text: &str) -> Option<Rgb> {
        let hex = text.strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(hex.get(i..i + 1)?, 16).ok();
        match hex.len() {
            3 => Some(Rgb(digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
            6 => {
                Some(Rgb(digit(0)? * 16 + digit(1)?, digit(2)? * 16 + digit(3)?, digit(4)? * 16 + digit(5)?))
            }
            _ => None,
        }
    }

    /// This colour moved `amount` (0–1) of the way towards `other`.
    fn mix(self, other: Rgb, amount: f32) -> Rgb {
        let channel = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * amount).round() as u8;
        Rgb(channel(self.0, other.0), channel(self.1, other.1), channel(self.2, other.2))
    }
}

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use layout::TEXT_X;

    #[test]
    fn accent_colours_parse_strictly() {
        assert_eq!(Rgb::parse("#1d4e89"), Some(Rgb(0x1d, 0x4e, 0x89)));
        assert_eq!(Rgb::parse("#fff"), Some(Rgb(255, 255, 255)));
        for bad in ["1d4e89", "#12345", "#ggg", "red", "#1d4e89\" onload=\"x", "#ＡＡＡ"] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    fn card(recipient: &str, achievement: &str, language: &str) -> Card {
        Card {
            recipient: recipient.into(),
            achievement: achievement.into(),
            issuer: "Example University".into(),
            date: "31 January 2024".into(),
            image: None,
            accent: None,
            language: language.into(),
            withdrawn: None,
        }
    }

    /// Decodes a PNG: width, height and 8-bit RGBA pixels.
    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("a valid PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut pixels).expect("decodes");
        pixels.truncate(info.buffer_size());
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let pixels = match info.color_type {
            png::ColorType::Rgba => pixels,
            png::ColorType::Rgb => pixels.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
            other => panic!("unexpected colour type {other:?}"),
        };
        (info.width, info.height, pixels)
    }

    /// Pixels darker than mid-grey inside a rectangle: how much ink text left there.
    fn ink(pixels: &[u8], x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| ((y * WIDTH + x) * 4) as usize))
            .filter(|&i| pixels[i..i + 3].iter().map(|&c| u32::from(c)).sum::<u32>() < 3 * 128)
            .count()
    }

    /// A small opaque PNG, made with tiny-skia.
    fn square_png(colour: tiny_skia::Color) -> Vec<u8> {
        let mut pixmap = tiny_skia::Pixmap::new(64, 64).expect("pixmap");
        pixmap.fill(colour);
        pixmap.encode_png().expect("encodes")
    }

    #[test]
    fn renders_a_1200_by_627_png() {
        let bytes = render_card(&card("Ada Lovelace", "Analytical Engines", "en")).expect("renders");
        let (width, height, _) = decode(&bytes);
        assert_eq!((width, height), (1200, 627));
    }

    /// Cards of a build share a background and a glyph cache: a card must not depend on
    /// which cards were drawn before it.
    #[test]
    fn a_card_over_a_shared_background_is_the_card_drawn_alone() {
        let badge = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0a7"/></svg>"##;
        for (image, accent) in [
            (Some((square_png(tiny_skia::Color::from_rgba8(200, 40, 40, 255)), ImageKind::Png)), None),
            (Some((badge.as_bytes().to_vec(), ImageKind::Svg)), Some("#9f1239".to_string())),
            (None, None),
        ] {
            let mut input = card("Łukasz Dvořák · 王小明", "Data Analysis 数据分析 (Level 2)", "zh-CN");
            input.image = image;
            input.accent = accent;
            let background = Background::new(
                input.accent.as_deref(),
                input.image.as_ref().map(|(b, k)| (b.as_slice(), *k)),
            )
            .expect("background");
            let other = card("Ada Lovelace", "Analytical Engines", "en");
            let first = render_card_on(&background, &other).expect("first card");
            let shared = render_card_on(&background, &input).expect("renders");
            assert_eq!(shared, render_card(&input).expect("renders alone"));
            assert_ne!(
                decode(&first).2,
                decode(&shared).2,
                "the background keeps no text of an earlier card"
            );
        }
    }

    /// The cached-glyph text is the text resvg draws from [`card_svg`]: same glyphs, same
    /// places, same colours, up to anti-aliasing. Except where a line mixes Latin and Chinese:
    /// usvg then draws the whole line's Latin letters from the CJK face, not the face they were
    /// measured with; here every character comes from the face [`layout::measure`] takes.
    #[test]
    fn a_withdrawn_award_is_never_shown_as_earned() {
        for (withdrawn, label) in [(Withdrawal::Revoked, "REVOKED"), (Withdrawal::Suspended, "SUSPENDED")] {
            let svg =
                card_svg(&Card { withdrawn: Some(withdrawn), ..card("Aroha Ngata", "Lab Safety", "en") })
                    .expect("svg");
            assert!(svg.contains(label) && !svg.contains(">earned<"), "{svg}");
            assert!(!svg.contains("OPEN BADGE"), "{svg}");
        }
        let svg =
            card_svg(&Card { withdrawn: Some(Withdrawal::Revoked), ..card("李明", "数据", "zh-Hans") })
                .expect("svg");
        assert!(svg.contains("已撤销"), "{svg}");
        let earned = card_svg(&card("Aroha Ngata", "Lab Safety", "en")).expect("svg");
        assert!(earned.contains(">earned<") && !earned.contains("REVOKED"), "{earned}");
    }

    #[test]
    fn cached_glyphs_draw_what_resvg_draws() {
        for (input, exact) in [
            (card("Ada Lovelace", "Analytical Engines", "en"), true),
            (card("AVAWAY Tô Thị Lưu", "Typography: kerning, ligatures (fi fl)", "vi"), true),
            (card("Łukasz Dvořák · 王小明", "Data Analysis 数据分析 (Level 2)", "zh-CN"), false),
            (
                Card {
                    issuer: "北京示例大学".into(),
                    date: "二〇二四年一月三十一日".into(),
                    ..card("李明", "数据科学高级研修", "zh-CN")
                },
                true,
            ),
        ] {
            let reference = rasterize(&card_svg(&input).expect("svg")).expect("renders");
            let reference: Vec<u8> =
                reference.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
            let (_, _, ours) = decode(&render_card(&input).expect("renders"));
            let name = &input.recipient;
            let (a, b) = (ink(&ours, 0, 0, WIDTH, HEIGHT), ink(&reference, 0, 0, WIDTH, HEIGHT));
            assert!(a.abs_diff(b) * 100 < b, "{name}: ink {a} against resvg's {b}");
            if !exact {
                continue;
            }
            {
                let total: u64 = ours.iter().zip(&reference).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
                let mean = total as f64 / ours.len() as f64;
                let large = ours.iter().zip(&reference).filter(|(a, b)| a.abs_diff(**b) > 96).count();
                assert!(
                    mean < 0.1 && large < 50,
                    "{name}: mean difference {mean}, {large} channels off by >96"
                );
            }
            // Block by block (16 px), the grey levels agree: nothing is missing or misplaced.
            let block = |pixels: &[u8], bx: u32, by: u32| -> u32 {
                (by * 16..(by + 1) * 16)
                    .flat_map(|y| (bx * 16..(bx + 1) * 16).map(move |x| ((y * WIDTH + x) * 4) as usize))
                    .map(|i| pixels[i..i + 3].iter().map(|&c| u32::from(c)).sum::<u32>())
                    .sum::<u32>()
                    / (16 * 16 * 3)
            };
            for by in 0..HEIGHT / 16 {
                for bx in 0..WIDTH / 16 {
                    let (x, y) = (block(&ours, bx, by), block(&reference, bx, by));
                    assert!(x.abs_diff(y) <= 24, "{name}: block ({bx}, {by}) is {x} against resvg's {y}");
                }
            }
        }
    }

    #[test]
    fn rendering_is_deterministic() {
        let mut input = card("Ada Lovelace", "Analytical Engines", "en");
        input.image = Some((square_png(tiny_skia::Color::from_rgba8(200, 40, 40, 255)), ImageKind::Png));
        assert_eq!(render_card(&input), render_card(&input));
    }

    #[test]
    fn the_embedded_font_covers_latin_and_gb2312() {
        for (latin, cjk) in [(LATIN_REGULAR, CJK_REGULAR), (LATIN_BOLD, CJK_BOLD)] {
            let latin = FontRef::new(latin).expect("parses").charmap();
            let cjk = FontRef::new(cjk).expect("parses").charmap();
            for c in "AéßŁłŘřŞşĐđưỗ ǅ…“”€ ΑΩαω ДЖЯжя".chars() {
                assert!(latin.map(c).is_some(), "{c:?} is missing from the Latin font");
            }
            for c in "李明张伟王芳刘洋陈静杨磊赵丽黄强周敏吴军 获得了颁发机构数据科学，。（）：".chars()
            {
                assert!(cjk.map(c).is_some(), "{c:?} is missing from the CJK font");
            }
        }
    }

    #[test]
    fn chinese_text_renders_as_glyphs() {
        let with = render_card(&card("李明", "数据科学高级研修", "zh-CN")).expect("renders");
        let without = render_card(&card("", "", "zh-CN")).expect("renders");
        let (_, _, with) = decode(&with);
        let (_, _, without) = decode(&without);
        let (column, top, bottom) = (TEXT_X as u32, 60, HEIGHT - 60);
        let (a, b) =
            (ink(&with, column, top, WIDTH - 40, bottom), ink(&without, column, top, WIDTH - 40, bottom));
        assert!(a > b + 2000, "Chinese names leave ink: {a} vs {b} dark pixels");
        let svg = card_svg(&card("李明", "数据科学高级研修", "zh-CN")).expect("svg");
        assert!(svg.contains("获得了") && svg.contains("颁发机构：Example University"), "{svg}");
    }

    #[test]
    fn hostile_text_is_escaped() {
        let mut input = card("<script>alert(1)</script>", "]]> & <![CDATA[ \"quoted\" 'x'", "en\"><x");
        input.issuer = "</text><image href=\"file:///etc/passwd\"/>".into();
        let svg = card_svg(&input).expect("svg");
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"), "{svg}");
        assert!(!svg.contains("</text><image") && !svg.contains("<![CDATA["), "{svg}");
        assert!(svg.contains("]]&gt; &amp;"), "{svg}");
        render_card(&input).expect("renders all the same");
    }

    #[test]
    fn long_names_never_overflow_the_card() {
        let long =
            "Maximilian Alexander Montgomery-Fitzwilliam Vanderbilt-Kensington the Third of Northumberland";
        let svg = card_svg(&card(long, &"Pneumonoultramicroscopicsilicovolcanoconiosis ".repeat(4), "en"))
            .expect("svg");
        assert!(svg.contains('…'), "cut with an ellipsis");
        let bytes = render_card(&card(long, &"Advanced ".repeat(30), "en")).expect("renders");
        let (_, _, pixels) = decode(&bytes);
        // The right margin (inside the border) stays blank: nothing ran past the column.
        assert_eq!(ink(&pixels, WIDTH - 60, 4, WIDTH - 4, HEIGHT - 4), 0);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let mut input = card("A", "B", "en");
        input.accent = Some("red\" onload=\"x".into());
        assert_eq!(render_card(&input), Err(CardError::BadAccent("red\" onload=\"x".into())));
        input.accent = Some("#0a7".into());
        input.image = Some((b"not a png".to_vec(), ImageKind::Png));
        let err = render_card(&input).expect_err("bad image");
        assert_eq!(
            err.to_string(),
            "the badge image is not a valid PNG: it does not start with the PNG signature"
        );
        input.image = Some((b"<svg".to_vec(), ImageKind::Svg));
        assert!(matches!(render_card(&input), Err(CardError::BadImage { kind: "SVG", .. })));
        let mut huge = crate::bake::png::SIGNATURE.to_vec();
        huge.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 1, 0, 0, 0, 1, 0, 0]);
        input.image = Some((huge, ImageKind::Png));
        assert_eq!(render_card(&input), Err(CardError::ImageTooWide { width: 65536, height: 65536 }));
    }

    #[test]
    fn svg_images_are_embedded_and_cannot_reach_the_disk() {
        let mut input = card("Ada Lovelace", "Analytical Engines", "en");
        let badge = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5" fill="#c00"/><image width="10" height="10" xlink:href="/etc/hostname"/></svg>"##;
        input.image = Some((badge.as_bytes().to_vec(), ImageKind::Svg));
        let (_, _, pixels) = decode(&render_card(&input).expect("renders"));
        let centre = ((HEIGHT / 2 * WIDTH + 219) * 4) as usize;
        assert_eq!(&pixels[centre..centre + 3], &[0xcc, 0, 0], "the red badge is drawn in the panel");
    }

    /// Writes sample cards to `$TMPDIR/rosette-cards/` for a person to look at:
    /// `cargo test --lib card::tests::sample_cards -- --ignored`.
    #[test]
    #[ignore = "writes files for eyeballing"]
    fn sample_cards() {
        let dir = std::env::temp_dir().join("rosette-cards");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let badge = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200"><circle cx="100" cy="100" r="96" fill="#0f766e"/><circle cx="100" cy="100" r="78" fill="none" stroke="#fff" stroke-width="6"/><path d="M100 40l17 36 40 5-29 27 8 39-36-20-36 20 8-39-29-27 40-5z" fill="#fde68a"/></svg>"##;
        let samples = [
            ("en-plain", card("Ada Lovelace", "Teamwork", "en"), None),
            (
                "en-long",
                card(
                    "Maximilian Alexander Montgomery-Fitzwilliam Vanderbilt",
                    "Certificate of Advanced Study in Machine Learning for Healthcare Applications",
                    "en",
                ),
                Some((badge.as_bytes().to_vec(), ImageKind::Svg)),
            ),
            (
                "zh",
                card("李明", "数据科学与人工智能高级研修项目", "zh-CN"),
                Some((badge.as_bytes().to_vec(), ImageKind::Svg)),
            ),
            ("mixed", card("Łukasz Dvořák · 王小明", "Data Analysis 数据分析 (Level 2)", "pl"), None),
            (
                "png-image",
                card("Grace Hopper", "Compiler Construction", "en"),
                Some((square_png(tiny_skia::Color::from_rgba8(124, 58, 237, 255)), ImageKind::Png)),
            ),
        ];
        for (name, mut input, image) in samples {
            input.image = image;
            if name == "zh" {
                input.issuer = "北京示例大学".into();
                input.date = "2024年1月31日".into();
                input.accent = Some("#9f1239".into());
            }
            let path = dir.join(format!("{name}.png"));
            std::fs::write(&path, render_card(&input).expect("renders")).expect("write");
            eprintln!("wrote {}", path.display());
        }
    }
}
