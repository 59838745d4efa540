//! The link-preview card: a 1200×627 PNG for `og:image`, rendered without a browser.
//!
//! When a badge page is shared on LinkedIn, X or in a chat, the platform shows the page's
//! [Open Graph](https://ogp.me/#structured) image. [`render_card`] draws it at build time: the
//! card is written as an SVG ([`card_svg`]) and rasterized by `resvg`, with fonts embedded in
//! the binary (Noto Sans for Latin, Greek and Cyrillic, then Noto Sans CJK SC for the GB 2312
//! hanzi, each Regular and Bold, subset; see `assets/fonts/README.md`), so that English, other
//! European and Simplified Chinese names render the same on every machine. No system font is
//! consulted and no file or URL is read: the badge image comes in as bytes and is embedded as a
//! `data:` URI, and any other `href` is ignored.
//!
//! The card's few labels ("OPEN BADGE", "earned", "Issued by …") come from the default
//! theme's interface strings (`card_*` in `themes/default/i18n/<language>.toml`) for
//! [`Card::language`], English filling any gap.
//!
//! SVG 1.1 text does not wrap, so lines are broken here, measured with the embedded fonts'
//! advance widths: at spaces, and between ideographs. A name that still does not fit shrinks,
//! then ends in "…". Every text is XML-escaped. Same card in, same bytes out.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, GlyphId, MetadataProvider as _};

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
const LATIN_REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSans-Regular.subset.ttf");
const LATIN_BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSans-Bold.subset.ttf");
const CJK_REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSansCJKsc-Regular.subset.otf");
const CJK_BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSansCJKsc-Bold.subset.otf");

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
}

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
    pixmap: tiny_skia::Pixmap,
    /// The same pixels as 8-bit RGB, which every card's image data starts as a copy of.
    rgb: Vec<u8>,
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
        Ok(Background { pixmap, rgb, accent })
    }
}

/// Renders `card`'s text over a prepared background (the card's own `image` and `accent` are
/// not used: they are the background's). The pixels are those [`render_card`] draws in one
/// pass, because the text layer is transparent and painted over the same background.
pub fn render_card_on(background: &Background, card: &Card) -> Result<Vec<u8>, CardError> {
    let words = Words::for_language(&card.language);
    let mut svg = svg_open(&card.language);
    Layout::new(card, &words).text_svg(&mut svg, background.accent);
    svg.push_str("</svg>");
    let tree = usvg::Tree::from_str(&svg, &options()).map_err(|err| CardError::Render(err.to_string()))?;
    // Only the text column changes from card to card: it is drawn over a copy of that part of
    // the background alone, and pasted into a copy of the background's RGB (a card used to
    // clone, convert and draw all 1200×627 pixels, a third of its cost).
    let mut rgb = background.rgb.clone();
    let area = text_area(tree.root().abs_layer_bounding_box());
    let mut layer = background
        .pixmap
        .clone_rect(area)
        .ok_or_else(|| CardError::Render("the text lies outside the card".into()))?;
    let shift = tiny_skia::Transform::from_translate(-(area.x() as f32), -(area.y() as f32));
    resvg::render(&tree, shift, &mut layer.as_mut());
    let (x, width) = (area.x() as usize, area.width() as usize);
    for (row, line) in layer.data().chunks_exact(width * 4).enumerate() {
        let start = ((area.y() as usize + row) * WIDTH as usize + x) * 3;
        paste_rgb(&mut rgb[start..start + width * 3], line);
    }
    encode_rgb(&rgb)
}

/// The whole pixels that `bounds` touches, with a margin for anti-aliasing, within the card.
fn text_area(bounds: tiny_skia::NonZeroRect) -> tiny_skia::IntRect {
    let clamp = |v: f32, max: u32| (v.max(0.0) as u32).min(max);
    let (left, top) =
        (clamp(bounds.left().floor() - 2.0, WIDTH - 1), clamp(bounds.top().floor() - 2.0, HEIGHT - 1));
    let right = clamp(bounds.right().ceil() + 2.0, WIDTH).max(left + 1);
    let bottom = clamp(bounds.bottom().ceil() + 2.0, HEIGHT).max(top + 1);
    tiny_skia::IntRect::from_ltrb(left as i32, top as i32, right as i32, bottom as i32)
        .unwrap_or_else(|| tiny_skia::IntRect::from_xywh(0, 0, WIDTH, HEIGHT).expect("the card is not empty"))
}

/// Opaque RGBA pixels as RGB: premultiplied or not, they are the same, so alpha is dropped.
fn opaque_rgb(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = vec![0; rgba.len() / 4 * 3];
    paste_rgb(&mut rgb, rgba);
    rgb
}

/// Writes opaque RGBA pixels into RGB ones.
fn paste_rgb(rgb: &mut [u8], rgba: &[u8]) {
    for (to, from) in rgb.chunks_exact_mut(3).zip(rgba.chunks_exact(4)) {
        to.copy_from_slice(&from[..3]);
    }
}

/// Draws an SVG document of the card's size on a transparent canvas.
fn rasterize(svg: &str) -> Result<tiny_skia::Pixmap, CardError> {
    let tree = usvg::Tree::from_str(svg, &options()).map_err(|err| CardError::Render(err.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT)
        .ok_or_else(|| CardError::Render("no memory for the image".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    Ok(pixmap)
}

/// Encodes a card's RGB pixels as an 8-bit RGB PNG with fast compression: the card is painted
/// on white, so alpha carries nothing, and the default (adaptive, balanced) encoding cost more
/// than drawing the card. Same pixels in, same bytes out.
fn encode_rgb(rgb: &[u8]) -> Result<Vec<u8>, CardError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // fdeflate: far cheaper than the default zlib level, for cards of about 90 KB instead of
    // 55 KB. Paeth on every row makes them 1% larger than adaptive filtering, which tries all
    // five filters on each row, and is 7% faster (`Fastest`, filter `Up`, made them 134 KB).
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::Filter::Paeth);
    let err = |e: png::EncodingError| CardError::Render(e.to_string());
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
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

/// The labels of a card in one language.
struct Words {
    kicker: String,
    kicker_spacing: f32,
    earned: String,
    /// "Issued by {issuer}": the issuer's name goes where `{issuer}` is.
    issued_by: String,
}

impl Words {
    fn for_language(tag: &str) -> Words {
        let get = |key: &str, english: &str| {
            crate::templates::default_string(tag, key).unwrap_or_else(|| english.to_string())
        };
        let kicker = get("card_kicker", "OPEN BADGE");
        // Spaced-out capitals read as a label; ideographs need a little more air.
        let kicker_spacing = if kicker.chars().any(|c| c > '\u{2e80}') { 4.0 } else { 3.0 };
        Words {
            kicker,
            kicker_spacing,
            earned: get("card_earned", "earned"),
            issued_by: get("card_issued_by", "Issued by {issuer}"),
        }
    }
}

/// Left edge of the text column and its width.
const TEXT_X: f32 = 484.0;
const TEXT_WIDTH: f32 = WIDTH as f32 - TEXT_X - 72.0;
/// Width of the tinted panel that holds the badge image.
const PANEL_WIDTH: f32 = 424.0;
/// Ascent of Noto Sans CJK as a fraction of the font size (880/1000 units).
const ASCENT: f32 = 0.88;

/// One line of text at a place, in a style.
struct Line {
    text: String,
    y: f32,
    size: f32,
    bold: bool,
    fill: Fill,
    spacing: f32,
}

#[derive(Clone, Copy)]
enum Fill {
    Accent,
    AccentDark,
    Ink,
    Muted,
}

/// Lines stacked from the top of the text column.
#[derive(Default)]
struct Column {
    lines: Vec<Line>,
    /// The top of the next line.
    y: f32,
}

impl Column {
    /// Adds lines of one style, then a gap.
    fn push(&mut self, texts: Vec<String>, size: f32, bold: bool, fill: Fill, gap: f32) {
        let height = (size * 1.22).round();
        for text in texts {
            let baseline = self.y + (height - size) / 2.0 + ASCENT * size;
            self.lines.push(Line { text, y: baseline.round(), size, bold, fill, spacing: 0.0 });
            self.y += height;
        }
        self.y += gap;
    }
}

/// The text column, laid out from the top and then centred vertically.
struct Layout {
    lines: Vec<Line>,
    /// The y of the thin rule between the achievement and the issuer.
    rule_y: f32,
}

impl Layout {
    fn new(card: &Card, words: &Words) -> Layout {
        let mut column = Column::default();
        column.push(vec![words.kicker.clone()], 22.0, true, Fill::Accent, 18.0);
        if let Some(line) = column.lines.last_mut() {
            line.spacing = words.kicker_spacing;
        }
        let (size, recipient) = fit(&card.recipient, &[(66.0, 2), (58.0, 2), (50.0, 2), (44.0, 3)]);
        column.push(recipient, size, true, Fill::Ink, 6.0);
        column.push(vec![words.earned.clone()], 30.0, false, Fill::Muted, 10.0);
        let (size, achievement) = fit(&card.achievement, &[(46.0, 2), (40.0, 2), (34.0, 3)]);
        column.push(achievement, size, true, Fill::AccentDark, 26.0);
        let rule_y = column.y;
        column.y += 28.0;
        let issuer =
            wrap(&words.issued_by.replace("{issuer}", &clean(&card.issuer)), false, 26.0, TEXT_WIDTH, 1).0;
        column.push(issuer, 26.0, false, Fill::Ink, 4.0);
        let date = wrap(&card.date, false, 24.0, TEXT_WIDTH, 1).0;
        column.push(date, 24.0, false, Fill::Muted, 0.0);
        let Column { mut lines, y } = column;

        // Centre the column vertically, but never closer than 48 px to the top.
        let top = ((HEIGHT as f32 - y) / 2.0).max(48.0).round();
        for line in &mut lines {
            line.y += top;
        }
        Layout { lines, rule_y: rule_y + top }
    }

    /// The text column: a transparent layer over the background.
    fn text_svg(&self, svg: &mut String, accent: Rgb) {
        let dark = accent.mix(Rgb(0, 0, 0), 0.25);
        let _ = write!(
            svg,
            r##"<rect x="{TEXT_X}" y="{y}" width="{TEXT_WIDTH}" height="2" fill="#e5e7eb"/>"##,
            y = self.rule_y,
        );
        for line in &self.lines {
            let fill = match line.fill {
                Fill::Accent => accent,
                Fill::AccentDark => dark,
                Fill::Ink => Rgb(0x11, 0x18, 0x27),
                Fill::Muted => Rgb(0x4b, 0x55, 0x63),
            };
            let _ = write!(
                svg,
                r#"<text x="{TEXT_X}" y="{y}" font-family="{FONT_FAMILY}" font-size="{size}" font-weight="{weight}" fill="{fill}""#,
                y = line.y,
                size = line.size,
                weight = if line.bold { 700 } else { 400 },
            );
            if line.spacing > 0.0 {
                let _ = write!(svg, r#" letter-spacing="{}""#, line.spacing);
            }
            let _ = write!(svg, ">{}</text>", quick_xml::escape::escape(line.text.as_str()));
        }
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

/// The first `(size, lines)` step at which `text` fits; past the last step the last line is
/// ellipsized.
fn fit(text: &str, steps: &[(f32, usize)]) -> (f32, Vec<String>) {
    let text = clean(text);
    let mut last = (0.0, Vec::new());
    for &(size, max_lines) in steps {
        let (lines, cut) = wrap(&text, true, size, TEXT_WIDTH, max_lines);
        if !cut {
            return (size, balance(&text, size, lines));
        }
        last = (size, lines);
    }
    last
}

/// Re-wraps lines that fit to the narrowest width that needs no more of them, so that a
/// second line is not a lone word or character.
fn balance(text: &str, size: f32, lines: Vec<String>) -> Vec<String> {
    if lines.len() < 2 {
        return lines;
    }
    let fits = |width: f32| {
        let (candidate, cut) = wrap(text, true, size, width, lines.len());
        (!cut && candidate.len() == lines.len()).then_some(candidate)
    };
    let (mut low, mut high) = (TEXT_WIDTH / lines.len() as f32, TEXT_WIDTH);
    while high - low > 4.0 {
        let middle = (low + high) / 2.0;
        match fits(middle) {
            Some(_) => high = middle,
            None => low = middle,
        }
    }
    fits(high).unwrap_or(lines)
}

/// Collapses white space and drops characters that cannot be shown (controls, non-characters).
fn clean(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') { ' ' } else { c })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Breaks `text` into at most `max_lines` lines no wider than `width`; says whether it had to
/// cut (the last line then ends in "…"). Breaks at spaces and around ideographs; a word wider
/// than a line is broken between characters.
fn wrap(text: &str, bold: bool, size: f32, width: f32, max_lines: usize) -> (Vec<String>, bool) {
    let text = clean(text);
    let measure = |s: &str| measure(s, bold, size);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for token in tokens(&text) {
        let candidate = format!("{line}{token}");
        if measure(candidate.trim_end()) <= width {
            line = candidate;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        line = String::new();
        // Break a word that is wider than a whole line between its characters.
        for c in token.trim_start().chars() {
            let candidate = format!("{line}{c}");
            if measure(&candidate) > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line.push(c);
            } else {
                line = candidate;
            }
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    if lines.len() <= max_lines {
        return (lines, false);
    }
    lines.truncate(max_lines);
    if let Some(last) = lines.last_mut() {
        let mut kept: String = last.clone();
        while !kept.is_empty() && measure(&format!("{}…", kept.trim_end())) > width {
            kept.pop();
        }
        *last = format!("{}…", kept.trim_end());
    }
    (lines, true)
}

/// Splits text where a line may break: after a space, and before and after each ideograph
/// (closing punctuation stays with the character before it).
fn tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if is_closing_punctuation(c) {
            current.push(c);
        } else if is_ideographic(c) {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            current.push(c);
        } else if c == ' ' {
            if current.chars().last().is_some_and(is_ideographic) {
                tokens.push(std::mem::take(&mut current));
            }
            current.push(c);
        } else {
            // A Latin letter after a space or an ideograph starts a new token.
            if current.ends_with(' ') && !current.trim().is_empty()
                || current.chars().last().is_some_and(|l| is_ideographic(l) || is_closing_punctuation(l))
            {
                tokens.push(std::mem::take(&mut current));
            }
            current.push(c);
            // A line may also break after a hyphen or a slash.
            if matches!(c, '-' | '/' | '\u{2010}') && current.chars().count() > 1 {
                tokens.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// CJK scripts, where a line may break between any two characters: radicals, kana, Bopomofo,
/// the CJK Unified Ideographs and their extensions, Hangul syllables.
fn is_ideographic(c: char) -> bool {
    matches!(
        c as u32,
        0x2E80..=0x2FDF | 0x3040..=0x30FF | 0x3100..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
    )
}

/// Punctuation that must not start a line (a small part of the Chinese line-breaking rules).
fn is_closing_punctuation(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '】'
            | '”'
            | '’'
            | '·'
            | '…'
    )
}

/// The advance width of `text` in pixels, from the embedded fonts' metrics, each character
/// taken from the font the renderer takes it from (no kerning, which only ever narrows text).
fn measure(text: &str, bold: bool, size: f32) -> f32 {
    let (latin, cjk) = if bold { (LATIN_BOLD, CJK_BOLD) } else { (LATIN_REGULAR, CJK_REGULAR) };
    let (Ok(latin), Ok(cjk)) = (FontRef::new(latin), FontRef::new(cjk)) else {
        // The embedded fonts always parse; if they ever did not, over-estimate.
        return text.chars().count() as f32 * size;
    };
    let fonts = [latin, cjk]
        .map(|font| (font.charmap(), font.glyph_metrics(Size::new(size), LocationRef::default())));
    text.chars()
        .map(|c| {
            let (glyph, metrics) = fonts
                .iter()
                .find_map(|(charmap, metrics)| Some((charmap.map(c)?, metrics)))
                .unwrap_or((GlyphId::NOTDEF, &fonts[0].1));
            metrics.advance_width(glyph).unwrap_or(size)
        })
        .sum()
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

    #[test]
    fn accent_colours_parse_strictly() {
        assert_eq!(Rgb::parse("#1d4e89"), Some(Rgb(0x1d, 0x4e, 0x89)));
        assert_eq!(Rgb::parse("#fff"), Some(Rgb(255, 255, 255)));
        for bad in ["1d4e89", "#12345", "#ggg", "red", "#1d4e89\" onload=\"x", "#ＡＡＡ"] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn long_latin_names_wrap_at_spaces_and_end_in_an_ellipsis() {
        let text = "Certificate of Advanced Study in Machine Learning for Healthcare Applications and Beyond";
        let (lines, cut) = wrap(text, true, 46.0, TEXT_WIDTH, 2);
        assert!(cut);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("Certificate of"), "{lines:?}");
        assert!(lines[1].ends_with('…'), "{lines:?}");
        for line in &lines {
            assert!(measure(line, true, 46.0) <= TEXT_WIDTH, "{line}");
        }
    }

    #[test]
    fn chinese_breaks_between_ideographs_but_not_before_closing_punctuation() {
        let text = "数据科学与人工智能高级研修项目，优秀结业证书（二〇二四年度）";
        let (lines, _) = wrap(text, true, 46.0, 400.0, 10);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with('，') && !l.starts_with('）')), "{lines:?}");
        assert_eq!(lines.concat(), text.to_string(), "nothing lost");
    }

    #[test]
    fn an_unbreakable_word_is_broken_between_characters() {
        let (lines, cut) = wrap(&"W".repeat(200), true, 66.0, TEXT_WIDTH, 2);
        assert!(cut);
        assert!(lines.iter().all(|l| measure(l, true, 66.0) <= TEXT_WIDTH), "{lines:?}");
    }

    #[test]
    fn white_space_and_controls_are_cleaned() {
        assert_eq!(clean("  Ada\n\tLovelace\u{0}\u{7} "), "Ada Lovelace");
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

    /// Regression for issue #7 (fast builds): drawing the text over a shared, prepared
    /// background must give the pixels of the card drawn in one pass.
    #[test]
    fn a_card_over_a_prepared_background_has_the_pixels_of_one_pass() {
        let badge = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0a7"/></svg>"##;
        for (image, accent) in [
            (Some((square_png(tiny_skia::Color::from_rgba8(200, 40, 40, 255)), ImageKind::Png)), None),
            (Some((badge.as_bytes().to_vec(), ImageKind::Svg)), Some("#9f1239".to_string())),
            (None, None),
        ] {
            let mut input = card("Łukasz Dvořák · 王小明", "Data Analysis 数据分析 (Level 2)", "zh-CN");
            input.image = image;
            input.accent = accent;
            let one_pass = rasterize(&card_svg(&input).expect("svg")).expect("renders");
            let background = Background::new(
                input.accent.as_deref(),
                input.image.as_ref().map(|(b, k)| (b.as_slice(), *k)),
            )
            .expect("background");
            let other = card("Ada Lovelace", "Analytical Engines", "en");
            let (_, _, reused) = decode(&render_card_on(&background, &other).expect("first card"));
            let (_, _, layered) = decode(&render_card_on(&background, &input).expect("renders"));
            assert_eq!(layered, one_pass.data(), "layered and one-pass pixels differ");
            assert_ne!(reused, layered, "the background keeps no text of an earlier card");
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
